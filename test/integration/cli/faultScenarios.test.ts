import { beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioSummary } from '../../../src/sim/scenarios/types.js';
import { ensureBuilt, runCli, runScenario, SCENARIO_TIMEOUT_MS } from '../../support/cli.js';

const FAULT_SCENARIOS = [
  'keyvault-unresolved',
  'teams-throttled',
  'blob-outage',
  'orphan-sweep',
  'apiserver-flaky',
  'node-vanishes',
  'node-vanishes-before-start',
] as const;

beforeAll(() => {
  ensureBuilt();
});

/** Runs a scenario with --json and returns the parsed last stdout line (after checking the common contract). */
function scenario(name: string): ScenarioSummary {
  const res = runScenario(name);
  expect(res.code, res.stderr).toBe(0);
  const summary = JSON.parse(res.lastLine) as ScenarioSummary;
  expect(summary).toMatchObject({
    scenario: name,
    investigations: expect.any(Array),
    captureJobs: { created: expect.any(Number), maxConcurrent: expect.any(Number), leftBehind: 0 },
    webhook: { delivered: expect.any(Number), statuses: expect.any(Array) },
    teams: { posts: expect.any(Number) },
  });
  return summary;
}

describe('demo --list-scenarios', () => {
  it('lists the fault scenarios', () => {
    const res = runCli('demo', '--list-scenarios');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim().split('\n')).toEqual(expect.arrayContaining([...FAULT_SCENARIOS]));
  });
});

describe('fault scenarios', () => {
  it(
    'keyvault-unresolved: webhook 202, report stored, notified false with the reason, nothing posted',
    () => {
      const s = scenario('keyvault-unresolved');
      expect(s.webhook.statuses).toEqual([202]);
      expect(s.investigations).toHaveLength(1);
      expect(s.investigations[0]).toMatchObject({ status: 'complete', reportStored: true, notified: false });
      expect(s.investigations[0]?.notifyDetail).toMatch(
        /^Teams notifications are off: TEAMS_WEBHOOK_URL is an unresolved Key Vault reference/,
      );
      // The reason never names the vault or the secret.
      expect(JSON.stringify(s)).not.toContain('kv-snat');
      expect(s.teams.posts).toBe(0);
      expect(s.instances).toEqual([expect.objectContaining({ runtimeStatus: 'Completed' })]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'teams-throttled: three 429s with Retry-After then 202; notified true in at most 4 posts',
    () => {
      const s = scenario('teams-throttled');
      expect(s.investigations).toEqual([expect.objectContaining({ reportStored: true, notified: true })]);
      expect(s.teamsStatuses).toEqual([429, 429, 429, 202]);
      expect(s.teams.posts).toBeLessThanOrEqual(4);
      expect(s.teams.accepted).toBe(1);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'blob-outage: 30 s of 503s during evidence and store; report stored after recovery, no Job left',
    () => {
      const s = scenario('blob-outage');
      expect((s.blob as { refused: number }).refused).toBeGreaterThan(0);
      expect(s.investigations).toHaveLength(1);
      expect(s.investigations[0]).toMatchObject({ reportStored: true });
      expect(['complete', 'degraded']).toContain(s.investigations[0]?.status);
      expect(s.instances).toEqual([expect.objectContaining({ runtimeStatus: 'Completed' })]);
      expect(s.captureJobs).toMatchObject({ created: 1, leftBehind: 0 });
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    "orphan-sweep: the sweeper deletes exactly the crashed run's Job past its deadline, not the running one's",
    () => {
      const s = scenario('orphan-sweep');
      const sweeper = s.sweeper as {
        deleted: string[];
        kept: string[];
        orphan: string;
        runningOwner: string;
        runningStatus: string;
      };
      expect(sweeper.deleted).toEqual([sweeper.orphan]);
      // The running investigation's Job was there when the sweeper ran, and was kept.
      expect(sweeper.runningStatus).toBe('Running');
      expect(sweeper.kept).toHaveLength(1);
      expect(sweeper.kept[0]).not.toBe(sweeper.orphan);
      // Its owner then finished normally and deleted its own Job: both Jobs gone, the report stored.
      expect(s.captureJobs).toEqual({ created: 2, maxConcurrent: 2, leftBehind: 0 });
      expect(s.investigations).toEqual([
        expect.objectContaining({ instanceId: sweeper.runningOwner, status: 'complete', reportStored: true }),
      ]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'apiserver-flaky: every third API request 500 and a dropped exec socket; report complete or degraded, never failed',
    () => {
      const s = scenario('apiserver-flaky');
      const kube = s.kube as { failedRequests: number; droppedExec: string[] };
      expect(kube.failedRequests).toBeGreaterThan(0);
      expect(s.instances).toEqual([expect.objectContaining({ runtimeStatus: 'Completed' })]);
      expect(s.investigations).toHaveLength(1);
      expect(s.investigations[0]).toMatchObject({ reportStored: true });
      expect(['complete', 'degraded']).toContain(s.investigations[0]?.status);
      // The adapter's one retry of a transient 500 gets the capture Job created despite the flaky API.
      expect(s.captureJobs.created).toBeGreaterThanOrEqual(1);
      expect(s.captureJobs.leftBehind).toBe(0);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'node-vanishes: the node is deleted while tracing; one report, stored, degraded, naming the node; no Job left',
    () => {
      const s = scenario('node-vanishes');
      const kube = s.kube as { deletedNodes: string[]; node: string };
      expect(kube.deletedNodes).toEqual([kube.node]);
      expect(s.instances).toEqual([expect.objectContaining({ runtimeStatus: 'Completed' })]);
      expect(s.investigations).toEqual([
        expect.objectContaining({ node: kube.node, status: 'degraded', reportStored: true }),
      ]);
      // The stored report names the cause.
      expect(s.problems).toEqual(
        expect.arrayContaining([expect.stringContaining(`node ${kube.node} was deleted while tracing`)]),
      );
      expect(s.captureJobs).toEqual({ created: 1, maxConcurrent: 1, leftBehind: 0 });
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'node-vanishes-before-start: the node is gone before the capture pod starts; degraded report naming it, no stuck Job',
    () => {
      const s = scenario('node-vanishes-before-start');
      const kube = s.kube as { deletedNodes: string[]; node: string };
      expect(kube.deletedNodes).toEqual([kube.node]);
      expect(s.instances).toEqual([expect.objectContaining({ runtimeStatus: 'Completed' })]);
      expect(s.investigations).toEqual([
        expect.objectContaining({ node: kube.node, status: 'degraded', reportStored: true, notified: true }),
      ]);
      // The cause, not a Job that "was still Pending after the deadline".
      const problems = s.problems as string[];
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringContaining(`node ${kube.node} was deleted before the capture pod started`),
        ]),
      );
      expect(problems.join('\n')).not.toMatch(/after the deadline/);
      expect(s.captureJobs).toEqual({ created: 1, maxConcurrent: 1, leftBehind: 0 });
    },
    SCENARIO_TIMEOUT_MS,
  );
});
