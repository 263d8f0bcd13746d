/**
 * Recommendations computed from a report's measurements. Pure: every recommendation states the numbers that
 * triggered it in `evidence`, so a reader can check it against the tables.
 */
import ipaddr from 'ipaddr.js';
import type { ClusterContext, RankedPod, Recommendation, Report } from '../report/model.js';
import { podSubject } from '../report/workloadName.js';
import { azAksUpdate } from './commands.js';
import {
  type ClusterMaximum,
  capacityCheck,
  clusterMaximum,
  HEADROOM_FACTOR,
  MAX_MANAGED_OUTBOUND_IPS,
  PORTS_PER_FRONTEND_IP,
  portMath,
} from './portAllocation.js';
import { serviceAdvice } from './serviceAdvice.js';

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
  /** Idle timeout rule: at least this many ESTABLISHED public sockets opened before the trace window. */
  idleMinLongLived: 50,
} as const;

/** Raised when a user-supplied Azure service CIDR cannot be parsed. */
export class AzureServiceCidrError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AzureServiceCidrError';
  }
}

/** What the user knows about Azure service addresses, so private-endpoint advice can name the service. */
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
/** The workload first (it is what gets changed), the pod as detail. */
const podRef = (p: Pick<RankedPod, 'namespace' | 'pod' | 'workload'>): string => {
  const subject = podSubject(p);
  return subject === `${p.namespace}/${p.pod}` ? subject : `${subject} (pod ${p.pod})`;
};

interface AzureMatch {
  service: string;
  name: string | null;
  /** The service tag that named it, when service tags did. */
  tag: string | null;
  serviceEndpoint: string | null;
  privateLinkZone: string | null;
}

type Matcher = (d: { ip: string; serviceTag?: string }) => AzureMatch | null;

function buildAzureMatcher(opts: RecommendationOptions): Matcher {
  const ranges = (opts.azureServiceCidrs ?? []).map((cidr) => {
    try {
      return { cidr, range: ipaddr.parseCIDR(cidr.trim()) };
    } catch (cause) {
      throw new AzureServiceCidrError(`invalid Azure service CIDR "${cidr}"`, { cause });
    }
  });
  const names = opts.azureServiceNames ?? {};
  return ({ ip, serviceTag }) => {
    // A service tag from Azure's own published ranges names the service best.
    const advice = serviceTag ? serviceAdvice(serviceTag) : null;
    if (serviceTag && advice) {
      const name = Object.hasOwn(names, ip) ? (names[ip] ?? null) : null;
      return { ...advice, name, tag: serviceTag };
    }
    const name = Object.hasOwn(names, ip) ? (names[ip] ?? null) : null;
    if (name) {
      const lower = name.toLowerCase().replace(/\.$/, '');
      const hit = AZURE_SERVICE_SUFFIXES.find(([suffix]) => lower.endsWith(suffix));
      if (hit) return { service: hit[1], name: lower, tag: null, serviceEndpoint: null, privateLinkZone: null };
    }
    if (ranges.length === 0 || !ipaddr.isValid(ip)) return null;
    const addr = ipaddr.process(ip);
    for (const { cidr, range } of ranges) {
      if (addr.kind() === range[0].kind() && addr.match(range)) {
        return {
          service: `Azure service range ${cidr}`,
          name,
          tag: null,
          serviceEndpoint: null,
          privateLinkZone: null,
        };
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
    const m = match(d);
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
  const label = first.m.name
    ? `${first.m.service} (${first.m.name})`
    : first.m.tag
      ? `${first.m.service} (${first.m.tag})`
      : first.m.service;
  const listed = hits
    .slice(0, 3)
    .map(
      (h) =>
        `${fmt(h.d.count)} to ${h.d.ip}:${h.d.port}${h.m.name ? ` (${h.m.name})` : h.m.tag ? ` (${h.m.tag})` : ''}`,
    )
    .join(', ');
  const endpoints = [...new Set(hits.flatMap((h) => (h.m.serviceEndpoint ? [h.m.serviceEndpoint] : [])))];
  const zones = [...new Set(hits.flatMap((h) => (h.m.privateLinkZone ? [h.m.privateLinkZone] : [])))];
  const steps =
    (zones.length > 0
      ? `Private endpoint: create one for the ${first.m.service} resource in the cluster's VNet and link the private DNS zone \`${zones[0]}\` to it, so the name resolves to the private IP. `
      : '') +
    (endpoints.length > 0
      ? `Service endpoint (no DNS change, the service still sees the subnet): enable \`${endpoints.join(',')}\` on the node subnet and allow that subnet on the resource's firewall.`
      : '');
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
      'needs no SNAT; with a private endpoint, make the service name resolve to the private IP (private DNS zone).' +
      (steps ? ` ${steps}` : ''),
    evidence: `${podRef(pod)}: ${fmt(azureConnects)} public connects to Azure service endpoints${shareText}: ${listed}${estText}.`,
    target: { namespace: pod.namespace, pod: pod.pod },
    ...(endpoints.length > 0
      ? {
          commands: [
            `az network vnet subnet update -g <vnet-resource-group> --vnet-name <vnet> -n <node-subnet> --service-endpoints ${endpoints.join(' ')}`,
          ],
        }
      : {}),
  };
}

interface PortFacts {
  peak: number;
  peakAt: string;
  allocatedSeen: number | null;
  failedPeak: number;
}

function portFacts(report: Omit<Report, 'recommendations'>): PortFacts | null {
  const used = report.metrics.flatMap((m) => (m.usedPorts !== null ? [m] : []));
  if (used.length === 0) return null;
  const peakPoint = used.reduce((a, b) => ((b.usedPorts ?? 0) > (a.usedPorts ?? 0) ? b : a));
  return {
    peak: peakPoint.usedPorts ?? 0,
    peakAt: peakPoint.timestamp,
    allocatedSeen: report.metrics.reduce<number | null>(
      (max, m) => (m.allocatedPorts !== null && m.allocatedPorts > (max ?? 0) ? m.allocatedPorts : max),
      null,
    ),
    failedPeak: report.metrics.reduce((max, m) => Math.max(max, m.failedConnections ?? 0), 0),
  };
}

/** The pools' arithmetic, or a plain statement that the maximum is unknown. */
function maximumLines(cluster: ClusterContext, max: ClusterMaximum | null): string[] {
  if (!max) {
    return [
      `agent pools unknown: sized for today's ${fmt(cluster.backendPoolSize ?? 0)} nodes (autoscaler maxima and upgrade surge not counted)`,
    ];
  }
  const lines = max.pools.map((p) => `${p.name}: ${p.basis} = ${fmt(p.total)} nodes`);
  if (max.excluded.length > 0) lines.push(`not on the load balancer (node public IPs): ${max.excluded.join(', ')}`);
  const sum = max.pools.length > 1 ? `${max.pools.map((p) => fmt(p.total)).join(' + ')} = ` : '';
  lines.push(
    `maximum on the load balancer: ${sum}${fmt(max.maxNodes)} nodes (today ${fmt(cluster.backendPoolSize ?? 0)})`,
  );
  return lines;
}

/** IPv6 frontends to size, or null on an IPv4-only cluster. */
function ipv6Frontends(cluster: ClusterContext): number | null {
  return cluster.ipFamilies?.some((f) => f.toLowerCase() === 'ipv6') ? (cluster.frontendIpv6Count ?? 1) : null;
}

function portRecommendations(report: Omit<Report, 'recommendations'>): Recommendation[] {
  const cluster = report.cluster;
  if (!cluster || cluster.backendPoolSize === null) return [];
  if (cluster.outboundType !== null && cluster.outboundType !== 'loadBalancer') return [];
  const facts = portFacts(report);
  const max = cluster.agentPools && cluster.agentPools.length > 0 ? clusterMaximum(cluster.agentPools) : null;
  const maxNodes = Math.max(cluster.backendPoolSize, max?.maxNodes ?? 0);
  const ips = cluster.frontendIpCount ?? 1;
  const ipv6 = ipv6Frontends(cluster);
  const poolLines = maximumLines(cluster, max);
  const familyLine =
    ipv6 === null
      ? 'IPv4 only: no IPv6 frontends to size'
      : `dual-stack: the same ports per node are allocated on the ${fmt(ipv6)} IPv6 frontend IP${ipv6 === 1 ? '' : 's'} too`;
  const out: Recommendation[] = [];

  // A latent misconfiguration: today's settings cannot serve the cluster at its maximum size, alert or not.
  const configured = cluster.configuredOutboundPorts ?? null;
  const check = max
    ? capacityCheck({
        maxNodes,
        currentNodes: cluster.backendPoolSize,
        frontendIps: ips,
        frontendIpv6: ipv6,
        configuredPorts: configured,
        peakUsedPorts: facts?.peak ?? null,
      })
    : null;

  const math = facts
    ? portMath({
        backendPoolSize: cluster.backendPoolSize,
        maxNodes,
        frontendIpCount: ips,
        // What the load balancer actually allocated beats the table.
        configuredOutboundPorts: configured ?? facts.allocatedSeen,
        peakUsedPorts: facts.peak,
      })
    : null;
  const lb = math?.suggestions.filter((x) => x.knob !== 'nat-gateway') ?? [];

  if (check && !check.fits && (lb.length === 0 || configured !== null)) {
    const flags: Array<[string, number]> = [];
    if (check.neededIps !== null && check.neededIps <= MAX_MANAGED_OUTBOUND_IPS)
      flags.push(['--load-balancer-managed-outbound-ip-count', check.neededIps]);
    if (check.neededIpv6 !== null && check.neededIpv6 <= MAX_MANAGED_OUTBOUND_IPS)
      flags.push(['--load-balancer-managed-outbound-ipv6-count', check.neededIpv6]);
    const fits = configured
      ? Math.floor(Math.floor((PORTS_PER_FRONTEND_IP * Math.min(ips, ipv6 ?? ips)) / maxNodes) / 8) * 8
      : null;
    const fix =
      flags.length > 0
        ? `Add frontend IPs so ${fmt(maxNodes)} nodes x ${fmt(configured ?? 0)} ports fit${fits !== null && fits >= 8 ? `, or lower the ports per node to ${fmt(fits)} if that still covers the peak` : ''}.`
        : configured
          ? `Lower the ports per node${fits !== null && fits >= 8 ? ` to ${fmt(fits)}` : ''} or lower the pools' maxima; more than ${MAX_MANAGED_OUTBOUND_IPS} IPs would be needed, so consider a NAT gateway.`
          : `Set --load-balancer-outbound-ports explicitly, with enough frontend IPs for ${fmt(maxNodes)} nodes.`;
    out.push({
      kind: 'port-capacity',
      title: `SNAT settings cannot serve the cluster at its maximum of ${fmt(maxNodes)} nodes`,
      detail: `Latent misconfiguration: ${check.problem}. ${fix}`,
      evidence: `${poolLines[poolLines.length - 1]}; ${check.lines.join('; ')}.`,
      target: null,
      ...(flags.length > 0 ? { commands: [azAksUpdate(cluster, flags)] } : {}),
      arithmetic: [...poolLines, ...check.lines, familyLine],
    });
  }

  if (!math || !facts || math.suggestions.length === 0) return out;
  const allocated = math.allocatedPerNode;
  const node = report.node.name ?? report.node.ip ?? 'the node';
  const usage =
    allocated !== null
      ? `peak UsedSnatPorts ${fmt(facts.peak)} of ${fmt(allocated)} allocated (${pct(facts.peak, allocated)}) on ${node} at ${facts.peakAt}`
      : `peak UsedSnatPorts ${fmt(facts.peak)} on ${node} at ${facts.peakAt} (allocation unknown)`;
  const failed = facts.failedPeak > 0 ? `; up to ${fmt(facts.failedPeak)} failed SNAT connections per minute` : '';
  const pool = `; ${fmt(cluster.backendPoolSize)} nodes in the backend pool${maxNodes > cluster.backendPoolSize ? ` (${fmt(maxNodes)} at the maximum)` : ''}, ${fmt(ips)} frontend IP${ips === 1 ? '' : 's'} (${fmt(math.totalAvailable)} ports)`;
  const evidence = `${usage}${failed}${pool}.`;
  if (lb.length > 0) {
    const ports = lb.find((x) => x.knob === '--load-balancer-outbound-ports')?.value ?? 0;
    const neededIps = Math.ceil((maxNodes * ports) / PORTS_PER_FRONTEND_IP);
    const flags: Array<[string, number]> = [['--load-balancer-outbound-ports', ports]];
    if (neededIps > ips) flags.push(['--load-balancer-managed-outbound-ip-count', neededIps]);
    if (ipv6 !== null && neededIps > ipv6) flags.push(['--load-balancer-managed-outbound-ipv6-count', neededIps]);
    const latent = check && !check.fits && configured === null ? ` ${check.problem}.` : '';
    out.push({
      kind: 'port-allocation',
      title: `Raise SNAT ports per node to ${fmt(ports)}`,
      detail:
        (max
          ? `Sized so every node fits at the cluster's maximum (${fmt(maxNodes)} nodes with autoscaler maxima and upgrade surge), not only today's ${fmt(cluster.backendPoolSize)}: ` +
            'ports per node that fit today can make the next scale-out or upgrade fail.'
          : `Sized for today's ${fmt(cluster.backendPoolSize)} nodes: the agent pools are unknown here, so check that nodes x ports still fits in 64,000 x frontend IPs at the pools' autoscaler maxima plus upgrade surge.`) +
        `${latent} This buys headroom; fixing connection churn in the top pods is what stops the exhaustion.`,
      evidence,
      target: null,
      commands: [azAksUpdate(cluster, flags)],
      arithmetic: [
        ...poolLines,
        `ports per node: ceil(peak ${fmt(facts.peak)} x ${HEADROOM_FACTOR} / 8) x 8 = ${fmt(ports)}`,
        `${fmt(maxNodes)} nodes x ${fmt(ports)} ports = ${fmt(maxNodes * ports)} -> ceil(${fmt(maxNodes * ports)} / 64,000) = ${fmt(neededIps)} frontend IP${neededIps === 1 ? '' : 's'} (now ${fmt(ips)})`,
        familyLine,
      ],
    });
  }
  for (const x of math.suggestions.filter((y) => y.knob === 'nat-gateway')) {
    out.push({
      kind: 'nat-gateway',
      title:
        x.value !== null
          ? `Move outbound traffic to a NAT gateway with ${x.value} public IP${x.value === 1 ? '' : 's'}`
          : 'Reduce outbound connections',
      detail: `${x.why}. Switch the cluster's outbound type to managedNATGateway or userAssignedNATGateway.`,
      evidence,
      target: null,
      ...(x.value !== null
        ? {
            commands: [
              azAksUpdate(cluster, [
                ['--outbound-type', 'managedNATGateway'],
                ['--nat-gateway-managed-outbound-ip-count', x.value],
              ]),
            ],
          }
        : {}),
      arithmetic: [...poolLines, familyLine],
    });
  }
  return out;
}

/** AKS sets the outbound rule's idle timeout to 30 minutes when `--load-balancer-idle-timeout` is not given. */
export const AKS_DEFAULT_IDLE_TIMEOUT_MINUTES = 30;
/** The shortest idle timeout the load balancer accepts. */
const MIN_IDLE_TIMEOUT_MINUTES = 4;

/**
 * Idle timeout advice. An ESTABLISHED socket holds its SNAT port until it closes or has been idle for the load
 * balancer's idle timeout. Sockets a pod holds beyond the connects the trace saw were opened before the window
 * (a lower bound on long-lived connections); many of them at a long timeout means ports held by idle flows.
 */
function idleTimeoutRecommendation(report: Omit<Report, 'recommendations'>): Recommendation | null {
  const t = RECOMMENDATION_THRESHOLDS;
  const cluster = report.cluster;
  if (!cluster || (cluster.outboundType !== null && cluster.outboundType !== 'loadBalancer')) return null;
  const timeout = cluster.idleTimeoutMinutes ?? AKS_DEFAULT_IDLE_TIMEOUT_MINUTES;
  if (timeout <= MIN_IDLE_TIMEOUT_MINUTES) return null;
  const facts = portFacts(report);
  const allocated = cluster.configuredOutboundPorts ?? facts?.allocatedSeen ?? null;
  if (facts && allocated !== null && facts.peak < allocated * t.portPressureRatio) return null;
  const pods = report.rankedPods.slice(0, t.maxPodsConsidered).filter((p) => p.establishedPublic !== null);
  const longLived = pods.map((p) => ({ p, n: Math.max(0, (p.establishedPublic ?? 0) - p.connectsPublic) }));
  const total = longLived.reduce((sum, x) => sum + x.n, 0);
  if (total < t.idleMinLongLived) return null;
  const timeWait = pods.reduce((sum, p) => sum + (p.timeWaitPublic ?? 0), 0);
  const holders = longLived
    .filter((x) => x.n > 0)
    .sort((a, b) => b.n - a.n)
    .slice(0, 3)
    .map(
      (x) =>
        `${podRef(x.p)} ${fmt(x.n)} (${fmt(x.p.establishedPublic ?? 0)} ESTABLISHED, ${fmt(x.p.connectsPublic)} connects)`,
    );
  const setting =
    cluster.idleTimeoutMinutes === null ? `unset (AKS default ${AKS_DEFAULT_IDLE_TIMEOUT_MINUTES})` : fmt(timeout);
  return {
    kind: 'idle-timeout',
    title: `Shorten the load balancer idle timeout from ${fmt(timeout)} to ${MIN_IDLE_TIMEOUT_MINUTES} minutes, with keep-alive below it`,
    detail:
      `At least ${fmt(total)} ESTABLISHED public connections were opened before the trace window and are still open. ` +
      `An idle connection keeps its SNAT port for the whole idle timeout (${fmt(timeout)} minutes), so abandoned flows hold ports long after anyone uses them. ` +
      `Trade-off: with ${MIN_IDLE_TIMEOUT_MINUTES} minutes the load balancer silently drops any connection idle for longer, so long-lived clients (database pools, message brokers, websockets) must send TCP keep-alive or application pings more often than that (for example \`net.ipv4.tcp_keepalive_time=180\` or a 3-minute ping). ` +
      (timeWait > 0
        ? `The ${fmt(timeWait)} TIME_WAIT sockets are closed connections: a shorter idle timeout does not free them; connection reuse does.`
        : ''),
    evidence: `idle timeout ${setting} minutes; long-lived ESTABLISHED public (held minus connects in the window): ${holders.join('; ')}.`,
    target: null,
    commands: [azAksUpdate(cluster, [['--load-balancer-idle-timeout', MIN_IDLE_TIMEOUT_MINUTES]])],
  };
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
  const idle = idleTimeoutRecommendation(report);
  return [...pooling, ...azure, ...(host ? [host] : []), ...portRecommendations(report), ...(idle ? [idle] : [])];
}
