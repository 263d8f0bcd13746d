/**
 * The per-node flow's concurrency rules, with the real orchestrator, entities and activities on the simulated
 * world: an alert that resolves before its capture starts ends early with a short report; the capture slot and the
 * node are always given back; the node's report is shared with a second investigation of the same node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVITY } from '../../../src/investigation/activityNames.js';
import { DEMO_HOT_NODE } from '../../../src/sim/arm/world.js';
import { demoAlertPayload } from '../../../src/sim/demoAlert.js';
import { HistoryEventType } from '../../../src/sim/durable/index.js';
import { eventsOf, type Rig, scheduledActivities, startRig, T0 } from '../../support/orchestration/rig.js';

let rig: Rig;
/** A whole investigation on the simulated world: room for a loaded machine. */
const RUN_TIMEOUT_MS = 180_000;

beforeAll(async () => {
  rig = await startRig();
});

afterAll(async () => {
  await rig?.close();
});

function resolvedPayload(firedAt: Date, resolvedAt: Date) {
  const payload = demoAlertPayload(firedAt) as { data: { essentials: Record<string, unknown> } };
  payload.data.essentials.monitorCondition = 'Resolved';
  payload.data.essentials.resolvedDateTime = resolvedAt.toISOString();
  return payload;
}

async function post(sim: Parameters<Parameters<Rig['run']>[0]>[0], payload: unknown) {
  const res = await sim.registry.invokeHttp('alertWebhook', {
    method: 'POST',
    url: 'http://127.0.0.1:7071/api/alerts',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  return {
    status: res.status,
    body: res.json() as { instances?: Array<{ instanceId: string }>; notifiedInstanceIds?: string[] },
  };
}

describe('the per-node flow', () => {
  it(
    'ends early with a short report when the alert resolves before the capture starts',
    async () => {
      let resolvedAnswer: { status: number; body: { notifiedInstanceIds?: string[] } } | null = null;
      const inv = await rig.run(async (sim) => {
        const fired = await post(sim, demoAlertPayload(new Date(T0)));
        const id = fired.body.instances?.[0]?.instanceId as string;
        // The resolve arrives through the real webhook while the investigation is still pending.
        resolvedAnswer = await post(sim, resolvedPayload(new Date(T0), new Date(T0 + 30_000)));
        return id;
      });
      expect(resolvedAnswer).toMatchObject({ status: 200, body: { notifiedInstanceIds: [inv.instanceId] } });
      expect(inv.run.runtimeStatus).toBe('Completed');
      expect(inv.outcome.nodes).toHaveLength(1);
      expect(inv.outcome.nodes[0]).toMatchObject({ node: DEMO_HOT_NODE.name, status: 'degraded' });
      expect(inv.report?.investigation.problems.join(' ')).toMatch(
        /the alert resolved at 2026-05-04T10:00:30.000Z before the capture started; nothing was captured/,
      );
      // Nothing was captured: no capture Job was ever created, and the slot and the node were given back.
      expect(scheduledActivities(inv.run.history)).not.toContain(ACTIVITY.startCapture);
      expect(inv.jobsLeft).toBe(0);
      const entityOps = eventsOf(inv.run.history, HistoryEventType.EventSent).map((e) => e.Name);
      expect(entityOps).toEqual(['acquire', 'acquire', 'release', 'release']);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'without a resolve, captures as usual and gives the slot and the node back',
    async () => {
      const inv = await rig.run(
        async (sim) => {
          const fired = await post(sim, demoAlertPayload(new Date(T0 + 3_600_000)));
          return fired.body.instances?.[0]?.instanceId as string;
        },
        { start: T0 + 3_600_000 },
      );
      expect(inv.outcome.nodes[0]).toMatchObject({ status: 'complete' });
      expect(scheduledActivities(inv.run.history)).toContain(ACTIVITY.startCapture);
      const sent = eventsOf(inv.run.history, HistoryEventType.EventSent).map(
        (e) => `${e.Name} ${e.InstanceId?.split('@')[1]}`,
      );
      expect(sent).toEqual([
        'acquire nodecapture',
        'acquire captureslots',
        'release captureslots',
        'release nodecapture',
      ]);
    },
    RUN_TIMEOUT_MS,
  );
});

describe('bounded fan-out', () => {
  it(
    'never has more pod execs open than EXEC_WAVE_SIZE for one investigation, and still measures every pod',
    async () => {
      const narrow = await startRig({ settings: { EXEC_WAVE_SIZE: '1', NETSTAT_CONCURRENCY: '16' } });
      try {
        const inv = await narrow.run(async (sim) => {
          const fired = await post(sim, demoAlertPayload(new Date(T0)));
          return fired.body.instances?.[0]?.instanceId as string;
        });
        expect(inv.outcome.nodes[0]).toMatchObject({ status: 'complete' });
        const podSockets = eventsOf(inv.run.history, HistoryEventType.TaskScheduled).filter(
          (e) => e.Name === ACTIVITY.podSockets,
        );
        expect(podSockets.length).toBeGreaterThan(0);
        for (const e of podSockets) expect(JSON.parse(String(e.Input))).toMatchObject({ concurrency: 1 });
        expect(narrow.world.kube.state.exec.total).toBeGreaterThan(1);
        expect(narrow.world.kube.state.exec.peak).toBe(1);
      } finally {
        await narrow.close();
      }
    },
    RUN_TIMEOUT_MS,
  );
});
