import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVITY } from '../../../src/investigation/activityNames.js';
import { HistoryEventType, historyEventTypeName } from '../../../src/sim/durable/index.js';
import {
  eventsOf,
  failedActivities,
  phases,
  type Rig,
  scheduledActivities,
  startRequest,
  startRig,
  T0,
} from '../../support/orchestration/rig.js';

let rig: Rig;

beforeAll(async () => {
  rig = await startRig({
    // SDK retries off: each ARM fault reaches Durable's retry policy. The capture pod stays Pending for 90 s
    // of virtual time, 30 s past the trace window, so the orchestrator must poll with timers.
    armRetryOptions: { maxRetries: 0 },
    kubeTiming: { pendingMs: 90_000, runningMs: 5_000 },
  });
});

afterEach(() => {
  rig.arm.faults.length = 0;
});

afterAll(async () => {
  await rig?.close();
});

describe('snatInvestigation orchestrator', () => {
  describe('transient ARM faults', () => {
    it('retries managedClusters list (429, then 500) and metrics (500) with durable retry timers, then completes', async () => {
      rig.arm.faults.push(
        { method: 'GET', pathIncludes: '/providers/Microsoft.ContainerService/managedClusters', status: 429 },
        { method: 'GET', pathIncludes: '/providers/Microsoft.ContainerService/managedClusters', status: 500 },
        { method: 'GET', pathIncludes: '/providers/Microsoft.Insights/metrics', status: 500 },
      );
      const inv = await rig.run(startRequest({ label: 'arm-retry' }));
      expect(inv.run.runtimeStatus).toBe('Completed');
      expect(rig.arm.faults).toEqual([]);
      expect(inv.outcome.nodes[0]).toMatchObject({ status: 'complete', notified: true });
      expect(inv.report?.investigation.problems).toEqual([]);
      expect(inv.report?.metrics.length).toBeGreaterThan(0);

      const failed = failedActivities(inv.run.history);
      expect(failed.filter((n) => n === ACTIVITY.resolveCluster)).toHaveLength(2);
      expect(failed.filter((n) => n === ACTIVITY.snatMetrics)).toHaveLength(1);

      // scheduled 0, failed 0, timer 1 (+5 s), fired 1, scheduled 2, failed 2, timer 3 (+10 s), fired 3, scheduled 4.
      const trail = inv.run.history
        .map((e) => historyEventTypeName(e.EventType))
        .filter((t) => /^(Task|Timer)/.test(t))
        .slice(0, 9);
      expect(trail).toEqual([
        'TaskScheduled',
        'TaskFailed',
        'TimerCreated',
        'TimerFired',
        'TaskScheduled',
        'TaskFailed',
        'TimerCreated',
        'TimerFired',
        'TaskScheduled',
      ]);
      const timers = eventsOf(inv.run.history, HistoryEventType.TimerCreated);
      expect(Date.parse(String(timers[0]?.FireAt)) - T0).toBe(5_000);
      expect(Date.parse(String(timers[1]?.FireAt)) - T0).toBe(15_000);
      expect(inv.jobsLeft).toBe(0);
    });
  });

  describe('capture still Pending after the trace window', () => {
    it('polls captureStatus with durable timers until the Job succeeds', async () => {
      const inv = await rig.run(startRequest({ label: 'timer-poll' }));
      expect(inv.run.runtimeStatus).toBe('Completed');
      expect(inv.outcome.nodes[0]).toMatchObject({ status: 'complete' });
      expect(inv.report?.verdict.pod).toBe('checkout-api-7d9f8b6c5-x2x9q');

      const polls = scheduledActivities(inv.run.history).filter((n) => n === ACTIVITY.captureStatus);
      // Pending at 60, 70, 80 s; Running at 90 s; Succeeded at 100 s.
      expect(polls.length).toBeGreaterThanOrEqual(4);
      const created = eventsOf(inv.run.history, HistoryEventType.TimerCreated);
      const fired = eventsOf(inv.run.history, HistoryEventType.TimerFired);
      expect(created.length).toBe(polls.length);
      expect(fired.map((e) => e.TimerId)).toEqual(created.map((e) => e.EventId));
      const fireOffsets = created.map((e) => (Date.parse(String(e.FireAt)) - T0) / 1000);
      expect(fireOffsets[0]).toBe(60);
      expect(fireOffsets.slice(1).every((s, i) => s - (fireOffsets[i] as number) === 10)).toBe(true);

      const waiting = inv.progress.filter((p) => p.phase === 'waiting-for-capture');
      expect(waiting.length).toBeGreaterThan(0);
      expect(waiting[0]?.detail).toMatch(/^Pending/);
      expect(phases(inv.progress).indexOf('waiting-for-capture')).toBeLessThan(
        phases(inv.progress).indexOf('collect-evidence'),
      );
      expect(inv.jobsLeft).toBe(0);
    });
  });
});
