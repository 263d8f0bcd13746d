/**
 * The investigation orchestrator: load balancer -> cluster -> node -> capture -> sockets -> report -> Teams.
 * Deterministic by construction: every outside call is an activity, time comes from `currentUtcDateTime`,
 * waits are durable timers. The capture Job is deleted in a `finally`, whatever failed.
 */

import { isIP } from 'node:net';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import * as df from 'durable-functions';
import type { InvestigationRequest } from '../src/alert/types.js';
import { SETTING_DEFAULTS } from '../src/config/settings.js';
import { ACTIVITY } from '../src/investigation/activityNames.js';
import { netstatProblem } from '../src/investigation/candidates.js';
import type { ClusterInfo } from '../src/investigation/clusterInfo.js';
import type {
  AnalyzeAndStoreInput,
  AnalyzeAndStoreOutput,
  CaptureStatusOutput,
  CollectEvidenceOutput,
  FindWorstNodesOutput,
  InvestigationOutcome,
  InvestigationPlan,
  InvestigationProgress,
  NotifyTeamsOutput,
  PodSocketsOutput,
  ResolveClusterOutput,
  ResolveNodeOutput,
  SelectedCandidatesSummary,
  SnatMetricsOutput,
  StartCaptureOutput,
} from '../src/investigation/contracts.js';
import { clusterEntityKey, ENTITY, NODE_REPORT_EVENT, nodeEntityKey } from '../src/investigation/entityNames.js';
import type { NodeFlightGrant, SharedNodeReport } from '../src/investigation/nodeSingleFlight.js';
import {
  ALERT_RESOLVED_EVENT,
  type AlertResolvedEvent,
  SNAT_INVESTIGATION_ORCHESTRATOR,
} from '../src/investigation/orchestratorNames.js';
import {
  callRidingStoreOutage,
  cleanupRetry,
  failureMessage,
  transientRetry,
} from '../src/investigation/retryPolicy.js';
import type { InvestigationStatus } from '../src/report/model.js';
import { reportPrefix } from '../src/report/storageNames.js';
import { functionLogger } from './telemetry.js';

type Step = Generator<Task, unknown, unknown>;

const addSeconds = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

/** Splits `count` items into slices of at most `size`. */
function batches(count: number, size: number): Array<{ start: number; count: number }> {
  const out: Array<{ start: number; count: number }> = [];
  for (let start = 0; start < count; start += size) out.push({ start, count: Math.min(size, count - start) });
  return out;
}

/** Groups batches into waves of at most `size` (run one wave at a time). */
function waves<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type NodeResult = InvestigationOutcome['nodes'][number];

/** The alert's resolve event, once per orchestration (null for on-demand runs: nothing resolves them). */
class ResolveWatch {
  private task: Task | null = null;
  constructor(
    private readonly context: OrchestrationContext,
    private readonly request: InvestigationRequest,
  ) {}
  get(): Task | null {
    if (this.request.requestedBy !== 'alert') return null;
    this.task ??= this.context.df.waitForExternalEvent(ALERT_RESOLVED_EVENT);
    return this.task;
  }
}

class Progress {
  constructor(
    private readonly context: OrchestrationContext,
    private readonly startedAt: Date,
  ) {}
  cluster: string | null = null;
  node: string | null = null;
  set(phase: string, detail: string | null = null): void {
    const now = this.context.df.currentUtcDateTime;
    const status: InvestigationProgress = {
      phase,
      node: this.node,
      cluster: this.cluster,
      startedAt: this.startedAt.toISOString(),
      elapsedSeconds: Math.round((now.getTime() - this.startedAt.getTime()) / 1000),
      detail,
    };
    this.context.df.setCustomStatus(status);
  }
}

/** Stores (and announces) a report; used for complete, degraded and failed investigations alike. */
function* storeAndNotify(
  context: OrchestrationContext,
  progress: Progress,
  input: AnalyzeAndStoreInput,
  storeRetryMinutes: number,
): Generator<Task, InvestigationOutcome['nodes'][number], unknown> {
  progress.set('store-report');
  let stored: AnalyzeAndStoreOutput;
  try {
    // Rides out a Blob outage on durable timers, up to the store retry bound.
    stored = yield* callRidingStoreOutage<AnalyzeAndStoreOutput>(
      context,
      ACTIVITY.analyzeAndStore,
      input,
      storeRetryMinutes,
    );
  } catch (err) {
    return yield* reportUnstored(context, progress, input, `the report could not be stored: ${failureMessage(err)}`);
  }
  progress.set('notify');
  let notified = false;
  let notifyDetail: string;
  try {
    // The notifier is the one retry layer for Teams (Retry-After honoured, 4xx final): no Durable retry on top.
    const sent = yield* callRidingStoreOutage<NotifyTeamsOutput>(
      context,
      ACTIVITY.notifyTeams,
      { prefix: input.prefix, cluster: input.cluster?.name ?? null, reportUrl: stored.reportUrl },
      storeRetryMinutes,
    );
    notified = sent.delivered;
    notifyDetail = sent.detail;
  } catch (err) {
    // The report is already stored: a Teams outage loses nothing, it is only said in the outcome.
    notifyDetail = `Teams notification failed: ${failureMessage(err)}`;
    if (!context.df.isReplaying) {
      functionLogger(context, {
        instanceId: input.request.instanceId,
        cluster: input.cluster?.name ?? null,
        node: input.node.name,
      }).warn('Teams notification failed', { reason: failureMessage(err) });
    }
  }
  return { node: input.node.name, ...stored, notified, notifyDetail };
}

/**
 * Storage stayed down past the bound: a text-only card (verdict when known, the problems) so the on-call still
 * hears of it, and an outcome entry that makes the orchestration end Failed with the reason.
 */
function* reportUnstored(
  context: OrchestrationContext,
  progress: Progress,
  input: AnalyzeAndStoreInput,
  reason: string,
): Generator<Task, InvestigationOutcome['nodes'][number], unknown> {
  progress.set('notify', 'text-only card: the report could not be stored');
  let notified = false;
  let notifyDetail: string;
  try {
    const sent = (yield context.df.callActivity(ACTIVITY.notifyUnstoredReport, {
      instanceId: input.request.instanceId,
      cluster: input.cluster?.name ?? null,
      node: input.node.name ?? input.node.ip,
      verdict: null,
      problems: [...input.problems, reason],
    })) as NotifyTeamsOutput;
    notified = sent.delivered;
    notifyDetail = sent.detail;
  } catch (err) {
    notifyDetail = `Teams notification failed: ${failureMessage(err)}`;
  }
  if (!context.df.isReplaying) {
    functionLogger(context, { instanceId: input.request.instanceId, node: input.node.name }).error(
      'report could not be stored',
      { reason },
    );
  }
  return { node: input.node.name, status: 'failed', notified, notifyDetail, reportLost: reason };
}

/**
 * Investigates one node of a resolved cluster, inside the orchestrator (the HTTP function that STARTS an
 * investigation of a node on demand is functions/investigateNode.ts, a different thing).
 */
function* runNodeInvestigation(
  context: OrchestrationContext,
  progress: Progress,
  request: InvestigationRequest,
  cluster: ClusterInfo,
  plan: InvestigationPlan,
  nodeRef: string,
  startedAt: Date,
  resolve: ResolveWatch,
): Generator<Task, NodeResult, unknown> {
  const problems: string[] = [];
  const notes: string[] = [];
  const lbId = request.target.loadBalancerId;
  progress.node = nodeRef;

  progress.set('resolve-node');
  let node: ResolveNodeOutput | null = null;
  try {
    node = (yield context.df.callActivityWithRetry(ACTIVITY.resolveNode, transientRetry(), {
      cluster,
      node: nodeRef,
    })) as ResolveNodeOutput;
  } catch (err) {
    problems.push(`node ${nodeRef} could not be resolved: ${failureMessage(err)}`);
  }
  const nodeName = node?.name ?? nodeRef;
  progress.node = nodeName;

  // The node's own backend IP: an unsplit alert (worst nodes) or an on-demand node name carries none.
  const backendIp = request.target.backendIp ?? (isIP(nodeRef) ? nodeRef : null) ?? node?.internalIPs[0] ?? null;
  progress.set('snat-metrics');
  let metrics: SnatMetricsOutput = [];
  try {
    metrics = (yield context.df.callActivityWithRetry(ACTIVITY.snatMetrics, transientRetry(), {
      loadBalancerId: lbId,
      backendIp,
      windowEnd: context.df.currentUtcDateTime.toISOString(),
      minutes: plan.metricsMinutes,
    })) as SnatMetricsOutput;
  } catch (err) {
    problems.push(`SNAT metrics unavailable: ${failureMessage(err)}`);
  }
  const prefix = reportPrefix({
    cluster: cluster.name,
    node: nodeName,
    timestamp: startedAt,
    instanceId: request.instanceId,
  });
  const windowStart = context.df.currentUtcDateTime.toISOString();
  let evidence = false;
  let forcedStatus: InvestigationStatus | null = null;
  let nodeDeleted = false;

  // The node's single flight: one capture per node, whichever route (name, IPv4, IPv6, worst node) led here.
  const nodeEntity = node ? new df.EntityId(ENTITY.nodeCapture, nodeEntityKey(cluster, node.name)) : null;
  const nowMs = () => context.df.currentUtcDateTime.getTime();
  const leaseMs = (plan.traceSeconds + plan.captureMarginSeconds + plan.capacityWaitSeconds + 600) * 1000;
  let owning = false;
  if (node && nodeEntity) {
    progress.set('node-single-flight');
    let grant = (yield context.df.callEntity(nodeEntity, 'acquire', {
      instanceId: request.instanceId,
      nowMs: nowMs(),
      reuseWithinMs: plan.reuseReportSeconds * 1000,
      leaseMs,
    })) as NodeFlightGrant;
    const waitUntil = nowMs() + leaseMs;
    while (grant.kind === 'wait') {
      progress.set('waiting-for-node', `investigation ${grant.owner} is capturing ${node.name}; its report is reused`);
      const event = context.df.waitForExternalEvent(NODE_REPORT_EVENT);
      const timer = context.df.createTimer(new Date(nowMs() + plan.slotPollSeconds * 1000 * 2));
      const winner = yield context.df.Task.any([event, timer]);
      if (winner === event) {
        timer.cancel();
        const report = event.result as SharedNodeReport;
        return sharedResult(report, request.instanceId);
      }
      if (nowMs() >= waitUntil) break;
      grant = (yield context.df.callEntity(nodeEntity, 'acquire', {
        instanceId: request.instanceId,
        nowMs: nowMs(),
        reuseWithinMs: plan.reuseReportSeconds * 1000,
        leaseMs,
      })) as NodeFlightGrant;
    }
    if (grant.kind === 'reuse') return sharedResult(grant.report, request.instanceId);
    if (grant.kind === 'wait') {
      problems.push(`investigation ${grant.owner} held ${node.name} past its lease; no capture was taken`);
    }
    owning = grant.kind === 'owner';
  }

  if (node && nodeEntity && owning) {
    // The cluster's capture slots: race-free (one entity), waiting on durable timers, bounded by a setting.
    const slots = new df.EntityId(ENTITY.captureSlots, clusterEntityKey(cluster));
    const slotRequest = () => ({
      instanceId: request.instanceId,
      nowMs: nowMs(),
      max: plan.maxConcurrentCaptures,
      leaseMs,
    });
    const waitStarted = nowMs();
    let slot = (yield context.df.callEntity(slots, 'acquire', slotRequest())) as {
      granted: boolean;
      holders: string[];
    };
    const grantedAtOnce = slot.granted;
    let resolved: AlertResolvedEvent | null = null;
    for (;;) {
      const resolveTask = resolve.get();
      const waited = nowMs() - waitStarted;
      if (slot.granted && !resolveTask) break;
      const pause = slot.granted ? 0 : Math.min(plan.slotPollSeconds * 1000, plan.capacityWaitSeconds * 1000 - waited);
      if (!slot.granted && pause <= 0) break;
      if (!slot.granted) {
        progress.set(
          'waiting-for-capture-slot',
          `${slot.holders.length} of ${plan.maxConcurrentCaptures} capture slots busy; waited ${Math.round(waited / 1000)} s`,
        );
      }
      // A zero-length timer when the slot is ours: it only lets an already-raised resolve event win the race.
      const timer = context.df.createTimer(new Date(nowMs() + pause));
      const winner = resolveTask ? yield context.df.Task.any([resolveTask, timer]) : yield timer;
      if (resolveTask && winner === resolveTask) {
        timer.cancel();
        resolved = (resolveTask.result as AlertResolvedEvent | undefined) ?? { alertId: '', resolvedDateTime: null };
        break;
      }
      if (slot.granted) break;
      slot = (yield context.df.callEntity(slots, 'acquire', slotRequest())) as { granted: boolean; holders: string[] };
    }
    const waitedSeconds = Math.round((nowMs() - waitStarted) / 1000);
    if (resolved) {
      problems.push(
        `the alert resolved${resolved.resolvedDateTime ? ` at ${resolved.resolvedDateTime}` : ''} before the capture started; nothing was captured`,
      );
      forcedStatus = 'degraded';
    } else if (!slot.granted) {
      problems.push(
        `no capture slot within ${Math.round(plan.capacityWaitSeconds / 60)} min (CAPACITY_WAIT_MINUTES): ${slot.holders.length} of ${plan.maxConcurrentCaptures} captures (MAX_CONCURRENT_CAPTURES) were busy the whole time; nothing was captured`,
      );
    } else if (!grantedAtOnce && waitedSeconds > 0) {
      notes.push(
        `waited ${waitedSeconds} s for a free capture slot (MAX_CONCURRENT_CAPTURES=${plan.maxConcurrentCaptures})`,
      );
    }

    if (slot.granted && !resolved) {
      try {
        const captured = yield* captureNode(context, progress, request, cluster, plan, node, prefix, problems);
        evidence = captured.evidence;
        // The node is gone (and its pods with it): nothing more to collect, and the report says why, degraded.
        if (captured.nodeDeleted) {
          nodeDeleted = true;
          forcedStatus = 'degraded';
        }
      } finally {
        yield context.df.callEntity(slots, 'release', { instanceId: request.instanceId });
      }
    } else if (slot.granted) {
      yield context.df.callEntity(slots, 'release', { instanceId: request.instanceId });
    }
    if (!resolved && slot.granted && !nodeDeleted) {
      evidence = (yield* podSocketWaves(context, progress, cluster, plan, node.name, prefix, problems)) || evidence;
    }
  }

  let status: InvestigationStatus | null = forcedStatus;
  if (!status && !evidence) status = 'failed';
  else if (!status && problems.length > 0) status = 'degraded';
  let result: NodeResult;
  try {
    result = yield* storeAndNotify(
      context,
      progress,
      {
        prefix,
        request,
        cluster,
        node: { name: node?.name ?? nodeRef, ip: backendIp },
        metrics,
        problems,
        status,
        generatedAt: context.df.currentUtcDateTime.toISOString(),
        windowStart,
        windowEnd: context.df.currentUtcDateTime.toISOString(),
      },
      plan.storeRetryMinutes,
    );
  } catch (err) {
    // No report to share: free the node so a waiter captures it itself instead of waiting out the lease.
    if (nodeEntity) {
      yield context.df.callEntity(nodeEntity, 'release', {
        instanceId: request.instanceId,
        nowMs: nowMs(),
        report: null,
      });
    }
    throw err;
  }
  if (notes.length > 0) result.note = notes.join('; ');
  if (nodeEntity && !(result.prefix && result.status && !result.reportLost)) {
    // No stored report to share (it was lost): free the node so a waiter captures it itself.
    yield context.df.callEntity(nodeEntity, 'release', {
      instanceId: request.instanceId,
      nowMs: nowMs(),
      report: null,
    });
  } else if (nodeEntity && result.prefix && result.status) {
    const shared: SharedNodeReport = {
      instanceId: request.instanceId,
      node: node?.name ?? nodeRef,
      prefix: result.prefix,
      status: result.status,
      notified: result.notified,
      ...(result.reportUrl ? { reportUrl: result.reportUrl } : {}),
      ...(result.jsonUrl ? { jsonUrl: result.jsonUrl } : {}),
    };
    const waiters = (yield context.df.callEntity(nodeEntity, 'release', {
      instanceId: request.instanceId,
      nowMs: nowMs(),
      report: shared,
    })) as string[];
    if (waiters.length > 0) {
      try {
        yield context.df.callActivityWithRetry(ACTIVITY.notifyWaiters, transientRetry(), { waiters, report: shared });
      } catch (err) {
        // The waiters find the report at the entity when their next poll comes round.
        if (!context.df.isReplaying) {
          functionLogger(context, { instanceId: context.df.instanceId }).warn('could not tell waiting investigations', {
            reason: failureMessage(err),
          });
        }
      }
    }
  }
  return result;
}

/** A node result that reuses another investigation's stored report (the node's single flight). */
function sharedResult(report: SharedNodeReport, self: string): NodeResult {
  return {
    node: report.node,
    prefix: report.prefix,
    status: report.status as InvestigationStatus,
    notified: report.notified,
    ...(report.reportUrl ? { reportUrl: report.reportUrl } : {}),
    ...(report.jsonUrl ? { jsonUrl: report.jsonUrl } : {}),
    ...(report.instanceId !== self ? { sharedFrom: report.instanceId } : {}),
  };
}

/** Starts this run's capture Job, waits out the trace, collects the evidence, and always deletes the Job. */
function* captureNode(
  context: OrchestrationContext,
  progress: Progress,
  request: InvestigationRequest,
  cluster: ClusterInfo,
  plan: InvestigationPlan,
  node: ResolveNodeOutput,
  prefix: string,
  problems: string[],
): Generator<Task, { evidence: boolean; nodeDeleted: string | null }, unknown> {
  let evidence = false;
  let nodeDeleted: string | null = null;
  let jobName: string | null = null;
  // Unique to this execution (replay-safe): names the Job, and only this owner may adopt or delete it.
  const owner = `${request.instanceId}/${context.df.newGuid(`${request.instanceId}/${node.name}`)}`;
  try {
    progress.set('start-capture');
    const started = (yield context.df.callActivityWithRetry(ACTIVITY.startCapture, transientRetry(), {
      cluster,
      node: node.name,
      investigationId: request.instanceId,
      owner,
      traceSeconds: plan.traceSeconds,
    })) as StartCaptureOutput;
    jobName = started.jobName;

    const traceEnds = addSeconds(context.df.currentUtcDateTime, plan.traceSeconds);
    progress.set('tracing', `tcptracer runs until ${traceEnds.toISOString()}`);
    yield context.df.createTimer(traceEnds);

    const giveUpAt = addSeconds(traceEnds, plan.captureMarginSeconds);
    let status: CaptureStatusOutput = { phase: 'Pending', reason: null };
    for (;;) {
      status = (yield context.df.callActivityWithRetry(ACTIVITY.captureStatus, transientRetry(), {
        cluster,
        jobName,
      })) as CaptureStatusOutput;
      if (status.phase === 'Succeeded' || status.phase === 'Failed' || status.phase === 'DeadlineExceeded') break;
      if (context.df.currentUtcDateTime >= giveUpAt) break;
      progress.set('waiting-for-capture', `${status.phase}${status.reason ? `: ${status.reason}` : ''}`);
      yield context.df.createTimer(addSeconds(context.df.currentUtcDateTime, plan.pollSeconds));
    }
    if (status.nodeDeleted) {
      nodeDeleted = status.nodeDeleted;
      problems.push(
        status.beforeStart
          ? `node ${status.nodeDeleted} was deleted before the capture pod started (scale-down, upgrade or repair): nothing was traced on it and its pods' sockets were lost with it`
          : `node ${status.nodeDeleted} was deleted while tracing (scale-down, upgrade or repair): its capture log and its pods' sockets were lost with it, so nothing from the node could be collected`,
      );
    } else if (status.phase !== 'Succeeded') {
      problems.push(
        `the capture Job ${status.phase === 'Pending' || status.phase === 'Running' ? `was still ${status.phase} after the deadline` : `ended ${status.phase}`}` +
          `${status.reason ? ` (${status.reason})` : ''}`,
      );
    }
    if (!nodeDeleted && (status.phase === 'Succeeded' || status.phase === 'Failed')) {
      progress.set('collect-evidence');
      // The Job (and its log) stays until the evidence is stored: this rides out a Blob outage before the
      // `finally` below deletes it. The Job's TTL after finishing covers the same bound.
      const collected = yield* callRidingStoreOutage<CollectEvidenceOutput>(
        context,
        ACTIVITY.collectEvidence,
        { cluster, jobName, node: node.name, prefix },
        plan.storeRetryMinutes,
      );
      evidence = collected.files > 0;
      if (collected.missingTools.length > 0) problems.push(`the node lacks ${collected.missingTools.join(', ')}`);
      if (collected.truncated) problems.push('the capture output was truncated to fit the log budget');
    }
  } catch (err) {
    problems.push(`node capture failed: ${failureMessage(err)}`);
  } finally {
    if (jobName !== null) {
      progress.set('delete-capture');
      try {
        yield context.df.callActivityWithRetry(ACTIVITY.deleteCapture, cleanupRetry(), { cluster, jobName, owner });
      } catch (err) {
        const problem = `could not delete capture Job ${jobName}: ${failureMessage(err)} (delete it by hand)`;
        problems.push(problem);
        // Self-monitoring alerts on this line (infra/modules/selfMonitoring.bicep); the sweeper retries later.
        if (!context.df.isReplaying) {
          functionLogger(context, { instanceId: request.instanceId, cluster: cluster.name, node: node.name }).error(
            'could not delete capture Job',
            { jobName, reason: failureMessage(err) },
          );
        }
      }
    }
  }
  return { evidence, nodeDeleted };
}

/**
 * netstat in the candidate pods, in waves: at most `execWaveSize` exec calls at once for this investigation,
 * however far the app scales out (host.json's maxConcurrentActivityFunctions bounds one instance only).
 */
function* podSocketWaves(
  context: OrchestrationContext,
  progress: Progress,
  cluster: ClusterInfo,
  plan: InvestigationPlan,
  nodeName: string,
  prefix: string,
  problems: string[],
): Generator<Task, boolean, unknown> {
  try {
    progress.set('select-pods');
    const selected = yield* callRidingStoreOutage<SelectedCandidatesSummary>(
      context,
      ACTIVITY.selectCandidates,
      { cluster, node: nodeName, prefix, maxPods: plan.maxCandidatePods },
      plan.storeRetryMinutes,
    );
    const groups = batches(selected.count, plan.netstatBatchSize);
    const perWave = Math.max(1, Math.floor(plan.execWaveSize / plan.execPerActivity));
    const plannedWaves = waves(groups, perWave);
    progress.set(
      'netstat',
      `${selected.count} pods in ${groups.length} batch${groups.length === 1 ? '' : 'es'} (${plannedWaves.length} wave${plannedWaves.length === 1 ? '' : 's'} of at most ${plan.execWaveSize} execs), chosen by ${selected.basis}`,
    );
    const tables: PodSocketsOutput = [];
    for (const wave of plannedWaves) {
      const results = (yield context.df.Task.all(
        wave.map((slice) =>
          context.df.callActivityWithRetry(ACTIVITY.podSockets, transientRetry(), {
            cluster,
            prefix,
            slice: { file: selected.file, ...slice },
            concurrency: plan.execPerActivity,
          }),
        ),
      )) as PodSocketsOutput[];
      tables.push(...results.flat());
    }
    // A pod exec could not reach (distroless, no shell) is still measured from the node-side socket table
    // when the capture has one, so a skip is not by itself a degradation; the report shows each method.
    const failed = netstatProblem(tables);
    if (failed) problems.push(failed);
    return tables.some((r) => r.method !== 'skipped');
  } catch (err) {
    problems.push(`pod socket tables failed: ${failureMessage(err)}`);
    return false;
  }
}

/**
 * The orchestrator generator (exported for tests; registered below).
 *
 * @example
 * // input: InvestigationRequest from the alert webhook or the on-demand endpoint
 * df.app.orchestration(SNAT_INVESTIGATION_ORCHESTRATOR, snatInvestigationOrchestrator);
 */
export function* snatInvestigationOrchestrator(
  context: OrchestrationContext,
): Generator<Task, InvestigationOutcome, unknown> {
  const request = context.df.getInput() as InvestigationRequest;
  const startedAt = context.df.currentUtcDateTime;
  const progress = new Progress(context, startedAt);
  const resolve = new ResolveWatch(context, request);
  const outcome: InvestigationOutcome = { instanceId: request.instanceId, nodes: [], problems: [] };
  const lbId = request.target.loadBalancerId;

  progress.set('resolve-cluster');
  let resolved: ResolveClusterOutput | null = null;
  try {
    resolved = (yield context.df.callActivityWithRetry(ACTIVITY.resolveCluster, transientRetry(), {
      loadBalancerId: lbId,
    })) as ResolveClusterOutput;
  } catch (err) {
    outcome.problems.push(`the cluster behind load balancer ${lbId} could not be resolved: ${failureMessage(err)}`);
  }

  const failWith = function* (problem: string): Step {
    const node = request.nodeHint ?? request.target.backendIp ?? 'unknown-node';
    const stored = yield* storeAndNotify(
      context,
      progress,
      {
        prefix: reportPrefix({
          cluster: resolved?.cluster.name ?? 'unknown-cluster',
          node,
          timestamp: startedAt,
          instanceId: request.instanceId,
        }),
        request,
        cluster: resolved?.cluster ?? null,
        node: { name: request.nodeHint ?? null, ip: request.target.backendIp },
        metrics: [],
        problems: [...outcome.problems, problem].filter((p, i, all) => all.indexOf(p) === i),
        status: 'failed',
        generatedAt: context.df.currentUtcDateTime.toISOString(),
        windowStart: null,
        windowEnd: null,
      },
      resolved?.plan.storeRetryMinutes ?? SETTING_DEFAULTS.STORE_RETRY_MINUTES,
    );
    outcome.nodes.push(stored);
    return stored;
  };

  if (!resolved) {
    yield* failWith(outcome.problems[0] ?? 'the cluster could not be resolved');
    progress.set('done');
    return endOf(outcome);
  }
  const { cluster, support, plan } = resolved;
  progress.cluster = cluster.name;
  if (!support.supported) {
    yield* failWith(support.reason);
    progress.set('done');
    return endOf(outcome);
  }

  let nodes: string[] = [];
  if (request.nodeHint) nodes = [request.nodeHint];
  else if (request.target.backendIp) nodes = [request.target.backendIp];
  else {
    progress.set('find-worst-nodes');
    try {
      const worst = (yield context.df.callActivityWithRetry(ACTIVITY.findWorstNodes, transientRetry(), {
        loadBalancerId: lbId,
        windowEnd: context.df.currentUtcDateTime.toISOString(),
        minutes: plan.metricsMinutes,
        count: plan.worstNodesCount,
      })) as FindWorstNodesOutput;
      nodes = worst.map((w) => w.backendIp);
    } catch (err) {
      outcome.problems.push(`Azure Monitor could not name the worst nodes: ${failureMessage(err)}`);
    }
    if (nodes.length === 0) {
      yield* failWith(outcome.problems[0] ?? 'Azure Monitor reports no backend using SNAT ports on this load balancer');
      progress.set('done');
      return endOf(outcome);
    }
  }

  for (const nodeRef of nodes) {
    const result = yield* runNodeInvestigation(context, progress, request, cluster, plan, nodeRef, startedAt, resolve);
    outcome.nodes.push(result);
  }
  progress.set('done');
  return endOf(outcome);
}

/** The outcome, or a failure naming each report that could not be stored (the orchestration ends Failed). */
function endOf(outcome: InvestigationOutcome): InvestigationOutcome {
  const lost = outcome.nodes.filter((n) => n.reportLost);
  if (lost.length > 0) {
    throw new Error(lost.map((n) => `node ${n.node ?? 'unknown'}: ${n.reportLost}`).join('; '));
  }
  return outcome;
}

df.app.orchestration(SNAT_INVESTIGATION_ORCHESTRATOR, snatInvestigationOrchestrator as OrchestrationHandler);
