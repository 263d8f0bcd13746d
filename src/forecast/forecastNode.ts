/**
 * The per-node SNAT forecast: current use and allocation, a robust trend, minutes to exhaustion and a decision.
 * Pure: the caller passes the series (from a metrics file, the ARM adapter or the simulated world).
 */
import { median, theilSenSlope } from './trend.js';
import {
  type AllocationDrift,
  type Condition,
  type Decision,
  FORECAST_DEFAULTS,
  type ForecastOptions,
  type MetricSample,
  type NodeForecast,
  type NodeSeries,
} from './types.js';

const MINUTE = 60_000;

interface Point {
  t: number;
  v: number;
}

/** Samples sorted by time, one per timestamp (the last one wins), non-finite values as missing. */
function normalise(samples: readonly MetricSample[] | undefined): MetricSample[] {
  const byTime = new Map<number, number | null>();
  for (const s of samples ?? []) {
    if (!Number.isFinite(s.t)) continue;
    byTime.set(s.t, typeof s.v === 'number' && Number.isFinite(s.v) ? s.v : null);
  }
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v }));
}

function present(samples: readonly MetricSample[]): Point[] {
  return samples.filter((s): s is Point => s.v !== null);
}

/** True when minutes are missing: null samples, or steps longer than 1.5x the usual step. */
function hasGaps(samples: readonly MetricSample[]): boolean {
  if (samples.some((s) => s.v === null)) return true;
  if (samples.length < 3) return false;
  const steps = samples.slice(1).map((s, i) => s.t - (samples[i] as MetricSample).t);
  const usual = median(steps);
  return steps.some((d) => d > usual * 1.5);
}

/**
 * Index where the series starts again after its last reset: a drop to less than half the previous value, by at
 * least 16 ports (a node restart or a re-allocation empties the port table; normal churn does not halve it).
 */
function lastResetIndex(points: readonly Point[]): number {
  let start = 0;
  for (let i = 1; i < points.length; i++) {
    const prev = (points[i - 1] as Point).v;
    const cur = (points[i] as Point).v;
    if (cur < prev / 2 && prev - cur >= 16) start = i;
  }
  return start;
}

/**
 * The trend in ports per minute: the Theil-Sen slope, capped in magnitude by the rise between the medians of the
 * first and last thirds of the window (0 when the two disagree in sign). Both ignore single spikes; the cap keeps
 * a zig-zag of noise, whose short pairs have steep slopes, from passing for a ramp. On a real ramp both agree.
 */
function robustTrend(points: readonly Point[]): number {
  const t0 = (points[0] as Point).t;
  const xy = points.map((p) => ({ x: (p.t - t0) / MINUTE, y: p.v }));
  const slope = theilSenSlope(xy);
  const k = Math.max(1, Math.floor(xy.length / 3));
  const first = xy.slice(0, k);
  const last = xy.slice(-k);
  const dx = median(last.map((p) => p.x)) - median(first.map((p) => p.x));
  const thirds = dx > 0 ? (median(last.map((p) => p.y)) - median(first.map((p) => p.y))) / dx : 0;
  if (!Number.isFinite(slope) || Math.sign(slope) !== Math.sign(thirds)) return 0;
  return Math.sign(slope) * Math.min(Math.abs(slope), Math.abs(thirds));
}

const round = (n: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

function lastValue(samples: readonly MetricSample[]): number | null {
  for (let i = samples.length - 1; i >= 0; i--) {
    const v = (samples[i] as MetricSample).v;
    if (v !== null) return v;
  }
  return null;
}

function fmtPorts(n: number): string {
  return `${n > 0 ? '+' : ''}${round(n, 1)} ports/min`;
}

/**
 * Forecasts one node.
 *
 * @example
 * forecastNode({ backendIp: '10.224.0.7', used, allocated }, { horizonMinutes: 15, thresholdPercent: 90 })
 * // => { decision: 'investigate', minutesToExhaustion: 9.9, reason: 'projected to run out of SNAT ports in 9.9 min ...', ... }
 */
export function forecastNode(series: NodeSeries, options: ForecastOptions): NodeForecast {
  const conditions = new Set<Condition>();
  const usedSamples = normalise(series.used);
  const allocSamples = normalise(series.allocated);
  const failedSamples = series.failed === undefined ? null : normalise(series.failed);

  const used = lastValue(usedSamples);
  const allocatedRaw = lastValue(allocSamples);
  const allocated = allocatedRaw !== null && allocatedRaw > 0 ? allocatedRaw : null;
  if (allocated === null) conditions.add('no-allocation');
  if (used === null) conditions.add('no-data');
  if (hasGaps(usedSamples)) conditions.add('gaps');

  const latest = Math.max(
    ...[usedSamples, allocSamples, failedSamples ?? []].map((s) => (s.length > 0 ? (s.at(-1) as MetricSample).t : 0)),
  );
  const failedConnections =
    failedSamples === null
      ? null
      : failedSamples
          .filter((s) => s.v !== null && s.t > latest - FORECAST_DEFAULTS.failureWindowMinutes * MINUTE)
          .reduce((sum, s) => sum + (s.v ?? 0), 0);

  // The trend and the robust level come from the points after the last reset.
  const all = present(usedSamples);
  const resetAt = lastResetIndex(all);
  if (resetAt > 0) conditions.add('reset');
  const segment = all.slice(resetAt);
  const spanMinutes = segment.length > 1 ? ((segment.at(-1) as Point).t - (segment[0] as Point).t) / MINUTE : 0;
  let trend: number | null = null;
  if (used !== null) {
    if (segment.length < FORECAST_DEFAULTS.minTrendPoints || spanMinutes < FORECAST_DEFAULTS.minTrendSpanMinutes) {
      conditions.add('too-short');
    } else {
      trend = robustTrend(segment);
      const flatRise = Math.max(FORECAST_DEFAULTS.flatRisePorts, FORECAST_DEFAULTS.flatRiseFraction * (allocated ?? 0));
      if (Math.abs(trend) * spanMinutes < flatRise) {
        conditions.add('flat');
        trend = 0;
      }
    }
  }
  // Robust "now": the median of the last three points, so one spike neither triggers nor hides anything alone.
  const level = segment.length > 0 ? median(segment.slice(-3).map((p) => p.v)) : null;
  const threshold = options.thresholdPercent;
  const levelPercent = level !== null && allocated !== null ? (level / allocated) * 100 : null;
  const usagePercent = used !== null && allocated !== null ? round((used / allocated) * 100, 1) : null;

  let minutesToExhaustion: number | null = null;
  if (allocated !== null && level !== null) {
    if (level >= allocated) minutesToExhaustion = 0;
    else if (trend !== null && trend > 0) minutesToExhaustion = round((allocated - level) / trend, 1);
  }

  const configured = options.configuredAllocatedPorts ?? null;
  const drift: AllocationDrift | null =
    configured !== null && configured > 0 && allocated !== null && allocated < configured
      ? { configured, allocated }
      : null;

  let decision: Decision;
  let reason: string;
  const trendText = trend !== null && trend !== 0 ? ` (trend ${fmtPorts(trend)})` : '';
  if (failedConnections !== null && failedConnections > 0) {
    decision = 'investigate';
    reason = `${round(failedConnections, 0)} failed SNAT connections in the last ${FORECAST_DEFAULTS.failureWindowMinutes} min`;
  } else if (levelPercent !== null && levelPercent >= threshold) {
    decision = 'investigate';
    reason = `usage ${round(levelPercent, 1)}% of ${allocated} allocated ports is at or above the ${threshold}% threshold${trendText}`;
  } else if (minutesToExhaustion !== null && minutesToExhaustion <= options.horizonMinutes) {
    decision = 'investigate';
    reason = `projected to run out of SNAT ports in ${minutesToExhaustion} min${trendText}, within the ${options.horizonMinutes}-min horizon`;
  } else if (usagePercent !== null && usagePercent >= threshold) {
    conditions.add('spike');
    decision = 'watch';
    reason = `only the last minute is at ${usagePercent}% (at or above ${threshold}%): watching for a second point`;
  } else if (trend !== null && trend > 0) {
    decision = 'watch';
    reason =
      minutesToExhaustion !== null
        ? `rising ${fmtPorts(trend)}: would run out in ${minutesToExhaustion} min, beyond the ${options.horizonMinutes}-min horizon`
        : `rising ${fmtPorts(trend)}; allocation unknown, so no exhaustion estimate`;
  } else if (drift) {
    decision = 'watch';
    reason = `allocation drift: ${drift.allocated} ports allocated, ${drift.configured} configured (notify, no capture needed)`;
  } else {
    decision = 'ok';
    reason =
      used === null
        ? 'no UsedSnatPorts data in the look-back'
        : usagePercent !== null
          ? `usage ${usagePercent}%, not rising`
          : `${round(used, 0)} ports used, not rising; allocation unknown`;
  }
  if (drift && decision !== 'watch') {
    reason += `; allocation drift: ${drift.allocated} allocated, ${drift.configured} configured`;
  }

  return {
    backendIp: series.backendIp,
    used: used === null ? null : round(used, 1),
    allocated: allocated === null ? null : round(allocated, 1),
    usagePercent,
    trendPortsPerMinute: trend === null ? null : round(trend, 2),
    minutesToExhaustion,
    failedConnections: failedConnections === null ? null : round(failedConnections, 0),
    decision,
    reason,
    conditions: [...conditions],
    drift,
    spark: sparkline(usedSamples, allocSamples),
  };
}

/** Usage per sample in percent of the allocation at that time (or of the last known one); raw ports without any. */
function sparkline(used: readonly MetricSample[], allocated: readonly MetricSample[]): Array<number | null> {
  const allocAt = new Map(allocated.filter((s) => s.v !== null && s.v > 0).map((s) => [s.t, s.v as number]));
  let lastAlloc = lastValue(allocated.filter((s) => s.v !== null && s.v > 0));
  const hasAlloc = lastAlloc !== null;
  return used.slice(-60).map((s) => {
    if (s.v === null) return null;
    if (!hasAlloc) return round(s.v, 1);
    lastAlloc = allocAt.get(s.t) ?? lastAlloc;
    return round((s.v / (lastAlloc as number)) * 100, 1);
  });
}
