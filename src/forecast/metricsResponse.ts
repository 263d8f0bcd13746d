/**
 * Reads Azure Monitor metrics REST responses into per-node SNAT series. Accepts the single-resource response
 * (`{value: [{name, timeseries: [{metadatavalues, data: [{timeStamp, maximum|average}]}]}]}`) and the batch
 * response (`{values: [{resourceid, value: [...]}]}`). Metric and dimension names compare case-insensitively
 * (the service lower-cases dimension names); minutes without data have no aggregation field and stay missing.
 */
import { NotMetricsResponseError } from './errors.js';
import type { MetricSample, NodeSeries } from './types.js';

/** The SNAT series of one load balancer (one entry of a batch response, or the single resource). */
export interface ResourceSeries {
  /** `resourceid` of a batch entry; null for a single-resource response. */
  resourceId: string | null;
  nodes: NodeSeries[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function metricName(metric: Json): string | null {
  const n = metric.name;
  if (typeof n === 'string') return n.toLowerCase();
  if (isObject(n) && typeof n.value === 'string') return n.value.toLowerCase();
  return null;
}

function dimensions(series: Json): Map<string, string> {
  const out = new Map<string, string>();
  const meta = Array.isArray(series.metadatavalues) ? series.metadatavalues : [];
  for (const m of meta) {
    if (!isObject(m)) continue;
    const name = typeof m.name === 'string' ? m.name : isObject(m.name) ? m.name.value : undefined;
    if (typeof name === 'string' && typeof m.value === 'string') out.set(name.toLowerCase(), m.value);
  }
  return out;
}

/** Every node repeats the same minutes: parse each timestamp text once per response. */
function timestampReader(): (point: Json) => number {
  const cache = new Map<string, number>();
  return (point) => {
    const raw = point.timeStamp ?? point.timestamp;
    if (typeof raw !== 'string') return Number.NaN;
    let t = cache.get(raw);
    if (t === undefined) {
      t = Date.parse(raw);
      cache.set(raw, t);
    }
    return t;
  };
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Port gauges: the per-minute maximum when the query asked for it, else the average. */
const gaugeValue = (p: Json): number | null => num(p.maximum) ?? num(p.average);
/** Failed connections are a count: total first. */
const countValue = (p: Json): number | null => num(p.total) ?? num(p.maximum) ?? num(p.average) ?? num(p.count);

const KINDS = {
  usedsnatports: { key: 'used', value: gaugeValue },
  allocatedsnatports: { key: 'allocated', value: gaugeValue },
  snatconnectioncount: { key: 'failed', value: countValue },
} as const;

/** Sums several series of one node per timestamp (one per frontend IP or protocol); missing stays missing. */
class NodeAccumulator {
  readonly #byIp = new Map<string, Record<'used' | 'allocated' | 'failed', Map<number, number | null>>>();
  #sawFailed = false;

  add(ip: string, key: 'used' | 'allocated' | 'failed', t: number, v: number | null): void {
    let node = this.#byIp.get(ip);
    if (!node) {
      node = { used: new Map(), allocated: new Map(), failed: new Map() };
      this.#byIp.set(ip, node);
    }
    if (key === 'failed') this.#sawFailed = true;
    const m = node[key];
    const prev = m.get(t);
    m.set(t, v === null ? (prev ?? null) : (prev ?? 0) + v);
  }

  nodes(): NodeSeries[] {
    const toSamples = (m: Map<number, number | null>): MetricSample[] =>
      [...m.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v }));
    return [...this.#byIp.entries()].map(([backendIp, s]) => ({
      backendIp,
      used: toSamples(s.used),
      allocated: toSamples(s.allocated),
      ...(this.#sawFailed ? { failed: toSamples(s.failed) } : {}),
    }));
  }
}

function readResource(metrics: unknown[], where: string): { nodes: NodeSeries[]; sawSnat: boolean } {
  const acc = new NodeAccumulator();
  const timestampOf = timestampReader();
  let sawSnat = false;
  metrics.forEach((metric, i) => {
    if (!isObject(metric)) throw new NotMetricsResponseError(`${where}[${i}] is not a metric object`);
    const name = metricName(metric);
    if (name === null) throw new NotMetricsResponseError(`${where}[${i}] has no metric name`);
    if (metric.timeseries !== undefined && !Array.isArray(metric.timeseries)) {
      throw new NotMetricsResponseError(`${where}[${i}].timeseries is not a list`);
    }
    const kind = KINDS[name as keyof typeof KINDS];
    if (!kind) return;
    if (kind.key === 'used') sawSnat = true;
    for (const series of (metric.timeseries ?? []) as unknown[]) {
      if (!isObject(series)) continue;
      const dims = dimensions(series);
      const ip = dims.get('backendipaddress');
      if (!ip) continue;
      // Failed connections only: a series split by another connection state is not a failure count.
      const state = dims.get('connectionstate');
      if (kind.key === 'failed' && state !== undefined && state.toLowerCase() !== 'failed') continue;
      for (const point of Array.isArray(series.data) ? series.data : []) {
        if (!isObject(point)) continue;
        const t = timestampOf(point);
        if (Number.isNaN(t)) continue;
        acc.add(ip, kind.key, t, kind.value(point));
      }
    }
  });
  return { nodes: acc.nodes(), sawSnat };
}

/**
 * Parses a metrics REST response (already JSON-decoded) into per-load-balancer node series.
 *
 * @param opts.requireUsedPorts - refuse a response without `UsedSnatPorts` (default true: a file given to `watch`
 *   must be about SNAT ports; the failed-connection query of a live scan has only `SnatConnectionCount`).
 * @throws NotMetricsResponseError when the value is neither shape, or holds no `UsedSnatPorts` metric.
 * @example parseMetricsResponse(JSON.parse(text)) // => [{ resourceId: null, nodes: [{ backendIp: '10.224.0.7', used, allocated }] }]
 */
export function parseMetricsResponse(body: unknown, opts: { requireUsedPorts?: boolean } = {}): ResourceSeries[] {
  if (!isObject(body))
    throw new NotMetricsResponseError('not an Azure Monitor metrics response (expected a JSON object)');
  let resources: ResourceSeries[];
  let sawSnat = false;
  if (Array.isArray(body.values)) {
    resources = body.values.map((entry, i) => {
      if (!isObject(entry) || !Array.isArray(entry.value)) {
        throw new NotMetricsResponseError(
          `not an Azure Monitor metrics batch response: values[${i}] has no "value" list`,
        );
      }
      const id = entry.resourceid ?? entry.resourceId;
      const read = readResource(entry.value, `values[${i}].value`);
      sawSnat ||= read.sawSnat;
      return { resourceId: typeof id === 'string' ? id : null, nodes: read.nodes };
    });
  } else if (Array.isArray(body.value)) {
    const read = readResource(body.value, 'value');
    sawSnat = read.sawSnat;
    resources = [{ resourceId: null, nodes: read.nodes }];
  } else {
    throw new NotMetricsResponseError(
      'not an Azure Monitor metrics response: expected "value" (single resource) or "values" (batch) at the top level',
    );
  }
  if (!sawSnat && opts.requireUsedPorts !== false) {
    throw new NotMetricsResponseError(
      'the metrics response holds no UsedSnatPorts metric (query metricnames=UsedSnatPorts,AllocatedSnatPorts)',
    );
  }
  return resources;
}
