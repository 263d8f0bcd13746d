/** Errors of the forecast core. */

/** The input is not an Azure Monitor metrics response (single-resource or batch) with SNAT port series. */
export class NotMetricsResponseError extends Error {
  override readonly name = 'NotMetricsResponseError';
}
