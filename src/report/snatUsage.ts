import type { SnatMetricPoint } from './model.js';

/** The load balancer's SNAT numbers for the node over the window, as every rendering states them. */
export interface SnatUsage {
  /** Highest per-minute average of used ports, null without data. */
  peakUsed: number | null;
  /** Highest allocation seen, null without data. */
  allocated: number | null;
  /** Failed connections over the window, null without data. */
  failedTotal: number | null;
  /** Worst minute of failed connections, null without data. */
  failedPeakPerMinute: number | null;
}

function max(values: Array<number | null>): number | null {
  let best: number | null = null;
  for (const v of values) if (v !== null && (best === null || v > best)) best = v;
  return best;
}

/**
 * Summarises the metric points (pure): peaks, allocation and failures.
 *
 * @example snatUsage(report.metrics).peakUsed // 994
 */
export function snatUsage(points: readonly SnatMetricPoint[]): SnatUsage {
  const failed = points.map((p) => p.failedConnections).filter((v): v is number => v !== null);
  return {
    peakUsed: max(points.map((p) => p.usedPorts)),
    allocated: max(points.map((p) => p.allocatedPorts)),
    failedTotal: failed.length > 0 ? failed.reduce((a, b) => a + b, 0) : null,
    failedPeakPerMinute: max(failed),
  };
}
