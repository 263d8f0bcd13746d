/**
 * `demo --out DIR` writes the evidence bundle as it lies in Blob to DIR/evidence/, so anyone can see what is
 * kept. The simulated pods carry secrets in env values, arguments and annotations: none may reach that folder,
 * pstree files keep process names and PIDs only (and containerd-shim's -namespace/-id), and `analyze` on the
 * stored bundle still names the culprit.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../../src/report/model.js';
import { DEMO_SECRETS, demoScenario } from '../../../src/sim/kube/demoScenario.js';
import { ensureBuilt, runCli } from '../../support/cli.js';

let work: string;
let evidence: string;
let files: Map<string, string>;
let report: Report;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

beforeAll(async () => {
  ensureBuilt();
  work = await mkdtemp(join(tmpdir(), 'snat-demo-evidence-'));
  const out = join(work, 'out');
  const res = runCli('demo', '--out', out);
  expect(res.code, res.stderr).toBe(0);
  evidence = join(out, 'evidence');
  files = new Map(walk(evidence).map((f) => [relative(evidence, f).split('\\').join('/'), readFileSync(f, 'utf8')]));
  report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('demo --out DIR: DIR/evidence/ is the stored bundle, redacted', () => {
  it('holds the bundle the report was made from', () => {
    for (const f of ['pods.json', 'node.json', 'tcptracer.log', 'lsns.json', 'crictl-ps.json', 'crictl-pods.json']) {
      expect(files.has(f), f).toBe(true);
    }
    expect([...files.keys()].some((f) => f.startsWith('pstree/'))).toBe(true);
    expect([...files.keys()].some((f) => f.startsWith('sockets/'))).toBe(true);
  });

  it('contains no env value and no secret-looking string from the simulated pods', () => {
    const envValues = demoScenario()
      .pods.flatMap((p) => p.containers.flatMap((c) => c.env ?? []))
      .flatMap((e) => (e.value ? [e.value] : []));
    const args = demoScenario()
      .pods.flatMap((p) => p.containers.flatMap((c) => c.args ?? []))
      .filter((a) => a.includes('='));
    const needles = [...Object.values(DEMO_SECRETS), ...envValues, ...args, 'last-applied-configuration'];
    expect(envValues.length).toBeGreaterThan(3);
    for (const [name, text] of files) {
      for (const needle of needles) expect(text.includes(needle), `${name} contains ${needle}`).toBe(false);
      expect(text, name).not.toMatch(/Password=|sig=|--api-token|--sas=|hvs\./i);
    }
  });

  it('keeps env names but no values, commands, args or annotations in pods.json', () => {
    const pods = JSON.parse(files.get('pods.json') ?? '{}') as {
      items: Array<{
        metadata: Record<string, unknown>;
        spec: { containers: Array<Record<string, unknown> & { env?: Array<Record<string, unknown>> }> };
      }>;
    };
    const checkout = pods.items.find((p) => String(p.metadata.name).startsWith('checkout-api'));
    expect(checkout?.spec.containers[0]?.env).toEqual([
      { name: 'NODE_ENV' },
      { name: 'DB_PASSWORD' },
      { name: 'PAYMENTS_DB' },
      { name: 'STRIPE_KEY' },
    ]);
    for (const p of pods.items) {
      expect(p.metadata).not.toHaveProperty('annotations');
      for (const c of p.spec.containers) {
        expect(c).not.toHaveProperty('command');
        expect(c).not.toHaveProperty('args');
      }
    }
  });

  it('pstree files hold process names and PIDs, and arguments only for containerd-shim', () => {
    const pstree = [...files].filter(([f]) => f.startsWith('pstree/'));
    expect(pstree.length).toBeGreaterThan(3);
    let shims = 0;
    for (const [name, text] of pstree) {
      for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
        const m = /^[\s|`+-]*([^,\s]+),(\d+)(.*)$/.exec(line);
        expect(m, `${name}: ${line}`).not.toBeNull();
        const [, proc, , rest] = m as RegExpExecArray;
        if (proc?.startsWith('containerd-shim')) {
          shims++;
          expect(rest?.trim(), `${name}: ${line}`).toMatch(/^(-namespace \S+)?\s*(-id \S+)?$/);
        } else {
          expect(rest, `${name}: ${line}`).toBe('');
        }
      }
    }
    expect(shims).toBeGreaterThan(0);
  });

  it('analyze on the stored (redacted) bundle reaches the same verdict as the report', () => {
    const res = runCli('analyze', evidence, '--format', 'json');
    expect(res.code, res.stderr).toBe(0);
    const again = JSON.parse(res.stdout) as Report;
    expect(report.verdict).toMatchObject({ kind: 'pod', namespace: 'payments', pod: 'checkout-api-7d9f8b6c5-x2x9q' });
    expect(again.verdict).toEqual(report.verdict);
    expect(again.rankedPods[0]?.pod).toBe(report.rankedPods[0]?.pod);
  });
});
