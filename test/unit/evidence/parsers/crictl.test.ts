import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCrictlPods, parseCrictlPs } from '../../../../src/evidence/parsers/crictl.js';
import { expectWellFormedWarnings, fixture, mutate, mutations } from './helpers.js';

const ID = '2a4b6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3';

describe('parseCrictlPs', () => {
  describe('text', () => {
    it('reads the runbook sample (spacing lost, CREATED with spaces)', () => {
      expect(parseCrictlPs(fixture('crictl-ps-runbook.txt'), 'crictl-ps.txt')).toEqual({
        items: [
          {
            id: '6b5xxxxb',
            podSandboxId: '2xxxxxxxxf',
            name: 'ubuntu',
            state: 'Running',
            image: 'fbxxxxx1',
            attempt: 0,
            podName: 'nginx',
            podNamespace: null,
            podUid: null,
          },
        ],
        warnings: [],
      });
    });

    it('reads the current tabwriter table with POD and NAMESPACE by header position', () => {
      const r = parseCrictlPs(fixture('crictl-ps.txt'), 'crictl-ps.txt');
      expect(r.warnings).toEqual([]);
      expect(r.items.map((c) => [c.id, c.podSandboxId, c.state, c.name, c.attempt, c.podName, c.podNamespace])).toEqual(
        [
          ['6b5a1c2d3e4f5', '2a4b6c8d0e1f2', 'Running', 'ubuntu', 0, 'nginx-6f7b9c8d5-abcde', 'default'],
          ['0c1d2e3f4a5b6', '9f8e7d6c5b4a3', 'Running', 'php', 2, 'shop-php-5c6d7e8f9-k2j4m', 'shop'],
          ['7e6d5c4b3a291', '9f8e7d6c5b4a3', 'Exited', 'php', 1, 'shop-php-5c6d7e8f9-k2j4m', 'shop'],
          ['1a2b3c4d5e6f7', '5e5e5e5e5e5e5', 'Created', 'sidecar', 0, 'batch-job-xyz12', 'jobs'],
        ],
      );
      expect(r.items[3]?.image).toBe('mcr.microsoft.com/oss/kubernetes/pause:3.6');
    });

    it('reads older tables: POD without NAMESPACE, and `CONTAINER ID` with no pod name', () => {
      const v126 = parseCrictlPs(fixture('crictl-ps-v126.txt'), 'crictl-ps.txt');
      expect(v126.items.map((c) => [c.podName, c.podNamespace])).toEqual([
        ['nginx-6f7b9c8d5-abcde', null],
        ['shop-php-5c6d7e8f9-k2j4m', null],
      ]);
      const v113 = parseCrictlPs(fixture('crictl-ps-v113.txt'), 'crictl-ps.txt');
      expect(v113.warnings).toEqual([]);
      expect(v113.items.map((c) => [c.id, c.podSandboxId, c.podName])).toEqual([
        ['6b5a1c2d3e4f5', '2a4b6c8d0e1f2', null],
        ['0c1d2e3f4a5b6', '9f8e7d6c5b4a3', null],
      ]);
    });

    it('warns about garbage rows and a missing header; empty file is empty', () => {
      const r = parseCrictlPs('hello world\n', 'crictl-ps.txt');
      expect(r.items).toEqual([]);
      expect(r.warnings.map((w) => w.line)).toEqual([0, 1]);
      expect(parseCrictlPs('', 'crictl-ps.txt')).toEqual({ items: [], warnings: [] });
    });
  });

  describe('JSON', () => {
    it('reads full ids, pod labels and normalises CONTAINER_RUNNING to Running', () => {
      const r = parseCrictlPs(fixture('crictl-ps.json'), 'crictl-ps.json');
      expect(r.warnings).toEqual([]);
      expect(r.items[0]).toEqual({
        id: '6b5a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b',
        podSandboxId: ID,
        name: 'ubuntu',
        state: 'Running',
        image: 'docker.io/library/ubuntu:22.04',
        attempt: 0,
        podName: 'nginx-6f7b9c8d5-abcde',
        podNamespace: 'default',
        podUid: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      });
      // proto3 JSON omits zero values: a missing attempt is 0.
      expect(r.items[1]).toMatchObject({ state: 'Exited', attempt: 0, podName: null });
    });

    it('warns on invalid JSON and entries without ids', () => {
      expect(parseCrictlPs('{"containers":', 'crictl-ps.json').warnings[0]?.message).toMatch(/^invalid JSON/);
      expect(parseCrictlPs('{"containers":[{"id":"a"}]}', 'crictl-ps.json').warnings).toHaveLength(1);
      expect(parseCrictlPs('{"x":1}', 'crictl-ps.json').warnings[0]?.message).toMatch(/containers/);
    });
  });
});

describe('parseCrictlPods', () => {
  it('reads the current table (CREATED with spaces, RUNTIME column)', () => {
    const r = parseCrictlPods(fixture('crictl-pods.txt'), 'crictl-pods.txt');
    expect(r.warnings).toEqual([]);
    expect(r.items).toEqual([
      {
        id: '2a4b6c8d0e1f2',
        name: 'nginx-6f7b9c8d5-abcde',
        namespace: 'default',
        uid: null,
        state: 'Ready',
        netnsPath: null,
      },
      {
        id: '9f8e7d6c5b4a3',
        name: 'shop-php-5c6d7e8f9-k2j4m',
        namespace: 'shop',
        uid: null,
        state: 'Ready',
        netnsPath: null,
      },
      { id: '3c3c3c3c3c3c3', name: 'old-job-abcde', namespace: 'jobs', uid: null, state: 'NotReady', netnsPath: null },
    ]);
  });

  it('reads the oldest `SANDBOX ID NAME STATE` table', () => {
    const r = parseCrictlPods(fixture('crictl-pods-v113.txt'), 'crictl-pods.txt');
    expect(r.items).toEqual([
      { id: ID, name: 'nginx-6f7b9c8d5-abcde', namespace: '', uid: null, state: 'SANDBOX_READY', netnsPath: null },
    ]);
  });

  it('reads rows whose spacing was lost', () => {
    const r = parseCrictlPods(
      'POD ID CREATED STATE NAME NAMESPACE ATTEMPT RUNTIME\n2a4b6c8d0e1f2 About an hour ago Ready web-1 default 0 (default)\n',
      'crictl-pods.txt',
    );
    expect(r.items).toEqual([
      { id: '2a4b6c8d0e1f2', name: 'web-1', namespace: 'default', uid: null, state: 'Ready', netnsPath: null },
    ]);
  });

  it('reads JSON items, and `inspectp` JSON with the netns path', () => {
    const r = parseCrictlPods(fixture('crictl-pods.json'), 'crictl-pods.json');
    expect(r.items).toEqual([
      {
        id: ID,
        name: 'nginx-6f7b9c8d5-abcde',
        namespace: 'default',
        uid: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
        state: 'Ready',
        netnsPath: null,
      },
      {
        id: '3c3c3c3c3c3c3c3c',
        name: 'old-job-abcde',
        namespace: 'jobs',
        uid: 'u2',
        state: 'NotReady',
        netnsPath: null,
      },
    ]);
    const inspect = parseCrictlPods(fixture('crictl-inspectp.json'), 'crictl-pods.json');
    expect(inspect.items[0]?.netnsPath).toBe('/var/run/netns/cni-8f4c1a1e-7d1a-2b3c-9f00-0a1b2c3d4e5f');
  });

  it('accepts the bare array older crictl printed', () => {
    const r = parseCrictlPods('[{"id":"abc","metadata":{"name":"p","namespace":"n"},"state":"SANDBOX_READY"}]', 'f');
    expect(r.items).toEqual([{ id: 'abc', name: 'p', namespace: 'n', uid: null, state: 'Ready', netnsPath: null }]);
  });
});

describe('crictl properties', () => {
  const realPs = [...fixture('crictl-ps.txt').split('\n'), ...fixture('crictl-ps.json').split('\n')];
  const realPods = [...fixture('crictl-pods.txt').split('\n'), ...fixture('crictl-pods.json').split('\n')];
  const input = (real: string[]) =>
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc
        .array(fc.tuple(fc.constantFrom(...real), fc.constantFrom(...mutations), fc.nat(), fc.string()), {
          maxLength: 12,
        })
        .map((m) => [real[0], ...m.map(([l, k, at, j]) => mutate(l, k, at, j))].join('\n')),
      fc.json(),
    );

  it('never throws on random or mutated ps output; every container has ids and a name', () => {
    fc.assert(
      fc.property(input(realPs), (text) => {
        const r = parseCrictlPs(text, 'crictl-ps.txt');
        expectWellFormedWarnings(r.warnings, 'crictl-ps.txt', text.split('\n').length);
        for (const c of r.items) {
          expect(c.id.length > 0 && c.podSandboxId.length > 0).toBe(true);
          expect(c.attempt === null || Number.isInteger(c.attempt)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random or mutated pods output', () => {
    fc.assert(
      fc.property(input(realPods), (text) => {
        const r = parseCrictlPods(text, 'crictl-pods.txt');
        expectWellFormedWarnings(r.warnings, 'crictl-pods.txt', text.split('\n').length);
        for (const p of r.items) expect(p.id.length > 0 && typeof p.name === 'string').toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
