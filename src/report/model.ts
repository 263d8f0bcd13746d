/**
 * The report model: what the engine concludes and every renderer (Markdown, HTML,
 * Teams card) and store consumes. Versioned: change `REPORT_SCHEMA_VERSION` when a
 * field changes meaning or disappears; adding optional fields keeps the version.
 */
import type { SocketMethod } from '../evidence/types.js';

export const REPORT_SCHEMA_VERSION = '1.0' as const;

/** Where a destination sits for SNAT purposes. Only `public` consumes SNAT ports. */
export type DestinationClass = 'public' | 'private';

export interface DestinationCount {
  ip: string;
  port: number;
  count: number;
  /** The Azure service tag holding the IP (`Storage.WestEurope`), when service tags were given. */
  serviceTag?: string;
}

/** How a workload was found: the objects' ownerReferences, or inferred from names and labels. */
export type WorkloadResolution = 'ownerReferences' | 'inferred';

/** The controller an operator changes: Deployment, StatefulSet, DaemonSet, CronJob, Job (or the pod itself). */
export interface Workload {
  kind: string;
  namespace: string;
  name: string;
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
  steps: AttributionStep[];
  /** Disagreements between paths (e.g. netns chain says pod A, SADDR says pod B). */
  conflicts: string[];
}

/** Counters shared by every talker: ranked pods, host traffic and unattributed keys. */
export interface TrafficCounters {
  /** Trace `connect` events to public destinations. */
  connectsPublic: number;
  connectsPrivate: number;
  accepts: number;
  closes: number;
  /** Public connects per minute over the trace span (null when the trace has no timestamps or span 0). */
  connectRatePerMinute: number | null;
  distinctPublicDestinations: number;
  /** Most frequent public destinations, most first. */
  topDestinations: DestinationCount[];
}

/** Socket-table counters for a pod (from netstat, ss or /proc/net/tcp). */
export interface SocketCounters {
  establishedPublic: number | null;
  establishedPrivate: number | null;
  timeWaitPublic: number | null;
  /** Which method produced the socket numbers, null when no socket evidence exists. */
  socketMethod: SocketMethod | null;
  /** Bundle-relative source file of the socket numbers. */
  socketSource: string | null;
}

export interface RankedPod extends TrafficCounters, SocketCounters {
  rank: number;
  namespace: string;
  pod: string;
  hostNetwork: boolean;
  podIPs: string[];
  owner: { kind: string; name: string } | null;
  /** The pod's workload (top controller); set by the engine, absent in reports written before it existed. */
  workload?: Workload;
  /** Trace comms seen for this pod (first few). */
  processes: string[];
  attribution: Attribution;
}

/** Traffic from the node's own network namespace that no hostNetwork pod is proven to own. */
export interface HostTraffic extends TrafficCounters, Partial<SocketCounters> {
  /** The node IP (or the SADDR seen when the node IP is unknown). */
  saddr: string;
  netns: number | null;
  processes: string[];
}

/** A trace key (SADDR + NETNS) that maps to no pod. Listed, never dropped. */
export interface UnattributedTalker extends TrafficCounters {
  saddr: string;
  netns: number | null;
  processes: string[];
  /** Why it could not be attributed. */
  reason: string;
}

export interface TraceSummary {
  /** Lines recognised as events. */
  events: number;
  connects: number;
  accepts: number;
  closes: number;
  /** Seconds between first and last timestamp, null without timestamps. */
  spanSeconds: number | null;
  /** BCC `Possibly lost N samples` total. */
  lostSamples: number;
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
  usedPorts: number | null;
  allocatedPorts: number | null;
  /** SnatConnectionCount with ConnectionState=failed, per minute. */
  failedConnections: number | null;
}

/** Cluster and load-balancer facts known to the orchestration (absent from offline analysis). */
export interface ClusterContext {
  clusterName: string | null;
  clusterResourceId: string | null;
  loadBalancerId: string | null;
  outboundType: string | null;
  /** Nodes in the backend pool (drives the default port allocation). */
  backendPoolSize: number | null;
  /** Frontend (outbound) public IPs on the load balancer. */
  frontendIpCount: number | null;
  /** Explicit `--load-balancer-outbound-ports`, null when automatic. */
  configuredOutboundPorts: number | null;
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

/** One agent pool's size limits as ARM states them. */
export interface AgentPoolContext {
  name: string;
  count: number;
  enableAutoScaling: boolean;
  maxCount: number | null;
  /** `upgradeSettings.maxSurge` as set (`33%`, `2`), null when unset (AKS default applies). */
  maxSurge: string | null;
  /** False for pools whose nodes have their own public IP (they do not use the load balancer's SNAT). */
  usesLoadBalancer: boolean;
}

export interface NodeContext {
  name: string | null;
  ip: string | null;
}

export type InvestigationStatus = 'complete' | 'degraded' | 'failed';

export interface InvestigationContext {
  /** Orchestration instance id, or null for offline analysis. */
  id: string | null;
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
  alertRule: string | null;
  /**
   * What started the investigation: an alert, an on-demand request, or the proactive watch (a forecast, before
   * any alert). Absent for offline analysis and reports written before the field existed.
   */
  trigger?: 'alert' | 'on-demand' | 'proactive';
  /** ISO-8601 UTC window the evidence covers. */
  windowStart: string | null;
  windowEnd: string | null;
}

export type RecommendationKind =
  | 'connection-pooling'
  | 'private-endpoint'
  | 'port-allocation'
  | 'nat-gateway'
  | 'port-capacity'
  | 'idle-timeout'
  | 'investigate-host';

export interface Recommendation {
  kind: RecommendationKind;
  title: string;
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

export interface Verdict {
  kind: VerdictKind;
  /** One sentence a person on call can act on. */
  summary: string;
  namespace: string | null;
  pod: string | null;
  /** The verdict pod's workload, named first in every rendering. */
  workload?: Workload | null;
}

/** Where the service-tag names in the report come from. */
export interface ServiceTagSource {
  /** `changeNumber` of the service-tag document. */
  changeNumber: number | null;
  cloud: string | null;
  /** `arm` (fetched for the cluster's region) or the file given to `analyze --service-tags`. */
  source: string;
}

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  /** ISO-8601 UTC, supplied by the caller (the core has no clock); null offline when not given. */
  generatedAt: string | null;
  investigation: InvestigationContext;
  cluster: ClusterContext | null;
  node: NodeContext;
  verdict: Verdict;
  /** How pods were ordered, in words (printed in every rendering). */
  rankingRule: string;
  /** Most suspect first. */
  rankedPods: RankedPod[];
  hostTraffic: HostTraffic | null;
  unattributed: UnattributedTalker[];
  trace: TraceSummary;
  /** Total lines no parser could use. */
  parseWarnings: number;
  /** The first few warnings, for display. */
  warningSamples: Array<{ file: string; line: number; message: string }>;
  metrics: SnatMetricPoint[];
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
  k: number;
  n: number;
}
