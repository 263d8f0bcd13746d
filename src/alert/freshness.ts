import { AlertConfigError } from './errors.js';
import { ALERT_INTAKE_DEFAULTS, type AlertIntakeOptions } from './types.js';

/** Why a fired alert is not fresh: `stale` fired too long before receipt, `future` claims a time after it. */
export interface FreshnessViolation {
  rule: 'stale' | 'future';
  reason: string;
}

function checkedMinutes(value: number | undefined, fallback: number, name: string): number {
  const minutes = value ?? fallback;
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > 7 * 24 * 60) {
    throw new AlertConfigError(`${name} must be a whole number of minutes between 0 and 10080, got ${String(value)}`);
  }
  return minutes;
}

/**
 * Checks an alert's `firedDateTime` against the time it was received. A replayed payload (fired days ago) or a
 * forged one (fired in 1970 or 2099) would otherwise name a fresh cooldown window, and so a fresh investigation,
 * on every delivery. Pure: the receipt time is an input.
 *
 * @throws AlertConfigError when the options are out of range (never because of the payload).
 * @example
 * freshnessViolation(Date.parse('2026-11-02T10:00:00Z'), new Date('2026-11-04T10:00:00Z'), {}) // => { rule: 'stale', ... }
 */
export function freshnessViolation(
  firedMs: number,
  receivedAt: Date,
  options: Pick<AlertIntakeOptions, 'maxAlertAgeMinutes' | 'maxFutureSkewMinutes'>,
): FreshnessViolation | null {
  const maxAge = checkedMinutes(
    options.maxAlertAgeMinutes,
    ALERT_INTAKE_DEFAULTS.maxAlertAgeMinutes,
    'maxAlertAgeMinutes',
  );
  const maxSkew = checkedMinutes(
    options.maxFutureSkewMinutes,
    ALERT_INTAKE_DEFAULTS.maxFutureSkewMinutes,
    'maxFutureSkewMinutes',
  );
  const receivedMs = receivedAt.getTime();
  const fired = new Date(firedMs).toISOString();
  const received = receivedAt.toISOString();
  if (firedMs < receivedMs - maxAge * 60_000) {
    const minutes = Math.floor((receivedMs - firedMs) / 60_000);
    return {
      rule: 'stale',
      reason: `The alert fired at ${fired}, ${describeMinutes(minutes)} before it was received at ${received}; alerts older than ${maxAge} min are not investigated (a re-delivered or replayed payload). ALERT_MAX_AGE_MINUTES sets the limit.`,
    };
  }
  if (firedMs > receivedMs + maxSkew * 60_000) {
    const minutes = Math.ceil((firedMs - receivedMs) / 60_000);
    return {
      rule: 'future',
      reason: `The alert claims to have fired at ${fired}, ${describeMinutes(minutes)} after it was received at ${received}; more than ${maxSkew} min ahead is not clock skew, so it is not investigated. ALERT_MAX_FUTURE_SKEW_MINUTES sets the limit.`,
    };
  }
  return null;
}

function describeMinutes(minutes: number): string {
  if (minutes < 120) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / (24 * 60))} days`;
}
