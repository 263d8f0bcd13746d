/**
 * The allowed range of every numeric setting, in one place. The loader, the CLI flags, the capture script, the
 * simulated API server and the Bicep parameters all use these bounds (a unit test checks the script and the
 * Bicep decorators against them), so a value accepted in one place is accepted everywhere.
 *
 * Pure constants: no zod, no I/O, so any layer may import them.
 */
export const SETTING_RANGES = {
  /** Seconds the node capture traces connections. */
  TRACE_SECONDS: { min: 5, max: 600 },
  COOLDOWN_MINUTES: { min: 1, max: 1440 },
  MAX_CONCURRENT_CAPTURES: { min: 1, max: 50 },
  NETSTAT_CONCURRENCY: { min: 1, max: 128 },
  NETSTAT_MAX_PODS: { min: 1, max: 5000 },
  WORST_NODES_COUNT: { min: 1, max: 20 },
  /** Intake freshness: how long before its receipt an alert may have fired. */
  ALERT_MAX_AGE_MINUTES: { min: 1, max: 10080 },
  /** Intake freshness: how far after its receipt an alert may claim to have fired. */
  ALERT_MAX_FUTURE_SKEW_MINUTES: { min: 0, max: 1440 },
  MAX_INVESTIGATIONS_PER_CLUSTER_PER_HOUR: { min: 1, max: 1000 },
  /** How long an investigation waits for a capture slot. */
  CAPACITY_WAIT_MINUTES: { min: 0, max: 240 },
  /** Pod exec calls one investigation runs at once. */
  EXEC_WAVE_SIZE: { min: 1, max: 64 },
  /** How long Blob-backed steps keep retrying through a storage outage before the report is given up. */
  STORE_RETRY_MINUTES: { min: 1, max: 240 },
  /** Hours a signed report link stays valid: a user delegation key lives 7 days at most. */
  REPORT_LINK_EXPIRY_HOURS: { min: 1, max: 168 },
  /** Minutes between proactive scans (the timer's schedule). */
  PROACTIVE_SCAN_MINUTES: { min: 1, max: 60 },
  PROACTIVE_LOOKBACK_MINUTES: { min: 10, max: 240 },
  PROACTIVE_HORIZON_MINUTES: { min: 1, max: 1440 },
  PROACTIVE_THRESHOLD_PERCENT: { min: 1, max: 100 },
  FLEET_MAX_INCIDENTS: { min: 10, max: 5000 },
} as const satisfies Record<string, { min: number; max: number }>;

/** A setting with a numeric range. */
export type RangedSetting = keyof typeof SETTING_RANGES;

/**
 * Whether `n` is a whole number inside the setting's range.
 *
 * @example inRange('TRACE_SECONDS', 60) // => true
 */
export function inRange(setting: RangedSetting, n: number): boolean {
  const { min, max } = SETTING_RANGES[setting];
  return Number.isInteger(n) && n >= min && n <= max;
}
