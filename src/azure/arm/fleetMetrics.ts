/**
 * SNAT metrics of many load balancers (and NAT gateways) at once, through the regional Azure Monitor metrics
 * batch API (`POST https://{region}.metrics.monitor.azure.com/subscriptions/{s}/metrics:getBatch`): up to 50
 * resources of one subscription, region and type per call. A proactive scan of 10 clusters in one subscription
 * and region costs two calls (ports, failed connections) instead of twenty.
 */
import { parseMetricsResponse, type ResourceSeries } from '../../forecast/metricsResponse.js';
import type { NodeSeries } from '../../forecast/types.js';
import { InvalidArgumentError } from '../errors.js';
import { ArmRestClient } from './armRest.js';
import type { ArmAdapterOptions } from './options.js';
import type { MetricsWindow } from './snatMetrics.js';

/** Resources the batch API accepts per call. */
export const METRICS_BATCH_MAX_RESOURCES = 50;
/** Series asked for per metric: every node of the largest AKS cluster (5,000 nodes). */
const MAX_SERIES = 5000;
const API_VERSION = '2024-02-01';
const REGION = /^[a-z0-9]+$/;

/** The ARM adapter options plus where the regional metrics data plane (the batch API) lives. */
export interface FleetMetricsOptions extends ArmAdapterOptions {
  /** Base URL of the metrics data plane for a region; default `https://{region}.metrics.monitor.azure.com`. */
  metricsEndpoint?: (region: string) => string;
}

/** Latest NAT gateway metrics: SNAT connections and dropped packets in the last minute with data. */
export interface NatGatewayMetrics {
  /** ARM resource id of the NAT gateway. */
  gatewayId: string;
  /** `SNATConnectionCount` total in that minute, null when Azure Monitor had no value. */
  snatConnections: number | null;
  /** `PacketDropCount` total in that minute, null when Azure Monitor had no value. */
  droppedPackets: number | null;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function subscriptionOf(id: string): string {
  const m = /^\/subscriptions\/([^/]+)\//i.exec(id);
  if (!m?.[1]) throw new InvalidArgumentError(`"${id}" is not an ARM resource id`);
  return m[1];
}

/** Reads SNAT metrics of many resources per call. */
export class FleetMetricsReader {
  readonly #rest: ArmRestClient;
  readonly #endpoint: (region: string) => string;

  constructor(opts: FleetMetricsOptions) {
    this.#rest = new ArmRestClient(opts);
    this.#endpoint = opts.metricsEndpoint ?? ((region) => `https://${region}.metrics.monitor.azure.com`);
  }

  /** Requests sent so far (retries included). */
  get calls(): number {
    return this.#rest.calls;
  }

  /**
   * Per-node `UsedSnatPorts`/`AllocatedSnatPorts` (maximum per minute) and failed `SnatConnectionCount` of
   * load balancers in one region and subscription, one {@link ResourceSeries} per load balancer.
   *
   * @example await reader.loadBalancers('westeurope', [lbId], { start, end })
   */
  async loadBalancers(
    region: string,
    loadBalancerIds: readonly string[],
    window: MetricsWindow,
  ): Promise<ResourceSeries[]> {
    const out: ResourceSeries[] = [];
    for (const batch of chunks(loadBalancerIds, METRICS_BATCH_MAX_RESOURCES)) {
      const [ports, failed] = await Promise.all([
        this.#batch(region, 'Microsoft.Network/loadBalancers', batch, window, {
          metricnames: 'UsedSnatPorts,AllocatedSnatPorts',
          aggregation: 'Maximum',
          filter: "BackendIPAddress eq '*'",
        }),
        this.#batch(region, 'Microsoft.Network/loadBalancers', batch, window, {
          metricnames: 'SnatConnectionCount',
          aggregation: 'Total',
          filter: "BackendIPAddress eq '*' and ConnectionState eq 'failed'",
        }),
      ]);
      const portSeries = parseMetricsResponse(ports);
      const failedSeries = parseMetricsResponse(failed, { requireUsedPorts: false });
      for (const r of portSeries) {
        const f = failedSeries.find((x) => x.resourceId?.toLowerCase() === r.resourceId?.toLowerCase());
        out.push({ resourceId: r.resourceId, nodes: r.nodes.map((n) => withFailed(n, f)) });
      }
    }
    return out;
  }

  /** SNAT connections and dropped packets of NAT gateways in one region and subscription. */
  async natGateways(
    region: string,
    gatewayIds: readonly string[],
    window: MetricsWindow,
  ): Promise<NatGatewayMetrics[]> {
    const out: NatGatewayMetrics[] = [];
    for (const batch of chunks(gatewayIds, METRICS_BATCH_MAX_RESOURCES)) {
      const body = (await this.#batch(region, 'Microsoft.Network/natGateways', batch, window, {
        metricnames: 'SNATConnectionCount,PacketDropCount',
        aggregation: 'Total',
      })) as {
        values?: Array<{
          resourceid?: string;
          value?: Array<{ name?: { value?: string }; timeseries?: Array<{ data?: Array<{ total?: number }> }> }>;
        }>;
      };
      for (const entry of body.values ?? []) {
        const latest = (metric: string): number | null => {
          const m = (entry.value ?? []).find((x) => x.name?.value?.toLowerCase() === metric.toLowerCase());
          if (!m) return null;
          // Sum the series (one per connection state) at the last minute that has data.
          const series = m.timeseries ?? [];
          const length = Math.max(0, ...series.map((s) => s.data?.length ?? 0));
          for (let i = length - 1; i >= 0; i--) {
            const values = series.map((s) => s.data?.[i]?.total).filter((v): v is number => typeof v === 'number');
            if (values.length > 0) return values.reduce((a, b) => a + b, 0);
          }
          return null;
        };
        out.push({
          gatewayId: entry.resourceid ?? '',
          snatConnections: latest('SNATConnectionCount'),
          droppedPackets: latest('PacketDropCount'),
        });
      }
    }
    return out;
  }

  async #batch(
    region: string,
    namespace: string,
    ids: readonly string[],
    window: MetricsWindow,
    q: { metricnames: string; aggregation: string; filter?: string },
  ): Promise<unknown> {
    if (!REGION.test(region)) throw new InvalidArgumentError(`"${region}" is not an Azure region name`);
    if (!(window.start < window.end)) throw new InvalidArgumentError('Metrics window start must be before its end');
    const subscriptions = new Set(ids.map((id) => subscriptionOf(id).toLowerCase()));
    if (subscriptions.size !== 1) throw new InvalidArgumentError('One metrics batch covers one subscription');
    const subscriptionId = subscriptionOf(ids[0] as string);
    const params = new URLSearchParams({
      'api-version': API_VERSION,
      metricnamespace: namespace,
      metricnames: q.metricnames,
      aggregation: q.aggregation,
      interval: 'PT1M',
      starttime: window.start.toISOString(),
      endtime: window.end.toISOString(),
      top: String(MAX_SERIES),
      ...(q.filter ? { filter: q.filter } : {}),
    });
    return this.#rest.json({
      method: 'POST',
      url: `${this.#endpoint(region).replace(/\/+$/, '')}/subscriptions/${encodeURIComponent(subscriptionId)}/metrics:getBatch?${params}`,
      scope: 'https://metrics.monitor.azure.com/.default',
      body: { resourceids: ids },
      what: `read SNAT metrics of ${ids.length} ${namespace.split('/')[1]} in ${region}`,
    });
  }
}

function withFailed(node: NodeSeries, failed: ResourceSeries | undefined): NodeSeries {
  const f = failed?.nodes.find((n) => n.backendIp === node.backendIp);
  return { ...node, failed: f?.failed ?? [] };
}
