import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVIDENCE_FOLDER, REPORT_FILES } from '../../../src/azure/blob/reportStore.js';
import { ACTIVITY } from '../../../src/investigation/activityNames.js';
import { DEMO_SUBSCRIPTION_ID } from '../../../src/sim/arm/world.js';
import { demoScenario } from '../../../src/sim/kube/demoScenario.js';
import type { KubeScenario } from '../../../src/sim/kube/scenario.js';
import { startTeamsSink, type TeamsSink } from '../../../src/sim/teams/server.js';
import { TeamsNotifier } from '../../../src/teams/notifier.js';
import {
  completedResults,
  failedActivities,
  type Investigation,
  type Rig,
  scheduledActivities,
  startRequest,
  startRig,
} from '../../support/orchestration/rig.js';

let rig: Rig;
let scenario: KubeScenario;
const sinks: TeamsSink[] = [];

beforeAll(async () => {
  scenario = demoScenario();
  // SDK retries off: each ARM fault reaches Durable's retry policy directly.
  rig = await startRig({ scenario, armRetryOptions: { maxRetries: 0 } });
});

afterEach(() => {
  rig.world.kube.state.faults = {};
  rig.arm.faults.length = 0;
});

afterAll(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  await rig?.close();
});

/** What every failure point must still do: complete, store and announce the report, leave no Job. */
function expectReportedFailure(inv: Investigation, status: 'degraded' | 'failed', problem: RegExp): void {
  expect(inv.run.runtimeStatus).toBe('Completed');
  const node = inv.outcome.nodes[0];
  expect(node?.status).toBe(status);
  expect(inv.files).toEqual(expect.arrayContaining(Object.values(REPORT_FILES)));
  expect(inv.report?.investigation.status).toBe(status);
  expect(inv.report?.investigation.problems.join('\n')).toMatch(problem);
  expect(node?.notified).toBe(true);
  expect(inv.teamsDelivered).toHaveLength(1);
  expect(JSON.stringify(inv.teamsDelivered[0])).toMatch(new RegExp(status, 'i'));
  expect(inv.jobsLeft).toBe(0);
}

/** A fresh notifier on its own sink that does not sleep between its in-activity retries. */
async function teamsWith(script: Array<{ status: number }>): Promise<{ sink: TeamsSink; notifier: TeamsNotifier }> {
  const sink = await startTeamsSink({ script });
  sinks.push(sink);
  return { sink, notifier: new TeamsNotifier({ webhookUrl: sink.url, sleep: async () => undefined }) };
}

describe('snatInvestigation orchestrator failure points', () => {
  describe('cluster resolution', () => {
    it('stores a failed report when no cluster owns the load balancer', async () => {
      const clusters = rig.arm.clusters.splice(0);
      try {
        const inv = await rig.run(startRequest({ label: 'no-cluster' }));
        expectReportedFailure(inv, 'failed', /could not be resolved.*No AKS cluster/s);
        expect(inv.prefix).toMatch(/^unknown-cluster\/10\.224\.0\.7\//);
        expect(scheduledActivities(inv.run.history)).not.toContain(ACTIVITY.startCapture);
      } finally {
        rig.arm.clusters.push(...clusters);
      }
    });

    it('stores a failed report explaining LB SNAT metrics do not apply to a NAT gateway cluster', async () => {
      const natLb = `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/MC_rg-batch_aks-batch-neu_northeurope/providers/Microsoft.Network/loadBalancers/kubernetes`;
      const inv = await rig.run(
        startRequest({ label: 'nat', target: { loadBalancerId: natLb, backendIp: '10.224.0.9' } }),
      );
      expectReportedFailure(inv, 'failed', /outboundType managedNATGateway.*NAT gateway.*no SNAT metrics/s);
      expect(inv.prefix).toMatch(/^aks-batch-neu\//);
      expect(scheduledActivities(inv.run.history)).toEqual([
        ACTIVITY.resolveCluster,
        ACTIVITY.analyzeAndStore,
        ACTIVITY.notifyTeams,
      ]);
    });
  });

  describe('node', () => {
    it('stores a failed report when the node is not in the cluster', async () => {
      const inv = await rig.run(
        startRequest({
          label: 'no-node',
          target: { loadBalancerId: rig.world.loadBalancerId, backendIp: '10.224.0.99' },
        }),
      );
      expectReportedFailure(inv, 'failed', /node 10\.224\.0\.99 could not be resolved/);
      expect(scheduledActivities(inv.run.history)).not.toContain(ACTIVITY.startCapture);
    });
  });

  describe('capture', () => {
    it('reports the preflight problem when the namespace is not labelled privileged', async () => {
      const ns = scenario.namespaces.find((n) => n.name === 'snat-responder');
      const labels = ns?.labels;
      if (ns) ns.labels = {};
      try {
        const inv = await rig.run(startRequest({ label: 'preflight' }));
        expectReportedFailure(inv, 'degraded', /node capture failed: .*privileged/);
        expect(failedActivities(inv.run.history)).toContain(ACTIVITY.startCapture);
        expect(scheduledActivities(inv.run.history)).not.toContain(ACTIVITY.deleteCapture);
      } finally {
        if (ns) ns.labels = labels;
      }
    });

    it('reports the preflight problem when the namespace is missing', async () => {
      const index = scenario.namespaces.findIndex((n) => n.name === 'snat-responder');
      const [ns] = scenario.namespaces.splice(index, 1);
      try {
        const inv = await rig.run(startRequest({ label: 'no-namespace' }));
        expectReportedFailure(inv, 'degraded', /node capture failed: .*does not exist/);
      } finally {
        if (ns) scenario.namespaces.splice(index, 0, ns);
      }
    });

    it('gives up on a capture Job stuck Pending (ImagePullBackOff) past the deadline and deletes it', async () => {
      rig.world.kube.state.faults = { jobStuck: 'ImagePullBackOff' };
      const inv = await rig.run(startRequest({ label: 'stuck' }));
      expectReportedFailure(inv, 'degraded', /still Pending after the deadline \(.*ImagePullBackOff/);
      const polls = scheduledActivities(inv.run.history).filter((n) => n === ACTIVITY.captureStatus);
      // Trace window 60 s + margin 180 s, polled every 10 s.
      expect(polls.length).toBeGreaterThanOrEqual(18);
      expect(scheduledActivities(inv.run.history)).toContain(ACTIVITY.deleteCapture);
      expect(scheduledActivities(inv.run.history)).not.toContain(ACTIVITY.collectEvidence);
    });

    it('reports a capture Job that exceeded its deadline', async () => {
      rig.world.kube.state.faults = { jobDeadlineExceeded: true };
      const inv = await rig.run(startRequest({ label: 'deadline' }));
      expectReportedFailure(inv, 'degraded', /capture Job ended DeadlineExceeded/);
    });

    it('reports a truncated capture log and still analyses what arrived', async () => {
      rig.world.kube.state.faults = { truncateLog: true };
      const inv = await rig.run(startRequest({ label: 'truncated' }));
      expectReportedFailure(inv, 'degraded', /truncated/);
      expect(inv.files.some((f) => f.startsWith(EVIDENCE_FOLDER))).toBe(true);
    });
  });

  describe('netstat fan-out', () => {
    it('reports pods whose exec failed', async () => {
      rig.world.kube.state.faults = {
        execDropSocket: ['payments/checkout-api-7d9f8b6c5-x2x9q', 'payments/payments-worker-5c8d7f9b4-h7k2m'],
      };
      const inv = await rig.run(startRequest({ label: 'exec' }));
      expectReportedFailure(inv, 'degraded', /netstat failed in 2 of 4 pods: .*checkout-api-7d9f8b6c5-x2x9q/);
      const sockets = completedResults(inv.run.history).find((r) => r.name === ACTIVITY.podSockets);
      expect(sockets?.result).toContain('skipped');
    });
  });

  describe('Teams', () => {
    it('keeps the stored report and says notified=false when Teams answers 500 every time', async () => {
      const { sink, notifier } = await teamsWith(Array.from({ length: 100 }, () => ({ status: 500 })));
      const inv = await rig.run(startRequest({ label: 'teams-500' }), { deps: { notifier } });
      expect(inv.run.runtimeStatus).toBe('Completed');
      expect(inv.outcome.nodes[0]).toMatchObject({
        status: 'complete',
        notified: false,
        notifyDetail: expect.stringMatching(/failed 5 times in a row \(last: HTTP 500\)/),
      });
      expect(inv.files).toEqual(expect.arrayContaining(Object.values(REPORT_FILES)));
      expect(inv.report?.verdict.pod).toBe('checkout-api-7d9f8b6c5-x2x9q');
      expect(sink.delivered).toHaveLength(0);
      // One retry layer: the notifier's five tries, not five inside each of Durable's three.
      expect(sink.statuses).toEqual([500, 500, 500, 500, 500]);
      expect(failedActivities(inv.run.history).filter((n) => n === ACTIVITY.notifyTeams)).toHaveLength(0);
      expect(inv.jobsLeft).toBe(0);
    });

    it('names a final 4xx in the outcome without retrying it', async () => {
      const { sink, notifier } = await teamsWith([{ status: 404 }]);
      const inv = await rig.run(startRequest({ label: 'teams-404' }), { deps: { notifier } });
      expect(inv.run.runtimeStatus).toBe('Completed');
      expect(inv.outcome.nodes[0]).toMatchObject({
        status: 'complete',
        notified: false,
        notifyDetail: expect.stringMatching(/HTTP 404 \(the workflow or its trigger URL no longer exists/),
      });
      expect(sink.statuses).toEqual([404]);
      expect(JSON.stringify(inv.outcome)).not.toContain(new URL(sink.url).searchParams.get('sig') ?? '?');
    });

    it('delivers a smaller card after a 413', async () => {
      const { sink, notifier } = await teamsWith([{ status: 413 }]);
      const inv = await rig.run(startRequest({ label: 'teams-413' }), { deps: { notifier } });
      expect(inv.outcome.nodes[0]).toMatchObject({ status: 'complete', notified: true });
      expect(sink.statuses).toEqual([413, 202]);
      const [refused, accepted] = sink.received.map((p) => JSON.stringify(p).length);
      expect(accepted).toBeLessThan(refused as number);
      expect(JSON.stringify(sink.delivered[0])).toContain('checkout-api-7d9f8b6c5-x2x9q');
    });
  });
});
