/**
 * Recommendations computed from a report's measurements. Pure: every recommendation states the numbers that
 * triggered it in `evidence`, so a reader can check it against the tables.
 */
import ipaddr from 'ipaddr.js';
import type { RankedPod, Recommendation, Report } from '../report/model.js';
import { portMath } from './portAllocation.js';

/** Thresholds behind each rule (documented in docs/report.md). */
export const RECOMMENDATION_THRESHOLDS = {
  /** A destination needs at least this many public connects from one pod to count as churn. */
  churnMinConnects: 100,
  /** ...and either this many connects per minute to that one destination (needs trace timestamps)... */
  churnRatePerMinute: 60,
  /** ...or this many connects per ESTABLISHED public socket the pod holds (many opened, few kept). */
  churnConnectsPerEstablished: 5,
  /** Without timestamps and socket counts, the count alone decides at this level. */
  churnMinConnectsUntimed: 500,
  /** Pods considered for per-pod rules, from the top of the ranking. */
  maxPodsConsidered: 20,
  /** Per-pod recommendations of one kind, at most. */
  maxPerKind: 5,
  /** Public connects to Azure service endpoints that alone justify a private endpoint. */
  azureMinConnects: 100,
  /** Or: ESTABLISHED public sockets held by a pod whose public connects go mostly to Azure services. */
  azureMinEstablished: 50,
  azureMinShare: 0.5,
  /** Host traffic dominates when it has this share of all public connects... */
  hostMinShare: 0.5,
  /** ...and at least this many public connects. */
  hostMinConnects: 100,
  /** Port allocation rule: peak used / allocated at or above this. */
  portPressureRatio: 0.8,
} as const;

/** Raised when a user-supplied Azure service CIDR cannot be parsed. */
export class AzureServiceCidrError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AzureServiceCidrError';
  }
}

export interface RecommendationOptions {
  /** Ranges the user knows to be Azure service endpoints (`--azure-service-cidr`). */
  azureServiceCidrs?: string[];
  /** Reverse-lookup names by IP, e.g. `{ '20.150.34.4': 'mystorage.blob.core.windows.net' }`. */
  azureServiceNames?: Record<string, string>;
}

/** Host-name suffixes of Azure PaaS endpoints that private endpoints / service endpoints can serve. */
const AZURE_SERVICE_SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ['.blob.core.windows.net', 'Azure Storage (Blob)'],
  ['.dfs.core.windows.net', 'Azure Storage (Data Lake)'],
  ['.table.core.windows.net', 'Azure Storage (Table)'],
  ['.queue.core.windows.net', 'Azure Storage (Queue)'],
  ['.file.core.windows.net', 'Azure Storage (Files)'],
  ['.database.windows.net', 'Azure SQL Database'],
  ['.postgres.database.azure.com', 'Azure Database for PostgreSQL'],
  ['.mysql.database.azure.com', 'Azure Database for MySQL'],
  ['.vault.azure.net', 'Azure Key Vault'],
  ['.servicebus.windows.net', 'Azure Service Bus / Event Hubs'],
  ['.documents.azure.com', 'Azure Cosmos DB'],
  ['.redis.cache.windows.net', 'Azure Cache for Redis'],
  ['.azurecr.io', 'Azure Container Registry'],
  ['.search.windows.net', 'Azure AI Search'],
  ['.azconfig.io', 'Azure App Configuration'],
  ['.azurewebsites.net', 'Azure App Service'],
];

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
const pct = (part: number, whole: number): string => `${Math.round((part / whole) * 100)}%`;
const podRef = (p: { namespace: string; pod: string }): string => `${p.namespace}/${p.pod}`;

interface AzureMatch {
  service: string;
  name: string | null;
}

type Matcher = (ip: string) => AzureMatch | null;

function buildAzureMatcher(opts: RecommendationOptions): Matcher {
  const ranges = (opts.azureServiceCidrs ?? []).map((cidr) => {
    try {
      return { cidr, range: ipaddr.parseCIDR(cidr.trim()) };
    } catch (cause) {
      throw new AzureServiceCidrError(`invalid Azure service CIDR "${cidr}"`, { cause });
    }
  });
  const names = opts.azureServiceNames ?? {};
  return (ip) => {
    const name = Object.hasOwn(names, ip) ? (names[ip] ?? null) : null;
    if (name) {
      const lower = name.toLowerCase().replace(/\.$/, '');
      const hit = AZURE_SERVICE_SUFFIXES.find(([suffix]) => lower.endsWith(suffix));
      if (hit) return { service: hit[1], name: lower };
    }
    if (ranges.length === 0 || !ipaddr.isValid(ip)) return null;
    const addr = ipaddr.process(ip);
    for (const { cidr, range } of ranges) {
      if (addr.kind() === range[0].kind() && addr.match(range)) {
        return { service: `Azure service range ${cidr}`, name };
      }
    }
    return null;
  };
}

function spanMinutes(report: Pick<Report, 'trace'>): number | null {
  const s = report.trace.spanSeconds;
  return s !== null && s > 0 ? s / 60 : null;
}

function churnRecommendation(pod: RankedPod, minutes: number | null): Recommendation | null {
  const t = RECOMMENDATION_THRESHOLDS;
  const est = pod.establishedPublic;
  const churned = pod.topDestinations.filter((d) => {
    if (d.count < t.churnMinConnects) return false;
    if (minutes !== null && d.count / minutes >= t.churnRatePerMinute) return true;
    if (est !== null && d.count >= t.churnConnectsPerEstablished * Math.max(1, est)) return true;
    return minutes === null && est === null && d.count >= t.churnMinConnectsUntimed;
  });
  const top = churned[0];
  if (!top) return null;
  const target = `${top.ip}:${top.port}`;
  const parts = churned.slice(0, 3).map((d) => {
    const rate = minutes !== null ? ` (${fmt(d.count / minutes)}/min)` : '';
    return `${fmt(d.count)} connects to ${d.ip}:${d.port}${rate}`;
  });
  const window = minutes !== null ? ` in ${fmt(minutes)} min of trace` : ' in the trace';
  const held = est !== null ? ` while holding ${fmt(est)} ESTABLISHED public sockets` : '';
  const timeWait = pod.timeWaitPublic ? `; ${fmt(pod.timeWaitPublic)} public sockets in TIME_WAIT` : '';
  return {
    kind: 'connection-pooling',
    title: `Reuse connections to ${target} (connection pooling / HTTP keep-alive)`,
    detail:
      `${podRef(pod)} keeps opening new connections to ${target} instead of reusing them. Every new outbound ` +
      'connection to a public IP takes a SNAT port, and closed connections hold their port for a while before it ' +
      'can be reused. Share one HTTP client / connection pool per process with keep-alive enabled, cap connections ' +
      'per host, and avoid `Connection: close`.',
    evidence: `${podRef(pod)}: ${parts.join(', ')}${window}${held}${timeWait}.`,
    target: { namespace: pod.namespace, pod: pod.pod },
  };
}

function azureRecommendation(pod: RankedPod, match: Matcher): Recommendation | null {
  const t = RECOMMENDATION_THRESHOLDS;
  const hits = pod.topDestinations.flatMap((d) => {
    const m = match(d.ip);
    return m ? [{ d, m }] : [];
  });
  if (hits.length === 0) return null;
  const azureConnects = hits.reduce((sum, h) => sum + h.d.count, 0);
  const share = pod.connectsPublic > 0 ? azureConnects / pod.connectsPublic : 0;
  const est = pod.establishedPublic;
  const manyEstablished = est !== null && est >= t.azureMinEstablished && share >= t.azureMinShare;
  if (azureConnects < t.azureMinConnects && !manyEstablished) return null;
  const first = hits[0]!;
  const services = [...new Set(hits.map((h) => h.m.service))];
  const label = first.m.name ? `${first.m.service} (${first.m.name})` : first.m.service;
  const listed = hits
    .slice(0, 3)
    .map((h) => `${fmt(h.d.count)} to ${h.d.ip}:${h.d.port}${h.m.name ? ` (${h.m.name})` : ''}`)
    .join(', ');
  const shareText =
    pod.connectsPublic > 0
      ? ` (${pct(azureConnects, pod.connectsPublic)} of its ${fmt(pod.connectsPublic)} public connects)`
      : '';
  const estText = est !== null ? `; it holds ${fmt(est)} ESTABLISHED public sockets` : '';
  return {
    kind: 'private-endpoint',
    title: `Reach ${label} through a private endpoint`,
    detail:
      `${podRef(pod)} talks to ${services.join(', ')} over public IPs, so every connection uses a SNAT port. ` +
      'A private endpoint (or a service endpoint on the node subnet) keeps this traffic on a private path that ' +
      'needs no SNAT; with a private endpoint, make the service name resolve to the private IP (private DNS zone).',
    evidence: `${podRef(pod)}: ${fmt(azureConnects)} public connects to Azure service endpoints${shareText}: ${listed}${estText}.`,
    target: { namespace: pod.namespace, pod: pod.pod },
  };
}

function resourceGroupOf(resourceId: string | null): string | null {
  const m = resourceId ? /\/resourceGroups\/([^/]+)/i.exec(resourceId) : null;
  return m?.[1] ?? null;
}

function portRecommendations(report: Omit<Report, 'recommendations'>): Recommendation[] {
  const cluster = report.cluster;
  if (!cluster || cluster.backendPoolSize === null) return [];
  if (cluster.outboundType !== null && cluster.outboundType !== 'loadBalancer') return [];
  const used = report.metrics.flatMap((m) => (m.usedPorts !== null ? [m] : []));
  if (used.length === 0) return [];
  const peakPoint = used.reduce((a, b) => ((b.usedPorts ?? 0) > (a.usedPorts ?? 0) ? b : a));
  const peak = peakPoint.usedPorts ?? 0;
  const allocatedSeen = report.metrics.reduce<number | null>(
    (max, m) => (m.allocatedPorts !== null && m.allocatedPorts > (max ?? 0) ? m.allocatedPorts : max),
    null,
  );
  const failedPeak = report.metrics.reduce((max, m) => Math.max(max, m.failedConnections ?? 0), 0);
  const ips = cluster.frontendIpCount ?? 1;
  const math = portMath({
    backendPoolSize: cluster.backendPoolSize,
    frontendIpCount: ips,
    // What the load balancer actually allocated beats the table.
    configuredOutboundPorts: cluster.configuredOutboundPorts ?? allocatedSeen,
    peakUsedPorts: peak,
  });
  if (math.suggestions.length === 0) return [];
  const allocated = math.allocatedPerNode;
  const node = report.node.name ?? report.node.ip ?? 'the node';
  const usage =
    allocated !== null
      ? `peak UsedSnatPorts ${fmt(peak)} of ${fmt(allocated)} allocated (${pct(peak, allocated)}) on ${node} at ${peakPoint.timestamp}`
      : `peak UsedSnatPorts ${fmt(peak)} on ${node} at ${peakPoint.timestamp} (allocation unknown)`;
  const failed = failedPeak > 0 ? `; up to ${fmt(failedPeak)} failed SNAT connections per minute` : '';
  const pool = `; ${fmt(cluster.backendPoolSize)} nodes in the backend pool, ${fmt(ips)} frontend IP${ips === 1 ? '' : 's'} (${fmt(math.totalAvailable)} ports)`;
  const evidence = `${usage}${failed}${pool}.`;
  const rg = resourceGroupOf(cluster.clusterResourceId) ?? '<resource-group>';
  const name = cluster.clusterName ?? '<cluster>';
  const lb = math.suggestions.filter((s) => s.knob !== 'nat-gateway');
  const out: Recommendation[] = [];
  if (lb.length > 0) {
    const flags = lb.map((s) => `${s.knob} ${s.value}`).join(' ');
    const portsSuggestion = lb.find((s) => s.knob === '--load-balancer-outbound-ports');
    out.push({
      kind: 'port-allocation',
      title: `Raise SNAT ports per node to ${fmt(portsSuggestion?.value ?? 0)}`,
      detail:
        `Run \`az aks update -g ${rg} -n ${name} ${flags}\`. ${lb.map((s) => s.why).join('. ')}. ` +
        'This buys headroom; fixing connection churn in the top pods is what stops the exhaustion.',
      evidence,
      target: null,
    });
  }
  for (const s of math.suggestions.filter((x) => x.knob === 'nat-gateway')) {
    out.push({
      kind: 'nat-gateway',
      title:
        s.value !== null
          ? `Move outbound traffic to a NAT gateway with ${s.value} public IP${s.value === 1 ? '' : 's'}`
          : 'Reduce outbound connections',
      detail: `${s.why}. Switch the cluster's outbound type to managedNATGateway or userAssignedNATGateway.`,
      evidence,
      target: null,
    });
  }
  return out;
}

function hostRecommendation(report: Omit<Report, 'recommendations'>): Recommendation | null {
  const t = RECOMMENDATION_THRESHOLDS;
  const h = report.hostTraffic;
  if (!h || h.connectsPublic === 0) return null;
  const total =
    h.connectsPublic +
    report.rankedPods.reduce((s, p) => s + p.connectsPublic, 0) +
    report.unattributed.reduce((s, u) => s + u.connectsPublic, 0);
  const share = total > 0 ? h.connectsPublic / total : 0;
  const dominant = (share >= t.hostMinShare && h.connectsPublic >= t.hostMinConnects) || report.verdict.kind === 'host';
  if (!dominant) return null;
  const top = h.topDestinations[0];
  const procs = h.processes.length > 0 ? `; processes seen: ${h.processes.slice(0, 5).join(', ')}` : '';
  const dest = top ? `; top destination ${top.ip}:${top.port} (${fmt(top.count)})` : '';
  return {
    kind: 'investigate-host',
    title: "Investigate traffic from the node's own network namespace",
    detail:
      'These connections come from the host network namespace and no hostNetwork pod is proven to own them: ' +
      'look at node agents, DaemonSets with hostNetwork: true, and processes started on the node. Run tcptracer ' +
      'with PIDs and map them with pstree to find the owner.',
    evidence: `host ${h.saddr}${h.netns !== null ? ` (netns ${h.netns})` : ''} opened ${fmt(h.connectsPublic)} of ${fmt(total)} public connects (${pct(h.connectsPublic, total)})${dest}${procs}.`,
    target: null,
  };
}

/**
 * Recommendations from a report's measurements, most actionable first: connection pooling for churning pods,
 * private endpoints for pods talking to Azure services over public IPs, host investigation when the node's own
 * namespace dominates, then port allocation / NAT gateway sizing when cluster info and SNAT metrics are present.
 *
 * @throws AzureServiceCidrError when `opts.azureServiceCidrs` holds an invalid CIDR.
 * @example computeRecommendations(report, { azureServiceNames: { '20.150.34.4': 'acct.blob.core.windows.net' } })
 */
export function computeRecommendations(
  report: Omit<Report, 'recommendations'> | Report,
  opts: RecommendationOptions = {},
): Recommendation[] {
  const t = RECOMMENDATION_THRESHOLDS;
  const match = buildAzureMatcher(opts);
  const minutes = spanMinutes(report);
  const pods = report.rankedPods.slice(0, t.maxPodsConsidered);
  const pooling = pods.flatMap((p) => churnRecommendation(p, minutes) ?? []).slice(0, t.maxPerKind);
  const azure = pods.flatMap((p) => azureRecommendation(p, match) ?? []).slice(0, t.maxPerKind);
  const host = hostRecommendation(report);
  return [...pooling, ...azure, ...(host ? [host] : []), ...portRecommendations(report)];
}
