/**
 * Inputs and outputs of the investigation's activities. They travel through Durable history, so each stays
 * small (well under 16 KB): summaries and references, never raw evidence (that goes straight to Blob).
 */
import type { InvestigationRequest } from '../alert/types.js';
import type { ClusterInfo, SnatSupport } from '../azure/arm/clusterResolver.js';
import type { CapturePhase } from '../kube/captureRunner.js';
import type { InvestigationStatus, SnatMetricPoint, Verdict } from '../report/model.js';
import type { SharedNodeReport } from './nodeSingleFlight.js';

/** Settings the orchestration needs, read by an activity so replays see the values of the first run. */
export interface InvestigationPlan {
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
  worstNodesCount: number;
  netstatBatchSize: number;
  maxCandidatePods: number;
  metricsMinutes: number;
  /** How long storage-backed steps ride out a Blob outage on durable timers (STORE_RETRY_MINUTES). */
  storeRetryMinutes: number;
}

export interface ResolveClusterInput {
  loadBalancerId: string;
}
export interface ResolveClusterOutput {
  cluster: ClusterInfo;
  support: SnatSupport;
  plan: InvestigationPlan;
}

export interface FindWorstNodesInput {
  loadBalancerId: string;
  /** ISO end of the metrics window (the orchestration's replay-safe clock). */
  windowEnd: string;
  minutes: number;
  count: number;
}
export type FindWorstNodesOutput = Array<{ backendIp: string; maxUsedPorts: number }>;

export interface SnatMetricsInput {
  loadBalancerId: string;
  backendIp: string | null;
  windowEnd: string;
  minutes: number;
}
export type SnatMetricsOutput = SnatMetricPoint[];

export interface ResolveNodeInput {
  cluster: ClusterInfo;
  /** Node name or IP. */
  node: string;
}
export interface ResolveNodeOutput {
  name: string;
  internalIPs: string[];
}

export interface StartCaptureInput {
  cluster: ClusterInfo;
  node: string;
  investigationId: string;
  /** Unique to this execution (instance id + a replay-safe guid): names the Job and alone may delete it. */
  owner?: string;
  traceSeconds: number;
}
export interface StartCaptureOutput {
  jobName: string;
  /** True when a retried create met the Job this run's own earlier attempt made. */
  reused: boolean;
}

export interface CaptureJobInput {
  cluster: ClusterInfo;
  jobName: string;
  /** The owner the Job was created for; delete refuses a Job of any other owner. */
  owner?: string;
}
export interface CaptureStatusOutput {
  phase: CapturePhase;
  reason: string | null;
  /** The node's name when the capture failed because the node was deleted (no evidence is left to collect). */
  nodeDeleted?: string;
  /** True when the node was already gone before the capture pod started (nothing was traced). */
  beforeStart?: boolean;
}

export interface CollectEvidenceInput extends CaptureJobInput {
  node: string;
  /** Blob prefix of this investigation's report folder. */
  prefix: string;
}
export interface CollectEvidenceOutput {
  files: number;
  bytes: number;
  missingTools: string[];
  truncated: boolean;
}

export interface SelectCandidatesInput {
  cluster: ClusterInfo;
  node: string;
  prefix: string;
  maxPods: number;
}
export interface CandidatePod {
  namespace: string;
  name: string;
  containers: string[];
}
export interface SelectCandidatesOutput {
  candidates: CandidatePod[];
  /**
   * `trace` when the trace attributed traffic to them, `all-pods` when there was no usable trace, `exec-off` when
   * ALLOW_POD_EXEC is off (no pod gets exec).
   */
  basis: 'trace' | 'all-pods' | 'exec-off';
  skippedHostNetwork: number;
}

/**
 * What the selection activity returns through history: counts only. The chosen pods go to Blob
 * (`<prefix>candidates.json`), because a list of hundreds of pods would break the 16 KB output budget.
 */
export interface SelectedCandidatesSummary {
  count: number;
  basis: SelectCandidatesOutput['basis'];
  skippedHostNetwork: number;
  /** The stored list, relative to the prefix. */
  file: string;
}

export interface PodSocketsInput {
  cluster: ClusterInfo;
  prefix: string;
  /** The pods themselves, or a slice of the stored candidate list (`file` relative to the prefix). */
  pods?: CandidatePod[];
  slice?: { file: string; start: number; count: number };
  /** Exec calls at once inside this activity (the orchestration's wave bound); default NETSTAT_CONCURRENCY. */
  concurrency?: number;
}
export type PodSocketsOutput = Array<{
  namespace: string;
  pod: string;
  method: string;
  reason?: string;
  /** The exec failed (timeout, dropped stream, refusal): this pod's table is missing for a reason worth reporting. */
  failed?: boolean;
}>;

export interface AnalyzeAndStoreInput {
  prefix: string;
  request: InvestigationRequest;
  cluster: ClusterInfo | null;
  node: { name: string | null; ip: string | null };
  metrics: SnatMetricPoint[];
  problems: string[];
  /** Forced status (e.g. `failed` when the cluster could not be resolved); otherwise derived from the evidence. */
  status: InvestigationStatus | null;
  generatedAt: string;
  windowStart: string | null;
  windowEnd: string | null;
}
export interface AnalyzeAndStoreOutput {
  /** The report folder in the reports container. */
  prefix: string;
  status: InvestigationStatus;
  verdict: Verdict;
  reportUrl: string;
  jsonUrl: string;
  topPods: Array<{ namespace: string; pod: string; establishedPublic: number | null; connectsPublic: number }>;
}

export interface NotifyTeamsInput {
  prefix: string;
  cluster: string | null;
  reportUrl: string;
}
export interface NotifyTeamsOutput {
  delivered: boolean;
  status: number | null;
  detail: string;
}

/** Input of the notifyWaiters activity: who waits for the node, and the report they reuse. */
export interface NotifyWaitersInput {
  waiters: string[];
  report: SharedNodeReport;
}
export interface NotifyWaitersOutput {
  told: number;
}

/** What the orchestration returns: one entry per investigated node. */
export interface InvestigationOutcome {
  instanceId: string;
  /**
   * One entry per node. `notifyDetail` says how the card was delivered, or why not (`notified: false`).
   * `sharedFrom` names the investigation whose capture and stored report this one reused (the node's single
   * flight); absent when this investigation captured the node itself. `note` says what the owner noted on the way.
   */
  nodes: Array<
    { node: string | null } & Partial<AnalyzeAndStoreOutput> & {
        notified: boolean;
        notifyDetail?: string;
        /** Why the report could not be stored (the orchestration then ends Failed with it). */
        reportLost?: string;
        sharedFrom?: string;
        note?: string;
      }
  >;
  problems: string[];
}

/** The custom status shown by the status endpoint while the investigation runs. */
export interface InvestigationProgress {
  phase: string;
  node: string | null;
  cluster: string | null;
  startedAt: string;
  elapsedSeconds: number;
  detail: string | null;
}
