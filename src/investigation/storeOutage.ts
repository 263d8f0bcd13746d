/**
 * Telling a report-storage outage apart from other failures, on both sides of the activity boundary. Activities
 * rethrow an outage as {@link StoreUnavailableError}; the orchestration sees only the failure message through
 * Durable, so the marker phrase {@link STORE_UNAVAILABLE} is what it recognises.
 */
import { BlobStoreError } from '../azure/errors.js';
import { SettingsError } from '../config/errors.js';
import { SETTING_SPECS, type SettingName } from '../config/settings.js';

/** The phrase every storage-outage failure message starts with (kept stable: the orchestrator matches it). */
export const STORE_UNAVAILABLE = 'report storage is unavailable';

/** Blob Storage could not be reached or answered 408/429/5xx, or a storage setting is not resolved yet. */
export class StoreUnavailableError extends Error {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`${STORE_UNAVAILABLE}: ${detail}`, options);
    this.name = 'StoreUnavailableError';
  }
}

const isStoreSetting = (setting: string) =>
  (SETTING_SPECS as Record<string, { slice: string }>)[setting as SettingName]?.slice === 'store';

/**
 * Whether `err` (or anything in its cause chain) is a storage outage that may end by itself: a retryable Blob
 * error, or an unresolved Key Vault reference in a storage setting.
 *
 * @example isStoreOutage(new BlobStoreError('Blob upload failed (HTTP 503 ServerBusy)', { statusCode: 503, retryable: true })) // => true
 */
export function isStoreOutage(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof StoreUnavailableError) return true;
    if (e instanceof BlobStoreError) return e.retryable;
    if (e instanceof SettingsError) return e.transient && e.issues.every((i) => isStoreSetting(i.setting));
  }
  return false;
}

/** Whether a failure surfaced by Durable (TaskFailedError and the like) was a storage outage in the activity. */
export function isStoreOutageFailure(err: unknown): boolean {
  const text =
    err instanceof Error ? `${err.message}\n${String((err as { details?: unknown }).details ?? '')}` : String(err);
  return text.includes(STORE_UNAVAILABLE);
}
