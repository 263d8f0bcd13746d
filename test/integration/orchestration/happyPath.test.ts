import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVIDENCE_FOLDER, REPORT_FILES } from '../../../src/azure/blob/reportStore.js';
import { analyzeBundle } from '../../../src/evidence/read/analyzeBundle.js';
import { ACTIVITY } from '../../../src/investigation/activityNames.js';
import { DEMO_HOT_NODE } from '../../../src/sim/arm/world.js';
import { demoAlertPayload } from '../../../src/sim/demoAlert.js';
import { installFunctionsHostStandIn } from '../../../src/sim/durable/hostStandIn.js';
import { HistoryEventType, replayOrchestrator } from '../../../src/sim/durable/index.js';
import {
  completedResults,
  eventsOf,
  type Investigation,
  phases,
  type Rig,
  scheduledActivities,
  startRig,
  startViaWebhook,
  T0,
} from '../../support/orchestration/rig.js';
import { validateAdaptiveCard } from '../../unit/report/card/validateAdaptiveCard.js';

const CULPRIT = { namespace: 'payments', pod: 'checkout-api-7d9f8b6c5-x2x9q' };
const WORKLOAD = 'Deployment payments/checkout-api';
const BUDGET = 16 * 1024;

let rig: Rig;
let happy: Investigation;
let webhook: { status: number; body: unknown };

beforeAll(async () => {
  rig = await startRig();
  happy = await rig.run(
    startViaWebhook(demoAlertPayload(new Date(T0)), (status, body) => {
      webhook = { status, body };
    }),
  );
});

afterAll(async () => {
  await rig?.close();
});

describe('snatInvestigation orchestrator', () => {
  describe('happy path through the alert webhook', () => {
    it('accepts the alert with 202 and completes the orchestration', () => {
      expect(webhook.status).toBe(202);
      expect(happy.run.runtimeStatus).toBe('Completed');
      expect(happy.outcome.problems).toEqual([]);
      expect(happy.outcome.nodes).toHaveLength(1);
      expect(happy.outcome.nodes[0]).toMatchObject({ node: DEMO_HOT_NODE.name, status: 'complete', notified: true });
    });

    it('stores report.json/.md/.html and the evidence under <cluster>/<node>/<UTC>-<instance>/', () => {
      expect(happy.prefix).toBe(`aks-prod-weu/${DEMO_HOT_NODE.name}/20260504T100000Z-${happy.instanceId}/`);
      expect(happy.files).toEqual(expect.arrayContaining(Object.values(REPORT_FILES)));
      const evidence = happy.files.filter((f) => f.startsWith(EVIDENCE_FOLDER));
      expect(evidence.length).toBeGreaterThan(5);
      expect(evidence).toEqual(expect.arrayContaining([`${EVIDENCE_FOLDER}pods.json`, `${EVIDENCE_FOLDER}node.json`]));
      expect(evidence.some((f) => f.startsWith(`${EVIDENCE_FOLDER}netstat/`))).toBe(true);
    });

    it('names payments/checkout-api-7d9f8b6c5-x2x9q in the verdict', () => {
      expect(happy.report?.verdict).toMatchObject(CULPRIT);
      expect(happy.report?.investigation).toMatchObject({ status: 'complete', problems: [], id: happy.instanceId });
      expect(happy.outcome.nodes[0]?.verdict).toMatchObject(CULPRIT);
      // The cluster's incident index: the first incident, with this pod on top.
      expect(happy.report?.history).toEqual({
        pod: `${CULPRIT.namespace}/${CULPRIT.pod}`,
        workload: WORKLOAD,
        k: 1,
        n: 1,
      });
      // The workload, not the pod, is named first: read from the ReplicaSet's own ownerReferences.
      expect(happy.report?.verdict.workload).toEqual({
        kind: 'Deployment',
        namespace: 'payments',
        name: 'checkout-api',
        resolvedBy: 'ownerReferences',
      });
      expect(happy.report?.verdict.summary).toMatch(
        /^Deployment payments\/checkout-api \(pod checkout-api-7d9f8b6c5-x2x9q\)/,
      );
    });

    it('announces it in Teams with a valid Adaptive Card 1.5 message', () => {
      expect(happy.teamsDelivered).toHaveLength(1);
      const payload = happy.teamsDelivered[0] as {
        type: string;
        attachments: Array<{ contentType: string; content: { type: string; version: string } }>;
      };
      expect(payload.type).toBe('message');
      expect(payload.attachments).toHaveLength(1);
      expect(payload.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(payload.attachments[0]?.content).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
      expect(validateAdaptiveCard(payload.attachments[0]?.content)).toEqual([]);
      expect(JSON.stringify(payload)).toContain(CULPRIT.pod);
    });

    it('leaves no capture Job behind', () => {
      expect(happy.jobsLeft).toBe(0);
      expect(scheduledActivities(happy.run.history)).toContain(ACTIVITY.deleteCapture);
    });

    it('shows every phase in order in the custom status, with node and elapsed time', () => {
      expect(phases(happy.progress)).toEqual([
        'resolve-cluster',
        'resolve-node',
        'snat-metrics',
        'node-single-flight',
        'start-capture',
        'tracing',
        'collect-evidence',
        'delete-capture',
        'select-pods',
        'netstat',
        'store-report',
        'notify',
        'done',
      ]);
      const last = happy.progress.at(-1);
      expect(last).toMatchObject({ phase: 'done', node: DEMO_HOT_NODE.name, cluster: 'aks-prod-weu' });
      // The 60 s trace window passed on the durable timer's virtual clock.
      expect(last?.elapsedSeconds).toBeGreaterThanOrEqual(60);
      expect(happy.progress.find((p) => p.phase === 'resolve-cluster')?.elapsedSeconds).toBe(0);
      expect(happy.progress.every((p) => p.startedAt === new Date(T0).toISOString())).toBe(true);
    });

    it('waits for the trace window with a durable timer, not a sleeping activity', () => {
      const created = eventsOf(happy.run.history, HistoryEventType.TimerCreated);
      const fired = eventsOf(happy.run.history, HistoryEventType.TimerFired);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(fired.map((e) => e.TimerId)).toEqual(created.map((e) => e.EventId));
      // First the zero-length checkpoint that lets a resolve event end the run before the capture, then the trace.
      expect(created.map((e) => Date.parse(String(e.FireAt)) - T0).slice(0, 2)).toEqual([0, 60_000]);
    });
  });

  describe('re-analysis of the stored evidence', () => {
    it('gives the same verdict as the stored report', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'snat-reanalysis-'));
      try {
        const prefix = happy.prefix as string;
        const downloaded = await rig.store.downloadPrefix(`${prefix}${EVIDENCE_FOLDER}`, dir);
        expect(downloaded.length).toBeGreaterThan(5);
        const again = await analyzeBundle(dir, { privateCidrs: rig.world.settings.privateCidrs });
        expect(again.verdict).toEqual(happy.report?.verdict);
        // The stored report started from the trace snapshot candidate selection kept (the trace was read once),
        // and it is what reading the trace again gives (destinations aside: the stored one carries service tags).
        expect((await rig.store.readFile(prefix, 'trace-analysis.json')).length).toBeGreaterThan(100);
        expect(again.trace).toEqual(happy.report?.trace);
        expect(again.rankedPods.map(({ topDestinations, ...p }) => p)).toEqual(
          happy.report?.rankedPods.map(({ topDestinations, ...p }) => p),
        );
        expect(again.rankedPods.slice(0, 5).map((p) => `${p.namespace}/${p.pod}`)).toEqual(
          happy.report?.rankedPods.slice(0, 5).map((p) => `${p.namespace}/${p.pod}`),
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('determinism', () => {
    it('replays the completed history twice through fresh contexts with identical actions and output', async () => {
      const registry = installFunctionsHostStandIn();
      const args = {
        instanceId: happy.instanceId,
        input: happy.run.history[1]?.Input ? JSON.parse(String(happy.run.history[1].Input)) : null,
        history: happy.run.history,
      };
      const first = await replayOrchestrator(registry, 'snatInvestigation', args);
      const second = await replayOrchestrator(registry, 'snatInvestigation', args);
      expect(first.isDone).toBe(true);
      expect(second.actions).toEqual(first.actions);
      expect(second.output).toEqual(first.output);
      expect(second.customStatus).toEqual(first.customStatus);
      expect(first.output).toEqual(happy.outcome);
      // Every scheduled activity of the original run is asked for again, in the same order.
      const replayed = first.actions.flat().flatMap(function flat(a): string[] {
        return a.compoundActions ? a.compoundActions.flatMap(flat) : a.functionName ? [a.functionName] : [];
      });
      expect(replayed).toEqual(scheduledActivities(happy.run.history));
    });
  });

  describe('activity output budget', () => {
    it('keeps every activity result of the happy path under 16 KB', () => {
      const results = completedResults(happy.run.history);
      expect(results.length).toBeGreaterThanOrEqual(11);
      const max = Math.max(...results.map((r) => r.bytes));
      expect(max).toBeLessThanOrEqual(BUDGET);
    });
  });

  describe('alert not split by BackendIPAddress', () => {
    it('asks Azure Monitor for the worst node and investigates 10.224.0.7', async () => {
      const alert = demoAlertPayload(new Date(T0)) as {
        data: { alertContext: { condition: { allOf: Array<{ dimensions: Array<{ name: string }> }> } } };
      };
      for (const c of alert.data.alertContext.condition.allOf) {
        c.dimensions = c.dimensions.filter((d) => d.name !== 'BackendIPAddress');
      }
      const unsplit = await rig.run(startViaWebhook(alert));
      expect(unsplit.run.runtimeStatus).toBe('Completed');
      expect(unsplit.instanceId).not.toBe(happy.instanceId);
      const activities = scheduledActivities(unsplit.run.history);
      expect(activities.slice(0, 2)).toEqual([ACTIVITY.resolveCluster, ACTIVITY.findWorstNodes]);
      const worst = completedResults(unsplit.run.history).find((r) => r.name === ACTIVITY.findWorstNodes);
      expect(JSON.parse(worst?.result ?? 'null')).toEqual([
        { backendIp: DEMO_HOT_NODE.ip, maxUsedPorts: expect.any(Number) },
      ]);
      expect(phases(unsplit.progress)).toContain('find-worst-nodes');
      // The metrics snapshot is the hot node's, not the whole load balancer's.
      const metricsCall = eventsOf(unsplit.run.history, HistoryEventType.TaskScheduled).find(
        (e) => e.Name === ACTIVITY.snatMetrics,
      );
      expect(JSON.parse(String(metricsCall?.Input))).toMatchObject({ backendIp: DEMO_HOT_NODE.ip });
      expect(Math.max(...(unsplit.report?.metrics ?? []).map((m) => m.allocatedPorts ?? 0))).toBe(1024);
      expect(unsplit.outcome.nodes).toHaveLength(1);
      expect(unsplit.outcome.nodes[0]).toMatchObject({ node: DEMO_HOT_NODE.name, status: 'complete' });
      expect(unsplit.report?.verdict).toMatchObject(CULPRIT);
      // Second incident on the same cluster, same culprit: the report says so.
      expect(unsplit.report?.history).toEqual({
        pod: `${CULPRIT.namespace}/${CULPRIT.pod}`,
        workload: WORKLOAD,
        k: 2,
        n: 2,
      });
      const md = (await rig.world.deps.reports()).readFile(unsplit.prefix!, 'report.md');
      expect((await md).toString('utf8')).toContain('was the top talker in 2 of the last 2 incidents on this cluster');
      expect(unsplit.report?.node).toMatchObject({ name: DEMO_HOT_NODE.name, ip: DEMO_HOT_NODE.ip });
      expect(unsplit.jobsLeft).toBe(0);
    });
  });
});
