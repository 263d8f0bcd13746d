import type { SnatMetricPoint } from '../../report/model.js';
import { InvalidArgumentError, translateArmError } from '../errors.js';
import type { ArmAdapterOptions } from './options.js';
import { parseLoadBalancerId } from './resourceId.js';
import { monitorClients } from './sdkClients.js';

/** Time window of a metrics query. */
export interface MetricsWindow {
  start: Date;
  end: Date;
}

/** A backend (node IP) and its highest per-minute average of used SNAT ports in the window. */
export interface BackendUsage {
  backendIp: string;
  maxUsedPorts: number;
}

/** Subset of the SDK response the reader uses (kept structural so tests can reason about it). */
interface MetricsResponseLike {
  value: Array<{
    name: { value: string };
    timeseries?: Array<{
      metadatavalues?: Array<{ name?: { value: string }; value?: string }>;
      data?: Array<{ timeStamp: Date; average?: number; total?: number; maximum?: number }>;
    }>;
  }>;
}

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const IPV6 = /^[0-9a-fA-F:]+$/;
/** Upper bound of series asked for when ranking backends (AKS allows up to 5,000 nodes). */
const MAX_BACKEND_SERIES = 5000;

function validateBackendIp(ip: string): string {
  if (!IPV4.test(ip) && !(ip.includes(':') && IPV6.test(ip))) {
    // The value goes into an OData filter: refuse anything that is not a plain IP.
    throw new InvalidArgumentError(`Backend IP "${ip}" is not a plain IPv4 or IPv6 address`);
  }
  return ip;
}

function timespan(window: MetricsWindow): string {
  if (!(window.start < window.end)) throw new InvalidArgumentError('Metrics window start must be before its end');
  return `${window.start.toISOString()}/${window.end.toISOString()}`;
}

function dimension(
  series: { metadatavalues?: Array<{ name?: { value: string }; value?: string }> },
  name: string,
): string | null {
  const wanted = name.toLowerCase();
  const hit = (series.metadatavalues ?? []).find((m) => m.name?.value.toLowerCase() === wanted);
  return hit?.value ?? null;
}

/** Per-minute timestamp key (ISO, seconds dropped) so series from different queries line up. */
function minuteKey(d: Date): string {
  const t = new Date(d.getTime());
  t.setUTCSeconds(0, 0);
  return t.toISOString();
}

/** Reads `UsedSnatPorts`, `AllocatedSnatPorts` and failed `SnatConnectionCount` for a load balancer. */
export class SnatMetricsReader {
  readonly #client: ReturnType<typeof monitorClients>;

  constructor(opts: ArmAdapterOptions) {
    this.#client = monitorClients(opts);
  }

  /**
   * Per-minute SNAT metrics for one backend (node IP), or for the whole load balancer when `backendIp` is null.
   * Minutes without data have null values; points are sorted by time.
   *
   * @example
   * await reader.nodeSnapshot(lbId, '10.224.0.7', { start: new Date(Date.now() - 30 * 60_000), end: new Date() })
   */
  async nodeSnapshot(
    loadBalancerId: string,
    backendIp: string | null,
    window: MetricsWindow,
  ): Promise<SnatMetricPoint[]> {
    const lb = parseLoadBalancerId(loadBalancerId);
    const ip = backendIp === null ? null : validateBackendIp(backendIp);
    const span = timespan(window);
    const client = await this.#client(lb.subscriptionId);
    const resourceUri = lb.id.slice(1); // the SDK template adds the leading slash itself
    const ipFilter = ip === null ? null : `BackendIPAddress eq '${ip}'`;
    // allSettled: never leave a request in flight behind a thrown error.
    const [portsResult, failedResult] = await Promise.allSettled([
      client.metrics.list(resourceUri, {
        metricnames: 'UsedSnatPorts,AllocatedSnatPorts',
        aggregation: 'Average',
        interval: 'PT1M',
        timespan: span,
        metricnamespace: 'Microsoft.Network/loadBalancers',
        ...(ipFilter ? { filter: ipFilter } : {}),
      }) as Promise<MetricsResponseLike>,
      client.metrics.list(resourceUri, {
        metricnames: 'SnatConnectionCount',
        aggregation: 'Total',
        interval: 'PT1M',
        timespan: span,
        metricnamespace: 'Microsoft.Network/loadBalancers',
        filter: ipFilter ? `${ipFilter} and ConnectionState eq 'failed'` : "ConnectionState eq 'failed'",
      }) as Promise<MetricsResponseLike>,
    ]);
    if (portsResult.status === 'rejected') throw translateArmError(portsResult.reason, `read SNAT ports of ${lb.name}`);
    if (failedResult.status === 'rejected') {
      throw translateArmError(failedResult.reason, `read failed SNAT connections of ${lb.name}`);
    }
    const ports = portsResult.value;
    const failed = failedResult.value;

    const points = new Map<string, SnatMetricPoint>();
    const at = (d: Date): SnatMetricPoint => {
      const key = minuteKey(d);
      let p = points.get(key);
      if (!p) {
        p = { timestamp: key, usedPorts: null, allocatedPorts: null, failedConnections: null };
        points.set(key, p);
      }
      return p;
    };
    const add = (current: number | null, v: number): number => (current ?? 0) + v;

    for (const metric of [...ports.value, ...failed.value]) {
      const name = metric.name.value.toLowerCase();
      for (const series of metric.timeseries ?? []) {
        for (const d of series.data ?? []) {
          const p = at(d.timeStamp);
          // Several series can come back (one per frontend IP or protocol): sum them per minute.
          if (name === 'usedsnatports' && typeof d.average === 'number') p.usedPorts = add(p.usedPorts, d.average);
          if (name === 'allocatedsnatports' && typeof d.average === 'number') {
            p.allocatedPorts = add(p.allocatedPorts, d.average);
          }
          if (name === 'snatconnectioncount' && typeof d.total === 'number') {
            p.failedConnections = add(p.failedConnections, d.total);
          }
        }
      }
    }
    return [...points.values()].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  }

  /**
   * The `count` backends (node IPs) with the highest per-minute `UsedSnatPorts` in the window, highest first.
   * Asks for every backend (`top` raised: Azure Monitor returns only 10 series by default with a filter)
   * and ranks by the peak minute, so a short spike is not averaged away.
   */
  async worstBackends(loadBalancerId: string, window: MetricsWindow, count: number): Promise<BackendUsage[]> {
    if (!Number.isInteger(count) || count < 1)
      throw new InvalidArgumentError(`count must be a positive integer, got ${count}`);
    const lb = parseLoadBalancerId(loadBalancerId);
    const client = await this.#client(lb.subscriptionId);
    let res: MetricsResponseLike;
    try {
      res = (await client.metrics.list(lb.id.slice(1), {
        metricnames: 'UsedSnatPorts',
        aggregation: 'Average',
        interval: 'PT1M',
        timespan: timespan(window),
        metricnamespace: 'Microsoft.Network/loadBalancers',
        filter: "BackendIPAddress eq '*'",
        top: Math.max(count, MAX_BACKEND_SERIES),
      })) as MetricsResponseLike;
    } catch (err) {
      throw translateArmError(err, `rank backends of ${lb.name} by used SNAT ports`);
    }
    const peaks = new Map<string, number>();
    for (const metric of res.value) {
      for (const series of metric.timeseries ?? []) {
        const ip = dimension(series, 'BackendIPAddress');
        if (!ip) continue;
        const max = Math.max(...(series.data ?? []).map((d) => d.average ?? 0), 0);
        peaks.set(ip, Math.max(peaks.get(ip) ?? 0, max));
      }
    }
    return [...peaks.entries()]
      .map(([backendIp, maxUsedPorts]) => ({ backendIp, maxUsedPorts }))
      .sort((a, b) => b.maxUsedPorts - a.maxUsedPorts || a.backendIp.localeCompare(b.backendIp))
      .slice(0, count);
  }
}
