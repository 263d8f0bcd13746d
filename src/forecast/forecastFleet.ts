import { forecastNode } from './forecastNode.js';
import type { ResourceSeries } from './metricsResponse.js';
import type { ForecastOptions, NodeForecast } from './types.js';
import { byUrgency } from './urgency.js';

/** A node forecast with the load balancer it belongs to (null for a single-resource response). */
export interface LocatedForecast extends NodeForecast {
  resourceId: string | null;
}

/**
 * Forecasts every node of every load balancer and sorts them most urgent first.
 *
 * @example forecastResources(parseMetricsResponse(body), { horizonMinutes: 15, thresholdPercent: 90 })
 */
export function forecastResources(resources: readonly ResourceSeries[], options: ForecastOptions): LocatedForecast[] {
  return resources
    .flatMap((r) => r.nodes.map((n) => ({ ...forecastNode(n, options), resourceId: r.resourceId })))
    .sort(byUrgency);
}
