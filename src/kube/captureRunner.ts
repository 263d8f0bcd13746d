/**
 * The capture runner (lifecycle of the node capture Job; the spec is in
 * captureJob.ts, the shell asset in capture-script/), shaped for a durable orchestrator: `start` -> poll
 * `status` -> `collect` -> `delete` (always, also after errors). Each step is
 * one short, idempotent call, so an activity can retry it.
 */

import type { KubeConfig, V1Job, V1Pod } from '@kubernetes/client-node';
import { inRange, SETTING_RANGES } from '../config/ranges.js';
import type { EvidenceSink } from '../evidence/evidenceSink.js';
import type { CapturePhase } from '../investigation/contracts.js';
import { type Logger, silentLogger } from '../logging/logger.js';
import {
  buildCaptureJob,
  CAPTURE_ANNOTATIONS,
  CAPTURE_SELECTOR,
  DEFAULT_CAPTURE_IMAGE,
  DEFAULT_CAPTURE_NAMESPACE,
  DEFAULT_TRACE_SECONDS,
} from './captureJob.js';
import { call, isNotFound, type KubeClients, makeClients } from './client.js';
import {
  CaptureCapacityError,
  CaptureFailedError,
  CaptureOwnershipError,
  CapturePreflightError,
  KubeApiError,
} from './errors.js';
import { decodeCapture } from './framing.js';

/** The namespace label whose value (`privileged`) lets the capture pod run; `preflight` checks it. */
export const POD_SECURITY_LABEL = 'pod-security.kubernetes.io/enforce';

/** How a {@link CaptureManager} creates and watches capture Jobs. */
export interface CaptureManagerOptions {
  /** Namespace of the capture Jobs (default `snat-responder`). */
  namespace?: string;
  /** Capture image (default {@link DEFAULT_CAPTURE_IMAGE}). */
  image?: string;
  /** Cluster-wide cap on running captures (default 3). */
  maxConcurrent?: number;
  /** tcptracer window in seconds (default 60). */
  traceSeconds?: number;
  /** Per-request timeout of API calls (default 15 s). */
  requestTimeoutMs?: number;
  /** Where progress and warnings go (with the caller's correlation keys); silent when absent. */
  logger?: Logger;
  /** Keep a finished Job this long at least (its log is the evidence): see `buildCaptureJob`. */
  ttlSecondsAfterFinished?: number;
}

/** Where a capture Job is, and why when it is stuck or failed. */
export interface CaptureStatus {
  /** The Job's phase. */
  phase: CapturePhase;
  /** Why it is Pending or Failed: `Unschedulable: ...`, `ImagePullBackOff: ...`, `NodeNotReady`, ... */
  reason: string | null;
  /**
   * Set when the capture cannot succeed because its node no longer exists: the node's name. Either the Job failed
   * after pod GC removed its pod (deleted while tracing), or the node was gone before the pod could start (the pod
   * pends forever with no kubelet to run it, or was never created): then `beforeStart` is true.
   */
  nodeDeleted?: string;
  /** True when the node was gone before the capture pod started: nothing was traced. */
  beforeStart?: boolean;
}

/** What `collect` wrote; small enough to return from an activity. */
export interface CaptureSummary {
  /** Bundle-relative paths written to the sink. */
  files: string[];
  /** Uncompressed bytes written. */
  bytes: number;
  /** Tools the node lacked (`tcptracer`, `crictl`, ...). */
  missingTools: string[];
  /** True when the trace (or a socket table) was capped to fit the log budget. */
  truncated: boolean;
  /** Scalar facts from `capture.json` (kernel, bccVersion, osImage, traceLines, ...). */
  nodeFacts: Record<string, string>;
}

/** Parallel writes into the evidence sink. */
const SINK_WRITES_AT_ONCE = 8;

/**
 * The Job's outcome once it is decided. Kubernetes 1.31+ first sets `SuccessCriteriaMet` / `FailureTarget`
 * while the pods terminate, then `Complete` / `Failed`; older control planes set only the latter. The interim
 * condition already decides the outcome (and the capture pod has finished or is being killed), so either
 * condition of each pair ends the wait.
 */
function jobFinished(
  job: V1Job,
): { type: 'Complete' | 'Failed'; reason: string | null; message: string | null } | null {
  const OUTCOME: Record<string, 'Complete' | 'Failed'> = {
    Complete: 'Complete',
    SuccessCriteriaMet: 'Complete',
    Failed: 'Failed',
    FailureTarget: 'Failed',
  };
  for (const c of job.status?.conditions ?? []) {
    const type = OUTCOME[c.type];
    if (type && c.status === 'True') return { type, reason: c.reason ?? null, message: c.message ?? null };
  }
  return null;
}

/** Prefix of the pending reason of a pod bound to a node that no longer exists. */
const NODE_NOT_FOUND = 'NodeNotFound: ';

/** The status of a capture whose node was deleted before its pod started (`what`: what was seen of the pod). */
function goneBeforeStart(node: string, what: string): CaptureStatus {
  return {
    phase: 'Failed',
    reason: `NodeDeleted: node ${node} was deleted before the capture pod started (${what})`,
    nodeDeleted: node,
    beforeStart: true,
  };
}

const PULL_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull']);

/** Runs and collects node captures. */
export class CaptureManager {
  readonly namespace: string;
  readonly image: string;
  readonly maxConcurrent: number;
  readonly traceSeconds: number;
  private readonly ttlSecondsAfterFinished: number | undefined;
  private readonly clients: KubeClients;
  private readonly log: Logger;

  constructor(kc: KubeConfig, opts: CaptureManagerOptions = {}) {
    this.namespace = opts.namespace ?? DEFAULT_CAPTURE_NAMESPACE;
    this.image = opts.image ?? DEFAULT_CAPTURE_IMAGE;
    this.maxConcurrent = opts.maxConcurrent ?? 3;
    this.traceSeconds = opts.traceSeconds ?? DEFAULT_TRACE_SECONDS;
    this.ttlSecondsAfterFinished = opts.ttlSecondsAfterFinished;
    if (!inRange('TRACE_SECONDS', this.traceSeconds)) {
      const { min, max } = SETTING_RANGES.TRACE_SECONDS;
      throw new RangeError(`traceSeconds must be an integer between ${min} and ${max}`);
    }
    if (!Number.isInteger(this.maxConcurrent) || this.maxConcurrent < 1) {
      throw new RangeError('maxConcurrent must be a positive integer');
    }
    this.clients = makeClients(kc, opts.requestTimeoutMs);
    this.log = opts.logger ?? silentLogger;
  }

  /**
   * Checks the namespace exists and admits privileged pods, before anything is created.
   *
   * @throws CapturePreflightError with the exact kubectl command that fixes it.
   */
  async preflight(): Promise<void> {
    const ns = this.namespace;
    const fix = `kubectl apply -f infra/k8s/ (or: kubectl create namespace ${ns} && kubectl label namespace ${ns} ${POD_SECURITY_LABEL}=privileged)`;
    let labels: Record<string, string>;
    try {
      const obj = await call(this.clients, `read namespace ${ns}`, () => this.clients.core.readNamespace({ name: ns }));
      labels = obj.metadata?.labels ?? {};
    } catch (err) {
      if (isNotFound(err)) {
        throw new CapturePreflightError(`capture namespace "${ns}" does not exist; fix: ${fix}`, { cause: err });
      }
      throw err;
    }
    const enforce = labels[POD_SECURITY_LABEL];
    if (enforce !== 'privileged') {
      throw new CapturePreflightError(
        `capture namespace "${ns}" has ${POD_SECURITY_LABEL}=${enforce ?? '(unset)'}, which rejects the privileged capture pod; fix: kubectl label namespace ${ns} ${POD_SECURITY_LABEL}=privileged --overwrite`,
      );
    }
  }

  private async listCaptureJobs(): Promise<V1Job[]> {
    const list = await call(this.clients, `list capture jobs in ${this.namespace}`, () =>
      this.clients.batch.listNamespacedJob({ namespace: this.namespace, labelSelector: CAPTURE_SELECTOR }),
    );
    return list.items;
  }

  /**
   * Starts a capture on `node` for `owner` (unique to one execution of one investigation; default the
   * investigation id). Another investigation's Job on the node is never adopted: one capture per node is the
   * orchestration's single-flight entity's job, and adopting a foreign Job is how one investigation used to
   * delete another's capture. The only Job adopted is this owner's own, still running, when a retried create
   * meets the one the first attempt made (409).
   *
   * @throws CaptureCapacityError when `maxConcurrent` captures already run in the cluster (a second guard; the
   * orchestration's capacity entity waits for a slot first).
   * @throws CaptureOwnershipError when a Job of that name exists but belongs to someone else or has finished.
   */
  async start(
    node: string,
    investigationId: string,
    owner: string = investigationId,
  ): Promise<{ jobName: string; reused: boolean }> {
    const running = (await this.listCaptureJobs()).filter((j) => !jobFinished(j));
    if (running.length >= this.maxConcurrent) {
      throw new CaptureCapacityError(
        running.map((j) => `${j.metadata?.name} (${j.spec?.template?.spec?.nodeName})`),
        this.maxConcurrent,
      );
    }
    const body = buildCaptureJob({
      node,
      investigationId,
      owner,
      namespace: this.namespace,
      image: this.image,
      traceSeconds: this.traceSeconds,
      ...(this.ttlSecondsAfterFinished ? { ttlSecondsAfterFinished: this.ttlSecondsAfterFinished } : {}),
    });
    const jobName = body.metadata?.name ?? '';
    try {
      await call(this.clients, `create capture job ${jobName}`, () =>
        this.clients.batch.createNamespacedJob({ namespace: this.namespace, body }),
      );
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 409)) throw err;
      const existing = await this.readJob(jobName);
      const holder = existing?.metadata?.annotations?.[CAPTURE_ANNOTATIONS.owner];
      if (existing && holder === owner && !jobFinished(existing)) {
        this.log.info('capture job already created by an earlier attempt of this run', { node, jobName });
        return { jobName, reused: true };
      }
      throw new CaptureOwnershipError(
        jobName,
        existing
          ? holder === owner
            ? 'it has already finished (an earlier run), and a finished Job is never reported as a new capture'
            : `it belongs to ${holder ?? 'an unknown owner'}`
          : 'it exists but could not be read',
        { cause: err },
      );
    }
    this.log.info('capture job created', { node, jobName, traceSeconds: this.traceSeconds });
    return { jobName, reused: false };
  }

  private async readJob(jobName: string): Promise<V1Job | null> {
    try {
      return await call(this.clients, `read capture job ${jobName}`, () =>
        this.clients.batch.readNamespacedJob({ name: jobName, namespace: this.namespace }),
      );
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  private async jobPod(jobName: string): Promise<V1Pod | null> {
    const list = await call(this.clients, `list pods of job ${jobName}`, () =>
      this.clients.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `job-name=${jobName}` }),
    );
    // Newest first: with backoffLimit 0 there is one, but be exact if the controller made another.
    return (
      [...list.items].sort((a, b) =>
        String(b.metadata?.creationTimestamp?.valueOf() ?? '').localeCompare(
          String(a.metadata?.creationTimestamp?.valueOf() ?? ''),
        ),
      )[0] ?? null
    );
  }

  private async pendingReason(pod: V1Pod): Promise<string | null> {
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False') {
      return `${scheduled.reason ?? 'Unschedulable'}${scheduled.message ? `: ${scheduled.message}` : ''}`;
    }
    for (const cs of pod.status?.containerStatuses ?? []) {
      const w = cs.state?.waiting;
      if (w?.reason && w.reason !== 'ContainerCreating') {
        return `${w.reason}${w.message ? `: ${w.message}` : ''}`;
      }
    }
    const nodeName = pod.spec?.nodeName;
    if (nodeName) {
      try {
        const node = await call(this.clients, `read node ${nodeName}`, () =>
          this.clients.core.readNode({ name: nodeName }),
        );
        const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
        if (ready && ready.status !== 'True') return `NodeNotReady: ${ready.reason ?? ready.status}`;
      } catch (err) {
        if (isNotFound(err)) return `${NODE_NOT_FOUND}${nodeName}`;
        throw err;
      }
    }
    return pod.status?.containerStatuses?.length ? 'ContainerCreating' : null;
  }

  /** `nodeName` when that node no longer exists (GET answers 404), else null. */
  private async deletedNode(nodeName: string | undefined): Promise<string | null> {
    if (!nodeName) return null;
    try {
      await call(this.clients, `read node ${nodeName}`, () => this.clients.core.readNode({ name: nodeName }));
      return null;
    } catch (err) {
      if (isNotFound(err)) return nodeName;
      throw err;
    }
  }

  /** Where the capture is, with the reason when it waits or failed. */
  async status(jobName: string): Promise<CaptureStatus> {
    const job = await call(this.clients, `read capture job ${jobName}`, () =>
      this.clients.batch.readNamespacedJob({ name: jobName, namespace: this.namespace }),
    );
    const done = jobFinished(job);
    if (done?.type === 'Complete') return { phase: 'Succeeded', reason: null };
    if (done?.type === 'Failed') {
      if (done.reason === 'DeadlineExceeded') return { phase: 'DeadlineExceeded', reason: done.message ?? done.reason };
      const pod = await this.jobPod(jobName);
      // A failed Job without its pod: pod GC removes the pods of a deleted node, so ask whether the node is gone.
      const gone = pod ? null : await this.deletedNode(job.spec?.template?.spec?.nodeName);
      if (gone) {
        return {
          phase: 'Failed',
          reason: `NodeDeleted: node ${gone} was deleted while the capture ran (${done.reason ?? 'Failed'})`,
          nodeDeleted: gone,
        };
      }
      const term = pod?.status?.containerStatuses?.[0]?.state?.terminated;
      const podReason = term ? `container ${term.reason ?? 'terminated'} (exit ${term.exitCode})` : pod?.status?.reason;
      return { phase: 'Failed', reason: [done.reason, podReason].filter(Boolean).join(': ') || 'Failed' };
    }
    const pod = await this.jobPod(jobName);
    if (!pod) {
      // No pod yet, or pod GC removed one bound to a deleted node: a pod for a node that is gone never starts.
      const gone = await this.deletedNode(job.spec?.template?.spec?.nodeName);
      return gone ? goneBeforeStart(gone, 'no capture pod') : { phase: 'Pending', reason: 'PodNotCreated' };
    }
    switch (pod.status?.phase) {
      case 'Running':
        return { phase: 'Running', reason: null };
      case 'Succeeded':
        return { phase: 'Succeeded', reason: null };
      case 'Failed': {
        const term = pod.status.containerStatuses?.[0]?.state?.terminated;
        return {
          phase: 'Failed',
          reason:
            pod.status.reason ?? (term ? `container ${term.reason ?? 'terminated'} (exit ${term.exitCode})` : null),
        };
      }
      default: {
        const reason = await this.pendingReason(pod);
        // The node was deleted before the pod started: no kubelet will ever run it, so waiting only ends at the
        // Job's deadline. Decide now; the owner still deletes the Job.
        if (reason?.startsWith(NODE_NOT_FOUND)) {
          return goneBeforeStart(reason.slice(NODE_NOT_FOUND.length), 'capture pod still Pending');
        }
        // A pod waiting on an image it can never pull is not going to start: say so early.
        if (reason && PULL_REASONS.has(reason.split(':')[0] ?? ''))
          this.log.warn('capture pod cannot pull its image', { jobName, reason });
        return { phase: 'Pending', reason };
      }
    }
  }

  /**
   * Reads the capture pod's log, verifies the framing and writes the evidence
   * files through `sink`.
   *
   * @throws CaptureOutputTruncatedError when the framing does not check out.
   * @throws CaptureFailedError when there is no pod or no output to read.
   */
  async collect(jobName: string, sink: EvidenceSink): Promise<CaptureSummary> {
    const pod = await this.jobPod(jobName);
    const podName = pod?.metadata?.name;
    if (!podName) throw new CaptureFailedError(`capture job ${jobName} has no pod to read`, 'Failed', 'PodGone');
    const log = await call(this.clients, `read log of ${podName}`, () =>
      this.clients.core.readNamespacedPodLog({ name: podName, namespace: this.namespace, container: 'capture' }),
    );
    const files = decodeCapture(log);
    const bytes = files.reduce((n, f) => n + f.data.length, 0);
    // A few writes at a time: a capture is dozens of small files, and the sink is usually remote (Blob).
    let next = 0;
    const writer = async () => {
      while (next < files.length) {
        const f = files[next++]!;
        await sink.put(f.path, f.data);
      }
    };
    await Promise.all(Array.from({ length: Math.min(SINK_WRITES_AT_ONCE, files.length) }, writer));
    const summary: CaptureSummary = {
      files: files.map((f) => f.path),
      bytes,
      missingTools: [],
      truncated: false,
      nodeFacts: {},
    };
    const facts = files.find((f) => f.path === 'capture.json');
    if (facts) {
      try {
        const j = JSON.parse(facts.data.toString('utf8')) as Record<string, unknown>;
        summary.missingTools = Array.isArray(j.missingTools) ? j.missingTools.map(String) : [];
        summary.truncated = j.truncated === true || j.socketsTruncated === true;
        for (const [k, v] of Object.entries(j)) {
          if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
            summary.nodeFacts[k] = String(v);
        }
      } catch {
        this.log.warn('capture.json is not valid JSON', { jobName });
      }
    }
    this.log.info('capture collected', { jobName, files: files.length, bytes, missingTools: summary.missingTools });
    return summary;
  }

  /**
   * Deletes the Job and (background propagation) its pod, only when `owner` created it: a Job of another
   * investigation is left alone (its owner deletes it; TTL and the deadline are the backstop). A Job already gone
   * is fine.
   *
   * @throws CaptureOwnershipError when the Job belongs to another owner.
   */
  async delete(jobName: string, owner: string): Promise<void> {
    const existing = await this.readJob(jobName);
    if (!existing) return;
    const holder = existing.metadata?.annotations?.[CAPTURE_ANNOTATIONS.owner];
    if (holder !== owner) {
      throw new CaptureOwnershipError(
        jobName,
        `it belongs to ${holder ?? 'an unknown owner'}; only its owner deletes it`,
      );
    }
    await this.deleteJob(jobName);
  }

  /**
   * The sweeper's delete: for a Job whose annotated investigation it has checked is no longer running, on behalf
   * of that (ended) owner. Never call it for a Job whose owner may still run.
   */
  async deleteAbandoned(jobName: string): Promise<void> {
    await this.deleteJob(jobName);
  }

  private async deleteJob(jobName: string): Promise<void> {
    try {
      await call(this.clients, `delete capture job ${jobName}`, () =>
        this.clients.batch.deleteNamespacedJob({
          name: jobName,
          namespace: this.namespace,
          propagationPolicy: 'Background',
        }),
      );
      this.log.info('capture job deleted', { jobName });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}
