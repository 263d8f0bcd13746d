/**
 * One proactive scan: the clusters in scope, their outbound load balancers' SNAT metrics through the batch API,
 * a forecast per node; NAT gateway clusters get the gateway's metrics and a note that nodes cannot be told apart.
 * Written against small interfaces so the CLI (`watch`), the timer function and the demo share it.
 */
import type { FleetCluster } from '../azure/arm/clusterInventory.js';
import type { NatGatewayMetrics } from '../azure/arm/fleetMetrics.js';
import type { MetricsWindow } from '../azure/arm/snatMetrics.js';
import { forecastNode } from '../forecast/forecastNode.js';
import type { ResourceSeries } from '../forecast/metricsResponse.js';
import type { NodeForecast } from '../forecast/types.js';
import { byUrgency } from '../forecast/urgency.js';
import { snatSupport } from '../investigation/clusterInfo.js';

/** Where clusters come from. */
export interface FleetInventory {
  listSubscriptions(): Promise<string[]>;
  listClusters(subscriptionId: string): Promise<FleetCluster[]>;
  natGatewaysIn(subscriptionId: string, resourceGroup: string): Promise<string[]>;
}

/** Where metrics come from (the batch API in Azure). */
export interface FleetMetricsSource {
  loadBalancers(region: string, loadBalancerIds: readonly string[], window: MetricsWindow): Promise<ResourceSeries[]>;
  natGateways(region: string, gatewayIds: readonly string[], window: MetricsWindow): Promise<NatGatewayMetrics[]>;
}

/** Which clusters a scan covers; empty scope = every cluster the identity can read. */
export interface ScanScope {
  /** Only these clusters (ARM resource ids, case-insensitive); null or empty = every cluster in the subscriptions. */
  clusterIds?: readonly string[] | null;
  /** Subscriptions to list; null or empty = the clusters' own, or every subscription the identity can read. */
  subscriptionIds?: readonly string[] | null;
}

/** When the scan runs and how far it looks back and ahead. */
export interface ScanOptions {
  /** End of the metrics window and the scan's timestamp (the caller's clock). */
  now: Date;
  /** Minutes of metrics read before `now`. */
  lookbackMinutes: number;
  /** Forecast horizon: investigate when exhaustion is projected within this many minutes. */
  horizonMinutes: number;
  /** Investigate when usage reaches this percent of the allocation. */
  thresholdPercent: number;
}

/** A node forecast of a cluster. */
export interface ClusterScan {
  cluster: FleetCluster;
  /** Most urgent first. Empty for clusters whose egress has no per-node metrics. */
  forecasts: NodeForecast[];
  natGateway: NatGatewayMetrics | null;
  /** What the operator must know (no per-node metrics, no data, ...), or null. */
  note: string | null;
}

/** One scan across the fleet. */
export interface FleetScan {
  /** ISO-8601 UTC of `ScanOptions.now`. */
  scannedAt: string;
  /** Clusters that could be read, each with its node forecasts. */
  clusters: ClusterScan[];
  /** Subscriptions or groups that could not be read, one line each (the rest of the scan still counts). */
  errors: string[];
}

const SUB = /^\/subscriptions\/([^/]+)\//i;

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) {
    const k = key(i);
    m.set(k, [...(m.get(k) ?? []), i]);
  }
  return m;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Scans the clusters in scope once.
 *
 * @example await scanFleet({ inventory, metrics }, { clusterIds: [id] }, { now: new Date(), lookbackMinutes: 30, horizonMinutes: 15, thresholdPercent: 90 })
 */
export async function scanFleet(
  deps: { inventory: FleetInventory; metrics: FleetMetricsSource },
  scope: ScanScope,
  options: ScanOptions,
): Promise<FleetScan> {
  const errors: string[] = [];
  const wanted = new Set((scope.clusterIds ?? []).map((id) => id.toLowerCase()));
  const subscriptions =
    wanted.size > 0
      ? [...new Set([...wanted].map((id) => SUB.exec(id)?.[1]).filter((s): s is string => !!s))]
      : scope.subscriptionIds && scope.subscriptionIds.length > 0
        ? [...scope.subscriptionIds]
        : await deps.inventory.listSubscriptions();

  const clusters: FleetCluster[] = [];
  for (const sub of subscriptions) {
    try {
      for (const c of await deps.inventory.listClusters(sub)) {
        if (wanted.size === 0 || wanted.has(c.resourceId.toLowerCase())) clusters.push(c);
      }
    } catch (err) {
      errors.push(`subscription ${sub}: ${message(err)}`);
    }
  }
  const found = new Set(clusters.map((c) => c.resourceId.toLowerCase()));
  for (const id of wanted) if (!found.has(id)) errors.push(`cluster ${id}: not found or not readable`);

  const window = { start: new Date(options.now.getTime() - options.lookbackMinutes * 60_000), end: options.now };
  const forecastOptions = { horizonMinutes: options.horizonMinutes, thresholdPercent: options.thresholdPercent };
  const results = new Map<string, ClusterScan>();

  // Load balancer clusters: one batch per subscription and region (the API's own grouping rule).
  const lbClusters = clusters.filter((c) => c.loadBalancerId !== null);
  for (const group of groupBy(lbClusters, (c) => `${c.subscriptionId.toLowerCase()}|${c.location}`).values()) {
    const region = (group[0] as FleetCluster).location;
    let series: ResourceSeries[] = [];
    let failure: string | null = null;
    try {
      series = await deps.metrics.loadBalancers(
        region,
        group.map((c) => c.loadBalancerId as string),
        window,
      );
    } catch (err) {
      failure = message(err);
      errors.push(`metrics of ${group.map((c) => c.name).join(', ')}: ${failure}`);
    }
    for (const c of group) {
      const mine = series.find((s) => s.resourceId?.toLowerCase() === c.loadBalancerId?.toLowerCase());
      const forecasts = (mine?.nodes ?? [])
        .map((n) => forecastNode(n, { ...forecastOptions, configuredAllocatedPorts: c.outboundPorts }))
        .sort(byUrgency);
      results.set(c.resourceId, {
        cluster: c,
        forecasts,
        natGateway: null,
        note: failure
          ? `metrics could not be read: ${failure}`
          : forecasts.length === 0
            ? 'no per-node SNAT metrics in the look-back (no outbound traffic, or a new cluster)'
            : null,
      });
    }
  }

  // NAT gateway clusters: the gateway's metrics, never per node.
  const natClusters = clusters.filter((c) => c.loadBalancerId === null && /natgateway$/i.test(c.outboundType));
  const gateways = new Map<string, string[]>();
  for (const c of natClusters) {
    try {
      gateways.set(c.resourceId, await deps.inventory.natGatewaysIn(c.subscriptionId, c.nodeResourceGroup));
    } catch (err) {
      errors.push(`NAT gateway of ${c.name}: ${message(err)}`);
      gateways.set(c.resourceId, []);
    }
  }
  for (const group of groupBy(natClusters, (c) => `${c.subscriptionId.toLowerCase()}|${c.location}`).values()) {
    const ids = group.flatMap((c) => gateways.get(c.resourceId) ?? []);
    let metrics: NatGatewayMetrics[] = [];
    if (ids.length > 0) {
      try {
        metrics = await deps.metrics.natGateways((group[0] as FleetCluster).location, ids, window);
      } catch (err) {
        errors.push(`NAT gateway metrics of ${group.map((c) => c.name).join(', ')}: ${message(err)}`);
      }
    }
    for (const c of group) {
      const id = gateways.get(c.resourceId)?.[0] ?? null;
      const m = metrics.find((x) => id !== null && x.gatewayId.toLowerCase() === id.toLowerCase()) ?? null;
      results.set(c.resourceId, {
        cluster: c,
        forecasts: [],
        natGateway: m ?? (id ? { gatewayId: id, snatConnections: null, droppedPackets: null } : null),
        note:
          `Egress leaves through a NAT gateway (outboundType ${c.outboundType}): its SNAT metrics cover all nodes ` +
          'together, so nodes cannot be told apart and nothing is investigated automatically; investigate a node on demand.' +
          (id
            ? ''
            : ' No NAT gateway was found in the node resource group (a user-assigned gateway lives on your subnet).'),
      });
    }
  }

  // Anything else (user-defined routing, ...): say why there is nothing to show.
  for (const c of clusters) {
    if (!results.has(c.resourceId)) {
      results.set(c.resourceId, { cluster: c, forecasts: [], natGateway: null, note: snatSupport(c).reason });
    }
  }
  return {
    scannedAt: options.now.toISOString(),
    clusters: clusters.map((c) => results.get(c.resourceId) as ClusterScan),
    errors,
  };
}
