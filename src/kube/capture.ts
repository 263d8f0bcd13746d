/**
 * The node capture, shaped for a durable orchestrator: `start` -> poll
 * `status` -> `collect` -> `delete` (always, also after errors). Each step is
 * one short, idempotent call, so an activity can retry it.
 */

import type { KubeConfig, V1Job, V1Pod } from '@kubernetes/client-node';
import { inRange, SETTING_RANGES } from '../config/ranges.js';
import {
  buildCaptureJob,
  CAPTURE_SELECTOR,
  DEFAULT_CAPTURE_IMAGE,
  DEFAULT_CAPTURE_NAMESPACE,
  DEFAULT_TRACE_SECONDS,
} from './captureJob.js';
import { call, isNotFound, type KubeClients, makeClients } from './client.js';
import { CaptureCapacityError, CaptureFailedError, CapturePreflightError, KubeApiError } from './errors.js';
import type { EvidenceSink } from './evidenceSink.js';
import { decodeCapture } from './framing.js';

export const POD_SECURITY_LABEL = 'pod-security.kubernetes.io/enforce';

/** Minimal structured logger; pass your own (with correlation keys) or nothing. */
export interface KubeLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

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
  logger?: KubeLogger;
  /** Keep a finished Job this long at least (its log is the evidence): see `buildCaptureJob`. */
  ttlSecondsAfterFinished?: number;
}

export type CapturePhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'DeadlineExceeded';

export interface CaptureStatus {
  phase: CapturePhase;
  /** Why it is Pending or Failed: `Unschedulable: ...`, `ImagePullBackOff: ...`, `NodeNotReady`, ... */
  reason: string | null;
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

const noopLogger: KubeLogger = { info() {}, warn() {} };

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

const PULL_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull']);

/** Runs and collects node captures. */
export class CaptureManager {
  readonly namespace: string;
  readonly image: string;
  readonly maxConcurrent: number;
  readonly traceSeconds: number;
  private readonly ttlSecondsAfterFinished: number | undefined;
  private readonly clients: KubeClients;
  private readonly log: KubeLogger;

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
    this.log = opts.logger ?? noopLogger;
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
   * Starts a capture on `node`, or returns the one already running there.
   *
   * @throws CaptureCapacityError when `maxConcurrent` captures already run in the cluster.
   */
  async start(node: string, investigationId: string): Promise<{ jobName: string; reused: boolean }> {
    const running = (await this.listCaptureJobs()).filter((j) => !jobFinished(j));
    const same = running.find((j) => j.spec?.template?.spec?.nodeName === node);
    if (same?.metadata?.name) {
      this.log.info('capture already running on node', { node, jobName: same.metadata.name });
      return { jobName: same.metadata.name, reused: true };
    }
    if (running.length >= this.maxConcurrent) {
      throw new CaptureCapacityError(
        running.map((j) => `${j.metadata?.name} (${j.spec?.template?.spec?.nodeName})`),
        this.maxConcurrent,
      );
    }
    const body = buildCaptureJob({
      node,
      investigationId,
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
      // Same node and investigation id: a retried activity. The existing Job is the answer.
      if (err instanceof KubeApiError && err.status === 409) return { jobName, reused: true };
      throw err;
    }
    this.log.info('capture job created', { node, jobName, traceSeconds: this.traceSeconds });
    return this.settleRace(node, jobName);
  }

  /**
   * The one-per-node check above is read-then-create, so two investigations starting on the same node at the
   * same instant can both create a Job. Both then look again and agree on one winner (oldest, then smallest
   * name); the loser deletes its own Job and uses the winner's.
   */
  private async settleRace(node: string, jobName: string): Promise<{ jobName: string; reused: boolean }> {
    const rivals = (await this.listCaptureJobs())
      .filter((j) => !jobFinished(j) && j.spec?.template?.spec?.nodeName === node && j.metadata?.name)
      .sort((a, b) => {
        const ta = new Date(a.metadata?.creationTimestamp ?? 0).getTime();
        const tb = new Date(b.metadata?.creationTimestamp ?? 0).getTime();
        const na = a.metadata?.name ?? '';
        const nb = b.metadata?.name ?? '';
        return ta - tb || (na < nb ? -1 : na > nb ? 1 : 0);
      });
    const winner = rivals[0]?.metadata?.name;
    if (!winner || winner === jobName) return { jobName, reused: false };
    this.log.warn('another capture started on the node at the same time; using it', { node, jobName, winner });
    await this.delete(jobName);
    return { jobName: winner, reused: true };
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
        if (isNotFound(err)) return `NodeNotFound: ${nodeName}`;
        throw err;
      }
    }
    return pod.status?.containerStatuses?.length ? 'ContainerCreating' : null;
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
      const term = pod?.status?.containerStatuses?.[0]?.state?.terminated;
      const podReason = term ? `container ${term.reason ?? 'terminated'} (exit ${term.exitCode})` : pod?.status?.reason;
      return { phase: 'Failed', reason: [done.reason, podReason].filter(Boolean).join(': ') || 'Failed' };
    }
    const pod = await this.jobPod(jobName);
    if (!pod) return { phase: 'Pending', reason: 'PodNotCreated' };
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

  /** Deletes the Job and (background propagation) its pod. A Job already gone is fine. */
  async delete(jobName: string): Promise<void> {
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
