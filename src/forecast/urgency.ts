import { DECISIONS, type NodeForecast } from './types.js';

/**
 * Orders forecasts most urgent first: by decision (investigate, watch, ok), then fewest minutes to exhaustion
 * (unknown last), then highest usage, then backend IP so the order is stable.
 *
 * @example forecasts.sort(byUrgency)
 */
export function byUrgency(a: NodeForecast, b: NodeForecast): number {
  const d = DECISIONS.indexOf(a.decision) - DECISIONS.indexOf(b.decision);
  if (d !== 0) return d;
  const ma = a.minutesToExhaustion ?? Number.POSITIVE_INFINITY;
  const mb = b.minutesToExhaustion ?? Number.POSITIVE_INFINITY;
  if (ma !== mb) return ma - mb;
  const ua = a.usagePercent ?? -1;
  const ub = b.usagePercent ?? -1;
  if (ua !== ub) return ub - ua;
  return a.backendIp.localeCompare(b.backendIp);
}
