/** Activities that ask Azure Resource Manager and Azure Monitor. */

import { DEADLINE_MARGIN_SECONDS } from '../../kube/captureJob.js';
import { snatSupport } from '../clusterInfo.js';
import type {
  FindWorstNodesInput,
  FindWorstNodesOutput,
  InvestigationPlan,
  ResolveClusterInput,
  ResolveClusterOutput,
  SnatMetricsInput,
  SnatMetricsOutput,
} from '../contracts.js';
import type { InvestigationDeps } from '../dependencies.js';

/** Seconds between capture status polls. */
const POLL_SECONDS = 10;
/** Pods per netstat activity: each activity fans out inside, so a batch stays well under the output budget. */
const NETSTAT_BATCH = 25;
const METRICS_MINUTES = 30;
/** Seconds between capture slot requests while the cluster is at its cap. */
const SLOT_POLL_SECONDS = 30;

/** The plan every replay of the orchestration sees: settings as they were when it started. */
export function planFrom(settings: InvestigationDeps['settings']): InvestigationPlan {
  return {
    traceSeconds: settings.traceSeconds,
    maxConcurrentCaptures: settings.maxConcurrentCaptures,
    capacityWaitSeconds: settings.capacityWaitMinutes * 60,
    slotPollSeconds: SLOT_POLL_SECONDS,
    reuseReportSeconds: settings.cooldownMinutes * 60,
    execWaveSize: settings.execWaveSize,
    execPerActivity: Math.max(1, Math.min(settings.netstatConcurrency, settings.execWaveSize)),
    pollSeconds: POLL_SECONDS,
    // Give up when the Job's own activeDeadlineSeconds (trace + the same margin) has passed.
    captureMarginSeconds: DEADLINE_MARGIN_SECONDS,
    worstNodesCount: settings.worstNodesCount,
    netstatBatchSize: NETSTAT_BATCH,
    maxCandidatePods: settings.netstatMaxPods,
    metricsMinutes: METRICS_MINUTES,
    storeRetryMinutes: settings.storeRetryMinutes,
  };
}

/** Load balancer -> managed cluster, whether its outbound path uses LB SNAT, and the plan. */
export async function resolveCluster(
  deps: InvestigationDeps,
  input: ResolveClusterInput,
): Promise<ResolveClusterOutput> {
  const cluster = await deps.clusters.resolveFromLoadBalancer(input.loadBalancerId);
  return { cluster, support: snatSupport(cluster), plan: planFrom(deps.settings) };
}

function window(end: string, minutes: number): { start: Date; end: Date } {
  const e = new Date(end);
  return { start: new Date(e.getTime() - minutes * 60_000), end: e };
}

/** The backend IPs with the highest UsedSnatPorts (for alerts not split by BackendIPAddress). */
export async function findWorstNodes(
  deps: InvestigationDeps,
  input: FindWorstNodesInput,
): Promise<FindWorstNodesOutput> {
  const worst = await deps.metrics.worstBackends(
    input.loadBalancerId,
    window(input.windowEnd, input.minutes),
    input.count,
  );
  return worst.slice(0, input.count).map((w) => ({ backendIp: w.backendIp, maxUsedPorts: w.maxUsedPorts }));
}

/** Used/allocated ports and failed connections per minute for the node (or the whole LB). */
export async function snatMetrics(deps: InvestigationDeps, input: SnatMetricsInput): Promise<SnatMetricsOutput> {
  return deps.metrics.nodeSnapshot(input.loadBalancerId, input.backendIp, window(input.windowEnd, input.minutes));
}
