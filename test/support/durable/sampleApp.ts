/**
 * A small generic Durable Functions app for the replay driver's tests, registered through the
 * real `@azure/functions` v4 and `durable-functions` v3 APIs. Import it only after
 * `installFunctionsHostStandIn()`.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { OrchestrationContext } from 'durable-functions';
import * as df from 'durable-functions';

/** Names of the sample functions. */
export const sample = {
  sayHello: 'sample_sayHello',
  double: 'sample_double',
  flaky: 'sample_flaky',
  alwaysFails: 'sample_alwaysFails',
  checkReady: 'sample_checkReady',
  cleanup: 'sample_cleanup',
  waitsForApproval: 'sample_waitsForApproval',
  helloSequence: 'sample_helloSequence',
  fanOut: 'sample_fanOut',
  timerWindow: 'sample_timerWindow',
  raceTimer: 'sample_raceTimer',
  pollUntilReady: 'sample_pollUntilReady',
  retrying: 'sample_retrying',
  failing: 'sample_failing',
  countdown: 'sample_countdown',
  httpStart: 'sample_httpStart',
  httpStatus: 'sample_httpStatus',
  counter: 'sample_counter',
  entityCounter: 'sample_entityCounter',
  waitOrTimeout: 'sample_waitOrTimeout',
  gated: 'sample_gated',
  gatedRun: 'sample_gatedRun',
  raiseFromActivity: 'sample_raiseFromActivity',
  notifier: 'sample_notifier',
} as const;

/** A gate the `gated` activity waits on, so a test can hold an activity in flight as long as it likes. */
export const sampleGate = {
  open: () => {},
  wait: Promise.resolve(),
  reset(): void {
    this.wait = new Promise<void>((resolve) => {
      this.open = resolve;
    });
  },
};

/** Side effects the activities leave, so tests can see what ran. */
export const sampleEffects = {
  calls: new Map<string, number>(),
  cleanups: [] as string[],
  inFlight: 0,
  maxInFlight: 0,
};

function bump(key: string): number {
  const next = (sampleEffects.calls.get(key) ?? 0) + 1;
  sampleEffects.calls.set(key, next);
  return next;
}

df.app.activity(sample.sayHello, {
  handler: (name: unknown, context: InvocationContext) => {
    context.log(`saying hello to ${String(name)}`);
    return `Hello ${String(name)}`;
  },
});

df.app.activity(sample.double, {
  handler: async (n: unknown) => {
    sampleEffects.inFlight += 1;
    sampleEffects.maxInFlight = Math.max(sampleEffects.maxInFlight, sampleEffects.inFlight);
    // Yield to the event loop so fan-out activities really overlap.
    await new Promise((resolve) => setImmediate(resolve));
    sampleEffects.inFlight -= 1;
    return Number(n) * 2;
  },
});

df.app.activity(sample.flaky, {
  handler: (input: unknown) => {
    const { key, failTimes } = input as { key: string; failTimes: number };
    const attempt = bump(`flaky:${key}`);
    if (attempt <= failTimes) throw new Error(`flaky ${key} failed attempt ${attempt}`);
    return { key, attempts: attempt };
  },
});

df.app.activity(sample.alwaysFails, {
  handler: (message: unknown) => {
    throw new Error(String(message));
  },
});

df.app.activity(sample.checkReady, {
  handler: (input: unknown) => {
    const { key, readyAfter } = input as { key: string; readyAfter: number };
    const calls = bump(`ready:${key}`);
    return { ready: calls >= readyAfter, calls };
  },
});

df.app.activity(sample.cleanup, {
  handler: (tag: unknown) => {
    sampleEffects.cleanups.push(String(tag));
    return 'cleaned';
  },
});

df.app.orchestration(sample.helloSequence, function* (context: OrchestrationContext) {
  const out: string[] = [];
  for (const city of ['Tokyo', 'Seattle', 'London']) {
    context.df.setCustomStatus({ phase: 'hello', city });
    if (!context.df.isReplaying) context.log(`greeting ${city}`);
    out.push((yield context.df.callActivity(sample.sayHello, city)) as string);
  }
  context.df.setCustomStatus({ phase: 'done' });
  return out;
});

df.app.orchestration(sample.fanOut, function* (context: OrchestrationContext) {
  const { values } = context.df.getInput() as { values: number[] };
  context.df.setCustomStatus({ phase: 'fan-out', count: values.length });
  const doubled = (yield context.df.Task.all(values.map((v) => context.df.callActivity(sample.double, v)))) as number[];
  return { doubled, sum: doubled.reduce((a, b) => a + b, 0) };
});

df.app.orchestration(sample.timerWindow, function* (context: OrchestrationContext) {
  const { seconds } = context.df.getInput() as { seconds: number };
  const start = context.df.currentUtcDateTime;
  context.df.setCustomStatus({ phase: 'window', until: new Date(start.getTime() + seconds * 1000).toISOString() });
  yield context.df.createTimer(new Date(start.getTime() + seconds * 1000));
  const end = context.df.currentUtcDateTime;
  return { start: start.toISOString(), end: end.toISOString() };
});

df.app.orchestration(sample.raceTimer, function* (context: OrchestrationContext) {
  const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 30_000));
  const work = context.df.callActivity(sample.double, 21);
  const winner = yield context.df.Task.any([work, timer]);
  if (winner === work) {
    timer.cancel();
    return { winner: 'activity', value: work.result };
  }
  return { winner: 'timer' };
});

df.app.orchestration(sample.pollUntilReady, function* (context: OrchestrationContext) {
  const { key, readyAfter, maxPolls } = context.df.getInput() as { key: string; readyAfter: number; maxPolls: number };
  for (let poll = 1; poll <= maxPolls; poll++) {
    context.df.setCustomStatus({ phase: 'poll', poll });
    const status = (yield context.df.callActivity(sample.checkReady, { key, readyAfter })) as { ready: boolean };
    if (status.ready) return { ready: true, polls: poll, at: context.df.currentUtcDateTime.toISOString() };
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 10_000));
  }
  return { ready: false, polls: maxPolls, at: context.df.currentUtcDateTime.toISOString() };
});

df.app.orchestration(sample.retrying, function* (context: OrchestrationContext) {
  const { key, failTimes, maxAttempts } = context.df.getInput() as {
    key: string;
    failTimes: number;
    maxAttempts: number;
  };
  const retry = new df.RetryOptions(1000, maxAttempts);
  retry.backoffCoefficient = 2;
  try {
    const result = yield context.df.callActivityWithRetry(sample.flaky, retry, { key, failTimes });
    return { ok: true, result };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  } finally {
    yield context.df.callActivity(sample.cleanup, key);
  }
});

df.app.orchestration(sample.failing, function* (context: OrchestrationContext) {
  context.df.setCustomStatus({ phase: 'about to fail' });
  yield context.df.callActivity(sample.alwaysFails, 'the disk is on fire');
  return 'unreachable';
});

df.app.orchestration(sample.countdown, function* (context: OrchestrationContext) {
  const n = context.df.getInput() as number;
  if (n > 0) {
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 1000));
    context.df.continueAsNew(n - 1);
    return undefined;
  }
  return 'lift-off';
});

df.app.orchestration(sample.waitsForApproval, function* (context: OrchestrationContext) {
  const approved = yield context.df.waitForExternalEvent('approval');
  return approved;
});

app.http(sample.httpStart, {
  route: 'orchestrators/{orchestratorName}/{instanceId?}',
  methods: ['POST'],
  extraInputs: [df.input.durableClient()],
  handler: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const client = df.getClient(context);
    const text = await request.text();
    const input = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
    const options: df.StartNewOptions = { input };
    if (request.params.instanceId) options.instanceId = request.params.instanceId;
    try {
      const instanceId = await client.startNew(request.params.orchestratorName ?? '', options);
      context.log(`Started orchestration with ID = '${instanceId}'.`);
      return client.createCheckStatusResponse(request, instanceId);
    } catch (err) {
      return { status: 409, jsonBody: { error: err instanceof Error ? err.message : String(err) } };
    }
  },
});

app.http(sample.httpStatus, {
  route: 'status/{instanceId}',
  methods: ['GET'],
  extraInputs: [df.input.durableClient()],
  handler: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const client = df.getClient(context);
    try {
      const status = await client.getStatus(request.params.instanceId ?? '');
      return { status: 200, jsonBody: status };
    } catch (err) {
      return { status: 404, jsonBody: { error: err instanceof Error ? err.message : String(err) } };
    }
  },
});

df.app.entity(sample.counter, (context) => {
  const value = (context.df.getState(() => 0) as number) ?? 0;
  switch (context.df.operationName) {
    case 'add':
      context.df.setState(value + Number(context.df.getInput()));
      context.df.return(value + Number(context.df.getInput()));
      break;
    case 'get':
      context.df.return(value);
      break;
    case 'fail':
      throw new Error('counter refuses');
    default:
      context.df.return(null);
  }
});

df.app.orchestration(sample.entityCounter, function* (context: OrchestrationContext) {
  const key = context.df.getInput() as string;
  const id = new df.EntityId(sample.counter, key);
  const first = yield context.df.callEntity(id, 'add', 2);
  context.df.signalEntity(id, 'add', 10);
  const activity = yield context.df.callActivity(sample.double, 4);
  const second = yield context.df.callEntity(id, 'add', 3);
  const total = yield context.df.callEntity(id, 'get');
  let failure = '';
  try {
    yield context.df.callEntity(id, 'fail');
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
  return { first, second, total, activity, failed: failure.length > 0 };
});

df.app.orchestration(sample.waitOrTimeout, function* (context: OrchestrationContext) {
  const minutes = (context.df.getInput() as number | null) ?? 10;
  const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + minutes * 60_000));
  const event = context.df.waitForExternalEvent('go');
  const winner = yield context.df.Task.any([event, timer]);
  if (winner === event) {
    timer.cancel();
    return { got: event.result, at: context.df.currentUtcDateTime.toISOString() };
  }
  return { got: 'timeout', at: context.df.currentUtcDateTime.toISOString() };
});

df.app.activity(sample.gated, {
  handler: async () => {
    await sampleGate.wait;
    return 'opened';
  },
});

df.app.orchestration(sample.gatedRun, function* (context: OrchestrationContext) {
  return yield context.df.callActivity(sample.gated);
});

df.app.activity(sample.raiseFromActivity, {
  extraInputs: [df.input.durableClient()],
  handler: async (input: unknown, context: InvocationContext) => {
    const { instanceId, data } = input as { instanceId: string; data: unknown };
    await df.getClient(context).raiseEvent(instanceId, 'go', data);
    return 'raised';
  },
});

df.app.orchestration(sample.notifier, function* (context: OrchestrationContext) {
  return yield context.df.callActivity(sample.raiseFromActivity, context.df.getInput());
});
