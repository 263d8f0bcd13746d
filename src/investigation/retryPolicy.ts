import type { OrchestrationContext, Task } from 'durable-functions';
import * as df from 'durable-functions';
import { isStoreOutageFailure } from './storeOutage.js';

/**
 * Retries for transient faults (ARM 429/5xx, API server hiccups): 3 attempts, 5 s then 10 s, capped at 30 s.
 * Permanent faults still fail after the last attempt; the orchestration then reports them as degraded.
 */
export function transientRetry(): df.RetryOptions {
  const retry = new df.RetryOptions(5_000, 3);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 30_000;
  return retry;
}

/** Retries for steps whose failure leaves debris (deleting the capture Job): more attempts. */
export function cleanupRetry(): df.RetryOptions {
  const retry = new df.RetryOptions(5_000, 5);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 60_000;
  return retry;
}

/** The message of an activity failure as Durable surfaces it (TaskFailedError wraps the activity's error). */
export function failureMessage(err: unknown): string {
  if (err instanceof Error) {
    const inner = /"message":"((?:[^"\\]|\\.)*)"/.exec(err.message)?.[1];
    return (inner ?? err.message).slice(0, 300);
  }
  return String(err).slice(0, 300);
}

/** Backoff through a report-storage outage: 5 s, doubling, at most 5 min between tries. */
export const STORE_BACKOFF = { firstMs: 5_000, maxMs: 300_000 } as const;

/** Tries for a failure that is not a storage outage (as {@link transientRetry}: 3 attempts, 5 s then 10 s). */
const TRANSIENT_ATTEMPTS = 3;

/**
 * Calls an activity that reads or writes report storage, riding out a storage outage: exponential backoff on
 * durable timers (never sleeping in the activity) for up to `storeRetryMinutes` from the first try. Other
 * failures get the transient policy's three attempts. This is the only retry layer around the call.
 *
 * @throws the last failure once the outage outlasts the bound (or after three other failures).
 * @example
 * const stored = yield* callRidingStoreOutage<AnalyzeAndStoreOutput>(context, ACTIVITY.analyzeAndStore, input, plan.storeRetryMinutes);
 */
export function* callRidingStoreOutage<T>(
  context: OrchestrationContext,
  name: string,
  input: unknown,
  storeRetryMinutes: number,
): Generator<Task, T, unknown> {
  const deadline = context.df.currentUtcDateTime.getTime() + storeRetryMinutes * 60_000;
  let outageWaits = 0;
  let otherFailures = 0;
  for (;;) {
    try {
      return (yield context.df.callActivity(name, input)) as T;
    } catch (err) {
      const now = context.df.currentUtcDateTime.getTime();
      let delay: number;
      if (isStoreOutageFailure(err)) {
        delay = Math.min(STORE_BACKOFF.firstMs * 2 ** outageWaits++, STORE_BACKOFF.maxMs, deadline - now);
        if (delay <= 0) throw err;
      } else {
        if (++otherFailures >= TRANSIENT_ATTEMPTS) throw err;
        delay = 5_000 * 2 ** (otherFailures - 1);
      }
      yield context.df.createTimer(new Date(now + delay));
    }
  }
}
