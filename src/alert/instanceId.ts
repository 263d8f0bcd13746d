import { createHash } from 'node:crypto';
import { AlertConfigError } from './errors.js';
import type { InvestigationTarget } from './types.js';

/** A fixed cooldown window: `[startMs, endMs)`, index = floor(time / cooldown). */
export interface CooldownWindow {
  index: number;
  startMs: number;
  endMs: number;
}

const MAX_COOLDOWN_MINUTES = 24 * 60;

/** Throws {@link AlertConfigError} unless `minutes` is a whole number of minutes in 1..1440. */
export function assertCooldownMinutes(minutes: number): void {
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_COOLDOWN_MINUTES) {
    throw new AlertConfigError(
      `cooldownMinutes must be a whole number of minutes between 1 and ${MAX_COOLDOWN_MINUTES}, got ${String(minutes)}`,
    );
  }
}

/**
 * The cooldown window containing `at`.
 *
 * @example cooldownWindow(new Date('2026-11-04T12:17:00Z'), 15).startMs === Date.parse('2026-11-04T12:15:00Z')
 */
export function cooldownWindow(at: Date | number, cooldownMinutes: number): CooldownWindow {
  assertCooldownMinutes(cooldownMinutes);
  const ms = typeof at === 'number' ? at : at.getTime();
  if (!Number.isFinite(ms)) throw new AlertConfigError('cooldown window needs a valid time');
  const size = cooldownMinutes * 60_000;
  const index = Math.floor(ms / size);
  return { index, startMs: index * size, endMs: (index + 1) * size };
}

/**
 * Stable 32-hex-character key of a target: SHA-256 of the lower-cased load balancer id and the backend IP.
 * ARM ids are case-insensitive, so `.../loadBalancers/kubernetes` and `.../loadbalancers/kubernetes` match.
 */
export function targetKey(target: InvestigationTarget): string {
  const material = `${target.loadBalancerId.trim().toLowerCase()}\n${target.backendIp ?? '-'}`;
  return createHash('sha256').update(material, 'utf8').digest('hex').slice(0, 32);
}

/** `2026-11-04T12:15:00.000Z` -> `20261104T1215Z` (only characters Durable accepts in instance ids). */
function compactUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
}

/**
 * Deterministic orchestration instance id for a target and the cooldown window containing `windowStart`
 * (any time inside the window gives the same id). Format `snat-<32 hex>-<window start, UTC>`, 52 characters,
 * none of the characters Durable forbids (`/ \ # ?`, control characters).
 *
 * @example instanceIdFor({ loadBalancerId: lb, backendIp: '10.224.0.5' }, new Date('2026-11-04T12:17:00Z'), 15)
 *   // => 'snat-<hash>-20261104T1215Z'
 */
export function instanceIdFor(
  target: InvestigationTarget,
  windowStart: Date | number,
  cooldownMinutes: number,
): string {
  const window = cooldownWindow(windowStart, cooldownMinutes);
  return `snat-${targetKey(target)}-${compactUtc(window.startMs)}`;
}

/** True when `id` has the shape {@link instanceIdFor} produces. */
export function isSnatInstanceId(id: string): boolean {
  return /^snat-[0-9a-f]{32}-\d{8}T\d{4}Z$/.test(id);
}
