import * as df from 'durable-functions';

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
