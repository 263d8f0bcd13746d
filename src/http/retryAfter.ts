/**
 * The HTTP `Retry-After` header (RFC 9110 §10.2.3), shared by the adapters that honour it (Teams, Kubernetes).
 * Pure: the clock is a parameter.
 */

/**
 * Parse `Retry-After` (delta seconds or an HTTP date) into milliseconds from `now`, or null.
 *
 * @example
 * parseRetryAfter('5') // => 5000
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}
