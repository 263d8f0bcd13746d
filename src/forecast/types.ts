/**
 * Types of the SNAT forecast: per-node metric series in, per-node forecasts out. Pure data, no I/O.
 */

/** One per-minute sample: epoch milliseconds and a value (null when Azure Monitor had no data that minute). */
export interface MetricSample {
  t: number;
  v: number | null;
}

/** The SNAT metrics of one backend (node IP) of an outbound load balancer. */
export interface NodeSeries {
  backendIp: string;
  /** `UsedSnatPorts`, summed over frontend IPs and protocols per minute. */
  used: MetricSample[];
  /** `AllocatedSnatPorts`; empty when Azure Monitor returned none for this node. */
  allocated: MetricSample[];
  /** `SnatConnectionCount` with `ConnectionState=failed`; absent when not queried. */
  failed?: MetricSample[];
}

/** Tunables of the decision; every field has a default in {@link FORECAST_DEFAULTS}. */
export interface ForecastOptions {
  /** Investigate when exhaustion is projected within this many minutes. */
  horizonMinutes: number;
  /** Investigate when usage reaches this percent of the allocation. */
  thresholdPercent: number;
  /** The cluster's configured `allocatedOutboundPorts` (null or 0: automatic allocation, no drift check). */
  configuredAllocatedPorts?: number | null;
}

/** Default tunables and the fixed thresholds of the trend maths (minutes, ports, fractions of the allocation). */
export const FORECAST_DEFAULTS = {
  /** Default {@link ForecastOptions.horizonMinutes}. */
  horizonMinutes: 15,
  /** Default {@link ForecastOptions.thresholdPercent}. */
  thresholdPercent: 90,
  /** A trend needs points spanning at least this long; shorter looks are too easy to fool with noise. */
  minTrendSpanMinutes: 10,
  /** Points needed for a trend (after the last reset). */
  minTrendPoints: 5,
  /** Minutes of failed-connection data that count as "now". */
  failureWindowMinutes: 5,
  /** A rise over the look-back below this share of the allocation is flat (ports, also without allocation). */
  flatRiseFraction: 0.02,
  /** ...or below this many ports, whichever is larger (the floor when the allocation is small or unknown). */
  flatRisePorts: 8,
} as const;

/** The three outcomes, most urgent first. */
export const DECISIONS = ['investigate', 'watch', 'ok'] as const;
/**
 * One of {@link DECISIONS}. `investigate`: failed connections now, usage at the threshold, or exhaustion projected
 * within the horizon (start a capture). `watch`: rising, a one-minute spike, or allocation drift (look again next
 * scan). `ok`: nothing to do.
 */
export type Decision = (typeof DECISIONS)[number];

/**
 * Named data conditions, so an operator sees why a number is missing or a trend was not trusted.
 * - `no-allocation`: no `AllocatedSnatPorts` for the node (usage % and exhaustion unknown).
 * - `no-data`: no `UsedSnatPorts` value at all.
 * - `reset`: usage dropped sharply (node restarted or ports re-allocated); only points after it are used.
 * - `gaps`: minutes without data inside the look-back.
 * - `too-short`: too few points or too short a span after the last reset for a trend.
 * - `flat`: no meaningful rise or fall over the look-back.
 * - `spike`: only the last point is above the threshold.
 */
export const CONDITIONS = ['no-allocation', 'no-data', 'reset', 'gaps', 'too-short', 'flat', 'spike'] as const;
/** One of {@link CONDITIONS}. */
export type Condition = (typeof CONDITIONS)[number];

/** `AllocatedSnatPorts` below the cluster's configured `allocatedOutboundPorts`. */
export interface AllocationDrift {
  /** Ports per node the cluster asks for (`allocatedOutboundPorts`). */
  configured: number;
  /** Ports per node Azure Monitor reports as allocated (fewer: the load balancer could not honour the setting). */
  allocated: number;
}

/** The forecast of one node. */
export interface NodeForecast {
  backendIp: string;
  /** Last `UsedSnatPorts` value, or null without data. */
  used: number | null;
  /** Last `AllocatedSnatPorts` value, or null without allocation data. */
  allocated: number | null;
  /** `used / allocated` in percent (one decimal), or null. */
  usagePercent: number | null;
  /** Theil-Sen slope over the look-back (after the last reset), ports per minute (two decimals), or null. */
  trendPortsPerMinute: number | null;
  /** Minutes until `used` reaches `allocated` at the current trend (one decimal); 0 when already there; null when not rising or unknown. */
  minutesToExhaustion: number | null;
  /** Failed SNAT connections in the last few minutes (null when not queried). */
  failedConnections: number | null;
  decision: Decision;
  /** One sentence saying why. */
  reason: string;
  conditions: Condition[];
  drift: AllocationDrift | null;
  /** Usage per minute in percent of the allocation (or raw ports without allocation), for sparklines. */
  spark: Array<number | null>;
}
