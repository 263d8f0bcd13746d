/**
 * The report model: what the engine concludes and every renderer (Markdown, HTML,
 * Teams card) and store consumes. Versioned: change `REPORT_SCHEMA_VERSION` when a
 * field changes meaning or disappears; adding optional fields keeps the version.
 */
import type { SocketMethod } from '../evidence/types.js';

/** Version of the report JSON shape, written into every report as `schemaVersion` (the module comment says when). */
export const REPORT_SCHEMA_VERSION = '1.0' as const;

/** Where a destination sits for SNAT purposes. Only `public` consumes SNAT ports. */
export type DestinationClass = 'public' | 'private';

/** One remote endpoint and how often a talker connected to it during the trace. */
export interface DestinationCount {
  /** Remote IP address (IPv4 or IPv6 text form). */
  ip: string;
  /** Remote TCP port. */
  port: number;
  /** Trace `connect` events to this ip:port. */
  count: number;
  /** The Azure service tag holding the IP (`Storage.WestEurope`), when service tags were given. */
  serviceTag?: string;
}

/** How a workload was found: the objects' ownerReferences, or inferred from names and labels. */
export type WorkloadResolution = 'ownerReferences' | 'inferred';

/** The controller an operator changes: Deployment, StatefulSet, DaemonSet, CronJob, Job (or the pod itself). */
export interface Workload {
  /** Controller kind, e.g. `Deployment`, or `Pod` for a bare pod. */
  kind: string;
  /** The workload's namespace. */
  namespace: string;
  /** The workload's name (`checkout-api`). */
  name: string;
  /** Whether ownerReferences proved it or it was inferred (a guess the renderings label as such). */
  resolvedBy: WorkloadResolution;
}

/** One link in the chain that proved which pod a trace key belongs to. */
export interface AttributionStep {
  /** What was matched, e.g. `netns`, `lsns`, `pstree`, `crictl`, `pods`, `pod-ip`. */
  kind: string;
  /** The file that proved it (bundle-relative). */
  source: string;
  /** Human-readable statement, e.g. `netns 4026532785 -> PID 19832 (lsns)`. */
  detail: string;
}

/** How a pod was tied to the traffic. */
export interface Attribution {
  /**
   * Which independent paths matched: the netns/PID chain, the source IP, the socket table, the pod names
   * `tcptracer --containersmap` printed with the events, or Inspektor Gadget's k8s enrichment of its events.
   */
  paths: Array<'netns-chain' | 'pod-ip' | 'socket-table' | 'container-map' | 'gadget-k8s'>;
  /** The proof, link by link, in the order it was established. */
  steps: AttributionStep[];
  /** Disagreements between paths (e.g. netns chain says pod A, SADDR says pod B). */
  conflicts: string[];
}

/** Counters shared by every talker: ranked pods, host traffic and unattributed keys. */
export interface TrafficCounters {
  /** Trace `connect` events to public destinations. */
  connectsPublic: number;
  /** Trace `connect` events to private destinations (no SNAT port used). */
  connectsPrivate: number;
  /** Trace `accept` events (inbound connections; they use no SNAT port). */
  accepts: number;
  /** Trace `close` events. */
  closes: number;
  /** Public connects per minute over the trace span (null when the trace has no timestamps or span 0). */
  connectRatePerMinute: number | null;
  /** Distinct public ip:port pairs connected to (each pair has its own SNAT port budget per frontend IP). */
  distinctPublicDestinations: number;
  /** Most frequent public destinations, most first. */
  topDestinations: DestinationCount[];
}

/** Socket-table counters for a pod (from netstat, ss or /proc/net/tcp). */
export interface SocketCounters {
  /**
   * Outbound ESTABLISHED sockets to public addresses at capture time: the connections holding SNAT ports now.
   * Inbound ones (on a listening local port) are not counted. Null without socket evidence.
   */
  establishedPublic: number | null;
  /** Outbound ESTABLISHED sockets to private addresses; null without socket evidence. */
  establishedPrivate: number | null;
  /** Public sockets in TIME_WAIT: closed connections whose SNAT port is not yet free again; null without evidence. */
  timeWaitPublic: number | null;
  /** Which method produced the socket numbers, null when no socket evidence exists. */
  socketMethod: SocketMethod | null;
  /** Bundle-relative source file of the socket numbers. */
  socketSource: string | null;
}

/** A pod on the node with its traffic and socket counts, in the report's suspect order. */
export interface RankedPod extends TrafficCounters, SocketCounters {
  /** 1-based position in `Report.rankedPods` (1 = most suspect). */
  rank: number;
  /** The pod's namespace. */
  namespace: string;
  /** The pod's name. */
  pod: string;
  /** The pod shares the node's network namespace, so its traffic carries the node IP. */
  hostNetwork: boolean;
  /** The pod's IPs from the API server (empty when pods.json was not captured). */
  podIPs: string[];
  /** The pod's controlling owner (a ReplicaSet folded into its Deployment), null for a bare pod or unknown. */
  owner: { kind: string; name: string } | null;
  /** The pod's workload (top controller); set by the engine, absent in reports written before it existed. */
  workload?: Workload;
  /** Trace comms seen for this pod (first few). */
  processes: string[];
  /** How the pod's traffic was tied to it (the paths that matched, any conflict). */
  attribution: Attribution;
}

/** Traffic from the node's own network namespace that no hostNetwork pod is proven to own. */
export interface HostTraffic extends TrafficCounters, Partial<SocketCounters> {
  /** The node IP (or the SADDR seen when the node IP is unknown). */
  saddr: string;
  /** The host network namespace inode from the trace, null when the trace format carries none. */
  netns: number | null;
  /** Trace comms (process names) seen in host traffic (first few). */
  processes: string[];
}

/** A trace key (SADDR + NETNS) that maps to no pod. Listed, never dropped. */
export interface UnattributedTalker extends TrafficCounters {
  /** Source address of the trace events. */
  saddr: string;
  /** Network namespace inode of the trace events, null when the trace format carries none. */
  netns: number | null;
  /** Trace comms (process names) seen under this key (first few). */
  processes: string[];
  /** Why it could not be attributed. */
  reason: string;
}

/** What the connection trace contained, across all talkers: the base every count in the report is a share of. */
export interface TraceSummary {
  /** Lines recognised as events. */
  events: number;
  /** `connect` events (outbound), public and private. */
  connects: number;
  /** `accept` events (inbound). */
  accepts: number;
  /** `close` events. */
  closes: number;
  /** Seconds between first and last timestamp, null without timestamps. */
  spanSeconds: number | null;
  /** BCC `Possibly lost N samples` total. */
  lostSamples: number;
  /** The trace's line format (tool text columns or JSON lines); null without events. */
  format: 'text' | 'json' | null;
  /**
   * Which tool printed the trace: `tcptracer` (BCC), `tcpconnect` (a degraded trace: connects only) or
   * `inspektor-gadget`; null without events. Absent in reports written before it existed.
   */
  tool?: 'tcptracer' | 'tcpconnect' | 'inspektor-gadget' | null;
}

/** One point of the load balancer's SNAT metrics for the node. */
export interface SnatMetricPoint {
  /** ISO-8601 UTC. */
  timestamp: string;
  /** `UsedSnatPorts`, average over the point's minute; null when Azure Monitor returned no value. */
  usedPorts: number | null;
  /** `AllocatedSnatPorts`: the node's port budget, average over the minute; null when Azure Monitor returned none. */
  allocatedPorts: number | null;
  /** SnatConnectionCount with ConnectionState=failed, per minute. */
  failedConnections: number | null;
}

/** Cluster and load-balancer facts known to the orchestration (absent from offline analysis). */
export interface ClusterContext {
  /** The AKS managed cluster name. */
  clusterName: string | null;
  /** ARM resource id of the managed cluster. */
  clusterResourceId: string | null;
  /** ARM resource id of the outbound load balancer (`kubernetes` in the node resource group). */
  loadBalancerId: string | null;
  /** `networkProfile.outboundType` (`loadBalancer`, `managedNATGateway`, `userDefinedRouting`...). */
  outboundType: string | null;
  /** Nodes in the backend pool (drives the default port allocation). */
  backendPoolSize: number | null;
  /** Frontend (outbound) public IPs on the load balancer. */
  frontendIpCount: number | null;
  /** Explicit `--load-balancer-outbound-ports`, null when automatic. */
  configuredOutboundPorts: number | null;
  /** Outbound rule TCP idle timeout in minutes: how long an idle flow keeps its SNAT port. */
  idleTimeoutMinutes: number | null;
  /** Agent pools sharing the outbound load balancer, for port math over the cluster's maximum size. */
  agentPools?: AgentPoolContext[];
  /** `networkProfile.ipFamilies` (`IPv4`, `IPv6`); dual-stack clusters have both. */
  ipFamilies?: string[];
  /** Managed outbound IPv6 frontends (`managedOutboundIPs.countIPv6`), null when unknown. */
  frontendIpv6Count?: number | null;
  /** The cluster's Azure region (service tags are regional). */
  location?: string | null;
}

/**
 * One agent pool's size limits as ARM states them: what the resolver reads, the report carries and the port math
 * (src/analysis/portAllocation.ts) needs.
 */
export interface AgentPoolContext {
  /** The pool's name. */
  name: string;
  /** Current node count. */
  count: number;
  /** True when the cluster autoscaler sizes the pool. */
  enableAutoScaling: boolean;
  /** Autoscaler ceiling, null when autoscaling is off. */
  maxCount: number | null;
  /** `upgradeSettings.maxSurge` as set (`33%`, `2`), null when unset (AKS default applies). */
  maxSurge: string | null;
  /** False for pools whose nodes have their own public IP (they do not use the load balancer's SNAT). */
  usesLoadBalancer: boolean;
}

/** The node the report is about; fields are null when offline evidence does not name it. */
export interface NodeContext {
  /** Kubernetes node name, e.g. `aks-nodepool1-12345678-vmss000003`. */
  name: string | null;
  /** The node's internal IP: the backend address the SNAT metrics are split by. */
  ip: string | null;
}

/**
 * `complete`: every planned step ran. `degraded`: a report was made but some evidence is missing (the problems say
 * which). `failed`: no evidence could be gathered; the report only states why.
 */
export type InvestigationStatus = 'complete' | 'degraded' | 'failed';

/** Who ran the investigation, why, how it went, and over which time window. */
export interface InvestigationContext {
  /** Orchestration instance id, or null for offline analysis. */
  id: string | null;
  /** How far it got; see {@link InvestigationStatus}. */
  status: InvestigationStatus;
  /** Why the investigation is degraded or failed, in plain words. */
  problems: string[];
  /**
   * How the evidence was gathered, when a setting changed it (e.g. pod exec off: socket tables from the node
   * side; admin credentials accepted). Statements, not problems: they do not degrade the status.
   */
  notes?: string[];
  /** Alert severity (Sev0..Sev4) when started by an alert. */
  severity: string | null;
  /** Name of the Azure Monitor alert rule that fired, null when no alert started it. */
  alertRule: string | null;
  /**
   * What started the investigation: an alert, an on-demand request, or the proactive watch (a forecast, before
   * any alert). Absent for offline analysis and reports written before the field existed.
   */
  trigger?: 'alert' | 'on-demand' | 'proactive';
  /** ISO-8601 UTC window the evidence covers. */
  windowStart: string | null;
  /** ISO-8601 UTC end of that window. */
  windowEnd: string | null;
}

/**
 * The kinds of advice the engine gives: fix the talker (`connection-pooling`, `private-endpoint`), give the node more
 * ports (`port-allocation`, `port-capacity`, `nat-gateway`), free ports sooner (`idle-timeout`), or look at the node
 * itself (`investigate-host`). Renderers group and order advice by kind.
 */
export type RecommendationKind =
  | 'connection-pooling'
  | 'private-endpoint'
  | 'port-allocation'
  | 'nat-gateway'
  | 'port-capacity'
  | 'idle-timeout'
  | 'investigate-host';

/** One piece of advice, with the measurement behind it and, where it applies, the commands to act on it. */
export interface Recommendation {
  /** What kind of fix (the engine orders by it: the talker first, then the host, then capacity). */
  kind: RecommendationKind;
  /** One-line imperative headline, e.g. `Raise SNAT ports per node to 2,048`. */
  title: string;
  /** Why and how, in a few sentences. */
  detail: string;
  /** The measurement that triggered it, stated with its numbers. */
  evidence: string;
  /** The pod it concerns, when it concerns one. */
  target: { namespace: string; pod: string } | null;
  /** Commands an operator can copy as they are (rendered as code), in order. */
  commands?: string[];
  /** Lines of arithmetic behind the advice (port math), rendered as a block. */
  arithmetic?: string[];
}

/**
 * `none`: the evidence measured SNAT use and found no public connections. `insufficient-evidence`: nothing
 * measured it (the trace parsed zero events, or there was neither a trace nor a socket table), so no clean bill
 * of health is given.
 */
export type VerdictKind = 'pod' | 'host' | 'unattributed' | 'none' | 'insufficient-evidence';

/** The report's answer: who is using the node's SNAT ports, or why no one can be named. */
export interface Verdict {
  /** A pod, the host itself, traffic no pod could be tied to, nobody, or not enough evidence to say. */
  kind: VerdictKind;
  /** One sentence a person on call can act on. */
  summary: string;
  /** Namespace of the verdict pod; null unless `kind` is `pod`. */
  namespace: string | null;
  /** Name of the verdict pod; null unless `kind` is `pod`. */
  pod: string | null;
  /** The verdict pod's workload, named first in every rendering. */
  workload?: Workload | null;
}

/** Where the service-tag names in the report come from. */
export interface ServiceTagSource {
  /** `changeNumber` of the service-tag document. */
  changeNumber: number | null;
  /** The document's `cloud` (`Public`, `AzureGovernment`...), null when absent. */
  cloud: string | null;
  /** `arm` (fetched for the cluster's region) or the file given to `analyze --service-tags`. */
  source: string;
}

/**
 * One investigation's findings for one node: the verdict, the ranked pods and the evidence behind them, with advice.
 * Every renderer (Markdown, HTML, Teams card) and the Blob store read this shape; it is stored as `report.json`.
 */
export interface Report {
  /** {@link REPORT_SCHEMA_VERSION} when written; readers check it before trusting the shape. */
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  /** ISO-8601 UTC, supplied by the caller (the core has no clock); null offline when not given. */
  generatedAt: string | null;
  /** Who ran it, why, and how it went. */
  investigation: InvestigationContext;
  /** Cluster and load-balancer facts; null for offline analysis of a bundle. */
  cluster: ClusterContext | null;
  /** The node investigated. */
  node: NodeContext;
  /** The answer, in one sentence and a kind. */
  verdict: Verdict;
  /** How pods were ordered, in words (printed in every rendering). */
  rankingRule: string;
  /** Most suspect first. */
  rankedPods: RankedPod[];
  /** Traffic from the node's own network namespace, null when there was none. */
  hostTraffic: HostTraffic | null;
  /** Trace keys no pod could be tied to, listed rather than dropped. */
  unattributed: UnattributedTalker[];
  /** Totals of the connection trace. */
  trace: TraceSummary;
  /** Total lines no parser could use. */
  parseWarnings: number;
  /** The first few warnings, for display. */
  warningSamples: Array<{ file: string; line: number; message: string }>;
  /** The node's SNAT metrics over the window, oldest first; empty offline. */
  metrics: SnatMetricPoint[];
  /** Advice in the engine's order: fix the talker first (pooling, private endpoints), then the host, then capacity. */
  recommendations: Recommendation[];
  /** Bundle-relative evidence files the report was derived from. */
  evidenceFiles: string[];
  /** Private ranges applied on top of the built-in ones (user `--private-cidr`). */
  privateCidrs: string[];
  /**
   * How often the verdict's pod was the top talker in this cluster's recent incidents (this one included);
   * set by the unattended responder from its incident index, absent offline.
   */
  history?: TopTalkerHistory | null;
  /** The service-tag data that named destinations, when any was used. */
  serviceTags?: ServiceTagSource | null;
}

/** "This workload was the top talker in k of the last n incidents on this cluster." */
export interface TopTalkerHistory {
  /** `namespace/pod` of this incident's top pod. */
  pod: string;
  /** `Deployment payments/checkout-api`: what is counted, when the workload is known. */
  workload?: string;
  /** Incidents in the window where this pod (or workload) was the top talker. */
  k: number;
  /** Incidents in the window, this one included. */
  n: number;
}
