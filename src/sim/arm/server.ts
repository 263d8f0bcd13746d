/**
 * A loopback Azure Resource Manager that speaks the REST shapes the ARM SDK clients use:
 * managed clusters (list with nextLink paging, get, listClusterUserCredential), load balancers (get)
 * NAT gateways (list per resource group), subscriptions (list), Azure Monitor metrics (metricnames, aggregation,
 * interval, timespan, $filter, top, orderby) and the regional metrics batch API (`metrics:getBatch`, served on the
 * same loopback host), with ARM error bodies and scriptable faults. HTTPS only: the SDK's bearer policy refuses http.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { closeLoopbackServer, listenLoopback } from '../loopback.js';
import { simServiceTags } from './serviceTags.js';
import type {
  ArmFault,
  ArmWorld,
  SimLoadBalancer,
  SimManagedCluster,
  SimMetricSeries,
  SimNatGateway,
} from './world.js';

/** One request the simulated ARM received. */
export interface ArmRequestRecord {
  method: string;
  /** URL path, decoded. */
  path: string;
  /** Query parameters (last value wins). */
  query: Record<string, string>;
}

/** A running simulated ARM. */
export interface ArmServer {
  /** `https://127.0.0.1:<port>`, to pass as the SDK clients' `endpoint`. */
  endpoint: string;
  /** Every request received, in order. */
  requests: ArmRequestRecord[];
  /** Stops the server and drops its connections. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The metrics API answers `{code, message}`; the rest of ARM wraps it in `error`. */
    readonly flat = false,
  ) {
    super(message);
  }
}

const CLUSTER_TYPE = 'Microsoft.ContainerService/ManagedClusters';
const LB_METRICS = [
  'UsedSnatPorts',
  'AllocatedSnatPorts',
  'SnatConnectionCount',
  'ByteCount',
  'PacketCount',
  'SYNCount',
  'VipAvailability',
  'DipAvailability',
];
const AGGREGATIONS = ['average', 'total', 'maximum', 'minimum', 'count'] as const;
type Aggregation = (typeof AGGREGATIONS)[number];

/**
 * Start the simulated ARM on `127.0.0.1:0` over HTTPS.
 *
 * @example
 * const tls = await loopbackCertificate();
 * const arm = await startArmServer({ world: demoArmWorld(), tls });
 * const resolver = new ArmClusterResolver({ credential, endpoint: arm.endpoint, agent: new https.Agent({ ca: tls.cert }) });
 */
export async function startArmServer(opts: {
  world: ArmWorld;
  tls: { key: string; cert: string };
}): Promise<ArmServer> {
  const { world } = opts;
  const requests: ArmRequestRecord[] = [];
  let endpoint = '';

  const server = createServer({ key: opts.tls.key, cert: opts.tls.cert }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const path = decodeURIComponent(url.pathname);
    requests.push({ method: req.method ?? 'GET', path, query });
    // Read the body: only metrics:getBatch sends one that matters (the resource ids).
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const fault = takeFault(world.faults, req.method ?? 'GET', path);
        if (fault) return sendFault(res, fault);
        if (!/^Bearer\s+\S+/i.test(req.headers.authorization ?? '')) {
          throw new HttpError(
            401,
            'AuthenticationFailed',
            'Authentication failed. The Authorization header is missing.',
          );
        }
        if (!query['api-version']) {
          throw new HttpError(
            400,
            'MissingApiVersionParameter',
            'The api-version query parameter (?api-version=) is required for all requests.',
          );
        }
        const body = route(world, req, path, query, endpoint, Buffer.concat(chunks).toString('utf8'));
        send(res, 200, body);
      } catch (err) {
        if (err instanceof HttpError) {
          const payload = { code: err.code, message: err.message };
          send(res, err.status, err.flat ? payload : { error: payload });
        } else {
          send(res, 500, { error: { code: 'InternalServerError', message: String(err) } });
        }
      }
    });
  });

  endpoint = `https://127.0.0.1:${await listenLoopback(server)}`;
  return {
    endpoint,
    requests,
    close: () => closeLoopbackServer(server),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-ms-request-id': randomUUID(),
    ...headers,
  });
  res.end(text);
}

function takeFault(faults: ArmFault[], method: string, path: string): ArmFault | null {
  const lower = path.toLowerCase();
  const i = faults.findIndex(
    (f) =>
      (f.method === undefined || f.method.toUpperCase() === method.toUpperCase()) &&
      lower.includes(f.pathIncludes.toLowerCase()),
  );
  if (i < 0) return null;
  const fault = faults[i] as ArmFault;
  const left = (fault.times ?? 1) - 1;
  if (left <= 0) faults.splice(i, 1);
  else fault.times = left;
  return fault;
}

const DEFAULT_FAULT_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'AuthenticationFailed',
  403: 'AuthorizationFailed',
  404: 'ResourceNotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

function sendFault(res: ServerResponse, fault: ArmFault): void {
  const code = fault.code ?? DEFAULT_FAULT_CODES[fault.status] ?? 'Error';
  send(
    res,
    fault.status,
    { error: { code, message: fault.message ?? `Simulated ${code}.` } },
    {
      ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}),
    },
  );
}

function route(
  world: ArmWorld,
  req: IncomingMessage,
  path: string,
  query: Record<string, string>,
  endpoint: string,
  body = '',
): unknown {
  const method = req.method ?? 'GET';
  if (/^\/subscriptions\/?$/i.test(path) && method === 'GET') {
    return {
      value: world.subscriptionIds.map((id) => ({
        id: `/subscriptions/${id}`,
        subscriptionId: id,
        displayName: `Simulated subscription ${id.slice(0, 8)}`,
        state: 'Enabled',
      })),
    };
  }
  const sub = /^\/subscriptions\/([^/]+)(\/.*)?$/i.exec(path);
  if (!sub) throw new HttpError(404, 'InvalidResourceType', `No route for ${path}.`);
  const subscriptionId = sub[1] ?? '';
  if (!world.subscriptionIds.some((s) => s.toLowerCase() === subscriptionId.toLowerCase())) {
    throw new HttpError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
  }

  // Metrics of any resource: <resourceId>/providers/Microsoft.Insights/metrics
  const metrics = /^(.*)\/providers\/Microsoft\.Insights\/metrics$/i.exec(path);
  if (metrics && method === 'GET') return metricsResponse(world, metrics[1] ?? '', query);
  if (/^\/subscriptions\/[^/]+\/metrics:getBatch$/i.test(path)) {
    if (method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', 'Use POST.', true);
    return metricsBatchResponse(world, subscriptionId, query, body);
  }
  const natList = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/natGateways$/i.exec(
    path,
  );
  if (natList && method === 'GET') {
    const prefix = `/subscriptions/${subscriptionId}/resourcegroups/${(natList[1] ?? '').toLowerCase()}/`;
    return {
      value: (world.natGateways ?? [])
        .filter((g) => g.id.toLowerCase().startsWith(prefix))
        .map((g) => ({
          id: g.id,
          name: g.id.split('/').pop(),
          type: 'Microsoft.Network/natGateways',
          location: g.location,
          sku: { name: 'Standard' },
          properties: { provisioningState: 'Succeeded', idleTimeoutInMinutes: 4 },
        })),
    };
  }

  const list =
    /^\/subscriptions\/[^/]+(?:\/resourceGroups\/([^/]+))?\/providers\/Microsoft\.ContainerService\/managedClusters$/i.exec(
      path,
    );
  if (list && method === 'GET') {
    const rg = list[1]?.toLowerCase();
    const all = world.clusters.filter(
      (c) =>
        sameSub(c.id, subscriptionId) && (rg === undefined || c.id.toLowerCase().includes(`/resourcegroups/${rg}/`)),
    );
    const pageSize = Math.max(1, world.listPageSize ?? 100);
    const skip = Number.parseInt(query.$skipToken ?? '0', 10) || 0;
    const page = all.slice(skip, skip + pageSize);
    const next = skip + pageSize < all.length;
    return {
      value: page.map(clusterJson),
      ...(next
        ? {
            nextLink: `${endpoint}${path}?api-version=${encodeURIComponent(query['api-version'] ?? '')}&$skipToken=${skip + pageSize}`,
          }
        : {}),
    };
  }

  const one =
    /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+)(\/listClusterUserCredential)?$/i.exec(
      path,
    );
  if (one) {
    const cluster = findCluster(world, one[1] ?? '');
    if (one[2]) {
      if (method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', 'Use POST.');
      return {
        kubeconfigs: [{ name: 'clusterUser', value: Buffer.from(cluster.kubeconfigYaml, 'utf8').toString('base64') }],
      };
    }
    if (method === 'GET') return clusterJson(cluster);
  }

  // Service tags of a region: the small document of sim/arm/serviceTags.ts (or the world's own).
  const tags = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Network\/locations\/([^/]+)\/serviceTags$/i.exec(path);
  if (tags && method === 'GET') {
    world.serviceTagRequests = (world.serviceTagRequests ?? 0) + 1;
    return world.serviceTags ?? simServiceTags(subscriptionId);
  }

  const lb =
    /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/loadBalancers\/[^/]+$/i.exec(path);
  if (lb && method === 'GET') return loadBalancerJson(findLoadBalancer(world, path));

  throw new HttpError(404, 'InvalidResourceType', `The resource type for ${method} ${path} is not simulated.`);
}

function sameSub(id: string, subscriptionId: string): boolean {
  return id.toLowerCase().startsWith(`/subscriptions/${subscriptionId.toLowerCase()}/`);
}

function findCluster(world: ArmWorld, id: string): SimManagedCluster {
  const c = world.clusters.find((x) => x.id.toLowerCase() === id.toLowerCase());
  if (!c) {
    const name = id.split('/').pop();
    const rg = /\/resourceGroups\/([^/]+)/i.exec(id)?.[1];
    throw new HttpError(
      404,
      'ResourceNotFound',
      `The Resource 'Microsoft.ContainerService/managedClusters/${name}' under resource group '${rg}' was not found.`,
    );
  }
  return c;
}

function findLoadBalancer(world: ArmWorld, id: string): SimLoadBalancer {
  const lb = world.loadBalancers.find((x) => x.id.toLowerCase() === id.toLowerCase());
  if (!lb) {
    throw new HttpError(
      404,
      'ResourceNotFound',
      `The Resource 'Microsoft.Network/loadBalancers/${id.split('/').pop()}' was not found.`,
    );
  }
  return lb;
}

function clusterJson(c: SimManagedCluster): unknown {
  return {
    id: c.id,
    name: c.name,
    type: CLUSTER_TYPE,
    location: c.location,
    sku: { name: 'Base', tier: 'Standard' },
    identity: { type: 'SystemAssigned' },
    properties: c.properties,
  };
}

/**
 * The AKS outbound load balancer as `LoadBalancers_Get` answers it (shape of the REST spec example
 * LoadBalancerCreateWithOutboundRules.json): Standard SKU, one frontend per outbound public IP, the
 * `aksOutboundBackendPool`, and the `aksOutboundRule`. Public IP addresses are separate resources, named by id.
 */
function loadBalancerJson(lb: SimLoadBalancer): unknown {
  const name = lb.id.split('/').pop();
  const rg = lb.id.replace(/\/providers\/Microsoft\.Network\/loadBalancers\/[^/]+$/i, '');
  const etag = `W/"${simGuid(`etag:${lb.id}`)}"`;
  const sub = (kind: string, child: string) => ({
    name: child,
    id: `${lb.id}/${kind}/${child}`,
    type: `Microsoft.Network/loadBalancers/${kind}`,
    etag,
  });
  const rule = { id: `${lb.id}/outboundRules/aksOutboundRule` };
  const pool = { id: `${lb.id}/backendAddressPools/aksOutboundBackendPool` };
  const frontends = lb.frontendIps.map((_ip, i) => ({
    ...sub('frontendIPConfigurations', simGuid(`frontend:${lb.id}:${i}`)),
    properties: {
      provisioningState: 'Succeeded',
      privateIPAllocationMethod: 'Dynamic',
      publicIPAddress: { id: `${rg}/providers/Microsoft.Network/publicIPAddresses/${simGuid(`pip:${lb.id}:${i}`)}` },
      outboundRules: [rule],
      privateIPAddressVersion: 'IPv4',
    },
  }));
  return {
    name,
    id: lb.id,
    type: 'Microsoft.Network/loadBalancers',
    etag,
    location: lb.location,
    sku: { name: 'Standard' },
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: simGuid(`lb:${lb.id}`),
      frontendIPConfigurations: frontends,
      backendAddressPools: [
        {
          ...sub('backendAddressPools', 'aksOutboundBackendPool'),
          properties: { provisioningState: 'Succeeded', outboundRules: [rule] },
        },
      ],
      outboundRules: [
        {
          ...sub('outboundRules', 'aksOutboundRule'),
          properties: {
            provisioningState: 'Succeeded',
            allocatedOutboundPorts: 0,
            protocol: 'All',
            enableTcpReset: true,
            idleTimeoutInMinutes: 30,
            backendAddressPool: pool,
            frontendIPConfigurations: frontends.map((f) => ({ id: f.id })),
          },
        },
      ],
      inboundNatPools: [],
    },
  };
}

/** A stable GUID-shaped id derived from `seed`. */
function simGuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

// ---- Azure Monitor metrics ------------------------------------------------------------------

interface FilterClause {
  dimension: string;
  /** `*` splits by the dimension. */
  value: string;
}

/** Parse `A eq 'x' and B eq '*'` (the subset of the OData filter Azure Monitor accepts that we need). */
export function parseMetricsFilter(filter: string | undefined): FilterClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const clauses = filter.split(/\s+and\s+/i);
  return clauses.map((clause) => {
    const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s+eq\s+'([^']*)'\s*$/i.exec(clause);
    if (!m) throw new HttpError(400, 'BadRequest', `Invalid $filter clause: ${clause.trim()}`, true);
    return { dimension: m[1] ?? '', value: m[2] ?? '' };
  });
}

function parseInterval(interval: string | undefined): number {
  const m = /^PT(\d+)([MH])$/i.exec(interval ?? 'PT1M');
  if (!m) throw new HttpError(400, 'BadRequest', `Unsupported interval ${interval}.`, true);
  return Number(m[1]) * (m[2]?.toUpperCase() === 'H' ? 60 : 1) * 60_000;
}

function parseTimespan(timespan: string | undefined): { start: number; end: number } {
  if (!timespan) {
    const end = Date.now();
    return { start: end - 3_600_000, end };
  }
  const [a, b] = timespan.split('/');
  const start = Date.parse(a ?? '');
  const end = Date.parse(b ?? '');
  if (Number.isNaN(start) || Number.isNaN(end) || start >= end) {
    throw new HttpError(400, 'BadRequest', `Invalid timespan ${timespan}.`, true);
  }
  return { start, end };
}

function aggregate(values: number[], agg: Aggregation): number {
  switch (agg) {
    case 'average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'total':
      return values.reduce((a, b) => a + b, 0);
    case 'maximum':
      return Math.max(...values);
    case 'minimum':
      return Math.min(...values);
    case 'count':
      return values.length;
  }
}

const NAT_METRICS = [
  'SNATConnectionCount',
  'PacketDropCount',
  'TotalConnectionCount',
  'ByteCount',
  'PacketCount',
  'DatapathAvailability',
];

/** A resource with metrics: a load balancer or a NAT gateway, with its namespace and metric names. */
function findMetricResource(
  world: ArmWorld,
  id: string,
): { resource: SimLoadBalancer | SimNatGateway; namespace: string; known: string[] } {
  const gw = (world.natGateways ?? []).find((g) => g.id.toLowerCase() === id.toLowerCase());
  if (gw) return { resource: gw, namespace: 'Microsoft.Network/natGateways', known: NAT_METRICS };
  return { resource: findLoadBalancer(world, id), namespace: 'Microsoft.Network/loadBalancers', known: LB_METRICS };
}

/**
 * `POST /subscriptions/S/metrics:getBatch?metricnamespace=...&metricnames=...&starttime=...&endtime=...&filter=...`
 * with `{"resourceids": [...]}`: one metrics response per resource in `values[]`. Up to 50 resources, all in the
 * subscription of the path and of the namespace asked for, as the service requires.
 */
function metricsBatchResponse(
  world: ArmWorld,
  subscriptionId: string,
  query: Record<string, string>,
  body: string,
): unknown {
  let ids: unknown;
  try {
    ids = (JSON.parse(body) as { resourceids?: unknown }).resourceids;
  } catch {
    throw new HttpError(400, 'BadRequest', 'The request body is not JSON.', true);
  }
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((i) => typeof i === 'string')) {
    throw new HttpError(400, 'BadRequest', 'The body must hold "resourceids": a non-empty list of resource ids.', true);
  }
  if (ids.length > 50)
    throw new HttpError(400, 'BadRequest', `At most 50 resource ids per batch, got ${ids.length}.`, true);
  const namespace = query.metricnamespace ?? query.metricNamespace;
  if (!namespace) throw new HttpError(400, 'BadRequest', 'metricnamespace is required.', true);
  const single: Record<string, string> = { ...query };
  if (query.filter !== undefined) single.$filter = query.filter;
  if (query.starttime && query.endtime) single.timespan = `${query.starttime}/${query.endtime}`;
  return {
    values: (ids as string[]).map((id) => {
      if (!sameSub(id, subscriptionId)) {
        throw new HttpError(400, 'BadRequest', `Resource ${id} is not in subscription ${subscriptionId}.`, true);
      }
      const r = findMetricResource(world, id);
      if (r.namespace.toLowerCase() !== namespace.toLowerCase()) {
        throw new HttpError(400, 'BadRequest', `Resource ${id} is not of namespace ${namespace}.`, true);
      }
      const res = metricsResponse(world, id, single) as { timespan: string; cost?: number };
      const [starttime, endtime] = res.timespan.split('/');
      // The batch API's entries carry starttime/endtime instead of timespan, and no cost (MetricBatchExample.json).
      const { timespan: _span, cost: _cost, ...rest } = res as { timespan: string; cost?: number };
      return { starttime, endtime, ...rest, resourceid: r.resource.id };
    }),
  };
}

function metricsResponse(world: ArmWorld, resourceId: string, query: Record<string, string>): unknown {
  const { resource: lb, namespace, known: knownMetrics } = findMetricResource(world, resourceId);
  const names = (query.metricnames ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new HttpError(400, 'BadRequest', 'metricnames is required.', true);
  const aggs = (query.aggregation ?? 'Average').split(',').map((a) => a.trim().toLowerCase());
  for (const a of aggs) {
    if (!(AGGREGATIONS as readonly string[]).includes(a)) {
      throw new HttpError(400, 'BadRequest', `Invalid aggregation ${a}.`, true);
    }
  }
  const aggregations = aggs as Aggregation[];
  const stepMs = parseInterval(query.interval);
  const span = parseTimespan(query.timespan);
  const filter = parseMetricsFilter(query.$filter);
  const top = query.top === undefined ? 10 : Number.parseInt(query.top, 10);
  if (!Number.isInteger(top) || top < 1) throw new HttpError(400, 'BadRequest', `Invalid top ${query.top}.`, true);
  const [orderAggRaw, orderDir] = (query.orderby ?? `${aggregations[0]} desc`).trim().split(/\s+/);
  const orderAgg = (orderAggRaw ?? 'average').toLowerCase() as Aggregation;
  const descending = (orderDir ?? 'desc').toLowerCase() !== 'asc';

  const bucketStart = Math.floor(span.start / stepMs) * stepMs;
  const buckets: number[] = [];
  for (let t = bucketStart; t < span.end; t += stepMs) buckets.push(t);

  const value = names.map((name) => {
    const known = knownMetrics.find((m) => m.toLowerCase() === name.toLowerCase());
    if (!known) {
      throw new HttpError(
        400,
        'BadRequest',
        `Failed to find metric configuration for provider: Microsoft.Network, resource Type: ${namespace.split('/')[1]}, metric: ${name}, Valid metrics: ${knownMetrics.join(',')}`,
        true,
      );
    }
    const series = lb.metrics.filter((s) => s.metric.toLowerCase() === known.toLowerCase());
    const dimNames = new Set(series.flatMap((s) => Object.keys(s.dimensions).map((d) => d.toLowerCase())));
    for (const c of filter) {
      if (series.length > 0 && !dimNames.has(c.dimension.toLowerCase())) {
        throw new HttpError(
          400,
          'BadRequest',
          `Metric: ${known} does not support requested dimension combination: ${c.dimension.toLowerCase()}`,
          true,
        );
      }
    }
    const timeseries = buildTimeseries(series, filter, aggregations, buckets, stepMs, { top, orderAgg, descending });
    return {
      id: `${lb.id}/providers/Microsoft.Insights/metrics/${known}`,
      type: 'Microsoft.Insights/metrics',
      name: { value: known, localizedValue: known.replace(/([a-z])([A-Z])/g, '$1 $2') },
      displayDescription: `${known} of the ${namespace.split('/')[1]} resource (simulated).`,
      unit: 'Count',
      timeseries,
      errorCode: 'Success',
    };
  });

  return {
    cost: buckets.length * names.length,
    timespan: `${new Date(span.start).toISOString()}/${new Date(span.end).toISOString()}`,
    interval: query.interval ?? 'PT1M',
    value,
    namespace,
    resourceregion: lb.location,
  };
}

function buildTimeseries(
  series: SimMetricSeries[],
  filter: FilterClause[],
  aggregations: Aggregation[],
  buckets: number[],
  stepMs: number,
  order: { top: number; orderAgg: Aggregation; descending: boolean },
): unknown[] {
  const dimValue = (s: SimMetricSeries, dim: string): string | undefined => {
    const key = Object.keys(s.dimensions).find((k) => k.toLowerCase() === dim.toLowerCase());
    return key === undefined ? undefined : s.dimensions[key];
  };
  const matching = series.filter((s) =>
    filter.every((c) => c.value === '*' || dimValue(s, c.dimension)?.toLowerCase() === c.value.toLowerCase()),
  );

  // One output series per combination of the filtered dimensions' values.
  const groups = new Map<string, { meta: Array<[string, string]>; members: SimMetricSeries[] }>();
  for (const s of matching) {
    const meta = filter.map((c) => [c.dimension.toLowerCase(), dimValue(s, c.dimension) ?? ''] as [string, string]);
    const key = JSON.stringify(meta);
    const g = groups.get(key) ?? { meta, members: [] };
    g.members.push(s);
    groups.set(key, g);
  }
  // Without a filter Azure returns one aggregate series even when there is no data.
  if (filter.length === 0 && groups.size === 0) groups.set('[]', { meta: [], members: [] });

  const built = [...groups.values()].map((g) => {
    const all: number[] = [];
    const data = buckets.map((t) => {
      const values: number[] = [];
      for (const s of g.members) {
        for (const p of s.points) {
          const pt = Date.parse(p.timestamp);
          if (pt >= t && pt < t + stepMs) values.push(p.value);
        }
      }
      all.push(...values);
      const point: Record<string, unknown> = { timeStamp: new Date(t).toISOString() };
      if (values.length > 0) for (const a of aggregations) point[a] = aggregate(values, a);
      return point;
    });
    return {
      rank: all.length === 0 ? 0 : aggregate(all, order.orderAgg),
      json: {
        metadatavalues: g.meta.map(([name, value]) => ({ name: { value: name, localizedValue: name }, value })),
        data,
      },
    };
  });
  // `top` only applies with a filter (Azure's default of 10 series).
  if (filter.length > 0) {
    built.sort((a, b) => (order.descending ? b.rank - a.rank : a.rank - b.rank));
    built.splice(order.top);
  }
  return built.map((b) => b.json);
}
