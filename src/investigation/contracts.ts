/**
 * Inputs and outputs of the investigation's activities. They travel through Durable history, so each stays
 * small (well under 16 KB): summaries and references, never raw evidence (that goes straight to Blob).
 */
import type { InvestigationRequest } from '../alert/types.js';
import type { InvestigationStatus, SnatMetricPoint, Verdict } from '../report/model.js';
import type { ClusterInfo, SnatSupport } from './clusterInfo.js';
import type { SharedNodeReport } from './nodeSingleFlight.js';

/**
 * Where the node capture Job is: `Pending` (not scheduled or pulling), `Running` (tracing), `Succeeded` (output
 * ready to collect), `Failed` (the pod failed, the node vanished...), `DeadlineExceeded` (the Job's deadline ran out).
 */
export type CapturePhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'DeadlineExceeded';

/** Settings the orchestration needs, read by an activity so replays see the values of the first run. */
export interface InvestigationPlan {
  /** Seconds the capture traces connections on the node (TRACE_SECONDS). */
  traceSeconds: number;
  /** Cluster capture slots (MAX_CONCURRENT_CAPTURES). */
  maxConcurrentCaptures: number;
  /** Longest wait for a capture slot, in seconds (CAPACITY_WAIT_MINUTES). */
  capacityWaitSeconds: number;
  /** Seconds between capture slot requests while waiting. */
  slotPollSeconds: number;
  /** A node report stored this recently is reused by another request for the node (the cooldown). */
  reuseReportSeconds: number;
  /** Pod exec calls one investigation runs at once (EXEC_WAVE_SIZE). */
  execWaveSize: number;
  /** Exec calls one podSockets activity runs at once (min of NETSTAT_CONCURRENCY and the wave). */
  execPerActivity: number;
  /** Seconds between capture status polls. */
  pollSeconds: number;
  /** Seconds to wait past the trace window before giving up on the capture Job. */
  captureMarginSeconds: number;
  /** Nodes investigated when the alert names the load balancer but no backend (WORST_NODES_COUNT). */
  worstNodesCount: number;
  /** Pods per podSockets activity (NETSTAT_BATCH_SIZE). */
  netstatBatchSize: number;
  /** Most pods that get a netstat exec (MAX_CANDIDATE_PODS). */
  maxCandidatePods: number;
  /** Minutes of SNAT metrics the report shows, ending at the investigation's start (METRICS_MINUTES). */
  metricsMinutes: number;
  /** How long storage-backed steps ride out a Blob outage on durable timers (STORE_RETRY_MINUTES). */
  storeRetryMinutes: number;
}

/** Input of resolveCluster. */
export interface ResolveClusterInput {
  /** The alert's load balancer resource id. */
  loadBalancerId: string;
}
/** Output of resolveCluster: the cluster behind the load balancer, and the settings of this run. */
export interface ResolveClusterOutput {
  /** The managed cluster whose node resource group holds the load balancer. */
  cluster: ClusterInfo;
  /** Whether load balancer SNAT metrics apply to the cluster's egress. */
  support: SnatSupport;
  /** Settings read once, so replays see the first run's values. */
  plan: InvestigationPlan;
}

/** Input of findWorstNodes: the nodes with the most used SNAT ports in the window. */
export interface FindWorstNodesInput {
  /** The load balancer whose backends are ranked. */
  loadBalancerId: string;
  /** ISO end of the metrics window (the orchestration's replay-safe clock). */
  windowEnd: string;
  /** Window length in minutes. */
  minutes: number;
  /** How many nodes to return. */
  count: number;
}
/** The worst backends, most used ports first. */
export type FindWorstNodesOutput = Array<{ backendIp: string; maxUsedPorts: number }>;

/** Input of snatMetrics: the per-minute SNAT series of one backend (or the whole load balancer). */
export interface SnatMetricsInput {
  /** The load balancer resource id. */
  loadBalancerId: string;
  /** The node's backend address; null for the load balancer as a whole. */
  backendIp: string | null;
  /** ISO end of the window (the orchestration's replay-safe clock). */
  windowEnd: string;
  /** Window length in minutes. */
  minutes: number;
}
/** One point per minute. */
export type SnatMetricsOutput = SnatMetricPoint[];

/** Input of resolveNode. */
export interface ResolveNodeInput {
  /** The cluster to look in. */
  cluster: ClusterInfo;
  /** Node name or IP. */
  node: string;
}
/** The node as Kubernetes names it. */
export interface ResolveNodeOutput {
  /** The node's name. */
  name: string;
  /** Its InternalIP addresses (IPv4 and IPv6 on dual-stack). */
  internalIPs: string[];
}

/** Input of startCapture: create the capture Job on one node. */
export interface StartCaptureInput {
  /** The cluster of the node. */
  cluster: ClusterInfo;
  /** The node's name. */
  node: string;
  /** The investigation's instance id (a label on the Job). */
  investigationId: string;
  /** Unique to this execution (instance id + a replay-safe guid): names the Job and alone may delete it. */
  owner?: string;
  /** Seconds the Job traces. */
  traceSeconds: number;
}
/** Output of startCapture. */
export interface StartCaptureOutput {
  /** The created (or reused) Job's name. */
  jobName: string;
  /** True when a retried create met the Job this run's own earlier attempt made. */
  reused: boolean;
}

/** Input of the activities that act on one capture Job (captureStatus, deleteCapture). */
export interface CaptureJobInput {
  /** The cluster that runs the Job. */
  cluster: ClusterInfo;
  /** The Job's name. */
  jobName: string;
  /** The owner the Job was created for; delete refuses a Job of any other owner. */
  owner?: string;
}
/** Output of captureStatus. */
export interface CaptureStatusOutput {
  /** Where the Job is. */
  phase: CapturePhase;
  /** Why it is Pending or Failed (`Unschedulable: ...`, `ImagePullBackOff: ...`), null otherwise. */
  reason: string | null;
  /** The node's name when the capture failed because the node was deleted (no evidence is left to collect). */
  nodeDeleted?: string;
  /** True when the node was already gone before the capture pod started (nothing was traced). */
  beforeStart?: boolean;
}

/** Input of collectEvidence: copy the Job's output (and the node's pods) into the report's evidence folder. */
export interface CollectEvidenceInput extends CaptureJobInput {
  /** The node's name. */
  node: string;
  /** Blob prefix of this investigation's report folder. */
  prefix: string;
}
/** What collectEvidence stored: counts only (the files are in Blob). */
export interface CollectEvidenceOutput {
  /** Evidence files written. */
  files: number;
  /** Their total size. */
  bytes: number;
  /** Tools the node lacked (the capture script reports them; the report names them). */
  missingTools: string[];
  /** True when the Job's output was cut at the log limit. */
  truncated: boolean;
}

/** Input of selectCandidates: which pods get a netstat exec. */
export interface SelectCandidatesInput {
  /** The cluster of the node. */
  cluster: ClusterInfo;
  /** The node's name. */
  node: string;
  /** Blob prefix of this investigation's report folder (the evidence is read from it). */
  prefix: string;
  /** Most pods to choose. */
  maxPods: number;
}
/** One pod to exec into. */
export interface CandidatePod {
  /** The pod's namespace. */
  namespace: string;
  /** The pod's name. */
  name: string;
  /** Its running containers, in the order to try. */
  containers: string[];
}
/** The chosen pods and why they were chosen. */
export interface SelectCandidatesOutput {
  /** The pods, most suspicious first. */
  candidates: CandidatePod[];
  /**
   * `trace` when the trace attributed traffic to them, `all-pods` when there was no usable trace, `exec-off` when
   * ALLOW_POD_EXEC is off (no pod gets exec).
   */
  basis: 'trace' | 'all-pods' | 'exec-off';
  /** hostNetwork pods left out (their sockets are the node's, already in the capture). */
  skippedHostNetwork: number;
}

/**
 * What the selection activity returns through history: counts only. The chosen pods go to Blob
 * (`<prefix>candidates.json`), because a list of hundreds of pods would break the 16 KB output budget.
 */
export interface SelectedCandidatesSummary {
  /** Pods chosen. */
  count: number;
  /** Why they were chosen. */
  basis: SelectCandidatesOutput['basis'];
  /** hostNetwork pods left out. */
  skippedHostNetwork: number;
  /** The stored list, relative to the prefix. */
  file: string;
}

/** Input of podSockets: run netstat (or read /proc/net/tcp) in a batch of pods. */
export interface PodSocketsInput {
  /** The cluster of the pods. */
  cluster: ClusterInfo;
  /** Blob prefix of the report folder (the socket tables go to its evidence/netstat/). */
  prefix: string;
  /** The pods themselves, or a slice of the stored candidate list (`file` relative to the prefix). */
  pods?: CandidatePod[];
  /** A slice of the stored candidate list: `count` pods from `start` of `file`. */
  slice?: { file: string; start: number; count: number };
  /** Exec calls at once inside this activity (the orchestration's wave bound); default NETSTAT_CONCURRENCY. */
  concurrency?: number;
}
/** One entry per pod: how its sockets were read, or why not. */
export type PodSocketsOutput = Array<{
  /** The pod's namespace. */
  namespace: string;
  /** The pod's name. */
  pod: string;
  /** `netstat`, `proc-net-tcp` or `skipped`. */
  method: string;
  /** Why the pod was skipped or fell back. */
  reason?: string;
  /** The exec failed (timeout, dropped stream, refusal): this pod's table is missing for a reason worth reporting. */
  failed?: boolean;
}>;

/** Input of analyzeAndStore: analyse the stored evidence and store the report's three renderings. */
export interface AnalyzeAndStoreInput {
  /** Blob prefix of the report folder. */
  prefix: string;
  /** The request that started the investigation. */
  request: InvestigationRequest;
  /** The cluster, null when it could not be resolved. */
  cluster: ClusterInfo | null;
  /** The node's name and address as far as they are known. */
  node: { name: string | null; ip: string | null };
  /** The node's SNAT series for the report's chart. */
  metrics: SnatMetricPoint[];
  /** What went wrong on the way (the report lists them). */
  problems: string[];
  /** Forced status (e.g. `failed` when the cluster could not be resolved); otherwise derived from the evidence. */
  status: InvestigationStatus | null;
  /** ISO time the report is dated (the orchestration's replay-safe clock). */
  generatedAt: string;
  /** ISO start of the metrics window, null when no metrics were read. */
  windowStart: string | null;
  /** ISO end of the metrics window, null when no metrics were read. */
  windowEnd: string | null;
}
/** What analyzeAndStore returns through history: the outcome and the links, not the report. */
export interface AnalyzeAndStoreOutput {
  /** The report folder in the reports container. */
  prefix: string;
  /** `complete`, `degraded` or `failed`. */
  status: InvestigationStatus;
  /** The report's verdict. */
  verdict: Verdict;
  /** Link to the HTML report. */
  reportUrl: string;
  /** Link to the JSON report. */
  jsonUrl: string;
  /** The top ranked pods, for the run's output. */
  topPods: Array<{ namespace: string; pod: string; establishedPublic: number | null; connectsPublic: number }>;
}

/** Input of notifyTeams: post the card of the stored report. */
export interface NotifyTeamsInput {
  /** Blob prefix of the report folder (the card is built from its report.json). */
  prefix: string;
  /** The cluster's name, for the log. */
  cluster: string | null;
  /** Link to the HTML report. */
  reportUrl: string;
}
/** How the card delivery went (a final failure is an answer, not an exception). */
export interface NotifyTeamsOutput {
  /** True when the webhook accepted the card. */
  delivered: boolean;
  /** Last HTTP status, null when there was no answer (or no webhook). */
  status: number | null;
  /** What happened, in one line. */
  detail: string;
}

/** Input of the notifyWaiters activity: who waits for the node, and the report they reuse. */
export interface NotifyWaitersInput {
  /** Instance ids of the investigations waiting for the node. */
  waiters: string[];
  /** The stored report they reuse. */
  report: SharedNodeReport;
}
/** Output of notifyWaiters. */
export interface NotifyWaitersOutput {
  /** Waiters the event was raised on. */
  told: number;
}

/** What the orchestration returns: one entry per investigated node. */
export interface InvestigationOutcome {
  /** The orchestration's instance id. */
  instanceId: string;
  /**
   * One entry per node. `notifyDetail` says how the card was delivered, or why not (`notified: false`).
   * `sharedFrom` names the investigation whose capture and stored report this one reused (the node's single
   * flight); absent when this investigation captured the node itself. `note` says what the owner noted on the way.
   */
  nodes: Array<
    { node: string | null } & Partial<AnalyzeAndStoreOutput> & {
        /** True when the Teams card was delivered. */
        notified: boolean;
        notifyDetail?: string;
        /** Why the report could not be stored (the orchestration then ends Failed with it). */
        reportLost?: string;
        sharedFrom?: string;
        note?: string;
      }
  >;
  /** Problems of the investigation as a whole (cluster not resolved, ...). */
  problems: string[];
}

/** The custom status shown by the status endpoint while the investigation runs. */
export interface InvestigationProgress {
  /** The current step (`resolve-cluster`, `capture`, `netstat`, ...). */
  phase: string;
  /** The node being investigated, null before it is known. */
  node: string | null;
  /** The cluster's name, null before it is resolved. */
  cluster: string | null;
  /** ISO time the investigation started. */
  startedAt: string;
  /** Seconds since then (orchestration clock). */
  elapsedSeconds: number;
  /** More about the step (waiting for a slot, the Job's phase...), null when nothing to add. */
  detail: string | null;
}
