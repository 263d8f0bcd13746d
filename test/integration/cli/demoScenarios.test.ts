import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioSummary } from '../../../src/sim/scenarios/types.js';
import { ensureBuilt, runCli, runScenario, SCENARIO_TIMEOUT_MS } from '../../support/cli.js';

let work: string;

beforeAll(async () => {
  ensureBuilt();
  work = await mkdtemp(join(tmpdir(), 'snat-scenarios-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Runs a scenario with --json and returns the parsed last stdout line. */
function scenario(name: string, ...extra: string[]): ScenarioSummary {
  const res = runScenario(name, ...extra);
  expect(res.code, res.stderr).toBe(0);
  const summary = JSON.parse(res.lastLine) as ScenarioSummary;
  expect(summary.scenario).toBe(name);
  // The contract's fields, always present.
  expect(summary).toMatchObject({
    investigations: expect.any(Array),
    captureJobs: { created: expect.any(Number), maxConcurrent: expect.any(Number), leftBehind: 0 },
    webhook: { delivered: expect.any(Number), statuses: expect.any(Array) },
  });
  return summary;
}

describe('demo --list-scenarios', () => {
  it('prints one scenario name per line, the five concurrency scenarios and the proactive one among them', () => {
    const res = runCli('demo', '--list-scenarios');
    expect(res.code, res.stderr).toBe(0);
    const names = res.stdout.trim().split('\n');
    for (const name of [
      'two-alerts-one-node',
      'alert-and-on-demand',
      'five-nodes-cap-three',
      'duplicate-storm',
      'stale-alert',
      'proactive',
    ]) {
      expect(names).toContain(name);
    }
    for (const name of names) expect(name).toMatch(/^[a-z0-9-]+$/);
  });

  it('exits 2 with one line for an unknown scenario, and for --json without --scenario', () => {
    const unknown = runCli('demo', '--scenario', 'no-such-thing', '--json');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain('stale-alert');
    expect(runCli('demo', '--json').code).toBe(2);
  });
});

describe('demo --scenario', () => {
  it(
    'two-alerts-one-node: a split and an unsplit alert, exactly 1 capture Job, every report stored and complete',
    () => {
      const s = scenario('two-alerts-one-node');
      expect(s.webhook).toMatchObject({ delivered: 2, statuses: [202, 202] });
      // Two investigations (different instance ids: by IP and by worst node), one node report answering both.
      expect(s.instances.map((i) => i.runtimeStatus)).toEqual(['Completed', 'Completed']);
      expect(new Set(s.instances.map((i) => i.instanceId)).size).toBe(2);
      expect(s.investigations).toEqual([
        expect.objectContaining({
          node: 'aks-nodepool1-12345678-vmss000003',
          status: 'complete',
          reportStored: true,
          notified: true,
          requests: 2,
        }),
      ]);
      expect(s.captureJobs).toEqual({ created: 1, maxConcurrent: 1, leftBehind: 0 });
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'alert-and-on-demand: 1 capture Job, and each instance has its own single history',
    () => {
      const s = scenario('alert-and-on-demand');
      expect(s.webhook).toMatchObject({ delivered: 1, statuses: [202] });
      expect(s.onDemand).toEqual({ delivered: 1, statuses: [202] });
      expect(s.captureJobs).toEqual({ created: 1, maxConcurrent: 1, leftBehind: 0 });
      expect(s.investigations).toEqual([
        expect.objectContaining({ status: 'complete', reportStored: true, requests: 2 }),
      ]);
      const histories = s.histories as Array<{ instanceId: string; requestedBy: string; executionStarts: number }>;
      expect(histories.map((h) => h.requestedBy).sort()).toEqual(['alert', 'on-demand']);
      expect(new Set(histories.map((h) => h.instanceId)).size).toBe(2);
      for (const h of histories) expect(h.executionStarts).toBe(1);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'five-nodes-cap-three: all 5 reports complete, never more than 3 capture Jobs at once',
    () => {
      const s = scenario('five-nodes-cap-three');
      expect(s.webhook.statuses).toEqual([202, 202, 202, 202, 202]);
      expect(s.investigations).toHaveLength(5);
      for (const i of s.investigations)
        expect(i).toMatchObject({ status: 'complete', reportStored: true, requests: 1 });
      expect(new Set(s.investigations.map((i) => i.node)).size).toBe(5);
      expect(s.captureJobs.created).toBe(5);
      expect(s.captureJobs.maxConcurrent).toBeLessThanOrEqual(3);
      expect(s.captureJobs.leftBehind).toBe(0);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'stale-alert: one delivery, 0 investigations, and a clear reason',
    () => {
      const s = scenario('stale-alert');
      expect(s.webhook).toMatchObject({ delivered: 1, statuses: [200] });
      expect(s.webhook.reasons.join(' ')).toMatch(/2 days before it was received.*older than 60 min/);
      expect(s.investigations).toEqual([]);
      expect(s.instances).toEqual([]);
      expect(s.captureJobs).toEqual({ created: 0, maxConcurrent: 0, leftBehind: 0 });
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'duplicate-storm: 10 deliveries within 2 s, exactly 1 investigation and 1 capture Job',
    async () => {
      const out = join(work, 'storm');
      const s = scenario('duplicate-storm', '--out', out);
      expect(s.webhook.delivered).toBe(10);
      expect(s.webhook.statuses).toEqual(Array(10).fill(202));
      expect(s.instances).toHaveLength(1);
      expect(s.investigations).toHaveLength(1);
      expect(s.investigations[0]).toMatchObject({
        status: 'complete',
        reportStored: true,
        notified: true,
        requests: 1,
      });
      expect(s.captureJobs).toEqual({ created: 1, maxConcurrent: 1, leftBehind: 0 });
      const written = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as ScenarioSummary;
      expect(written.investigations).toEqual(s.investigations);
      const node = s.investigations[0]?.node as string;
      expect(existsSync(join(out, 'reports', `1-${node}`, 'report.html'))).toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'proactive: the timer investigates the node trending to exhaustion, below the alert threshold, and writes the fleet view',
    async () => {
      const out = join(work, 'proactive');
      const s = scenario('proactive', '--out', out);
      const hot = 'aks-nodepool1-12345678-vmss000003';
      const proactive = s.proactive as Array<{
        node: string;
        cluster: string;
        decision: string;
        minutesToExhaustion: number | null;
        usagePercent: number | null;
      }>;
      // 2 clusters, 6 nodes, every one forecast; only the climbing node is `investigate`.
      expect(proactive).toHaveLength(6);
      expect(new Set(proactive.map((p) => p.cluster)).size).toBe(2);
      expect(proactive.filter((p) => p.decision === 'investigate').map((p) => p.node)).toEqual([hot]);
      const climbing = proactive.find((p) => p.node === hot);
      expect(climbing?.minutesToExhaustion).toBeGreaterThan(0);
      expect(climbing?.minutesToExhaustion).toBeLessThanOrEqual(15);
      // The flat node at 70 % is watched, not captured, and has no exhaustion time.
      const flat = proactive.find((p) => p.node === 'aks-nodepool1-12345678-vmss000002');
      expect(flat).toMatchObject({ decision: 'ok', minutesToExhaustion: null });
      expect(flat?.usagePercent).toBeGreaterThan(65);
      // Before the alert threshold is crossed: no alert was delivered, and the node is under the rule's threshold.
      const fleet = s.fleet as {
        alertThresholdPercent: number;
        clusters: string[];
        incidents: Array<{ node: string; trigger: string; status: string }>;
      };
      expect(s.webhook).toMatchObject({ delivered: 0, statuses: [] });
      expect(climbing?.usagePercent).toBeLessThan(fleet.alertThresholdPercent);
      // One investigation, through the intake, of that node: complete, stored, notified, marked proactive.
      expect(s.investigations).toEqual([
        expect.objectContaining({ node: hot, status: 'complete', reportStored: true, notified: true, requests: 1 }),
      ]);
      expect(s.captureJobs).toEqual({ created: 1, maxConcurrent: 1, leftBehind: 0 });
      expect(fleet.incidents).toEqual([
        expect.objectContaining({ node: hot, trigger: 'proactive', status: 'complete' }),
      ]);
      const report = JSON.parse(await readFile(join(out, 'reports', `1-${hot}`, 'report.json'), 'utf8')) as {
        investigation: { trigger: string };
      };
      expect(report.investigation.trigger).toBe('proactive');
      // The fleet view, as stored in Blob: the JSON index with both clusters' scans and the incident, and the page.
      const index = JSON.parse(await readFile(join(out, 'fleet', 'index.json'), 'utf8')) as {
        scans: Record<string, unknown>;
        incidents: Array<{ node: string; trigger: string }>;
      };
      expect(Object.keys(index.scans).sort()).toEqual(fleet.clusters);
      expect(fleet.clusters).toHaveLength(2);
      expect(index.incidents).toEqual([expect.objectContaining({ node: hot, trigger: 'proactive' })]);
      const html = await readFile(join(out, 'fleet', 'index.html'), 'utf8');
      expect(html).toMatch(/^<!doctype html>/i);
      expect(html).toContain(hot);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
