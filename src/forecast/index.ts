/** The SNAT forecast core: pure, no I/O. */
export { NotMetricsResponseError } from './errors.js';
export { forecastResources, type LocatedForecast } from './forecastFleet.js';
export { forecastNode } from './forecastNode.js';
export { parseMetricsResponse, type ResourceSeries } from './metricsResponse.js';
export { median, theilSenSlope } from './trend.js';
export * from './types.js';
export { byUrgency } from './urgency.js';
