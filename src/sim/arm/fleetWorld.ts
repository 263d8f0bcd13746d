/**
 * A simulated fleet for the proactive watch: several AKS clusters in one subscription, each with its `kubernetes`
 * load balancer and per-node SNAT metric history (or a NAT gateway), built from a compact description. Used by
 * `demo --scenario proactive` and the scan tests.
 */
import {
  type ArmWorld,
  type SimManagedCluster,
  type SimMetricSeries,
  type SimNatGateway,
  simClusterProperties,
  simKubeconfig,
} from './world.js';

/** One node's SNAT history, one value per minute ending at `now`. */
export interface SimFleetNode {
  name: string;
  ip: string;
  used: number[];
  /** AllocatedSnatPorts (constant); null = the metric is missing for this node. */
  allocated: number | null;
  /** Failed SNAT connections per minute (default all 0). */
  failed?: number[];
}

/** One cluster of a simulated fleet: its ARM identity, outbound type, nodes with metric histories, API server. */
export interface SimFleetCluster {
  name: string;
  resourceGroup: string;
  location: string;
  /** `loadBalancer` (default) or `managedNATGateway`. */
  outboundType?: string;
  /** Configured `allocatedOutboundPorts` (0 = automatic). */
  allocatedOutboundPorts?: number;
  nodes: SimFleetNode[];
  /** Entra ID cluster (its kubeconfig uses kubelogin, which the responder replaces with a token); default false. */
  aad?: boolean;
  /** Kubernetes API server of the cluster (for investigations). */
  kubeApiServer?: string;
  kubeCaData?: string;
}

/** Node resource group AKS names for a cluster: `MC_<rg>_<name>_<location>`. */
export function simNodeResourceGroup(c: Pick<SimFleetCluster, 'name' | 'resourceGroup' | 'location'>): string {
  return `MC_${c.resourceGroup}_${c.name}_${c.location}`;
}

/**
 * Builds the ARM world of a fleet. Metric timestamps are whole minutes ending at `now` (floored).
 *
 * @example fleetArmWorld({ subscriptionId, now, clusters: [{ name: 'aks-a', resourceGroup: 'rg', location: 'westeurope', nodes }] })
 */
export function fleetArmWorld(opts: { subscriptionId: string; now: Date; clusters: SimFleetCluster[] }): ArmWorld {
  const end = Math.floor(opts.now.getTime() / 60_000) * 60_000;
  const clusters: SimManagedCluster[] = [];
  const loadBalancers: ArmWorld['loadBalancers'] = [];
  const natGateways: SimNatGateway[] = [];
  const sub = opts.subscriptionId;
  for (const c of opts.clusters) {
    const outboundType = c.outboundType ?? 'loadBalancer';
    const nodeRg = simNodeResourceGroup(c);
    clusters.push({
      id: `/subscriptions/${sub}/resourceGroups/${c.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${c.name}`,
      name: c.name,
      location: c.location,
      properties: simClusterProperties({
        nodeResourceGroup: nodeRg,
        outboundType,
        nodeCount: c.nodes.length,
        aad: c.aad ?? false,
        allocatedOutboundPorts: c.allocatedOutboundPorts ?? 0,
      }),
      kubeconfigYaml: simKubeconfig({
        clusterName: c.name,
        server: c.kubeApiServer ?? `https://${c.name}.hcp.${c.location}.azmk8s.io:443`,
        aad: c.aad ?? false,
        ...(c.kubeCaData ? { caData: c.kubeCaData } : {}),
      }),
    });
    const metrics: SimMetricSeries[] = [];
    for (const n of c.nodes) {
      const at = (i: number, length: number) => new Date(end - (length - 1 - i) * 60_000).toISOString();
      const dims = { FrontendIPAddress: '20.0.0.1', BackendIPAddress: n.ip, ProtocolType: 'TCP' };
      metrics.push({
        metric: 'UsedSnatPorts',
        dimensions: dims,
        points: n.used.map((value, i) => ({ timestamp: at(i, n.used.length), value })),
      });
      if (n.allocated !== null) {
        const allocated = n.allocated;
        metrics.push({
          metric: 'AllocatedSnatPorts',
          dimensions: dims,
          points: n.used.map((_, i) => ({ timestamp: at(i, n.used.length), value: allocated })),
        });
      }
      const failed = n.failed ?? n.used.map(() => 0);
      metrics.push({
        metric: 'SnatConnectionCount',
        dimensions: { FrontendIPAddress: '20.0.0.1', BackendIPAddress: n.ip, ConnectionState: 'failed' },
        points: failed.map((value, i) => ({ timestamp: at(i, failed.length), value })),
      });
    }
    if (outboundType === 'loadBalancer') {
      loadBalancers.push({
        id: `/subscriptions/${sub}/resourceGroups/${nodeRg}/providers/Microsoft.Network/loadBalancers/kubernetes`,
        location: c.location,
        frontendIps: ['20.0.0.1'],
        metrics,
      });
    } else {
      const minutes = Math.max(1, ...c.nodes.map((n) => n.used.length));
      const stamps = Array.from({ length: minutes }, (_, i) =>
        new Date(end - (minutes - 1 - i) * 60_000).toISOString(),
      );
      natGateways.push({
        id: `/subscriptions/${sub}/resourceGroups/${nodeRg}/providers/Microsoft.Network/natGateways/${c.name}-natgw`,
        location: c.location,
        metrics: [
          {
            metric: 'SNATConnectionCount',
            dimensions: { ConnectionState: 'Successful' },
            points: stamps.map((timestamp, i) => ({
              timestamp,
              value: c.nodes.reduce((sum, n) => sum + (n.used[i] ?? 0), 0),
            })),
          },
          { metric: 'PacketDropCount', dimensions: {}, points: stamps.map((timestamp) => ({ timestamp, value: 0 })) },
        ],
      });
    }
  }
  return {
    subscriptionIds: [sub],
    clusters,
    loadBalancers,
    natGateways,
    faults: [],
    nodes: opts.clusters.flatMap((c) => c.nodes.map((n) => ({ name: n.name, ip: n.ip, clusterName: c.name }))),
  };
}
