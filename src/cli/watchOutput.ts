/**
 * Output of `snat-responder watch`: a fixed-width table for people, one JSON line for scripts.
 */
import type { NodeForecast } from '../forecast/types.js';

/** The fields of a node in `watch --json` (the sparkline stays out: it belongs to the fleet view). */
export function nodeJson(
  f: NodeForecast & { resourceId?: string | null; node?: string | null },
): Record<string, unknown> {
  return {
    backendIp: f.backendIp,
    ...(f.node ? { node: f.node } : {}),
    used: f.used,
    allocated: f.allocated,
    usagePercent: f.usagePercent,
    trendPortsPerMinute: f.trendPortsPerMinute,
    minutesToExhaustion: f.minutesToExhaustion,
    failedConnections: f.failedConnections,
    decision: f.decision,
    reason: f.reason,
    conditions: f.conditions,
    drift: f.drift,
    ...(f.resourceId ? { resourceId: f.resourceId } : {}),
  };
}

const dash = (v: number | null, suffix = ''): string => (v === null ? '—' : `${v}${suffix}`);

/**
 * A `kubectl top`-like table, most urgent first (the caller sorts).
 *
 * @example renderWatchTable(forecasts) // "BACKEND IP   USED  ALLOC  USE%  TREND/MIN  EXHAUSTS IN  DECISION  REASON"
 */
export function renderWatchTable(rows: ReadonlyArray<NodeForecast & { node?: string | null }>): string {
  const header = ['NODE', 'USED', 'ALLOC', 'USE%', 'TREND/MIN', 'EXHAUSTS IN', 'DECISION', 'REASON'];
  const body = rows.map((f) => [
    f.node ? `${f.node} (${f.backendIp})` : f.backendIp,
    dash(f.used),
    dash(f.allocated),
    dash(f.usagePercent, '%'),
    f.trendPortsPerMinute === null ? '—' : `${f.trendPortsPerMinute > 0 ? '+' : ''}${f.trendPortsPerMinute}`,
    dash(f.minutesToExhaustion, ' min'),
    f.decision,
    f.reason + (f.conditions.length > 0 ? ` [${f.conditions.join(', ')}]` : ''),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] as string).length)));
  const numeric = new Set([1, 2, 3, 4, 5]);
  const line = (cells: string[]): string =>
    cells
      .map((c, i) =>
        i === cells.length - 1 ? c : numeric.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0),
      )
      .join('  ');
  return `${[line(header), ...body.map(line)].join('\n')}\n`;
}
