/** Builds Azure Monitor metrics REST responses (single-resource and batch) for the watch tests and benchmark. */

export interface NodeMetricSpec {
  ip: string;
  /** UsedSnatPorts per minute; null = no data that minute (no aggregation field). */
  used: Array<number | null>;
  /** AllocatedSnatPorts (constant), or null for none. */
  allocated: number | null;
  /** Failed SnatConnectionCount per minute. */
  failed?: number[];
}

export interface BuildOptions {
  start?: string;
  aggregation?: 'maximum' | 'average';
  /** How the service spells the dimension name (it lower-cases it; files edited by hand may not). */
  dimensionName?: string;
  /** Split every node over this many frontend IPs (the values are divided between them). */
  frontends?: number;
}

function dataPoints(values: Array<number | null>, start: number, field: string): unknown[] {
  return values.map((v, i) => {
    const p: Record<string, unknown> = { timeStamp: new Date(start + i * 60_000).toISOString().replace('.000Z', 'Z') };
    if (v !== null) p[field] = v;
    return p;
  });
}

/** One `{cost, timespan, interval, value: [...]}` response for one load balancer. */
export function singleResourceResponse(nodes: NodeMetricSpec[], opts: BuildOptions = {}): Record<string, unknown> {
  const start = Date.parse(opts.start ?? '2026-12-04T10:00:00Z');
  const agg = opts.aggregation ?? 'maximum';
  const dim = opts.dimensionName ?? 'backendipaddress';
  const frontends = opts.frontends ?? 1;
  const minutes = Math.max(...nodes.map((n) => n.used.length), 1);
  const metric = (name: string, series: unknown[]) => ({
    id: `/subscriptions/x/providers/Microsoft.Insights/metrics/${name}`,
    type: 'Microsoft.Insights/metrics',
    name: { value: name, localizedValue: name },
    unit: 'Count',
    timeseries: series,
    errorCode: 'Success',
  });
  const split = (values: Array<number | null>, _f: number) => values.map((v) => (v === null ? null : v / frontends));
  const meta = (ip: string, f: number, extra: Array<[string, string]> = []) => [
    { name: { value: dim, localizedValue: dim }, value: ip },
    ...(frontends > 1
      ? [{ name: { value: 'frontendipaddress', localizedValue: 'frontendipaddress' }, value: `20.0.0.${f + 1}` }]
      : []),
    ...extra.map(([n, v]) => ({ name: { value: n, localizedValue: n }, value: v })),
  ];
  const perFrontend = <T>(fn: (f: number) => T): T[] => Array.from({ length: frontends }, (_, f) => fn(f));
  const used = nodes.flatMap((n) =>
    perFrontend((f) => ({ metadatavalues: meta(n.ip, f), data: dataPoints(split(n.used, f), start, agg) })),
  );
  const allocated = nodes
    .filter((n) => n.allocated !== null)
    .flatMap((n) =>
      perFrontend((f) => ({
        metadatavalues: meta(n.ip, f),
        data: dataPoints(
          split(
            n.used.map(() => n.allocated),
            f,
          ),
          start,
          agg,
        ),
      })),
    );
  const value: unknown[] = [metric('UsedSnatPorts', used), metric('AllocatedSnatPorts', allocated)];
  if (nodes.some((n) => n.failed)) {
    value.push(
      metric(
        'SnatConnectionCount',
        nodes
          .filter((n) => n.failed)
          .map((n) => ({
            metadatavalues: meta(n.ip, 0, [['connectionstate', 'failed']]),
            data: dataPoints(n.failed ?? [], start, 'total'),
          })),
      ),
    );
  }
  return {
    cost: minutes * nodes.length,
    timespan: `${new Date(start).toISOString()}/${new Date(start + minutes * 60_000).toISOString()}`,
    interval: 'PT1M',
    value,
    namespace: 'Microsoft.Network/loadBalancers',
    resourceregion: 'westeurope',
  };
}

/** A `metrics:getBatch` response: `{values: [{resourceid, starttime, endtime, ...single response}]}`. */
export function batchResponse(
  resources: Array<{ resourceId: string; nodes: NodeMetricSpec[] }>,
  opts: BuildOptions = {},
): Record<string, unknown> {
  return {
    values: resources.map((r) => {
      const single = singleResourceResponse(r.nodes, opts);
      const [starttime, endtime] = String(single.timespan).split('/');
      const { timespan: _t, ...rest } = single;
      return { starttime, endtime, ...rest, resourceid: r.resourceId };
    }),
  };
}

/** `from + perMinute * i` for `n` minutes. */
export function ramp(from: number, perMinute: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.round(from + perMinute * i));
}
