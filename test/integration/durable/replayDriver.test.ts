import { beforeAll, describe, expect, it } from 'vitest';
import { OrchestrationAlreadyExistsError, ReplayDriverError } from '../../../src/sim/durable/errors.js';
import { type HistoryEvent, HistoryEventType } from '../../../src/sim/durable/history.js';
import { installFunctionsHostStandIn } from '../../../src/sim/durable/hostStandIn.js';
import { type DriverEvent, flattenActions, ReplayDriver } from '../../../src/sim/durable/replayDriver.js';
import { ManualClock } from '../../../src/sim/durable/virtualClock.js';

const registry = installFunctionsHostStandIn();
const start = Date.parse('2026-03-01T12:00:00Z');
let app: typeof import('../../support/durable/sampleApp.js');

beforeAll(async () => {
  app = await import('../../support/durable/sampleApp.js');
});

function setup(options: { activityConcurrency?: number } = {}) {
  const clock = new ManualClock({ start });
  const events: DriverEvent[] = [];
  const driver = new ReplayDriver(registry, { clock, onEvent: (e) => events.push(e), ...options });
  return { clock, driver, events };
}

async function run(driver: ReplayDriver, name: string, input?: unknown, instanceId?: string) {
  const started = await driver.start(name, input, instanceId);
  return driver.runToCompletion(started.instanceId);
}

/** `[type, id]` pairs of the events that carry ids, in history order. */
function idTrail(history: HistoryEvent[]): string[] {
  const trail: string[] = [];
  for (const e of history) {
    if (e.EventType === HistoryEventType.TaskScheduled) trail.push(`scheduled ${e.EventId}`);
    if (e.EventType === HistoryEventType.TaskCompleted) trail.push(`completed ${e.TaskScheduledId}`);
    if (e.EventType === HistoryEventType.TaskFailed) trail.push(`failed ${e.TaskScheduledId}`);
    if (e.EventType === HistoryEventType.TimerCreated) trail.push(`timer ${e.EventId}`);
    if (e.EventType === HistoryEventType.TimerFired) trail.push(`fired ${e.TimerId}`);
  }
  return trail;
}

describe('ReplayDriver', () => {
  describe('activity sequences', () => {
    it('runs a sequence of activities to completion with one episode per result', async () => {
      const { driver } = setup();
      const result = await run(driver, app.sample.helloSequence);

      expect(result.runtimeStatus).toBe('Completed');
      expect(result.output).toEqual(['Hello Tokyo', 'Hello Seattle', 'Hello London']);
      expect(result.episodes).toBe(4);
      expect(idTrail(result.history)).toEqual([
        'scheduled 0',
        'completed 0',
        'scheduled 1',
        'completed 1',
        'scheduled 2',
        'completed 2',
      ]);
      const first = result.history[0] as HistoryEvent;
      const second = result.history[1] as HistoryEvent;
      expect(first.EventType).toBe(HistoryEventType.OrchestratorStarted);
      expect(second.EventType).toBe(HistoryEventType.ExecutionStarted);
      // String inputs reach the activity decoded and go into history as JSON text.
      const scheduled = result.history.filter((e) => e.EventType === HistoryEventType.TaskScheduled);
      expect(scheduled.map((e) => e.Input)).toEqual(['"Tokyo"', '"Seattle"', '"London"']);
    });

    it('replays earlier episodes with isReplaying set, so guarded logs are written once', async () => {
      const { driver } = setup();
      const before = registry.logs.length;
      await run(driver, app.sample.helloSequence);

      const greetings = registry.logs
        .slice(before)
        .filter((l) => l.functionName === app.sample.helloSequence && l.message.startsWith('greeting'));
      expect(greetings.map((l) => l.message)).toEqual(['greeting Tokyo', 'greeting Seattle', 'greeting London']);
    });

    it('exposes the custom status between episodes while the instance is Running', async () => {
      const seen: { status: string | undefined; custom: unknown }[] = [];
      const clock = new ManualClock({ start });
      const driver: ReplayDriver = new ReplayDriver(registry, {
        clock,
        onEvent: (e) => {
          if (e.kind !== 'episode') return;
          const status = driver.getStatus(e.instanceId);
          seen.push({ status: status?.runtimeStatus, custom: status?.customStatus });
        },
      });
      const result = await run(driver, app.sample.helloSequence);

      expect(seen.slice(0, 3)).toEqual([
        { status: 'Running', custom: { phase: 'hello', city: 'Tokyo' } },
        { status: 'Running', custom: { phase: 'hello', city: 'Seattle' } },
        { status: 'Running', custom: { phase: 'hello', city: 'London' } },
      ]);
      expect(result.customStatusLog.at(-1)).toEqual({ phase: 'done' });
      expect(driver.getStatus(result.instanceId)?.customStatus).toEqual({ phase: 'done' });
    });
  });

  describe('fan-out', () => {
    it('schedules Task.all children with consecutive ids and runs them concurrently within the limit', async () => {
      const { driver } = setup({ activityConcurrency: 3 });
      app.sampleEffects.maxInFlight = 0;
      const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
      const result = await run(driver, app.sample.fanOut, { values });

      expect(result.output).toEqual({ doubled: values.map((v) => v * 2), sum: 110 });
      const scheduled = result.history.filter((e) => e.EventType === HistoryEventType.TaskScheduled);
      expect(scheduled.map((e) => e.EventId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(app.sampleEffects.maxInFlight).toBe(3);
      // All ten are scheduled in the first episode; each result is one more episode.
      expect(result.episodes).toBe(11);
    });
  });

  describe('durable timers', () => {
    it('advances virtual time to the fire time without spending it', async () => {
      const { driver, clock } = setup();
      const result = await run(driver, app.sample.timerWindow, { seconds: 60 });

      const output = result.output as { start: string; end: string };
      expect(output.start).toBe('2026-03-01T12:00:00.000Z');
      expect(output.end).toBe('2026-03-01T12:01:00.000Z');
      expect(clock.skippedMs).toBe(60_000);
      expect(clock.now() - start).toBe(60_000);
      expect(idTrail(result.history)).toEqual(['timer 0', 'fired 0']);
      const created = result.history.find((e) => e.EventType === HistoryEventType.TimerCreated);
      expect(created?.FireAt).toBe('2026-03-01T12:01:00.000Z');
    });

    it('lets an activity win Task.any against a timer and never fires the cancelled timer', async () => {
      const { driver, clock } = setup();
      const result = await run(driver, app.sample.raceTimer);

      expect(result.output).toEqual({ winner: 'activity', value: 42 });
      // Ids follow the order of the Task.any children (activity, then timer), not creation order.
      expect(idTrail(result.history)).toEqual(['scheduled 0', 'timer 1', 'completed 0']);
      expect(clock.skippedMs).toBe(0);
    });

    it('polls with timers between activity calls (no activity sleeps)', async () => {
      const { driver } = setup();
      const result = await run(driver, app.sample.pollUntilReady, { key: 'poll-a', readyAfter: 3, maxPolls: 5 });

      expect(result.output).toEqual({ ready: true, polls: 3, at: '2026-03-01T12:00:20.000Z' });
      expect(result.customStatusLog).toContainEqual({ phase: 'poll', poll: 3 });
    });
  });

  describe('callActivityWithRetry', () => {
    it('retries a failing activity with backoff timers, each timer and attempt taking the next id', async () => {
      const { driver, clock } = setup();
      const result = await run(driver, app.sample.retrying, { key: 'retry-ok', failTimes: 2, maxAttempts: 3 });

      expect(result.output).toEqual({ ok: true, result: { key: 'retry-ok', attempts: 3 } });
      expect(idTrail(result.history)).toEqual([
        'scheduled 0',
        'failed 0',
        'timer 1',
        'fired 1',
        'scheduled 2',
        'failed 2',
        'timer 3',
        'fired 3',
        'scheduled 4',
        'completed 4',
        'scheduled 5',
        'completed 5',
      ]);
      // First retry after 1 s, second after 2 s (backoff coefficient 2).
      expect(clock.skippedMs).toBe(3_000);
      expect(app.sampleEffects.cleanups).toContain('retry-ok');
    });

    it('throws into the orchestrator after the last attempt and its timer, and the finally cleanup still runs', async () => {
      const { driver, clock } = setup();
      const result = await run(driver, app.sample.retrying, { key: 'retry-never', failTimes: 99, maxAttempts: 3 });

      expect(result.runtimeStatus).toBe('Completed');
      const output = result.output as { ok: boolean; message: string };
      expect(output.ok).toBe(false);
      expect(output.message).toContain("Activity function 'sample_flaky' failed: flaky retry-never failed attempt 3");
      expect(idTrail(result.history)).toEqual([
        'scheduled 0',
        'failed 0',
        'timer 1',
        'fired 1',
        'scheduled 2',
        'failed 2',
        'timer 3',
        'fired 3',
        'scheduled 4',
        'failed 4',
        'timer 5',
        'fired 5',
        'scheduled 6',
        'completed 6',
      ]);
      expect(clock.skippedMs).toBe(1_000 + 2_000 + 4_000);
      expect(app.sampleEffects.cleanups).toContain('retry-never');
      expect(app.sampleEffects.calls.get('flaky:retry-never')).toBe(3);
    });
  });

  describe('failures', () => {
    it('marks an orchestration Failed with the uncaught error message', async () => {
      const { driver } = setup();
      const result = await run(driver, app.sample.failing);

      expect(result.runtimeStatus).toBe('Failed');
      expect(result.failure?.message).toContain("Activity function 'sample_alwaysFails' failed: the disk is on fire");
      expect(String(result.output)).toMatch(/^Orchestrator function 'sample_failing' failed: /);
      expect(driver.getStatus(result.instanceId)?.runtimeStatus).toBe('Failed');
      expect(result.customStatusLog.at(-1)).toEqual({ phase: 'about to fail' });
    });

    it('rejects with ReplayDriverError when an instance waits for an event nobody can raise, and leaves it Failed', async () => {
      const { driver } = setup();
      const { instanceId } = await driver.start(app.sample.waitsForApproval);

      await expect(driver.runToCompletion(instanceId)).rejects.toThrow(/no activity, timer or entity operation/);
      expect(driver.getStatus(instanceId)?.runtimeStatus).toBe('Failed');
    });

    it('refuses to start an unknown orchestrator', async () => {
      const { driver } = setup();
      await expect(driver.start('noSuchOrchestrator')).rejects.toBeInstanceOf(ReplayDriverError);
      await expect(driver.start(app.sample.sayHello)).rejects.toThrow(/not an orchestrator function/);
    });
  });

  describe('external events', () => {
    it('delivers a raised event to the waiting task (buffered when raised before the wait)', async () => {
      const { driver } = setup();
      const { instanceId } = await driver.start(app.sample.waitsForApproval);
      expect(driver.raiseEvent(instanceId, 'approval', { by: 'sre' })).toBe(true);
      const result = await driver.runToCompletion(instanceId);
      expect(result.output).toEqual({ by: 'sre' });
      const raised = result.history.filter((e) => e.EventType === HistoryEventType.EventRaised);
      expect(raised).toEqual([expect.objectContaining({ Name: 'approval', Input: '{"by":"sre"}' })]);
      expect(driver.raiseEvent(instanceId, 'approval', {})).toBe(false);
      // The recorded history replays to the same result (determinism).
      expect((await driver.replay(instanceId)).output).toEqual({ by: 'sre' });
    });

    it('fires a timer only when the whole world is quiet: a waiter never times out while another instance works', async () => {
      const { driver, clock } = setup();
      app.sampleGate.reset();
      const waiter = await driver.start(app.sample.waitOrTimeout, 10);
      const worker = await driver.start(app.sample.gatedRun);
      const waiting = driver.runToCompletion(waiter.instanceId);
      const working = driver.runToCompletion(worker.instanceId);
      await new Promise((resolve) => setTimeout(resolve, 150));
      // The worker's activity is in flight (wall time): the waiter's 10 min timer must not have fired.
      expect(driver.getStatus(waiter.instanceId)?.runtimeStatus).toBe('Running');
      expect(clock.now()).toBe(start);
      driver.raiseEvent(waiter.instanceId, 'go', 'event first');
      app.sampleGate.open();
      expect((await waiting).output).toEqual({ got: 'event first', at: '2026-03-01T12:00:00.000Z' });
      expect((await working).output).toBe('opened');
    });

    it('fires the timer once everything else is idle (virtual time jumps to it)', async () => {
      const { driver } = setup();
      const { instanceId } = await driver.start(app.sample.waitOrTimeout, 30);
      const result = await driver.runToCompletion(instanceId);
      expect(result.output).toEqual({ got: 'timeout', at: '2026-03-01T12:30:00.000Z' });
    });

    it('holds timers while a scenario is still delivering requests', async () => {
      const { driver } = setup();
      driver.holdTimers();
      const { instanceId } = await driver.start(app.sample.waitOrTimeout, 5);
      const run = driver.runToCompletion(instanceId);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(driver.getStatus(instanceId)?.runtimeStatus).toBe('Running');
      driver.releaseTimers();
      expect((await run).output).toMatchObject({ got: 'timeout' });
    });

    it('lets an activity raise an event through the real durable client over the RPC endpoint', async () => {
      const { startClientRpcServer } = await import('../../../src/sim/durable/clientRpcServer.js');
      const { driver } = setup();
      const rpc = await startClientRpcServer(driver, registry);
      try {
        const waiter = await driver.start(app.sample.waitOrTimeout, 60);
        const notifier = await driver.start(app.sample.notifier, { instanceId: waiter.instanceId, data: 'via client' });
        const [waited, notified] = await Promise.all([
          driver.runToCompletion(waiter.instanceId),
          driver.runToCompletion(notifier.instanceId),
        ]);
        expect(notified.output).toBe('raised');
        expect(waited.output).toMatchObject({ got: 'via client' });
      } finally {
        await rpc.close();
      }
    });
  });

  describe('entities', () => {
    it('runs calls and signals on a real registered entity one at a time, with state kept between operations', async () => {
      const { driver, events } = setup();
      const result = await run(driver, app.sample.entityCounter, 'k1');
      // add 2 -> 2; signal add 10 -> 12 (ordered before the next call); add 3 -> 15; get -> 15; a failing op throws.
      expect(result.output).toEqual({ first: 2, second: 15, total: 15, activity: 8, failed: true });
      expect(driver.entityState('@sample_counter@k1')).toEqual({ exists: true, state: 15 });
      const sent = result.history.filter((e) => e.EventType === HistoryEventType.EventSent);
      expect(sent.map((e) => [e.EventId, e.Name, e.InstanceId])).toEqual([
        [0, 'add', '@sample_counter@k1'],
        [1, 'add', '@sample_counter@k1'],
        [3, 'add', '@sample_counter@k1'],
        [4, 'get', '@sample_counter@k1'],
        [5, 'fail', '@sample_counter@k1'],
      ]);
      expect(
        events.filter((e) => e.kind === 'entityOperation').map((e) => (e as { operation: string }).operation),
      ).toEqual(['add', 'add', 'add', 'get', 'fail']);
      expect((await driver.replay(result.instanceId)).output).toEqual(result.output);
    });

    it('serialises operations from concurrent instances on one entity', async () => {
      const { driver } = setup({ activityConcurrency: 8 });
      const ids = await Promise.all(Array.from({ length: 5 }, () => driver.start(app.sample.entityCounter, 'shared')));
      await Promise.all(ids.map((i) => driver.runToCompletion(i.instanceId)));
      // Five instances each add 2 + 10 + 3: nothing lost to a race.
      expect(driver.entityState('@sample_counter@shared')).toEqual({ exists: true, state: 75 });
    });
  });

  describe('instance ids', () => {
    it('refuses a second start with the same id while the first is pending, and allows it once finished', async () => {
      const { driver } = setup();
      await driver.start(app.sample.helloSequence, null, 'fixed-id');
      await expect(driver.start(app.sample.helloSequence, null, 'fixed-id')).rejects.toBeInstanceOf(
        OrchestrationAlreadyExistsError,
      );
      await driver.runToCompletion('fixed-id');

      const again = await driver.start(app.sample.fanOut, { values: [5] }, 'fixed-id');
      const result = await driver.runToCompletion(again.instanceId);
      expect(result.output).toEqual({ doubled: [10], sum: 10 });
    });
  });

  describe('continueAsNew', () => {
    it('restarts the execution with the new input until the orchestrator returns', async () => {
      const { driver, clock } = setup();
      const result = await run(driver, app.sample.countdown, 3);

      expect(result.output).toBe('lift-off');
      expect(result.episodes).toBe(7);
      expect(clock.skippedMs).toBe(3_000);
      const executionStarted = result.history.find((e) => e.EventType === HistoryEventType.ExecutionStarted);
      expect(executionStarted?.Input).toBe('0');
    });
  });

  describe('determinism', () => {
    it('replaying a completed history twice through fresh contexts gives identical actions and output', async () => {
      const { driver } = setup();
      const result = await run(driver, app.sample.retrying, { key: 'replay', failTimes: 1, maxAttempts: 3 });

      const first = await driver.replay(result.instanceId);
      const second = await driver.replay(result.instanceId);
      expect(second).toEqual(first);
      expect(first.isDone).toBe(true);
      expect(first.output).toEqual(result.output);
      expect(flattenActions(first.actions).map((a) => [a.actionType, a.functionName])).toEqual([
        [1, app.sample.flaky],
        [0, app.sample.cleanup],
      ]);
    });

    it('replays a failed history to the same failure', async () => {
      const { driver } = setup();
      const result = await run(driver, app.sample.failing);
      const first = await driver.replay(result.instanceId);
      const second = await driver.replay(result.instanceId);
      expect(second).toEqual(first);
      expect(first.error).toBe(result.failure?.message);
    });
  });
});
