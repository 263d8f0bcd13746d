/**
 * Job timelines: batch/v1 Jobs whose pods move Pending -> Running -> Succeeded (or fail) on the server clock,
 * with the Job conditions of Kubernetes 1.31+ (`SuccessCriteriaMet` / `FailureTarget` while pods terminate,
 * then `Complete` / `Failed`) or of older control planes, the faults that bend them (stuck, deadline, exit
 * code, node lost), and the pod garbage collection that a Job's deletion policy asks for. Nothing is stored as
 * it changes: a Job's and its pod's status are computed from the clock on every read.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SimCluster } from './cluster.js';
import { podConditions } from './scenarioObjects.js';
import { fieldOf } from './selectors.js';

type Json = Record<string, unknown>;

/** How fast capture Jobs move, and which Job conditions the simulated control plane reports. */
export interface KubeTiming {
  /** How long a capture pod stays Pending (default 100 ms). */
  pendingMs?: number;
  /** How long it runs before Succeeded (default 300 ms). */
  runningMs?: number;
  /**
   * How long a finished Job shows only its interim condition (`SuccessCriteriaMet` / `FailureTarget`) while its
   * pods terminate, before `Complete` / `Failed` (Kubernetes 1.31+; default 100 ms).
   */
  terminatingMs?: number;
  /**
   * `current` (default): the 1.31+ sequence, interim condition first. `pre-1.31`: `Complete` / `Failed` at once,
   * no interim condition and no `terminating` count, as older control planes report.
   */
  jobConditions?: 'current' | 'pre-1.31';
  /**
   * Start a Job's timeline when a client first reads the Job (GET by name) instead of at creation, so the
   * client sees it Pending at least once however slow the machine is (no wall-clock race in tests).
   */
  startOnFirstRead?: boolean;
}

/** One Job created through the API, and where its timeline stands. */
export interface JobRecord {
  /** The Job as created (metadata filled in), without status. */
  job: Json;
  /** When the Job's timeline starts: at creation, or (with `timing.startOnFirstRead`) when it is first read. */
  createdAt: number;
  /** False until the timeline has started (only with `timing.startOnFirstRead`). */
  started: boolean;
  /** Its pod's name, or null when admission gave it none. */
  podName: string | null;
  /** Set once the Job is deleted. */
  deleted: boolean;
  /** When its node was deleted while it ran (the pod is gone and the Job Failed), else undefined. */
  nodeLostAt?: number;
}

/** Where a Job's timeline stands. */
export type JobPhase = 'Pending' | 'Running' | 'Finishing' | 'Done';

/** The Jobs created through the API server and the pods they run, moving on the cluster's clock. */
export class JobTimelines {
  /** Every Job created, by `namespace/name` (deleted ones are removed). */
  readonly records = new Map<string, JobRecord>();
  private readonly timing: Required<Omit<KubeTiming, 'jobConditions'>> & { legacyConditions: boolean };

  /**
   * @param cluster The cluster whose pods, clock and faults the Jobs use.
   * @param timing How fast Jobs move (defaults: 100 ms pending, 300 ms running, 100 ms terminating).
   */
  constructor(
    private readonly cluster: SimCluster,
    timing: KubeTiming = {},
  ) {
    this.timing = {
      pendingMs: timing.pendingMs ?? 100,
      runningMs: timing.runningMs ?? 300,
      terminatingMs: timing.terminatingMs ?? 100,
      legacyConditions: timing.jobConditions === 'pre-1.31',
      startOnFirstRead: timing.startOnFirstRead ?? false,
    };
  }

  /** The name of the node a Job's pod is pinned to (`spec.template.spec.nodeName`), or ''. */
  nodeOf(r: JobRecord): string {
    return fieldOf(r.job, 'spec.template.spec.nodeName') ?? '';
  }

  /** When a started Job's pod began running (its node can be lost from then on). */
  runningSince(r: JobRecord): number {
    return r.createdAt + this.timing.pendingMs;
  }

  /** Every Job not deleted, with its status now (any namespace). */
  list(): Json[] {
    return [...this.records.values()].filter((r) => !r.deleted).map((r) => this.status(r));
  }

  /** The pods created for Jobs and not yet deleted, as they are now. */
  pods(): Json[] {
    return (
      [...this.cluster.pods.values()]
        // Capture pods only: scenario pods of a CronJob's Job carry job-name too.
        .filter(
          (p) =>
            fieldOf(p, 'metadata.labels.job-name') !== undefined &&
            !this.cluster.scenarioPods.has(`${fieldOf(p, 'metadata.namespace')}/${fieldOf(p, 'metadata.name')}`),
        )
        .map((p) => this.refreshPod(p))
    );
  }

  /** Whether a Job `ns/name` exists (not deleted). */
  exists(ns: string, name: string): boolean {
    const r = this.records.get(`${ns}/${name}`);
    return r !== undefined && !r.deleted;
  }

  /** Stores a Job from a create request's body (already validated and admitted) and creates its pod. */
  create(ns: string, body: Json): JobRecord {
    const meta = (body.metadata as Json) ?? {};
    const job: Json = {
      ...body,
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        ...meta,
        namespace: ns,
        uid: randomUUID(),
        creationTimestamp: new Date(this.cluster.clock()).toISOString(),
        generation: 1,
      },
    };
    const r: JobRecord = {
      job,
      createdAt: this.cluster.clock(),
      started: !this.timing.startOnFirstRead,
      podName: null,
      deleted: false,
    };
    this.records.set(`${ns}/${fieldOf(meta, 'name') ?? ''}`, r);
    r.podName = this.createPod(ns, job);
    return r;
  }

  /** A GET of one Job: its status now; the first read of a Job not started yet sees it Pending and starts it. */
  read(r: JobRecord): Json {
    const body = this.status(r);
    if (!r.started) {
      r.started = true;
      r.createdAt = this.cluster.clock();
    }
    return body;
  }

  /**
   * Deletes Job `ns/name`. Background/Foreground: the garbage collector removes its pods. Orphan (the default for
   * Jobs): they stay.
   */
  delete(ns: string, name: string, policy: string): void {
    const r = this.records.get(`${ns}/${name}`);
    if (r) r.deleted = true;
    this.records.delete(`${ns}/${name}`);
    if (policy === 'Orphan') return;
    for (const [k, p] of this.cluster.pods)
      if (fieldOf(p, 'metadata.labels.job-name') === name && fieldOf(p, 'metadata.namespace') === ns)
        this.cluster.pods.delete(k);
  }

  /**
   * Where a Job is: its pod pends, runs, then the Job is `Finishing` (1.31+: the interim condition is set while
   * its pods terminate) for `terminatingMs`, then `Done` (terminal condition).
   */
  timeline(r: JobRecord): JobPhase {
    const { pendingMs, runningMs, terminatingMs, legacyConditions } = this.timing;
    if (r.nodeLostAt !== undefined) return 'Done';
    // Bound to a node already deleted: no kubelet ever starts the pod (pod GC's orphan quarantine not simulated).
    if (!r.started || this.cluster.deletedNodes.has(this.nodeOf(r))) return 'Pending';
    const age = this.cluster.clock() - r.createdAt;
    if (age < pendingMs || this.cluster.faults.jobStuck) return 'Pending';
    if (age < pendingMs + runningMs) return 'Running';
    if (!legacyConditions && age < pendingMs + runningMs + terminatingMs) return 'Finishing';
    return 'Done';
  }

  /** How the Job ends, decided by the faults: success, deadline, or the pod's failure. */
  private outcome(r?: JobRecord): { ok: boolean; reason: string; message: string } {
    if (r?.nodeLostAt !== undefined)
      return { ok: false, reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    if (this.cluster.faults.jobDeadlineExceeded)
      return { ok: false, reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    if (this.cluster.faults.jobExitCode !== undefined && this.cluster.faults.jobExitCode !== 0)
      return { ok: false, reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    return { ok: true, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
  }

  /**
   * The Job's status as the Job controller reports it. Kubernetes 1.31+: `SuccessCriteriaMet` / `FailureTarget`
   * first (with `terminating` counting pods still shutting down), then `Complete` / `Failed` once no pod is
   * left running; before 1.31 the terminal condition came at once.
   */
  status(r: JobRecord): Json {
    const { pendingMs, runningMs, terminatingMs, legacyConditions } = this.timing;
    const t = this.timeline(r);
    const startTime = new Date(r.createdAt).toISOString();
    const ns = fieldOf(r.job, 'metadata.namespace');
    if ((t !== 'Finishing' && t !== 'Done') || r.podName === null) {
      const status: Json = { startTime, active: r.podName ? 1 : 0, ready: t === 'Running' ? 1 : 0 };
      if (!legacyConditions) status.terminating = 0;
      return { ...r.job, status };
    }
    const end = this.outcome(r);
    const ended = new Date(r.nodeLostAt ?? r.createdAt + pendingMs + runningMs).toISOString();
    const interim = {
      type: end.ok ? 'SuccessCriteriaMet' : 'FailureTarget',
      status: 'True',
      reason: end.reason,
      message: end.message,
      lastProbeTime: ended,
      lastTransitionTime: ended,
    };
    // On deadline the controller kills the running pod: it terminates during the interim phase, then is gone.
    const killed = end.reason === 'DeadlineExceeded';
    const status: Json = { startTime, active: 0, ready: 0, ...(end.ok ? { succeeded: 1 } : {}) };
    if (t === 'Finishing') {
      status.terminating = killed ? 1 : 0;
      if (!end.ok && !killed) status.failed = 1;
      status.conditions = [interim];
      return { ...r.job, status };
    }
    if (killed) this.cluster.pods.delete(`${ns}/${r.podName}`);
    const finished =
      legacyConditions || r.nodeLostAt !== undefined
        ? ended
        : new Date(r.createdAt + pendingMs + runningMs + terminatingMs).toISOString();
    if (!end.ok) status.failed = 1;
    if (end.ok) status.completionTime = finished;
    const terminal = {
      ...interim,
      type: end.ok ? 'Complete' : 'Failed',
      lastProbeTime: finished,
      lastTransitionTime: finished,
    };
    if (legacyConditions) status.conditions = [terminal];
    else {
      status.terminating = 0;
      status.conditions = [interim, terminal];
    }
    return { ...r.job, status };
  }

  /** The record of the Job a pod belongs to (by its `job-name` label), or undefined for other pods. */
  recordOfPod(pod: Json): JobRecord | undefined {
    const name = fieldOf(pod, 'metadata.labels.job-name');
    const ns = fieldOf(pod, 'metadata.namespace');
    return name ? this.records.get(`${ns}/${name}`) : undefined;
  }

  /** A started Job pod's conditions and addresses: on its node, with the node's IP when it uses the host network. */
  private placed(status: Json, pod: Json, r: JobRecord): void {
    const { pendingMs } = this.timing;
    const hostIP = this.cluster.node(this.nodeOf(r))?.internalIPs[0];
    status.conditions = podConditions(String(status.phase), new Date(r.createdAt + pendingMs).toISOString());
    if (hostIP) {
      status.hostIP = hostIP;
      status.hostIPs = [{ ip: hostIP }];
      if (fieldOf(pod, 'spec.hostNetwork') === 'true') {
        status.podIP = hostIP;
        status.podIPs = [{ ip: hostIP }];
      }
    }
  }

  /**
   * A pod as it is now: a Job's pod gets the phase, container states, conditions and addresses of its Job's
   * timeline (and of the faults in force); any other pod is returned as it is.
   */
  refreshPod(pod: Json): Json {
    const { pendingMs, runningMs } = this.timing;
    const r = this.recordOfPod(pod);
    if (!r) return pod;
    const t = this.timeline(r);
    const image = fieldOf(pod, 'spec.containers.0.image') ?? '';
    const status: Json = { ...(pod.status as Json) };
    const cs = (st: Json, ready = false) => [
      { name: 'capture', image, imageID: '', ready, restartCount: 0, started: ready, state: st },
    ];
    if (t === 'Pending') {
      status.phase = 'Pending';
      const stuck = this.cluster.faults.jobStuck;
      if (stuck === 'Unschedulable') {
        status.conditions = [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message:
              "0/4 nodes are available: 1 Insufficient memory, 3 node(s) didn't match Pod's node affinity/selector.",
          },
        ];
        delete status.containerStatuses;
      } else if (stuck === 'ImagePullBackOff' || stuck === 'ErrImagePull') {
        status.containerStatuses = cs({
          waiting: {
            reason: stuck,
            message:
              stuck === 'ImagePullBackOff'
                ? `Back-off pulling image "${image}"`
                : `failed to pull and unpack image "${image}": failed to resolve reference: not found`,
          },
        });
      } else if (stuck === 'NodeNotReady' || this.cluster.deletedNodes.has(this.nodeOf(r))) {
        delete status.containerStatuses;
      } else {
        status.containerStatuses = cs({ waiting: { reason: 'ContainerCreating' } });
      }
    } else if (t === 'Running' || (t === 'Finishing' && this.cluster.faults.jobDeadlineExceeded)) {
      status.phase = 'Running';
      status.containerStatuses = cs({ running: { startedAt: new Date(r.createdAt + pendingMs).toISOString() } }, true);
      this.placed(status, pod, r);
      if (t === 'Finishing') {
        // Killed on deadline: terminating until its grace period ends.
        const deletedAt = new Date(r.createdAt + pendingMs + runningMs).toISOString();
        return {
          ...pod,
          metadata: { ...(pod.metadata as Json), deletionTimestamp: deletedAt, deletionGracePeriodSeconds: 30 },
          status,
        };
      }
    } else {
      const code = this.cluster.faults.jobExitCode ?? 0;
      status.phase = code === 0 ? 'Succeeded' : 'Failed';
      status.containerStatuses = cs({ terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error' } });
      this.placed(status, pod, r);
    }
    return { ...pod, status };
  }

  /** Creates the Job's pod and returns its name, or null when PodSecurity admission rejects it (the Job has no pod). */
  private createPod(ns: string, job: Json): string | null {
    if (this.cluster.namespaceLabels(ns)['pod-security.kubernetes.io/enforce'] !== 'privileged') return null;
    const jobName = fieldOf(job, 'metadata.name') ?? '';
    const podName = `${jobName}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    const tmpl = ((job.spec as Json)?.template as Json) ?? {};
    const labels = {
      ...((tmpl.metadata as Json)?.labels as Json),
      'job-name': jobName,
      'batch.kubernetes.io/job-name': jobName,
      'controller-uid': fieldOf(job, 'metadata.uid'),
    };
    this.cluster.pods.set(`${ns}/${podName}`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace: ns,
        uid: randomUUID(),
        creationTimestamp: new Date(this.cluster.clock()).toISOString(),
        labels,
        ownerReferences: [
          { apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid: fieldOf(job, 'metadata.uid'), controller: true },
        ],
      },
      spec: tmpl.spec,
      status: { phase: 'Pending' },
    });
    return podName;
  }
}
