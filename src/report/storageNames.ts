/**
 * Storage names of reports (pure: no SDK, no clock): the folder of one report and the cluster's incident index,
 * so the orchestrator computes a report's folder deterministically and the Blob adapter (src/azure/blob/) agrees.
 */

/** A name part that cannot become a storage name (an invalid timestamp, nothing usable left). Never retryable. */
export class InvalidStorageNameError extends Error {
  /** Trying again cannot help: the input itself is unusable. */
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStorageNameError';
  }
}

/** A path segment safe in a blob name and a URL: `[A-Za-z0-9._-]`, at most 100 characters. */
export function blobSegment(value: string, what: string): string {
  const cleaned = value
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, 100);
  if (cleaned === '')
    throw new InvalidStorageNameError(`The ${what} "${value}" has no usable characters for a blob name`);
  return cleaned;
}

/** `2026-11-03T09:30:05.123Z` -> `20261103T093005Z`. */
export function compactUtc(timestamp: Date | string): string {
  const d = typeof timestamp === 'string' ? new Date(timestamp) : timestamp;
  if (Number.isNaN(d.getTime())) throw new InvalidStorageNameError(`Invalid report timestamp "${String(timestamp)}"`);
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The folder of one report: `<cluster>/<node>/<UTC yyyymmddThhmmssZ>-<instanceId>/`, each part sanitised.
 *
 * @throws InvalidStorageNameError for an invalid timestamp or a part with no usable characters.
 * @example
 * reportPrefix({ cluster: 'aks-prod-weu', node: 'aks-np-0', timestamp: '2026-11-03T09:30:05Z', instanceId: 'abc' })
 * // => 'aks-prod-weu/aks-np-0/20261103T093005Z-abc/'
 */
export function reportPrefix(p: {
  cluster: string;
  node: string;
  timestamp: Date | string;
  instanceId: string;
}): string {
  return `${blobSegment(p.cluster, 'cluster')}/${blobSegment(p.node, 'node')}/${compactUtc(p.timestamp)}-${blobSegment(p.instanceId, 'instance id')}/`;
}

/** Blob name of a cluster's incident index: `_index/<cluster>.json`. */
export function indexBlobName(cluster: string): string {
  return `_index/${blobSegment(cluster, 'cluster')}.json`;
}
