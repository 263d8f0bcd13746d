import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forecastNode } from '../../../src/forecast/forecastNode.js';
import { theilSenSlope } from '../../../src/forecast/trend.js';
import type { MetricSample, NodeSeries } from '../../../src/forecast/types.js';

const T0 = Date.parse('2026-12-04T10:00:00Z');
const MIN = 60_000;
const OPTS = { horizonMinutes: 15, thresholdPercent: 90 } as const;

const samples = (values: Array<number | null>, start = T0): MetricSample[] =>
  values.map((v, i) => ({ t: start + i * MIN, v }));
const node = (
  used: Array<number | null>,
  allocated: number | null = 1024,
  extra: Partial<NodeSeries> = {},
): NodeSeries => ({
  backendIp: '10.224.0.7',
  used: samples(used),
  allocated: allocated === null ? [] : samples(used.map(() => allocated)),
  ...extra,
});
const ramp = (from: number, perMinute: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => from + perMinute * i);

describe('theilSenSlope', () => {
  it('ignores a single spike that would drag a least-squares slope', () => {
    const pts = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((x) => ({ x, y: 2 * x + (x === 9 ? 500 : 0) }));
    expect(theilSenSlope(pts)).toBe(2);
  });
  it('equals the median of all pairwise slopes computed naively', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ x: fc.integer({ min: 0, max: 60 }), y: fc.integer({ min: -500, max: 5000 }) }), {
          minLength: 2,
          maxLength: 40,
        }),
        (pts) => {
          const slopes: number[] = [];
          for (let i = 0; i < pts.length; i++)
            for (let j = i + 1; j < pts.length; j++) {
              const a = pts[i] as { x: number; y: number };
              const b = pts[j] as { x: number; y: number };
              if (a.x !== b.x) slopes.push((b.y - a.y) / (b.x - a.x));
            }
          slopes.sort((a, b) => a - b);
          const m = slopes.length >> 1;
          const expected =
            slopes.length === 0
              ? Number.NaN
              : slopes.length % 2
                ? (slopes[m] as number)
                : ((slopes[m - 1] as number) + (slopes[m] as number)) / 2;
          const got = theilSenSlope(pts);
          if (Number.isNaN(expected)) expect(got).toBeNaN();
          else expect(got).toBeCloseTo(expected, 9);
        },
      ),
    );
  });

  it('is NaN without two distinct x values', () => {
    expect(theilSenSlope([{ x: 1, y: 1 }])).toBeNaN();
    expect(
      theilSenSlope([
        { x: 1, y: 1 },
        { x: 1, y: 5 },
      ]),
    ).toBeNaN();
  });
});

describe('forecastNode', () => {
  describe('decisions', () => {
    it('investigates a node projected to run out within the horizon, with the trend and minutes', () => {
      // 600 -> 860 over 20 minutes at 13 ports/min; 1024 allocated: about 11-13 minutes left.
      const f = forecastNode(node(ramp(600, 13, 21)), OPTS);
      expect(f.decision).toBe('investigate');
      expect(f.trendPortsPerMinute).toBe(13);
      expect(f.used).toBe(860);
      expect(f.usagePercent).toBe(84);
      expect(f.minutesToExhaustion).toBeGreaterThan(12);
      expect(f.minutesToExhaustion).toBeLessThanOrEqual(15);
      expect(f.reason).toMatch(/projected to run out of SNAT ports in [\d.]+ min \(trend \+13 ports\/min\)/);
    });

    it('watches a node rising slowly: exhaustion beyond the horizon', () => {
      const f = forecastNode(node(ramp(300, 2, 31)), OPTS);
      expect(f.decision).toBe('watch');
      expect(f.minutesToExhaustion).toBeGreaterThan(15);
      expect(f.reason).toMatch(/beyond the 15-min horizon/);
    });

    it('says ok for a flat node at 70% and names it flat', () => {
      const f = forecastNode(node(Array(30).fill(717)), OPTS);
      expect(f).toMatchObject({ decision: 'ok', trendPortsPerMinute: 0, minutesToExhaustion: null, usagePercent: 70 });
      expect(f.conditions).toContain('flat');
    });

    it('investigates at the usage threshold even when flat', () => {
      const f = forecastNode(node(Array(30).fill(930)), OPTS);
      expect(f.decision).toBe('investigate');
      expect(f.reason).toMatch(/at or above the 90% threshold/);
    });

    it('investigates when failed SNAT connections were seen in the last minutes', () => {
      const failed = samples([...Array(27).fill(0), 0, 3, 0]);
      const f = forecastNode(node(Array(30).fill(100), 1024, { failed }), OPTS);
      expect(f).toMatchObject({ decision: 'investigate', failedConnections: 3 });
      expect(f.reason).toBe('3 failed SNAT connections in the last 5 min');
    });

    it('does not count failures older than the window', () => {
      const failed = samples([5, ...Array(29).fill(0)]);
      expect(forecastNode(node(Array(30).fill(100), 1024, { failed }), OPTS)).toMatchObject({
        decision: 'ok',
        failedConnections: 0,
      });
    });

    it('honours the horizon and threshold options', () => {
      const series = node(ramp(600, 13, 21));
      expect(forecastNode(series, { horizonMinutes: 5, thresholdPercent: 90 }).decision).toBe('watch');
      expect(forecastNode(node(Array(30).fill(717)), { horizonMinutes: 15, thresholdPercent: 60 }).decision).toBe(
        'investigate',
      );
    });

    it('reports 0 minutes when the node is already at its allocation', () => {
      expect(forecastNode(node(Array(20).fill(1024)), OPTS)).toMatchObject({
        minutesToExhaustion: 0,
        decision: 'investigate',
      });
    });
  });

  describe('data conditions', () => {
    it('names a node without allocation data and still reports a rising trend', () => {
      const f = forecastNode(node(ramp(100, 5, 20), null), OPTS);
      expect(f).toMatchObject({ allocated: null, usagePercent: null, minutesToExhaustion: null, decision: 'watch' });
      expect(f.conditions).toContain('no-allocation');
      expect(f.reason).toMatch(/allocation unknown/);
    });

    it('names a node without any data', () => {
      const f = forecastNode({ backendIp: '10.0.0.1', used: [], allocated: [] }, OPTS);
      expect(f).toMatchObject({ used: null, decision: 'ok', reason: 'no UsedSnatPorts data in the look-back' });
      expect(f.conditions).toEqual(expect.arrayContaining(['no-data', 'no-allocation']));
    });

    it('uses only the points after a reset', () => {
      // Rising fast, then the node restarts and sits flat at 40.
      const f = forecastNode(node([...ramp(500, 20, 15), ...Array(15).fill(40)]), OPTS);
      expect(f.conditions).toContain('reset');
      expect(f.decision).toBe('ok');
      expect(f.used).toBe(40);
    });

    it('names a look-back too short for a trend', () => {
      const f = forecastNode(node(ramp(100, 30, 4)), OPTS);
      expect(f.conditions).toContain('too-short');
      expect(f.trendPortsPerMinute).toBeNull();
    });

    it('names gaps and still fits the trend on the real timestamps', () => {
      const values = ramp(400, 10, 30).map((v, i) => (i % 4 === 1 ? null : v));
      const f = forecastNode(node(values), OPTS);
      expect(f.conditions).toContain('gaps');
      expect(f.trendPortsPerMinute).toBe(10);
    });

    it('is not fooled by one spike at the end', () => {
      const f = forecastNode(node([...Array(29).fill(300), 1000]), OPTS);
      expect(f.decision).toBe('watch');
      expect(f.conditions).toContain('spike');
    });

    it('sorts unsorted input and ignores non-finite values', () => {
      const used = samples(ramp(600, 13, 21)).reverse();
      used.push({ t: Number.NaN, v: 5 }, { t: T0 + 30 * MIN, v: Number.POSITIVE_INFINITY });
      const f = forecastNode({ backendIp: 'x', used, allocated: samples([1024]) }, OPTS);
      expect(f.trendPortsPerMinute).toBe(13);
    });
  });

  describe('allocation drift', () => {
    it('flags allocated ports below the configured allocation and watches', () => {
      const f = forecastNode(node(Array(30).fill(100), 1024), { ...OPTS, configuredAllocatedPorts: 4000 });
      expect(f.drift).toEqual({ configured: 4000, allocated: 1024 });
      expect(f.decision).toBe('watch');
      expect(f.reason).toMatch(/allocation drift: 1024 ports allocated, 4000 configured/);
    });
    it('has no drift for automatic allocation (0) or a matching value', () => {
      expect(forecastNode(node(Array(30).fill(100)), { ...OPTS, configuredAllocatedPorts: 0 }).drift).toBeNull();
      expect(forecastNode(node(Array(30).fill(100)), { ...OPTS, configuredAllocatedPorts: 1024 }).drift).toBeNull();
    });
  });

  describe('sparkline', () => {
    it('holds usage percent per minute, missing minutes as null', () => {
      const f = forecastNode(node([512, null, 1024]), OPTS);
      expect(f.spark).toEqual([50, null, 100]);
    });
  });

  describe('properties', () => {
    const allocation = fc.constantFrom(256, 512, 1024, 2048, 4000);

    it('a monotone series never gets ok once past the threshold', () => {
      fc.assert(
        fc.property(
          allocation,
          fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 60 }),
          fc.integer({ min: 90, max: 100 }),
          (alloc, steps, finalPercent) => {
            // Non-decreasing series whose last point is at finalPercent of the allocation.
            const target = Math.ceil((alloc * finalPercent) / 100);
            let sum = 0;
            const raw = steps.map((s) => {
              sum += s;
              return sum;
            });
            const max = raw.at(-1) as number;
            const values = raw.map((v) => (max === 0 ? target : Math.floor((v / max) * target)));
            values[values.length - 1] = target;
            const f = forecastNode(node(values, alloc), OPTS);
            expect(f.decision).not.toBe('ok');
          },
        ),
      );
    });

    it('adding noise never flips a flat series to investigate', () => {
      fc.assert(
        fc.property(
          allocation,
          fc.integer({ min: 0, max: 70 }),
          fc.integer({ min: 10, max: 60 }),
          fc.double({ min: 0, max: 0.04, noNaN: true }),
          fc.infiniteStream(fc.double({ min: -1, max: 1, noNaN: true })),
          (alloc, levelPercent, n, amplitude, noise) => {
            const level = (alloc * levelPercent) / 100;
            const it = noise[Symbol.iterator]();
            const values = Array.from({ length: n + 1 }, () =>
              Math.max(0, level + (it.next().value as number) * amplitude * alloc),
            );
            const f = forecastNode(node(values, alloc), OPTS);
            expect(f.decision).not.toBe('investigate');
          },
        ),
      );
    });
  });
});
