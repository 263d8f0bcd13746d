import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlertConfigError } from '../../../src/alert/errors.js';
import { freshnessViolation } from '../../../src/alert/freshness.js';

const received = new Date('2026-11-04T12:00:00Z');
const at = (iso: string) => Date.parse(iso);

describe('freshnessViolation', () => {
  it('accepts an alert fired up to 60 min before and 5 min after its receipt (defaults)', () => {
    expect(freshnessViolation(at('2026-11-04T11:00:00Z'), received, {})).toBeNull();
    expect(freshnessViolation(at('2026-11-04T12:05:00Z'), received, {})).toBeNull();
  });

  it('calls an alert fired more than 60 min before receipt stale, naming both times and the setting', () => {
    const v = freshnessViolation(at('2026-11-02T12:00:00Z'), received, {});
    expect(v?.rule).toBe('stale');
    expect(v?.reason).toContain('2026-11-02T12:00:00.000Z');
    expect(v?.reason).toContain('2 days before');
    expect(v?.reason).toContain('ALERT_MAX_AGE_MINUTES');
    expect(freshnessViolation(at('2026-11-04T10:59:59Z'), received, {})?.rule).toBe('stale');
  });

  it('refuses forged dates: 1970 is stale, 2099 is in the future', () => {
    expect(freshnessViolation(at('1970-01-01T00:00:00Z'), received, {})?.rule).toBe('stale');
    const future = freshnessViolation(at('2099-01-01T00:00:00Z'), received, {});
    expect(future?.rule).toBe('future');
    expect(future?.reason).toContain('ALERT_MAX_FUTURE_SKEW_MINUTES');
  });

  it('honours the configured bounds', () => {
    expect(freshnessViolation(at('2026-11-04T11:30:00Z'), received, { maxAlertAgeMinutes: 20 })?.rule).toBe('stale');
    expect(freshnessViolation(at('2026-11-04T12:01:00Z'), received, { maxFutureSkewMinutes: 0 })?.rule).toBe('future');
  });

  it('throws AlertConfigError for out-of-range options, never for a payload time', () => {
    expect(() => freshnessViolation(at('2026-11-04T12:00:00Z'), received, { maxAlertAgeMinutes: -1 })).toThrow(
      AlertConfigError,
    );
    expect(() => freshnessViolation(at('2026-11-04T12:00:00Z'), received, { maxFutureSkewMinutes: 1.5 })).toThrow(
      AlertConfigError,
    );
  });

  it('is fresh exactly when the fire time lies within [receipt - age, receipt + skew] (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10 * 24 * 60, max: 10 * 24 * 60 }),
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 0, max: 60 }),
        (offsetMinutes, age, skew) => {
          const fired = received.getTime() + offsetMinutes * 60_000;
          const v = freshnessViolation(fired, received, { maxAlertAgeMinutes: age, maxFutureSkewMinutes: skew });
          const fresh = offsetMinutes >= -age && offsetMinutes <= skew;
          expect(v === null).toBe(fresh);
        },
      ),
      { seed: 11, numRuns: 500 },
    );
  });
});
