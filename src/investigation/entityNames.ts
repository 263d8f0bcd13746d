import { createHash } from 'node:crypto';
import type { ClusterInfo } from './clusterInfo.js';

/** Names of the investigation's Durable entities (registered in functions/entities.ts). */
export const ENTITY = {
  /** One per (cluster, node): the node single flight. */
  nodeCapture: 'nodeCapture',
  /** One per cluster: the capture slots (MAX_CONCURRENT_CAPTURES). */
  captureSlots: 'captureSlots',
} as const;

/** External event a waiting investigation receives when the node's owner has stored its report. */
export const NODE_REPORT_EVENT = 'nodeReportReady';

/** A short stable key of a cluster (Durable instance ids must not contain `/`, `\`, `#` or `?`). */
export function clusterEntityKey(cluster: Pick<ClusterInfo, 'resourceId' | 'name'>): string {
  const hash = createHash('sha256').update(cluster.resourceId.trim().toLowerCase(), 'utf8').digest('hex').slice(0, 16);
  return `${cluster.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${hash}`;
}

/**
 * The node entity's key: the cluster plus the node NAME (lower case). Every route to a node resolves the name
 * first (an IPv4 or IPv6 backend address, a name from an on-demand request, the worst node of an unsplit alert),
 * so all of them reach the same entity.
 *
 * @example nodeEntityKey(cluster, 'AKS-nodepool1-0') === nodeEntityKey(cluster, 'aks-nodepool1-0')
 */
export function nodeEntityKey(cluster: Pick<ClusterInfo, 'resourceId' | 'name'>, nodeName: string): string {
  return `${clusterEntityKey(cluster)}.${nodeName
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')}`;
}
