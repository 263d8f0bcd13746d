import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findShimId, parsePstree } from '../../../../src/evidence/parsers/pstree.js';
import { expectWellFormedWarnings, fixture, mutate, mutations } from './helpers.js';

const ID = '2a4b6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3';

describe('parsePstree', () => {
  describe('real output', () => {
    it('reads the runbook sample and keeps the redacted id without its ellipsis', () => {
      const r = parsePstree(fixture('pstree-runbook.txt'), 'pstree/19832.txt', 19832);
      expect(r.items[0]?.shimId).toBe('2xxxf');
      // The runbook's sample stops at the shim: the PID line is missing, which is warned about.
      expect(r.warnings).toEqual([
        { file: 'pstree/19832.txt', line: 0, message: 'PID 19832 not found in the tree; using the first branch' },
      ]);
    });

    it('reads ASCII drawing: ancestry root first, stopping at the PID (children ignored)', () => {
      const r = parsePstree(fixture('pstree-ascii.txt'), 'pstree/19832.txt', 19832);
      expect(r.warnings).toEqual([]);
      expect(r.items).toEqual([
        {
          pid: 19832,
          ancestry: [
            { name: 'systemd', pid: 1, args: '' },
            {
              name: 'containerd-shim',
              pid: 20946,
              args: `-namespace k8s.io -id ${ID} -address /run/containerd/containerd.sock`,
            },
            { name: 'bash', pid: 19832, args: '' },
          ],
          shimId: ID,
        },
      ]);
    });

    it('reads a child PID below the target too', () => {
      const r = parsePstree(fixture('pstree-ascii.txt'), 'pstree/18627.txt', 18627);
      expect(r.items[0]?.ancestry.map((p) => p.pid)).toEqual([1, 20946, 19832, 18627]);
      expect(r.items[0]?.ancestry[3]?.args).toBe('-s https://example.com');
    });

    it('reads Unicode drawing, names with spaces and thread braces', () => {
      const r = parsePstree(fixture('pstree-unicode.txt'), 'pstree/4201.txt', 4201);
      expect(r.items[0]?.ancestry.map((p) => p.name)).toEqual([
        'systemd',
        'containerd-shim',
        'php-fpm',
        'php-fpm: pool w',
      ]);
      expect(r.items[0]?.shimId).toBe(ID);
      const thread = parsePstree(fixture('pstree-unicode.txt'), 'pstree/4202.txt', 4202);
      expect(thread.items[0]?.ancestry.at(-1)).toEqual({ name: 'php-fpm', pid: 4202, args: '' });
    });

    it('keeps the usable prefix of an id cut at 132 columns (trailing +) and prefers the nearest shim', () => {
      const r = parsePstree(fixture('pstree-cut.txt'), 'pstree/2200.txt', 2200);
      const id = r.items[0]?.shimId ?? '';
      expect(id.length).toBeGreaterThan(13);
      expect(ID.startsWith(id)).toBe(true);
      expect(r.items[0]?.ancestry.map((p) => p.pid)).toEqual([1, 100, 200, 300, 310, 320, 330, 20946, 2200]);
    });

    it('reads the compact form without -a', () => {
      const r = parsePstree(fixture('pstree-compact.txt'), 'pstree/19832.txt', 19832);
      expect(r.items[0]?.ancestry.map((p) => [p.name, p.pid])).toEqual([
        ['systemd', 1],
        ['containerd-shim', 20946],
        ['bash', 19832],
      ]);
      expect(r.items[0]?.shimId).toBeNull();
    });

    it('gives a null shimId for host processes', () => {
      const r = parsePstree(fixture('pstree-host.txt'), 'pstree/900.txt', 900);
      expect(r.items[0]?.shimId).toBeNull();
      expect(r.items[0]?.ancestry.map((p) => p.name)).toEqual(['systemd', 'kubelet']);
    });
  });

  describe('findShimId', () => {
    it('takes the nearest shim and accepts runc-v2 names, --id and -id=', () => {
      expect(
        findShimId([
          { name: 'containerd-shim', pid: 2, args: '-namespace k8s.io -id outer' },
          { name: 'containerd-shim-runc-v2', pid: 3, args: '--id inner' },
          { name: 'pause', pid: 4, args: '' },
        ]),
      ).toBe('inner');
      expect(findShimId([{ name: 'containerd-shi', pid: 2, args: '-id=abc123 -address x' }])).toBe('abc123');
      expect(
        findShimId([{ name: 'x', pid: 2, args: '/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id f00 ' }]),
      ).toBe('f00');
      expect(findShimId([{ name: 'containerd-shim', pid: 2, args: '-id' }])).toBeNull();
      // containerd-shim v1 names the sandbox only in its work directory.
      const v1 = `-namespace k8s.io -workdir /var/lib/containerd/io.containerd.runtime.v1.linux/k8s.io/${ID} -address /run/containerd/containerd.sock`;
      expect(findShimId([{ name: 'containerd-shim', pid: 2, args: v1 }])).toBe(ID);
    });
  });

  describe('bad input', () => {
    it('returns no chain and a warning for garbage, nothing for an empty file', () => {
      const r = parsePstree('no tree here\n', 'pstree/1.txt', 1);
      expect(r.items).toEqual([]);
      expect(r.warnings.map((w) => w.line)).toEqual([1, 0]);
      expect(parsePstree('', 'pstree/1.txt', 1)).toEqual({ items: [], warnings: [] });
    });
  });

  describe('properties', () => {
    const real = [...fixture('pstree-ascii.txt').split('\n'), ...fixture('pstree-unicode.txt').split('\n')];
    it('never throws; every process has a PID and the chain ends at the PID when found', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 300 }),
            fc
              .array(fc.tuple(fc.constantFrom(...real), fc.constantFrom(...mutations), fc.nat(), fc.string()), {
                maxLength: 10,
              })
              .map((m) => m.map(([l, k, at, j]) => mutate(l, k, at, j)).join('\n')),
          ),
          fc.integer({ min: 1, max: 30000 }),
          (text, pid) => {
            const r = parsePstree(text, 'pstree/x.txt', pid);
            expectWellFormedWarnings(r.warnings, 'pstree/x.txt', text.split('\n').length);
            for (const chain of r.items) {
              expect(chain.pid).toBe(pid);
              for (const p of chain.ancestry) expect(Number.isInteger(p.pid) && p.pid >= 0).toBe(true);
              expect(chain.shimId === null || (chain.shimId.length > 0 && !/\s/.test(chain.shimId))).toBe(true);
            }
          },
        ),
        { numRuns: 400 },
      );
    });
  });
});
