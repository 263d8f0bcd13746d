/**
 * Internal: the adapter's one retry of a transient API failure. Real API servers answer a short burst of 5xx or
 * 429 (etcd leader elections, request timeouts, priority-and-fairness throttling) and drop a keep-alive connection
 * now and then; one quick retry rides that out inside the activity instead of spending a whole Durable attempt.
 * Longer outages stay the orchestration's business (its retry policy and backoff), so this layer is deliberately
 * small: at most one retry, after a short bounded pause.
 *
 * Only calls that are safe to repeat come here: reads, deletes (a repeated delete answers 404, which callers
 * treat as done) and the capture Job create (a repeat that meets the first try's Job answers 409, and
 * `CaptureManager.start` adopts it only when its owner annotation is this run's; a foreign Job is never adopted).
 */
import { KubeApiError, KubeUnreachableError } from './errors.js';

/** How long to wait before the one retry (ms). Small: the activity's own timeout still applies. */
export const TRANSIENT_RETRY_DELAY_MS = 250;

/** Upper bound on the adapter's own pause. */
export const TRANSIENT_RETRY_MAX_DELAY_MS = 2_000;

/**
 * Longest wait the adapter honours when the server names one (`Retry-After` on a 429 from API priority and
 * fairness, or on a 503). Asked to wait longer, it does not retry: the failure goes to the caller at once, and
 * the orchestration's retry policy backs off instead of an activity sleeping.
 */
export const RETRY_AFTER_MAX_MS = 5_000;

/** HTTP answers that say "try again" rather than "no". */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Socket-level failures where the server may be fine but this connection was cut. */
const TRANSIENT_SOCKET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

/** True when `err` (already translated) is a transient failure worth one retry. */
export function isTransient(err: unknown): boolean {
  if (err instanceof KubeApiError) return TRANSIENT_STATUSES.has(err.status);
  if (err instanceof KubeUnreachableError) {
    const cause = (err.cause as { cause?: { code?: string } } | undefined)?.cause;
    return cause?.code !== undefined && TRANSIENT_SOCKET_CODES.has(cause.code);
  }
  return false;
}

/**
 * The pause before the one retry of `err`: the server's `Retry-After` when it gave one (null, no retry, when that
 * is longer than {@link RETRY_AFTER_MAX_MS}), else `delayMs` capped at {@link TRANSIENT_RETRY_MAX_DELAY_MS}.
 *
 * @example retryPause(new KubeApiError('throttled', 429, 'TooManyRequests', { retryAfterMs: 1000 }), 250) // => 1000
 */
export function retryPause(err: unknown, delayMs: number): number | null {
  const hinted = err instanceof KubeApiError ? err.retryAfterMs : null;
  if (hinted !== null) return hinted <= RETRY_AFTER_MAX_MS ? hinted : null;
  return Math.min(Math.max(delayMs, 0), TRANSIENT_RETRY_MAX_DELAY_MS);
}

/** Options of {@link retryTransient}. */
export interface TransientRetryOptions {
  /**
   * Pause before the retry when the server names none (default {@link TRANSIENT_RETRY_DELAY_MS}, capped at
   * {@link TRANSIENT_RETRY_MAX_DELAY_MS}).
   */
  delayMs?: number;
  /** Told about the retry (for a log line). */
  onRetry?: (err: unknown) => void;
}

/**
 * Runs `attempt` and, when it fails with a transient error (see {@link isTransient}), runs it once more after a
 * short pause, or after the server's `Retry-After` when it names one within {@link RETRY_AFTER_MAX_MS}
 * ({@link retryPause}). The second failure, or any other failure, is thrown as is.
 */
export async function retryTransient<T>(attempt: () => Promise<T>, options: TransientRetryOptions = {}): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    if (!isTransient(err)) throw err;
    const delay = retryPause(err, options.delayMs ?? TRANSIENT_RETRY_DELAY_MS);
    if (delay === null) throw err;
    options.onRetry?.(err);
    await new Promise((resolve) => setTimeout(resolve, delay));
    return await attempt();
  }
}
