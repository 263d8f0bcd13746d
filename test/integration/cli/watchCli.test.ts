import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../../support/cli.js';
import { batchResponse, ramp, singleResourceResponse } from '../../support/metricsBuilders.js';

const dir = mkdtempSync(join(tmpdir(), 'watch-cli-'));
const file = (name: string, body: unknown): string => {
  const p = join(dir, name);
  writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
  return p;
};
const lastJson = (stdout: string): { nodes: Array<Record<string, unknown>> } =>
  JSON.parse(stdout.trimEnd().split('\n').at(-1) as string);

const FLEET = [
  { ip: '10.224.0.4', used: ramp(100, 0, 30), allocated: 1024 },
  { ip: '10.224.0.5', used: ramp(717, 0, 30), allocated: 1024 },
  { ip: '10.224.0.6', used: ramp(400, 4, 30), allocated: 1024 },
  { ip: '10.224.0.7', used: ramp(530, 13, 30), allocated: 1024 },
];

beforeAll(() => ensureBuilt(), 180_000);

describe('snat-responder watch --from-file', () => {
  it('prints one JSON line, nodes sorted by urgency', () => {
    const run = runCli('watch', '--from-file', file('single.json', singleResourceResponse(FLEET)), '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
    const out = lastJson(run.stdout);
    expect(out.nodes.map((n) => [n.backendIp, n.decision])).toEqual([
      ['10.224.0.7', 'investigate'],
      ['10.224.0.6', 'watch'],
      ['10.224.0.5', 'ok'],
      ['10.224.0.4', 'ok'],
    ]);
    expect(out.nodes[0]).toMatchObject({
      used: 907,
      allocated: 1024,
      usagePercent: 88.6,
      trendPortsPerMinute: 13,
      decision: 'investigate',
      drift: null,
    });
    expect(out.nodes[0]?.minutesToExhaustion).toBeLessThanOrEqual(15);
    expect(typeof out.nodes[0]?.reason).toBe('string');
  });

  it('reads a batch response with average and capitalised dimension names', () => {
    const lb = '/subscriptions/s/resourceGroups/MC_a/providers/Microsoft.Network/loadBalancers/kubernetes';
    const body = batchResponse(
      [
        { resourceId: lb, nodes: FLEET.slice(0, 2) },
        { resourceId: `${lb}-b`, nodes: FLEET.slice(2) },
      ],
      { aggregation: 'average', dimensionName: 'BackendIPAddress' },
    );
    const run = runCli('watch', '--from-file', file('batch.json', body), '--json');
    expect(run.code, run.stderr).toBe(0);
    const out = lastJson(run.stdout);
    expect(out.nodes).toHaveLength(4);
    expect(out.nodes[0]).toMatchObject({ backendIp: '10.224.0.7', resourceId: `${lb}-b`, decision: 'investigate' });
  });

  it('prints a table most urgent first', () => {
    const run = runCli('watch', '--from-file', file('table.json', singleResourceResponse(FLEET)));
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NODE\s+USED\s+ALLOC\s+USE%\s+TREND\/MIN\s+EXHAUSTS IN\s+DECISION\s+REASON$/);
    expect(lines[1]).toMatch(/^10\.224\.0\.7\s+907\s+1024\s+88\.6%\s+\+13\s+[\d.]+ min\s+investigate\s+projected/);
    expect(lines).toHaveLength(5);
  });

  it('applies --horizon-minutes and --threshold-percent', () => {
    const p = file('opts.json', singleResourceResponse(FLEET));
    const run = runCli('watch', '--from-file', p, '--json', '--horizon-minutes', '5', '--threshold-percent', '60');
    expect(run.code, run.stderr).toBe(0);
    const byIp = Object.fromEntries(lastJson(run.stdout).nodes.map((n) => [n.backendIp, n.decision]));
    // 0.7 is at 70% >= 60%; 0.7 (88.6%) too; 0.6 still only rising.
    expect(byIp).toMatchObject({ '10.224.0.5': 'investigate', '10.224.0.7': 'investigate', '10.224.0.6': 'watch' });
  });

  it.each([
    ['not JSON', 'hello', /is not an Azure Monitor metrics response \(not JSON\)/],
    [
      'a Kubernetes object',
      { kind: 'Pod', metadata: {} },
      /expected "value" \(single resource\) or "values" \(batch\)/,
    ],
    ['metrics without SNAT ports', { value: [{ name: { value: 'ByteCount' }, timeseries: [] }] }, /no UsedSnatPorts/],
  ])('exits 2 with one line for %s', (_what, body, message) => {
    const run = runCli('watch', '--from-file', file(`bad-${_what}.json`, body), '--json');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it('exits 2 for a missing file and for a bad option', () => {
    const missing = runCli('watch', '--from-file', join(dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.json: ENOENT/);
    const bad = runCli(
      'watch',
      '--from-file',
      file('x.json', singleResourceResponse(FLEET)),
      '--horizon-minutes',
      'soon',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--horizon-minutes must be a number from 1 to 1440, got "soon"/);
  });
});
