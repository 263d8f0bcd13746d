// SNAT alert thresholds from a cluster's outbound allocation. Pure: numbers and JSON in, numbers out.
// Plain JavaScript (JSDoc types) so the azd hook runs on Node 20 without a build; the allocation table is the
// JSON file src/analysis shares, never a copy.
//
// Facts (Azure Load Balancer outbound rules as AKS configures them):
// - `allocatedOutboundPorts` > 0 on the load balancer profile gives every node exactly that many ports;
// - 0 or unset means automatic allocation: every node gets the table's share for the backend pool's size, and the
//   share drops as the pool crosses 50, 100, 200, 400 and 800 nodes (no automatic share above 1000 nodes);
// - the backend pool holds the nodes of every node pool, so the size that counts is the largest it can reach:
//   each pool at its autoscaler maximum, plus the surge nodes an upgrade adds.
import allocation from '../../../src/analysis/automaticOutboundPorts.json' with { type: 'json' };

/** Default share of the allocation at which the used-ports alert fires. */
export const DEFAULT_ALERT_PERCENT = 80;

/** AKS's default max surge when a pool does not set one (new clusters get 10%; older ones 1, never more). */
export const DEFAULT_MAX_SURGE = '10%';

/** @typedef {{ name?: string, count?: number | null, enableAutoScaling?: boolean | null, maxCount?: number | null, mode?: string, type?: string, upgradeSettings?: { maxSurge?: string | null } | null }} AgentPool */

/**
 * @typedef {object} Allocation
 * @property {'configured' | 'automatic'} mode How the ports per node are decided.
 * @property {number} portsPerNode SNAT ports every node gets.
 * @property {number} reachableNodes The largest backend pool the cluster can reach (autoscaler maximum plus surge).
 * @property {string} basis One line saying where the number comes from.
 */

/** Raised when no allocation can be derived; the message says what to set. */
export class AllocationError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'AllocationError';
  }
}

/**
 * Ports per node under automatic allocation for a backend pool of this size.
 * @param {number} poolSize
 * @returns {number | null} null outside 1..1000 (no automatic share exists).
 * @example automaticPortsPerNode(51) // 512
 */
export function automaticPortsPerNode(poolSize) {
  if (!Number.isInteger(poolSize) || poolSize < 1) return null;
  for (const [maxNodes, ports] of /** @type {Array<[number, number]>} */ (allocation.table)) {
    if (poolSize <= maxNodes) return ports;
  }
  return null;
}

/**
 * Extra nodes one upgrade of a pool adds: `maxSurge` is a node count ("3") or a percentage ("33%", rounded up).
 * @param {number} nodes The pool's size.
 * @param {string | null | undefined} maxSurge
 * @returns {number}
 * @example surgeNodes(10, '33%') // 4
 */
export function surgeNodes(nodes, maxSurge) {
  const text = String(maxSurge ?? '').trim() || DEFAULT_MAX_SURGE;
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent) return Math.ceil((nodes * Number(percent[1])) / 100);
  if (/^\d+$/.test(text)) return Number(text);
  throw new AllocationError(`maxSurge "${text}" is neither a node count nor a percentage`);
}

/**
 * The largest backend pool the cluster can reach: every pool at its autoscaler maximum (else its count), plus
 * each pool's upgrade surge. Virtual-node pools are not in the load balancer's backend pool.
 * @param {AgentPool[]} pools
 * @returns {number}
 */
export function reachablePoolSize(pools) {
  let total = 0;
  for (const pool of pools) {
    if (pool.type === 'VirtualNodes') continue;
    const size = pool.enableAutoScaling ? Number(pool.maxCount ?? pool.count ?? 0) : Number(pool.count ?? 0);
    if (!Number.isFinite(size) || size < 0) {
      throw new AllocationError(`node pool ${pool.name ?? '?'} has no usable node count`);
    }
    total += size + (size > 0 ? surgeNodes(size, pool.upgradeSettings?.maxSurge) : 0);
  }
  return total;
}

/**
 * The cluster's outbound allocation per node, from `az aks show` JSON.
 * @param {any} cluster The managed cluster as ARM returns it (camelCase properties, as `az aks show` prints them).
 * @param {{ maxNodes?: number | null }} [options] `maxNodes` replaces the pool arithmetic (node auto-provisioning).
 * @returns {Allocation}
 * @throws {AllocationError} when neither a configured value nor an automatic share applies.
 */
export function outboundAllocation(cluster, options = {}) {
  const configured = Number(cluster?.networkProfile?.loadBalancerProfile?.allocatedOutboundPorts ?? 0);
  const pools = Array.isArray(cluster?.agentPoolProfiles) ? cluster.agentPoolProfiles : [];
  const autoProvisioned = cluster?.nodeProvisioningProfile?.mode === 'Auto';
  const override = options.maxNodes ?? null;
  const reachableNodes = override ?? reachablePoolSize(pools);
  if (Number.isInteger(configured) && configured > 0) {
    return {
      mode: 'configured',
      portsPerNode: configured,
      reachableNodes,
      basis: `allocatedOutboundPorts ${configured} per node`,
    };
  }
  if (autoProvisioned && override === null) {
    throw new AllocationError(
      'node auto-provisioning has no node maximum: set allocatedOutboundPorts on the cluster, or maxNodes on its SNAT_TARGET_CLUSTERS entry',
    );
  }
  const ports = automaticPortsPerNode(reachableNodes);
  if (ports === null) {
    throw new AllocationError(
      `automatic allocation has no share for a backend pool of ${reachableNodes} nodes: set allocatedOutboundPorts on the cluster (az aks update --load-balancer-outbound-ports)`,
    );
  }
  const source = override === null ? 'autoscaler maximum plus upgrade surge' : 'maxNodes';
  return {
    mode: 'automatic',
    portsPerNode: ports,
    reachableNodes,
    basis: `automatic allocation for up to ${reachableNodes} nodes (${source}): ${ports} per node`,
  };
}

/**
 * The used-ports alert threshold: `percent` of the ports per node, rounded down, at least 1.
 * @param {number} portsPerNode
 * @param {number} [percent]
 * @returns {number}
 * @example usedPortsThreshold(1024, 80) // 819
 */
export function usedPortsThreshold(portsPerNode, percent = DEFAULT_ALERT_PERCENT) {
  if (!Number.isInteger(percent) || percent < 1 || percent > 100) {
    throw new AllocationError(`the alert percentage must be a whole number from 1 to 100, got ${percent}`);
  }
  return Math.max(1, Math.floor((portsPerNode * percent) / 100));
}
