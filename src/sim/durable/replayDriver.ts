/**
 * Drives a real registered `durable-functions` v3 orchestrator and its real activities to
 * completion, feeding history the way the Durable extension (Durable Task Framework) does:
 * one episode per new event, a fresh orchestrator invocation per episode with the whole
 * history, only the new actions scheduled, event ids as sequence numbers in yield order.
 *
 * For the simulated world and tests only: production runs on the real extension.
 *
 * Fidelity notes (see docs/durable-testing.md):
 * - Each episode delivers exactly one new event (an activity result or a fired timer), as the
 *   extension does when messages arrive one at a time. This keeps the id accounting of
 *   `callActivityWithRetry` exact: the library allocates the retry timer id while it replays
 *   the failure, before the orchestrator resumes, and the Durable Task retry interceptor does
 *   the same.
 * - Activities run concurrently (bounded); their results are delivered in schedule order by
 *   default so histories are reproducible.
 * - Timers fire on a {@link VirtualClock} that jumps to the fire time: no wall time is spent.
 */
import { randomUUID } from 'node:crypto';
import { OrchestrationAlreadyExistsError, ReplayDriverError } from './errors.js';
import { type HistoryEvent, HistoryEventType, historyEvent } from './history.js';
import type { FunctionsRegistry } from './hostStandIn.js';
import { ManualClock, type VirtualClock } from './virtualClock.js';

/** Action type numbers of the out-of-process protocol (what the orchestrator asks the extension to do). */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
} as const;

/** One action as the orchestrator returns it (JSON). */
export interface OrchestrationAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  retryOptions?: {
    firstRetryIntervalInMilliseconds: number;
    maxNumberOfAttempts: number;
    backoffCoefficient?: number;
    maxRetryIntervalInMilliseconds?: number;
    retryTimeoutInMilliseconds?: number;
  };
  fireAt?: string;
  isCanceled?: boolean;
  compoundActions?: OrchestrationAction[];
  /** CallEntity / SignalEntity: the entity's scheduler id (`@name@key`) and the operation. */
  instanceId?: string;
  operation?: string;
  /** WaitForExternalEvent: the event name (the task's id in the library: no sequence number). */
  externalEventName?: string;
}

/** What the orchestrator function returns to the extension each episode. */
export interface OrchestratorState {
  isDone: boolean;
  actions: OrchestrationAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
}

/** Runtime status names, as the extension reports them. */
export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated' | 'ContinuedAsNew';

/** Status of one instance (the extension's status payload, with `history` on request). */
export interface OrchestrationStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  history?: HistoryEvent[];
}

/** Result of {@link ReplayDriver.runToCompletion}. */
export interface RunResult {
  instanceId: string;
  runtimeStatus: 'Completed' | 'Failed' | 'Terminated';
  /** The orchestrator's return value; for Failed, the extension's failure text. */
  output: unknown;
  /** Set when the orchestration failed: the error message the orchestrator threw. */
  failure?: { message: string };
  /** History of the last execution (after continue-as-new: the new execution). */
  history: HistoryEvent[];
  /** Custom status after each episode, in order (consecutive duplicates included). */
  customStatusLog: unknown[];
  /** Orchestrator invocations, all executions included. */
  episodes: number;
}

/** Progress notifications (for logs and per-phase timings). */
export type DriverEvent =
  | { kind: 'episode'; instanceId: string; episode: number; customStatus: unknown; virtualTime: string }
  | { kind: 'activityScheduled'; instanceId: string; name: string; taskId: number; attempt: number }
  | { kind: 'activityCompleted'; instanceId: string; name: string; taskId: number; wallMs: number }
  | { kind: 'activityFailed'; instanceId: string; name: string; taskId: number; wallMs: number; message: string }
  | { kind: 'timerCreated'; instanceId: string; timerId: number; fireAt: string }
  | { kind: 'timerFired'; instanceId: string; timerId: number; fireAt: string }
  | { kind: 'eventRaised'; instanceId: string; name: string }
  | { kind: 'entityOperation'; entity: string; operation: string; signal: boolean; failed: boolean }
  | { kind: 'continuedAsNew'; instanceId: string }
  | { kind: 'completed'; instanceId: string; output: unknown }
  | { kind: 'failed'; instanceId: string; message: string }
  | { kind: 'terminated'; instanceId: string; reason: string };

/** Options of {@link ReplayDriver}. */
export interface ReplayDriverOptions {
  /** Virtual clock for history timestamps and timers (default: a {@link ManualClock} at wall time). */
  clock?: VirtualClock;
  onEvent?: (event: DriverEvent) => void;
  /** Activities running at once, across instances (default 4). */
  activityConcurrency?: number;
  /** `scheduled` (default): results enter history in schedule order; `completion`: as they finish. */
  deliveryOrder?: 'scheduled' | 'completion';
  /** When true, `start` also begins running the instance in the background (the HTTP starter flow). */
  autoRun?: boolean;
  /** Safety net against orchestrations that never end (default 10,000 episodes). */
  maxEpisodes?: number;
}

interface ActivityUnit {
  kind: 'activity';
  name: string;
  input: unknown;
  inputJson: string | null;
  retry: OrchestrationAction['retryOptions'] | undefined;
  attempt: number;
  retryTimerId: number | undefined;
}

interface TimerUnit {
  kind: 'timer';
  id: number;
  fireAt: number;
}

type Unit =
  | ActivityUnit
  | TimerUnit
  | { kind: 'continueAsNew'; input: unknown }
  | { kind: 'externalEvent'; name: string }
  | { kind: 'entity'; id: number; signal: boolean };

/** One operation queued on an entity. */
interface EntityRequest {
  id: string;
  operation: string;
  /** JSON text of the input, or null. */
  input: string | null;
  signal: boolean;
  /** Delivers the response to the calling orchestration (calls only). */
  respond?: (response: { result: string | null; exceptionType?: string }) => void;
}

/** An entity's durable state and its queue (operations run one at a time, in arrival order). */
interface EntityInstance {
  schedulerId: string;
  name: string;
  key: string;
  exists: boolean;
  state: string | undefined;
  queue: EntityRequest[];
  running: boolean;
}

/** What wakes an idle instance: an event in its inbox, its timer's turn, or the end of all progress. */
type Wake = { kind: 'inbox' } | { kind: 'timer'; timer: TimerUnit } | { kind: 'stuck' };

interface PendingActivity {
  unit: ActivityUnit;
  done: Promise<void>;
  event: HistoryEvent | undefined;
}

interface Instance {
  instanceId: string;
  name: string;
  input: unknown;
  executionId: string;
  runtimeStatus: RuntimeStatus;
  createdTime: number;
  lastUpdatedTime: number;
  history: HistoryEvent[];
  output: unknown;
  failure: { message: string } | undefined;
  customStatus: unknown;
  customStatusLog: unknown[];
  episodes: number;
  nextEventId: number;
  units: Unit[];
  byTaskId: Map<number, ActivityUnit | TimerUnit>;
  activities: Map<number, PendingActivity>;
  timers: Map<number, TimerUnit>;
  terminateReason: string | undefined;
  run: Promise<RunResult> | undefined;
  /** Events raised on the instance (external events, entity responses) not yet delivered. */
  inbox: HistoryEvent[];
  /** Set while the instance waits with nothing but timers or events pending. */
  idle: ((wake: Wake) => void) | undefined;
  /** True while its run loop is going (started and not finished). */
  active: boolean;
}

const outOfProcDataLabel = '$OutOfProcData$:';
const maximumShortTimerMs = 6 * 24 * 3600 * 1000;

/**
 * Runs orchestrations registered through the Functions host stand-in.
 *
 * @example
 * const registry = installFunctionsHostStandIn();
 * await import('./app.js');
 * const clock = new ManualClock({ start: Date.parse('2026-01-01T00:00:00Z') });
 * const driver = new ReplayDriver(registry, { clock });
 * const { instanceId } = await driver.start('helloSequence', { name: 'x' });
 * const result = await driver.runToCompletion(instanceId);
 */
export class ReplayDriver {
  readonly #registry: FunctionsRegistry;
  readonly #clock: VirtualClock;
  readonly #onEvent: ((event: DriverEvent) => void) | undefined;
  readonly #deliveryOrder: 'scheduled' | 'completion';
  readonly #autoRun: boolean;
  readonly #maxEpisodes: number;
  readonly #instances = new Map<string, Instance>();
  readonly #entities = new Map<string, EntityInstance>();
  readonly #limit: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Entity operations running now (the world is not quiet while one runs). */
  #entityBusy = 0;
  /** While above zero no timer fires (a scenario is still delivering requests). */
  #timerHolds = 0;
  #pumpQueued = false;

  constructor(registry: FunctionsRegistry, options: ReplayDriverOptions = {}) {
    this.#registry = registry;
    this.#clock = options.clock ?? new ManualClock();
    this.#onEvent = options.onEvent;
    this.#deliveryOrder = options.deliveryOrder ?? 'scheduled';
    this.#autoRun = options.autoRun ?? false;
    this.#maxEpisodes = options.maxEpisodes ?? 10_000;
    this.#limit = createLimiter(Math.max(1, options.activityConcurrency ?? 4));
  }

  /** The clock this driver stamps history with. */
  get clock(): VirtualClock {
    return this.#clock;
  }

  /**
   * Creates a Pending instance of orchestrator `name` (it runs on {@link runToCompletion}, or at
   * once with `autoRun`). Like the extension's default `overridableExistingInstanceStates`, an
   * existing instance id may be reused only when that instance is no longer running.
   *
   * @throws OrchestrationAlreadyExistsError when `instanceId` is Pending or Running.
   * @throws ReplayDriverError when `name` is not a registered orchestrator.
   */
  async start(name: string, input?: unknown, instanceId?: string): Promise<{ instanceId: string }> {
    const fn = this.#registry.functions.get(name);
    if (fn?.triggerType !== 'orchestrationTrigger') {
      throw new ReplayDriverError(
        `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
    }
    const id = instanceId && instanceId.length > 0 ? instanceId : randomUUID().replaceAll('-', '');
    const existing = this.#instances.get(id);
    if (existing && (existing.runtimeStatus === 'Pending' || existing.runtimeStatus === 'Running')) {
      throw new OrchestrationAlreadyExistsError(id, existing.runtimeStatus);
    }
    const now = this.#clock.now();
    const instance: Instance = {
      instanceId: id,
      name,
      input: input === undefined ? null : jsonClone(input),
      executionId: randomUUID().replaceAll('-', ''),
      runtimeStatus: 'Pending',
      createdTime: now,
      lastUpdatedTime: now,
      history: [],
      output: null,
      failure: undefined,
      customStatus: null,
      customStatusLog: [],
      episodes: 0,
      nextEventId: 0,
      units: [],
      byTaskId: new Map(),
      activities: new Map(),
      timers: new Map(),
      terminateReason: undefined,
      run: undefined,
      inbox: [],
      idle: undefined,
      active: false,
    };
    this.#instances.set(id, instance);
    if (this.#autoRun) {
      // Failures surface through getStatus / runToCompletion; keep the background run quiet.
      this.runToCompletion(id).catch(() => undefined);
    }
    return { instanceId: id };
  }

  /**
   * Runs the instance episode by episode until it completes, fails or is terminated. Calling it
   * again (or while it runs) returns the same result.
   *
   * @throws ReplayDriverError when the instance is unknown, exceeds `maxEpisodes`, or waits for
   * something the driver cannot deliver (an external event, an unsupported action).
   */
  runToCompletion(instanceId: string, options: { maxEpisodes?: number } = {}): Promise<RunResult> {
    const instance = this.#require(instanceId);
    if (!instance.run) {
      instance.active = true;
      instance.run = this.#run(instance, options.maxEpisodes ?? this.#maxEpisodes)
        .catch((err: unknown) => {
          // The driver itself gave up (no progress possible, unsupported action): the instance is Failed.
          if (isRunning(instance.runtimeStatus)) this.#finishFailed(instance, messageOf(err));
          throw err;
        })
        .finally(() => {
          instance.active = false;
          this.#schedulePump();
        });
    }
    return instance.run;
  }

  /** The instance's status, or undefined when no instance has that id. */
  getStatus(instanceId: string, options: { showHistory?: boolean } = {}): OrchestrationStatus | undefined {
    const instance = this.#instances.get(instanceId);
    if (!instance) return undefined;
    const status: OrchestrationStatus = {
      name: instance.name,
      instanceId: instance.instanceId,
      runtimeStatus: instance.runtimeStatus,
      input: instance.input,
      output: instance.output,
      customStatus: instance.customStatus,
      createdTime: new Date(instance.createdTime).toISOString(),
      lastUpdatedTime: new Date(instance.lastUpdatedTime).toISOString(),
    };
    if (options.showHistory) status.history = structuredClone(instance.history);
    return status;
  }

  /** Every instance's status (the extension's "list instances"). */
  listStatuses(): OrchestrationStatus[] {
    return [...this.#instances.keys()].map((id) => this.getStatus(id) as OrchestrationStatus);
  }

  /**
   * Terminates a Pending or Running instance (takes effect before its next episode).
   *
   * @returns false when the instance had already finished.
   */
  terminate(instanceId: string, reason: string): boolean {
    const instance = this.#require(instanceId);
    if (!isRunning(instance.runtimeStatus)) return false;
    instance.terminateReason = reason;
    if (!instance.run) this.#finishTerminated(instance);
    const wake = instance.idle;
    if (wake) {
      instance.idle = undefined;
      wake({ kind: 'inbox' });
    }
    return true;
  }

  /** Deletes a finished instance's state. @returns false when unknown or still running. */
  purge(instanceId: string): boolean {
    const instance = this.#instances.get(instanceId);
    if (!instance || isRunning(instance.runtimeStatus)) return false;
    this.#instances.delete(instanceId);
    return true;
  }

  /**
   * Replays the instance's recorded history through a fresh orchestrator invocation and returns
   * the orchestrator's state: the determinism check (same history, same actions).
   */
  async replay(instanceId: string): Promise<OrchestratorState> {
    const instance = this.#require(instanceId);
    return replayOrchestrator(this.#registry, instance.name, {
      instanceId,
      input: instance.input,
      history: instance.history,
    });
  }

  /**
   * Raises an external event on an instance, as the extension's raise-event API does: delivered in arrival order,
   * buffered by the library when nothing waits for it yet.
   *
   * @returns false when the instance has already finished (the extension answers 410 Gone).
   * @throws ReplayDriverError when no instance has that id.
   */
  raiseEvent(instanceId: string, name: string, data: unknown): boolean {
    const instance = this.#require(instanceId);
    if (!isRunning(instance.runtimeStatus)) return false;
    this.#deliver(instance, historyEvent.eventRaised(this.#clock.now(), name, JSON.stringify(data ?? null)));
    this.#emit({ kind: 'eventRaised', instanceId, name });
    return true;
  }

  /** An entity's state (`@name@key`), as the extension's read-entity-state API returns it; undefined if none. */
  entityState(schedulerId: string): { exists: boolean; state: unknown } | undefined {
    const entity = this.#entities.get(schedulerId);
    if (!entity) return undefined;
    return { exists: entity.exists, state: entity.state === undefined ? null : (JSON.parse(entity.state) as unknown) };
  }

  /**
   * Holds every durable timer until the matching {@link releaseTimers}: a scenario delivering several requests
   * keeps virtual time still meanwhile, as requests arriving within a second do in reality. Activities and entity
   * operations still run.
   */
  holdTimers(): void {
    this.#timerHolds += 1;
  }

  /** Releases one {@link holdTimers}. */
  releaseTimers(): void {
    this.#timerHolds = Math.max(0, this.#timerHolds - 1);
    this.#schedulePump();
  }

  #deliver(instance: Instance, event: HistoryEvent): void {
    instance.inbox.push(event);
    const wake = instance.idle;
    if (wake) {
      instance.idle = undefined;
      wake({ kind: 'inbox' });
    }
  }

  /** Looks at the whole world on the next turn of the event loop (see {@link #pump}). */
  #schedulePump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    setImmediate(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  /**
   * Virtual time moves only when the whole simulated world is quiet: every running instance waits on timers or
   * events only, and no activity or entity operation runs anywhere. Then the earliest timer of all fires. A timer
   * of one instance therefore never skips ahead of another instance's work (a waiter's 30 min bound does not
   * expire while the owner's capture is still running in wall time).
   */
  #pump(): void {
    if (this.#entityBusy > 0) return;
    const running = [...this.#instances.values()].filter((i) => i.active);
    if (running.length === 0 || running.some((i) => !i.idle)) return;
    if (this.#timerHolds > 0) return;
    let next: { instance: Instance; timer: TimerUnit } | undefined;
    for (const instance of running) {
      for (const timer of instance.timers.values()) {
        if (!next || timer.fireAt < next.timer.fireAt) next = { instance, timer };
      }
    }
    if (next) {
      const wake = next.instance.idle as (w: Wake) => void;
      next.instance.idle = undefined;
      wake({ kind: 'timer', timer: next.timer });
      return;
    }
    for (const instance of running) {
      const wake = instance.idle as (w: Wake) => void;
      instance.idle = undefined;
      wake({ kind: 'stuck' });
    }
  }

  #require(instanceId: string): Instance {
    const instance = this.#instances.get(instanceId);
    if (!instance) throw new ReplayDriverError(`No orchestration instance '${instanceId}'.`, { instanceId });
    return instance;
  }

  #emit(event: DriverEvent): void {
    this.#onEvent?.(event);
  }

  async #run(instance: Instance, maxEpisodes: number): Promise<RunResult> {
    // A run starts, and continues as new, from one ExecutionStarted event (continueAsNew replaces input and execution id).
    const started = (): HistoryEvent[] => [
      historyEvent.executionStarted(
        this.#clock.now(),
        instance.name,
        instance.instanceId,
        instance.executionId,
        instance.input,
      ),
    ];
    let delivered = started();
    while (true) {
      if (instance.terminateReason !== undefined) {
        this.#finishTerminated(instance);
        break;
      }
      if (instance.episodes >= maxEpisodes) {
        throw new ReplayDriverError(
          `Orchestration '${instance.instanceId}' did not finish within ${maxEpisodes} episodes.`,
          { instanceId: instance.instanceId },
        );
      }
      const next = await this.#episode(instance, delivered);
      if (next === 'finished') break;
      if (next === 'continuedAsNew') {
        delivered = started();
        continue;
      }
      const event = await this.#nextEvent(instance);
      // null: terminated while waiting; the loop's first check ends it.
      delivered = event ? [event] : [];
    }
    return this.#result(instance);
  }

  #result(instance: Instance): RunResult {
    const status = instance.runtimeStatus;
    if (status !== 'Completed' && status !== 'Failed' && status !== 'Terminated') {
      throw new ReplayDriverError(`Orchestration '${instance.instanceId}' ended in state ${status}.`);
    }
    const result: RunResult = {
      instanceId: instance.instanceId,
      runtimeStatus: status,
      output: instance.output,
      history: structuredClone(instance.history),
      customStatusLog: [...instance.customStatusLog],
      episodes: instance.episodes,
    };
    if (instance.failure) result.failure = { ...instance.failure };
    return result;
  }

  /** One orchestrator invocation: replay everything, append the new event(s) and this episode's decisions. */
  async #episode(instance: Instance, delivered: HistoryEvent[]): Promise<'finished' | 'continuedAsNew' | 'waiting'> {
    const now = this.#clock.now();
    instance.history.push(historyEvent.orchestratorStarted(now), ...delivered);
    if (instance.runtimeStatus === 'Pending') instance.runtimeStatus = 'Running';

    // The retry interceptor reacts to the delivered event before the orchestrator resumes, so its
    // ids come first; the library allocates them in the same order while replaying.
    const decisions: HistoryEvent[] = [];
    const afterDecisions: (() => void)[] = [];
    for (const event of delivered) this.#retryFollowUp(instance, event, now, decisions, afterDecisions);

    const state = await this.#invoke(instance);
    instance.episodes += 1;
    instance.customStatus = state.customStatus ?? null;
    instance.customStatusLog.push(instance.customStatus);
    instance.lastUpdatedTime = this.#clock.now();
    this.#emit({
      kind: 'episode',
      instanceId: instance.instanceId,
      episode: instance.episodes,
      customStatus: instance.customStatus,
      virtualTime: new Date(now).toISOString(),
    });

    const actions = flattenActions(state.actions);
    let continueAsNew: { input: unknown } | undefined;
    for (let index = 0; index < actions.length; index++) {
      const action = actions[index] as OrchestrationAction;
      const known = instance.units[index];
      if (known) {
        // A timer cancelled after it was created (Task.any lost by the timer): stop it firing.
        if (known.kind === 'timer' && action.isCanceled) instance.timers.delete(known.id);
        continue;
      }
      const unit = this.#schedule(instance, action, now, decisions, afterDecisions);
      instance.units[index] = unit;
      if (unit.kind === 'continueAsNew') continueAsNew = { input: unit.input };
    }

    if (state.error !== undefined) {
      instance.history.push(...decisions, historyEvent.orchestratorCompleted(now));
      this.#finishFailed(instance, state.error);
      return 'finished';
    }
    if (state.isDone && continueAsNew) {
      instance.history.push(
        historyEvent.orchestratorCompleted(now),
        historyEvent.executionCompleted(now, 'ContinuedAsNew', null),
      );
      this.#restart(instance, continueAsNew.input);
      this.#emit({ kind: 'continuedAsNew', instanceId: instance.instanceId });
      return 'continuedAsNew';
    }
    if (state.isDone) {
      const output = state.output === undefined ? null : jsonClone(state.output);
      instance.history.push(
        ...decisions,
        historyEvent.orchestratorCompleted(now),
        historyEvent.executionCompleted(now, 'Completed', JSON.stringify(output)),
      );
      instance.output = output;
      instance.runtimeStatus = 'Completed';
      instance.lastUpdatedTime = this.#clock.now();
      this.#emit({ kind: 'completed', instanceId: instance.instanceId, output });
      return 'finished';
    }
    instance.history.push(...decisions, historyEvent.orchestratorCompleted(now));
    for (const start of afterDecisions) start();
    return 'waiting';
  }

  async #invoke(instance: Instance): Promise<OrchestratorState> {
    try {
      return parseState(await this.#registry.invokeOrchestrator(instance.name, triggerPayload(instance)));
    } catch (err) {
      const state = stateFromFailure(err);
      if (state) return state;
      throw new ReplayDriverError(
        `Orchestrator '${instance.name}' (${instance.instanceId}) could not be invoked: ${messageOf(err)}`,
        { cause: err, instanceId: instance.instanceId },
      );
    }
  }

  #schedule(
    instance: Instance,
    action: OrchestrationAction,
    now: number,
    decisions: HistoryEvent[],
    afterDecisions: (() => void)[],
  ): Unit {
    switch (action.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const input = decodeActionInput(action.input);
        const unit: ActivityUnit = {
          kind: 'activity',
          name: String(action.functionName),
          input,
          inputJson: input === undefined ? null : JSON.stringify(input),
          retry: action.actionType === ActionType.CallActivityWithRetry ? action.retryOptions : undefined,
          attempt: 0,
          retryTimerId: undefined,
        };
        this.#scheduleAttempt(instance, unit, now, decisions, afterDecisions);
        return unit;
      }
      case ActionType.CreateTimer: {
        const fireAt = Date.parse(String(action.fireAt));
        if (fireAt - now > maximumShortTimerMs) {
          throw new ReplayDriverError(
            `Timers longer than 6 days (long-running timers) are not supported by the replay driver.`,
            { instanceId: instance.instanceId },
          );
        }
        const unit: TimerUnit = { kind: 'timer', id: instance.nextEventId++, fireAt };
        decisions.push(historyEvent.timerCreated(now, unit.id, fireAt));
        instance.byTaskId.set(unit.id, unit);
        if (!action.isCanceled) instance.timers.set(unit.id, unit);
        this.#emit({
          kind: 'timerCreated',
          instanceId: instance.instanceId,
          timerId: unit.id,
          fireAt: new Date(fireAt).toISOString(),
        });
        return unit;
      }
      case ActionType.ContinueAsNew:
        return { kind: 'continueAsNew', input: decodeActionInput(action.input) ?? null };
      case ActionType.WaitForExternalEvent:
        // The library keys the task by the event name: no sequence number is used.
        return { kind: 'externalEvent', name: String(action.externalEventName) };
      case ActionType.CallEntity:
      case ActionType.SignalEntity: {
        const signal = action.actionType === ActionType.SignalEntity;
        const id = instance.nextEventId++;
        const target = String(action.instanceId);
        const operation = String(action.operation);
        const requestId = randomUUID();
        const inputJson = action.input === undefined ? null : JSON.stringify(action.input);
        const message = {
          id: requestId,
          op: operation,
          signal,
          input: inputJson,
          parent: instance.instanceId,
          timestamp: new Date(now).toISOString(),
        };
        decisions.push(historyEvent.eventSent(now, id, target, operation, JSON.stringify(message)));
        const request: EntityRequest = { id: requestId, operation, input: inputJson, signal };
        if (!signal) {
          request.respond = (response) =>
            this.#deliver(instance, historyEvent.eventRaised(this.#clock.now(), requestId, JSON.stringify(response)));
        }
        afterDecisions.push(() => this.#enqueueEntity(target, request));
        return { kind: 'entity', id, signal };
      }
      default: {
        const name = Object.entries(ActionType).find(([, v]) => v === action.actionType)?.[0] ?? action.actionType;
        throw new ReplayDriverError(`Action '${name}' is not supported by the replay driver.`, {
          instanceId: instance.instanceId,
        });
      }
    }
  }

  /** Queues an operation on an entity (creating its record) and starts processing if it is not running. */
  #enqueueEntity(schedulerId: string, request: EntityRequest): void {
    let entity = this.#entities.get(schedulerId);
    if (!entity) {
      const at = schedulerId.indexOf('@', 1);
      if (!schedulerId.startsWith('@') || at < 0) {
        throw new ReplayDriverError(`'${schedulerId}' is not an entity scheduler id (@name@key).`);
      }
      entity = {
        schedulerId,
        name: schedulerId.slice(1, at),
        key: schedulerId.slice(at + 1),
        exists: false,
        state: undefined,
        queue: [],
        running: false,
      };
      this.#entities.set(schedulerId, entity);
    }
    entity.queue.push(request);
    if (!entity.running) void this.#runEntity(entity);
  }

  /** Runs an entity's queued operations one at a time, as the extension does (one batch per operation here). */
  async #runEntity(entity: EntityInstance): Promise<void> {
    entity.running = true;
    this.#entityBusy += 1;
    try {
      for (let request = entity.queue.shift(); request; request = entity.queue.shift()) {
        const fn = [...this.#registry.functions.values()].find(
          (f) => f.triggerType === 'entityTrigger' && f.name.toLowerCase() === entity.name,
        );
        let result: { isError: boolean; result?: string } | undefined;
        if (fn) {
          try {
            const state = (await this.#registry.invokeEntity(fn.name, {
              self: { name: entity.name, key: entity.key },
              exists: entity.exists,
              state: entity.state,
              batch: [{ id: request.id, name: request.operation, signal: request.signal, input: request.input }],
            })) as {
              entityExists: boolean;
              entityState?: string;
              results: Array<{ isError: boolean; result?: string }>;
            };
            entity.exists = state.entityExists;
            entity.state = state.entityExists ? state.entityState : undefined;
            result = state.results[0];
          } catch (err) {
            result = { isError: true, result: JSON.stringify(messageOf(err)) };
          }
        } else {
          result = { isError: true, result: JSON.stringify(`No entity function named '${entity.name}'.`) };
        }
        this.#emit({
          kind: 'entityOperation',
          entity: entity.schedulerId,
          operation: request.operation,
          signal: request.signal,
          failed: result?.isError ?? false,
        });
        request.respond?.(
          result?.isError
            ? { result: result.result ?? null, exceptionType: 'System.Exception' }
            : { result: result?.result ?? null },
        );
      }
    } finally {
      entity.running = false;
      this.#entityBusy -= 1;
      this.#schedulePump();
    }
  }

  /** Allocates the next id for an activity attempt, records TaskScheduled, and queues its execution. */
  #scheduleAttempt(
    instance: Instance,
    unit: ActivityUnit,
    now: number,
    decisions: HistoryEvent[],
    afterDecisions: (() => void)[],
  ): void {
    const taskId = instance.nextEventId++;
    unit.attempt += 1;
    decisions.push(historyEvent.taskScheduled(now, taskId, unit.name, unit.inputJson));
    instance.byTaskId.set(taskId, unit);
    afterDecisions.push(() => this.#startActivity(instance, unit, taskId));
  }

  /** What the Durable Task retry interceptor does when a retried activity fails or its retry timer fires. */
  #retryFollowUp(
    instance: Instance,
    event: HistoryEvent,
    now: number,
    decisions: HistoryEvent[],
    afterDecisions: (() => void)[],
  ): void {
    if (event.EventType === HistoryEventType.TaskFailed) {
      const unit = instance.byTaskId.get(event.TaskScheduledId ?? -1);
      if (unit?.kind !== 'activity' || !unit.retry) return;
      const retry = unit.retry;
      // nextDelay = firstRetryInterval * backoffCoefficient ^ (attempt - 1), capped by maxRetryInterval.
      let delay = retry.firstRetryIntervalInMilliseconds * (retry.backoffCoefficient ?? 1) ** (unit.attempt - 1);
      if (retry.maxRetryIntervalInMilliseconds && retry.maxRetryIntervalInMilliseconds > 0) {
        delay = Math.min(delay, retry.maxRetryIntervalInMilliseconds);
      }
      // A timer follows every failed attempt, the last one included: the library waits for it before throwing.
      const timer: TimerUnit = { kind: 'timer', id: instance.nextEventId++, fireAt: now + delay };
      unit.retryTimerId = timer.id;
      decisions.push(historyEvent.timerCreated(now, timer.id, timer.fireAt));
      instance.byTaskId.set(timer.id, timer);
      instance.timers.set(timer.id, timer);
      this.#emit({
        kind: 'timerCreated',
        instanceId: instance.instanceId,
        timerId: timer.id,
        fireAt: new Date(timer.fireAt).toISOString(),
      });
      return;
    }
    if (event.EventType === HistoryEventType.TimerFired) {
      for (const unit of instance.byTaskId.values()) {
        if (unit.kind !== 'activity' || unit.retryTimerId !== event.TimerId || !unit.retry) continue;
        unit.retryTimerId = undefined;
        if (unit.attempt < unit.retry.maxNumberOfAttempts) {
          this.#scheduleAttempt(instance, unit, now, decisions, afterDecisions);
        }
        return;
      }
    }
  }

  #startActivity(instance: Instance, unit: ActivityUnit, taskId: number): void {
    this.#emit({
      kind: 'activityScheduled',
      instanceId: instance.instanceId,
      name: unit.name,
      taskId,
      attempt: unit.attempt,
    });
    const pending: PendingActivity = { unit, event: undefined, done: Promise.resolve() };
    const started = Date.now();
    pending.done = this.#limit(() => this.#registry.invokeActivity(unit.name, unit.input)).then(
      (output) => {
        pending.event = historyEvent.taskCompleted(this.#clock.now(), taskId, JSON.stringify(output ?? null));
        this.#emit({
          kind: 'activityCompleted',
          instanceId: instance.instanceId,
          name: unit.name,
          taskId,
          wallMs: Date.now() - started,
        });
      },
      (err: unknown) => {
        const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
        const message = messageOf(cause);
        const details = cause instanceof Error ? (cause.stack ?? message) : message;
        pending.event = historyEvent.taskFailed(
          this.#clock.now(),
          taskId,
          `Activity function '${unit.name}' failed: ${message}`,
          details,
        );
        this.#emit({
          kind: 'activityFailed',
          instanceId: instance.instanceId,
          name: unit.name,
          taskId,
          wallMs: Date.now() - started,
          message,
        });
      },
    );
    instance.activities.set(taskId, pending);
  }

  /**
   * Waits for the next event to deliver: a raised event or entity response first, then an activity result, else
   * the instance waits until the whole world is quiet and its earliest timer is the next of all (virtual time jumps).
   */
  async #nextEvent(instance: Instance): Promise<HistoryEvent | null> {
    for (;;) {
      if (instance.terminateReason !== undefined) return null;
      const raised = instance.inbox.shift();
      if (raised) return raised;
      if (instance.activities.size > 0) {
        let taskId: number;
        if (this.#deliveryOrder === 'scheduled') {
          taskId = Math.min(...instance.activities.keys());
          await instance.activities.get(taskId)?.done;
        } else {
          const settled = [...instance.activities.entries()].find(([, p]) => p.event);
          if (settled) taskId = settled[0];
          else {
            taskId = await Promise.race([...instance.activities.entries()].map(([id, p]) => p.done.then(() => id)));
          }
        }
        const pending = instance.activities.get(taskId) as PendingActivity;
        instance.activities.delete(taskId);
        return pending.event as HistoryEvent;
      }
      const wake = await new Promise<Wake>((resolve) => {
        instance.idle = resolve;
        this.#schedulePump();
      });
      if (wake.kind === 'inbox') continue;
      if (wake.kind === 'timer') {
        const timer = wake.timer;
        instance.timers.delete(timer.id);
        this.#clock.advanceTo(timer.fireAt);
        this.#emit({
          kind: 'timerFired',
          instanceId: instance.instanceId,
          timerId: timer.id,
          fireAt: new Date(timer.fireAt).toISOString(),
        });
        return historyEvent.timerFired(this.#clock.now(), timer.id, timer.fireAt);
      }
      throw new ReplayDriverError(
        `Orchestration '${instance.instanceId}' is waiting, but no activity, timer or entity operation is pending ` +
          'anywhere (an external event nobody raises, or a task the driver cannot complete).',
        { instanceId: instance.instanceId },
      );
    }
  }

  #restart(instance: Instance, input: unknown): void {
    instance.input = input;
    instance.executionId = randomUUID().replaceAll('-', '');
    instance.history = [];
    instance.nextEventId = 0;
    instance.units = [];
    instance.byTaskId = new Map();
    instance.activities = new Map();
    instance.timers = new Map();
    instance.runtimeStatus = 'Running';
  }

  #finishFailed(instance: Instance, message: string): void {
    const now = this.#clock.now();
    const output = `Orchestrator function '${instance.name}' failed: ${message}`;
    instance.history.push(historyEvent.executionCompleted(now, 'Failed', JSON.stringify(output)));
    instance.output = output;
    instance.failure = { message };
    instance.runtimeStatus = 'Failed';
    instance.lastUpdatedTime = now;
    instance.activities.clear();
    instance.timers.clear();
    this.#emit({ kind: 'failed', instanceId: instance.instanceId, message });
  }

  #finishTerminated(instance: Instance): void {
    const now = this.#clock.now();
    const reason = instance.terminateReason ?? '';
    instance.history.push(historyEvent.executionTerminated(now, reason));
    instance.output = reason;
    instance.runtimeStatus = 'Terminated';
    instance.lastUpdatedTime = now;
    instance.activities.clear();
    instance.timers.clear();
    this.#emit({ kind: 'terminated', instanceId: instance.instanceId, reason });
  }
}

/**
 * Invokes the registered orchestrator once against `history` (cloned) and returns its state,
 * failed executions included (the state the library attaches to its failure).
 */
export async function replayOrchestrator(
  registry: FunctionsRegistry,
  name: string,
  args: { instanceId: string; input: unknown; history: HistoryEvent[] },
): Promise<OrchestratorState> {
  const payload = buildTriggerPayload(args.instanceId, args.input, args.history, true);
  try {
    return parseState(await registry.invokeOrchestrator(name, payload));
  } catch (err) {
    const state = stateFromFailure(err);
    if (state) return state;
    throw err;
  }
}

/** Flattens compound (`Task.all` / `Task.any`) actions depth-first: the order ids are allocated in. */
export function flattenActions(actions: OrchestrationAction[][] | undefined): OrchestrationAction[] {
  const flat: OrchestrationAction[] = [];
  const visit = (action: OrchestrationAction): void => {
    if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny) {
      for (const child of action.compoundActions ?? []) visit(child);
    } else {
      flat.push(action);
    }
  };
  for (const group of actions ?? []) for (const action of group) visit(action);
  return flat;
}

function triggerPayload(instance: Instance): object {
  return buildTriggerPayload(instance.instanceId, instance.input, instance.history, instance.episodes > 0);
}

/** The orchestration trigger payload the extension sends to out-of-process workers. */
function buildTriggerPayload(instanceId: string, input: unknown, history: HistoryEvent[], isReplaying: boolean) {
  // A fresh copy each time: the library converts timestamps to Dates in place. Events of earlier
  // episodes are marked played, as the Durable Task runtime does when it reloads history.
  const copy = structuredClone(history);
  let lastStarted = -1;
  copy.forEach((e, i) => {
    if (e.EventType === HistoryEventType.OrchestratorStarted) lastStarted = i;
  });
  copy.forEach((e, i) => {
    e.IsPlayed = i < lastStarted;
  });
  return {
    history: copy,
    input,
    instanceId,
    isReplaying,
    parentInstanceId: null,
    upperSchemaVersion: 3,
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '6.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
}

function parseState(value: unknown): OrchestratorState {
  const state = (typeof value === 'string' ? JSON.parse(value) : value) as OrchestratorState | undefined;
  if (!state || typeof state !== 'object' || !Array.isArray(state.actions)) {
    throw new ReplayDriverError('The orchestrator did not return an orchestrator state.');
  }
  return state;
}

/** The library throws `<message>\n\n$OutOfProcData$:<state JSON>`; the extension reads the state from there. */
function stateFromFailure(err: unknown): OrchestratorState | undefined {
  let current: unknown = err;
  while (current instanceof Error) {
    const index = current.message.indexOf(outOfProcDataLabel);
    if (index >= 0) {
      try {
        return parseState(current.message.slice(index + outOfProcDataLabel.length));
      } catch {
        return undefined;
      }
    }
    current = current.cause;
  }
  return undefined;
}

/** The library JSON-encodes string inputs; the extension decodes them before scheduling. */
function decodeActionInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}

function isRunning(status: RuntimeStatus): boolean {
  return status === 'Pending' || status === 'Running' || status === 'ContinuedAsNew';
}

function jsonClone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function createLimiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active += 1;
    try {
      return await fn();
    } finally {
      active -= 1;
      queue.shift()?.();
    }
  };
}
