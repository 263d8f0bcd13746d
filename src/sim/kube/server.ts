/**
 * A loopback Kubernetes API server for tests and the `demo` command. It speaks
 * the wire protocol `@kubernetes/client-node` uses: REST JSON with field and
 * label selectors, `kind: Status` errors, batch/v1 Jobs whose pods move
 * Pending -> Running -> Succeeded on a clock, pod logs, and exec over
 * WebSocket (v5/v4 channel protocols, exit status on channel 3). With `rbac`
 * it enforces the Role/ClusterRole bindings of `infra/k8s/`. Faults can be
 * injected (and changed while running through `state.faults`).
 *
 * HTTPS on 127.0.0.1 only, with the loopback certificate (src/sim/tls.ts) whose CA the kubeconfigs embed
 * (`certificate-authority-data`), like a real cluster's. It answers what kubectl needs before any command:
 * discovery (./discovery.ts), SelfSubjectAccessReviews from the same authorizer that enforces requests
 * (./authorizer.ts, ./accessReview.ts), and server-side Tables (./table.ts).
 */

import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { encodeCapture } from '../../kube/framing.js';
import { loopbackCertificate } from '../tls.js';
import { selfSubjectAccessReview } from './accessReview.js';
import { type AdmissionDenial, AdmissionPolicies, type AdmissionRequest } from './admission.js';
import { SIM_ADMIN, SimAuthorizer, type SimUser, simUser } from './authorizer.js';
import { controllerLabels, ownerReference, scenarioControllers } from './controllers.js';
import { discoveryAnswer, SIM_KUBERNETES_VERSION } from './discovery.js';
import type { RequestFaultHook } from './faultHooks.js';
import { netstatPtn, procNetTcp } from './formats.js';
import { simKubeconfigYaml } from './kubeconfig.js';
import { decodeSelfSubjectAccessReview, PROTOBUF_CONTENT_TYPE } from './protobuf.js';
import { loadManifests, RbacPolicy, type RbacSubject, type RequestAttributes } from './rbac.js';
import {
  type KubeScenario,
  renderNodeCapture,
  type ScenarioContainer,
  type ScenarioNode,
  type ScenarioPod,
  simId,
  simUid,
} from './scenario.js';
import { fieldOf, filterItems, parseSelector, selectorMatches } from './selectors.js';
import { TABLE_CONTENT_TYPE, toTable, wantsTable } from './table.js';
import { serveWatch, VersionClock } from './watch.js';

type Json = Record<string, unknown>;

export interface ApiFault {
  method?: string;
  /** Matches the request path (without query). */
  path: RegExp | string;
  status: number;
  /** How many requests to fail (default: all). */
  times?: number;
}

export interface DelayFault {
  method?: string;
  path: RegExp | string;
  ms: number;
  times?: number;
}

export interface KubeFaults {
  /** Answer matching requests with this status (a real `kind: Status` body). */
  apiErrors?: ApiFault[];
  /** Hold matching requests before answering (timeouts). */
  delays?: DelayFault[];
  /** The capture pod stays Pending for this reason. */
  jobStuck?: 'ImagePullBackOff' | 'ErrImagePull' | 'Unschedulable' | 'NodeNotReady';
  /** The capture Job fails with DeadlineExceeded when its run would end (its pod is killed). */
  jobDeadlineExceeded?: boolean;
  /** The capture container exits with this code and no framed output. */
  jobExitCode?: number;
  /** The capture log loses its second half (no end marker), as after log rotation. */
  truncateLog?: boolean;
  /** Latency added to every exec before it answers. */
  execLatencyMs?: number;
  /** Pods (`ns/name`) whose exec stream is dropped after part of the output. */
  execDropSocket?: string[];
  /** Pods (`ns/name`) deleted while the exec runs. */
  execDeletePod?: string[];
  /** Pods (`ns/name`) whose exec never answers. */
  execHang?: string[];
  /** Pods (`ns/name`) whose exec first sends a frame on an unknown channel. */
  execUnknownChannel?: string[];
  /** Containers report a missing binary as `sh`-style exit 127 instead of a runtime error. */
  missingBinaryExit127?: boolean;
  /** Asked for every request: a status to fail it with, or null (see `faultHooks.ts`). */
  requestHook?: RequestFaultHook;
  /**
   * The capture Job's node is deleted this many ms (server clock) after its pod starts running, as when the
   * cluster autoscaler or an upgrade removes it (see `KubeServerState.deleteNode`).
   */
  deleteNodeWhileRunningMs?: number;
}

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

export interface KubeApiServerOptions {
  scenario: KubeScenario;
  /**
   * Enforce the manifests in these folders (or files) for `subject`: RBAC (Role/ClusterRole and bindings) and,
   * when they hold them, ValidatingAdmissionPolicies (e.g. `[infra/k8s, infra/k8s/optional]`).
   */
  rbac?: { manifestsDir: string | readonly string[]; subject: RbacSubject };
  faults?: KubeFaults;
  timing?: KubeTiming;
  /** Milliseconds clock for Job progress (default `Date.now`); tests can drive it by hand. */
  clock?: () => number;
}

interface JobRecord {
  job: Json;
  /** When the Job's timeline starts: at creation, or (with `timing.startOnFirstRead`) when it is first read. */
  createdAt: number;
  /** False until the timeline has started (only with `timing.startOnFirstRead`). */
  started: boolean;
  podName: string | null;
  deleted: boolean;
  /** When its node was deleted while it ran (the pod is gone and the Job Failed), else undefined. */
  nodeLostAt?: number;
}

export interface KubeServerState {
  faults: KubeFaults;
  /** Jobs currently stored (any namespace). */
  jobs(): Json[];
  /** Pods created for Jobs and not yet deleted. */
  jobPods(): Json[];
  /** Deletes a scenario pod (as if its controller removed it). */
  deletePod(namespace: string, name: string): void;
  /**
   * Deletes a node as Kubernetes would: the Node object is gone, pod garbage collection removes the pods bound to
   * it, and a Job whose pod ran there fails (backoff limit 0). Names of deleted nodes stay in `deletedNodes`.
   */
  deleteNode(name: string): void;
  deletedNodes: Set<string>;
  /** Every request seen: method, path (with query), answered status, and the RBAC verdict. */
  requests: Array<{ method: string; path: string; status: number }>;
  /** RBAC refusals: what was asked and not allowed. */
  forbidden: RequestAttributes[];
  /** Admission refusals (ValidatingAdmissionPolicy): the request and the denial. */
  admissionDenied: Array<{ request: AdmissionRequest; denial: AdmissionDenial }>;
  /** Number of execs served so far and the peak of concurrent ones. */
  exec: { total: number; active: number; peak: number };
}

export interface KubeApiServer {
  /** `https://127.0.0.1:PORT`. */
  url: string;
  /** A kubeconfig (YAML) for this server: its CA embedded, the bearer token of the `rbac` subject (or admin). */
  kubeconfig: string;
  token: string;
  /** A kubeconfig of the cluster administrator (`system:masters`: allowed everything). */
  adminKubeconfig: string;
  adminToken: string;
  /** The server's CA certificate, base64 PEM (what kubeconfigs carry as `certificate-authority-data`). */
  caData: string;
  close(): Promise<void>;
  state: KubeServerState;
}

const STATUS_REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'AlreadyExists',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

function statusBody(code: number, message: string, details?: Json, reason?: string): Json {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: reason ?? STATUS_REASONS[code] ?? 'Unknown',
    ...(details ? { details } : {}),
    code,
  };
}

/** The authorization verb Kubernetes derives from a request (RequestInfo): `deletecollection` for an unnamed DELETE. */
function kubeVerb(method: string, named: boolean, q: URLSearchParams): string {
  switch (method) {
    case 'GET':
      return named ? 'get' : q.get('watch') === 'true' ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    case 'PUT':
      return 'update';
    default:
      return 'patch';
  }
}

/** Kubernetes RequestInfo for any resource path: `/api/v1/...` or `/apis/GROUP/VERSION/...`. */
function requestInfo(method: string, path: string, q: URLSearchParams): RequestAttributes | null {
  const parts = path.split('/').filter(Boolean);
  let rest: string[];
  let apiGroup = '';
  if (parts[0] === 'api' && parts[1] === 'v1') rest = parts.slice(2);
  else if (parts[0] === 'apis' && parts.length >= 3) {
    apiGroup = parts[1] ?? '';
    rest = parts.slice(3);
  } else return null;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  if (!resource) return null;
  return {
    verb: kubeVerb(method, Boolean(name), q),
    apiGroup,
    resource,
    ...(subresource ? { subresource } : {}),
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
  };
}

function matches(p: RegExp | string, path: string): boolean {
  return typeof p === 'string' ? path === p || path.startsWith(p) : p.test(path);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function nodeJson(n: ScenarioNode, notReady: boolean): Json {
  const ready = n.ready !== false && !notReady;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      uid: simUid(`node:${n.name}`),
      creationTimestamp: '2026-10-01T08:00:00Z',
      labels: {
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.azure.com/agentpool': 'nodepool1',
        'node.kubernetes.io/instance-type': 'Standard_D4s_v5',
      },
    },
    spec: {
      podCIDR: n.podCIDRs?.[0],
      podCIDRs: n.podCIDRs ?? [],
      providerID: `azure:///subscriptions/0/resourceGroups/mc_rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss/virtualMachines/${n.name.slice(-1)}`,
      taints: n.taints ?? [],
    },
    status: {
      addresses: [
        ...n.internalIPs.map((address) => ({ type: 'InternalIP', address })),
        { type: 'Hostname', address: n.name },
      ],
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'Unknown',
          reason: ready ? 'KubeletReady' : 'NodeStatusUnknown',
          message: ready ? 'kubelet is posting ready status' : 'Kubelet stopped posting node status.',
          lastHeartbeatTime: '2026-11-26T10:00:00Z',
          lastTransitionTime: '2026-11-26T09:00:00Z',
        },
      ],
      nodeInfo: {
        kernelVersion: n.kernel ?? '5.15.0-1079-azure',
        osImage: n.osImage ?? 'Ubuntu 22.04.5 LTS',
        containerRuntimeVersion: 'containerd://1.7.27-1',
        kubeletVersion: SIM_KUBERNETES_VERSION.gitVersion,
        architecture: 'amd64',
        operatingSystem: 'linux',
      },
    },
  };
}

/** The conditions a pod's phase implies (what `kubectl wait --for=condition=Ready` reads). */
function podConditions(phase: string, since: string): Json[] {
  const running = phase === 'Running';
  const started = phase !== 'Pending';
  return [
    { type: 'PodReadyToStartContainers', status: started ? 'True' : 'False', lastTransitionTime: since },
    { type: 'Initialized', status: 'True', lastTransitionTime: since },
    { type: 'Ready', status: running ? 'True' : 'False', lastTransitionTime: since },
    { type: 'ContainersReady', status: running ? 'True' : 'False', lastTransitionTime: since },
    { type: 'PodScheduled', status: 'True', lastTransitionTime: since },
  ];
}

function scenarioPodJson(p: ScenarioPod, hostIP?: string): Json {
  const uid = simUid(`${p.namespace}/${p.name}`);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      uid,
      creationTimestamp: '2026-11-25T07:00:00Z',
      labels: p.labels ?? controllerLabels(p),
      ...(p.annotations ? { annotations: p.annotations } : {}),
      ...(p.owner ? { ownerReferences: [ownerReference(p.owner.kind, p.owner.name)] } : {}),
    },
    spec: {
      nodeName: p.nodeName,
      hostNetwork: p.hostNetwork || undefined,
      containers: p.containers.map((c) => ({
        name: c.name,
        image: c.image,
        ...(c.command ? { command: c.command } : {}),
        ...(c.args ? { args: c.args } : {}),
        ...(c.env ? { env: c.env } : {}),
      })),
      restartPolicy: 'Always',
    },
    status: {
      phase: p.phase ?? 'Running',
      conditions: podConditions(p.phase ?? 'Running', '2026-11-25T07:00:05Z'),
      hostIP,
      ...(hostIP ? { hostIPs: [{ ip: hostIP }] } : {}),
      podIP: p.podIPs[0],
      podIPs: p.podIPs.map((ip) => ({ ip })),
      containerStatuses: p.containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: `${c.image.split(':')[0]}@sha256:${simUid(c.image).replace(/-/g, '')}`,
        containerID: `containerd://${simId(`container:${p.namespace}/${p.name}/${c.name}`)}`,
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: '2026-11-25T07:00:05Z' } },
      })),
    },
  };
}

/**
 * Starts the server on 127.0.0.1 (random port).
 *
 * @example
 * const api = await startKubeApiServer({ scenario: demoScenario() });
 * const kc = kubeConfigFromString(api.kubeconfig);
 */
export async function startKubeApiServer(opts: KubeApiServerOptions): Promise<KubeApiServer> {
  const scenario = opts.scenario;
  const clock = opts.clock ?? Date.now;
  const pendingMs = opts.timing?.pendingMs ?? 100;
  const runningMs = opts.timing?.runningMs ?? 300;
  const terminatingMs = opts.timing?.terminatingMs ?? 100;
  const legacyConditions = opts.timing?.jobConditions === 'pre-1.31';
  const startOnFirstRead = opts.timing?.startOnFirstRead ?? false;
  const tls = await loopbackCertificate();
  const manifests = opts.rbac ? loadManifests(opts.rbac.manifestsDir) : null;
  const authorizer = new SimAuthorizer(manifests ? new RbacPolicy(manifests) : null);
  // ValidatingAdmissionPolicies in the same manifests (infra/k8s/optional/) run after authorization, as in Kubernetes.
  const admission = manifests ? new AdmissionPolicies(manifests) : null;
  // Bearer tokens and who they are: the admin (system:masters), and the `rbac` subject when given.
  const adminToken = randomBytes(16).toString('hex');
  const token = opts.rbac ? randomBytes(16).toString('hex') : adminToken;
  const users = new Map<string, SimUser>([[adminToken, SIM_ADMIN]]);
  if (opts.rbac) users.set(token, simUser(opts.rbac.subject));

  const pods = new Map<string, Json>();
  const scenarioPods = new Map<string, ScenarioPod>();
  for (const p of scenario.pods) {
    const hostIP = scenario.nodes.find((n) => n.name === p.nodeName)?.internalIPs[0];
    pods.set(`${p.namespace}/${p.name}`, scenarioPodJson(p, hostIP));
    scenarioPods.set(`${p.namespace}/${p.name}`, p);
  }
  const jobs = new Map<string, JobRecord>();
  const controllers = scenarioControllers(scenario);
  const faultCounts = new Map<object, number>();
  const versions = new VersionClock(1000);

  const state: KubeServerState = {
    faults: opts.faults ?? {},
    jobs: () => [...jobs.values()].filter((r) => !r.deleted).map((r) => withJobStatus(r)),
    jobPods: () =>
      [...pods.values()]
        // Capture pods only: scenario pods of a CronJob's Job carry job-name too.
        .filter(
          (p) =>
            fieldOf(p, 'metadata.labels.job-name') !== undefined &&
            !scenarioPods.has(`${fieldOf(p, 'metadata.namespace')}/${fieldOf(p, 'metadata.name')}`),
        )
        .map((p) => refreshJobPod(p)),
    deletePod: (ns, name) => {
      pods.delete(`${ns}/${name}`);
      scenarioPods.delete(`${ns}/${name}`);
    },
    deleteNode: (name) => deleteNode(name),
    deletedNodes: new Set<string>(),
    requests: [],
    forbidden: [],
    admissionDenied: [],
    exec: { total: 0, active: 0, peak: 0 },
  };

  const consume = <T extends { times?: number }>(list: T[] | undefined, pred: (f: T) => boolean): T | undefined => {
    const f = list?.find((x) => pred(x) && (x.times === undefined || (faultCounts.get(x) ?? 0) < x.times));
    if (f) faultCounts.set(f, (faultCounts.get(f) ?? 0) + 1);
    return f;
  };

  // ---- Jobs and their pods, computed from the clock on every read. ----
  /**
   * Where a Job is: its pod pends, runs, then the Job is `Finishing` (1.31+: the interim condition is set while
   * its pods terminate) for `terminatingMs`, then `Done` (terminal condition).
   */
  function jobTimeline(r: JobRecord): 'Pending' | 'Running' | 'Finishing' | 'Done' {
    if (r.nodeLostAt !== undefined) return 'Done';
    if (!r.started) return 'Pending';
    const age = clock() - r.createdAt;
    if (age < pendingMs || state.faults.jobStuck) return 'Pending';
    if (age < pendingMs + runningMs) return 'Running';
    if (!legacyConditions && age < pendingMs + runningMs + terminatingMs) return 'Finishing';
    return 'Done';
  }

  function jobNode(r: JobRecord): string {
    return fieldOf(r.job, 'spec.template.spec.nodeName') ?? '';
  }

  function nsPrivileged(ns: string): boolean {
    return (
      scenario.namespaces.find((n) => n.name === ns)?.labels?.['pod-security.kubernetes.io/enforce'] === 'privileged'
    );
  }

  /**
   * Deletes node `name`: pod GC removes the pods bound to it (scenario pods and capture pods alike), and a Job
   * whose pod was there fails at once, as with backoff limit 0 the controller makes no replacement.
   */
  function deleteNode(name: string): void {
    if (state.deletedNodes.has(name)) return;
    state.deletedNodes.add(name);
    for (const [key, pod] of pods) {
      if (fieldOf(pod, 'spec.nodeName') !== name) continue;
      pods.delete(key);
      scenarioPods.delete(key);
    }
    for (const r of jobs.values()) {
      if (!r.deleted && jobNode(r) === name && r.nodeLostAt === undefined && jobTimeline(r) !== 'Done') {
        r.nodeLostAt = clock();
      }
    }
  }

  /** The `deleteNodeWhileRunningMs` fault: deletes a running capture's node once that much time has passed. */
  function applyNodeLoss(): void {
    const after = state.faults.deleteNodeWhileRunningMs;
    if (after === undefined) return;
    for (const r of jobs.values()) {
      if (r.deleted || !r.started || r.nodeLostAt !== undefined || state.deletedNodes.has(jobNode(r))) continue;
      const lostAt = r.createdAt + pendingMs + after;
      if (clock() < lostAt) continue;
      // Decided by the clock, not by when the next request happens to come: the pod was running at `lostAt`.
      r.nodeLostAt = lostAt;
      deleteNode(jobNode(r));
    }
  }

  /** How the Job ends, decided by the faults: success, deadline, or the pod's failure. */
  function jobOutcome(r?: JobRecord): { ok: boolean; reason: string; message: string } {
    if (r?.nodeLostAt !== undefined)
      return { ok: false, reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    if (state.faults.jobDeadlineExceeded)
      return { ok: false, reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    if (state.faults.jobExitCode !== undefined && state.faults.jobExitCode !== 0)
      return { ok: false, reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    return { ok: true, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
  }

  /**
   * The Job's status as the Job controller reports it. Kubernetes 1.31+: `SuccessCriteriaMet` / `FailureTarget`
   * first (with `terminating` counting pods still shutting down), then `Complete` / `Failed` once no pod is
   * left running; before 1.31 the terminal condition came at once.
   */
  function withJobStatus(r: JobRecord): Json {
    const t = jobTimeline(r);
    const startTime = new Date(r.createdAt).toISOString();
    const ns = fieldOf(r.job, 'metadata.namespace');
    if ((t !== 'Finishing' && t !== 'Done') || r.podName === null) {
      const status: Json = { startTime, active: r.podName ? 1 : 0, ready: t === 'Running' ? 1 : 0 };
      if (!legacyConditions) status.terminating = 0;
      return { ...r.job, status };
    }
    const end = jobOutcome(r);
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
    if (killed) pods.delete(`${ns}/${r.podName}`);
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

  function jobRecordOfPod(pod: Json): JobRecord | undefined {
    const name = fieldOf(pod, 'metadata.labels.job-name');
    const ns = fieldOf(pod, 'metadata.namespace');
    return name ? jobs.get(`${ns}/${name}`) : undefined;
  }

  /** A started Job pod's conditions and addresses: on its node, with the node's IP when it uses the host network. */
  function placed(status: Json, pod: Json, r: JobRecord): void {
    const hostIP = scenario.nodes.find((n) => n.name === jobNode(r))?.internalIPs[0];
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

  function refreshJobPod(pod: Json): Json {
    const r = jobRecordOfPod(pod);
    if (!r) return pod;
    const t = jobTimeline(r);
    const image = fieldOf(pod, 'spec.containers.0.image') ?? '';
    const status: Json = { ...(pod.status as Json) };
    const cs = (st: Json, ready = false) => [
      { name: 'capture', image, imageID: '', ready, restartCount: 0, started: ready, state: st },
    ];
    if (t === 'Pending') {
      status.phase = 'Pending';
      const stuck = state.faults.jobStuck;
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
      } else if (stuck === 'NodeNotReady') {
        delete status.containerStatuses;
      } else {
        status.containerStatuses = cs({ waiting: { reason: 'ContainerCreating' } });
      }
    } else if (t === 'Running' || (t === 'Finishing' && state.faults.jobDeadlineExceeded)) {
      status.phase = 'Running';
      status.containerStatuses = cs({ running: { startedAt: new Date(r.createdAt + pendingMs).toISOString() } }, true);
      placed(status, pod, r);
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
      const code = state.faults.jobExitCode ?? 0;
      status.phase = code === 0 ? 'Succeeded' : 'Failed';
      status.containerStatuses = cs({ terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error' } });
      placed(status, pod, r);
    }
    return { ...pod, status };
  }

  function createJobPod(ns: string, job: Json): string | null {
    if (!nsPrivileged(ns)) return null; // PodSecurity admission rejects it: the Job has no pod.
    const jobName = fieldOf(job, 'metadata.name') ?? '';
    const podName = `${jobName}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    const tmpl = ((job.spec as Json)?.template as Json) ?? {};
    const labels = {
      ...((tmpl.metadata as Json)?.labels as Json),
      'job-name': jobName,
      'batch.kubernetes.io/job-name': jobName,
      'controller-uid': fieldOf(job, 'metadata.uid'),
    };
    pods.set(`${ns}/${podName}`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace: ns,
        uid: randomUUID(),
        creationTimestamp: new Date(clock()).toISOString(),
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

  function captureLog(pod: Json): string {
    const r = jobRecordOfPod(pod);
    if (!r) return '';
    const code = state.faults.jobExitCode;
    if (code !== undefined && code !== 0) return 'snat-capture: TRACE_SECONDS must be between 5 and 600\n';
    const container = ((pod.spec as Json)?.containers as Json[])?.[0] ?? {};
    const env: Record<string, string> = {};
    for (const e of (container.env as Array<{ name: string; value?: string; valueFrom?: Json }>) ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (fieldOf(e as unknown as Json, 'valueFrom.fieldRef.fieldPath') === 'spec.nodeName')
        env[e.name] = jobNode(r);
    }
    const node = scenario.nodes.find((n) => n.name === jobNode(r));
    if (!node) return 'snat-capture: node not found\n';
    const files = (scenario.capture ?? renderNodeCapture)(node, env, scenario);
    let text = encodeCapture(files);
    if (state.faults.truncateLog) text = text.slice(0, Math.floor(text.length / 2));
    return text;
  }

  // ---- HTTP routing. ----
  interface Route {
    attrs: RequestAttributes;
    handle: () => { status: number; body: Json | string } | Promise<{ status: number; body: Json | string }>;
  }

  function notFound(kind: string, name: string, group = ''): { status: number; body: Json } {
    return {
      status: 404,
      body: statusBody(404, `${kind} "${name}" not found`, { name, kind, ...(group ? { group } : {}) }),
    };
  }

  function list(kind: string, apiVersion: string, items: Json[]): Json {
    return { kind: `${kind}List`, apiVersion, metadata: { resourceVersion: String(versions.current()) }, items };
  }

  function podList(items: Json[], q: URLSearchParams): Json[] {
    const fs = parseSelector(q.get('fieldSelector'));
    const ls = parseSelector(q.get('labelSelector'));
    return items
      .map(refreshJobPod)
      .filter(
        (p) =>
          selectorMatches(fs, (k) => fieldOf(p, k)) &&
          selectorMatches(ls, (k) => ((p.metadata as Json)?.labels as Record<string, string> | undefined)?.[k]),
      );
  }

  /** A SelfSubjectAccessReview body, JSON or (as kubectl sends it) protobuf. */
  async function readReview(req: IncomingMessage): Promise<Json> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    if ((req.headers['content-type'] ?? '').startsWith(PROTOBUF_CONTENT_TYPE))
      return decodeSelfSubjectAccessReview(raw);
    try {
      return JSON.parse(raw.toString('utf8') || '{}') as Json;
    } catch {
      throw new Error('the body of the request was in an unknown format');
    }
  }

  async function readBody(req: IncomingMessage): Promise<Json> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json;
    } catch {
      return {};
    }
  }

  function namespaceJson(n: KubeScenario['namespaces'][number]): Json {
    return {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: n.name,
        uid: simUid(`ns:${n.name}`),
        creationTimestamp: '2026-10-01T08:00:00Z',
        labels: { 'kubernetes.io/metadata.name': n.name, ...n.labels },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
  }

  /**
   * The ReplicaSets behind the scenario's pods: one per `ReplicaSet` owner, owned in turn by the Deployment
   * whose name is the ReplicaSet's minus its pod-template hash (what `kubectl get rs` and workload resolution see).
   */
  function replicaSets(): Json[] {
    const byKey = new Map<string, ScenarioPod[]>();
    for (const p of scenarioPods.values()) {
      if (p.owner?.kind !== 'ReplicaSet' || !pods.has(`${p.namespace}/${p.name}`)) continue;
      const key = `${p.namespace}/${p.owner.name}`;
      byKey.set(key, [...(byKey.get(key) ?? []), p]);
    }
    return [...byKey.values()].map((members) => {
      const first = members[0] as ScenarioPod;
      const name = first.owner?.name ?? '';
      const hash = /-([a-z0-9]{5,10})$/.exec(name)?.[1];
      // A ReplicaSet the scenario lists keeps its stated owner (or none); others are a Deployment's by name.
      const listed = controllers.get(`ReplicaSet/${first.namespace}/${name}`);
      const deployment = listed
        ? ((((listed.metadata as Json).ownerReferences as Json[] | undefined)?.[0]?.name as string | undefined) ?? null)
        : hash
          ? name.slice(0, -hash.length - 1)
          : null;
      const podLabels = (scenarioPodJson(first).metadata as Json).labels as Record<string, string>;
      const matchLabels = { ...podLabels, ...(hash ? { 'pod-template-hash': hash } : {}) };
      return {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name,
          namespace: first.namespace,
          uid: simUid(`owner:${name}`),
          creationTimestamp: '2026-11-25T06:59:58Z',
          labels: matchLabels,
          ...(deployment
            ? {
                ownerReferences: [
                  {
                    apiVersion: 'apps/v1',
                    kind: 'Deployment',
                    name: deployment,
                    uid: simUid(`owner:${deployment}`),
                    controller: true,
                    blockOwnerDeletion: true,
                  },
                ],
              }
            : {}),
        },
        spec: {
          replicas: members.length,
          selector: { matchLabels },
          template: {
            metadata: { labels: matchLabels },
            spec: { containers: first.containers.map((c) => ({ name: c.name, image: c.image })) },
          },
        },
        status: {
          replicas: members.length,
          fullyLabeledReplicas: members.length,
          readyReplicas: members.length,
          availableReplicas: members.length,
          observedGeneration: 1,
        },
      };
    });
  }

  function route(method: string, path: string, q: URLSearchParams, req: IncomingMessage): Route | null {
    const parts = path.split('/').filter(Boolean);
    const verbOf = (named: boolean) => kubeVerb(method, named, q);
    // /api/v1/...
    if (parts[0] === 'api' && parts[1] === 'v1') {
      const rest = parts.slice(2);
      if (rest[0] === 'nodes') {
        const name = rest[1];
        return {
          attrs: { verb: verbOf(Boolean(name)), apiGroup: '', resource: 'nodes', ...(name ? { name } : {}) },
          handle: () => {
            const notReady = (n: ScenarioNode) =>
              state.faults.jobStuck === 'NodeNotReady' &&
              [...jobs.values()].some((r) => !r.deleted && jobNode(r) === n.name);
            const present = scenario.nodes.filter((n) => !state.deletedNodes.has(n.name));
            if (name) {
              const n = present.find((x) => x.name === name);
              return n ? { status: 200, body: nodeJson(n, notReady(n)) } : notFound('nodes', name);
            }
            return {
              status: 200,
              body: list(
                'Node',
                'v1',
                present.map((n) => nodeJson(n, notReady(n))),
              ),
            };
          },
        };
      }
      if (rest[0] === 'pods' && rest.length === 1) {
        return {
          attrs: { verb: verbOf(false), apiGroup: '', resource: 'pods' },
          handle: () => ({ status: 200, body: list('Pod', 'v1', podList([...pods.values()], q)) }),
        };
      }
      if (rest[0] === 'namespaces' && rest.length === 1 && method === 'GET') {
        return {
          attrs: { verb: verbOf(false), apiGroup: '', resource: 'namespaces' },
          handle: () => ({ status: 200, body: list('Namespace', 'v1', scenario.namespaces.map(namespaceJson)) }),
        };
      }
      if (rest[0] === 'namespaces' && rest[1]) {
        const ns = rest[1];
        if (rest.length === 2) {
          return {
            attrs: { verb: verbOf(true), apiGroup: '', resource: 'namespaces', namespace: ns, name: ns },
            handle: () => {
              const n = scenario.namespaces.find((x) => x.name === ns);
              if (!n) return notFound('namespaces', ns);
              return { status: 200, body: namespaceJson(n) };
            },
          };
        }
        if (rest[2] === 'pods') {
          const name = rest[3];
          const sub = rest[4];
          if (!name) {
            return {
              attrs: { verb: verbOf(false), apiGroup: '', resource: 'pods', namespace: ns },
              handle: () => ({
                status: 200,
                body: list(
                  'Pod',
                  'v1',
                  podList(
                    [...pods.values()].filter((p) => fieldOf(p, 'metadata.namespace') === ns),
                    q,
                  ),
                ),
              }),
            };
          }
          if (!sub) {
            return {
              attrs: { verb: verbOf(true), apiGroup: '', resource: 'pods', namespace: ns, name },
              handle: () => {
                const p = pods.get(`${ns}/${name}`);
                if (!p) return notFound('pods', name);
                if (method === 'DELETE') {
                  state.deletePod(ns, name);
                  return { status: 200, body: p };
                }
                return { status: 200, body: refreshJobPod(p) };
              },
            };
          }
          if (sub === 'log') {
            return {
              attrs: { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log', namespace: ns, name },
              handle: () => {
                const raw = pods.get(`${ns}/${name}`);
                if (!raw) return notFound('pods', name);
                const p = refreshJobPod(raw);
                const container = q.get('container') ?? fieldOf(p, 'spec.containers.0.name') ?? '';
                const names = (((p.spec as Json)?.containers as Json[]) ?? []).map((c) => c.name);
                if (!names.includes(container)) {
                  return { status: 400, body: statusBody(400, `container ${container} is not valid for pod ${name}`) };
                }
                if (fieldOf(p, 'status.phase') === 'Pending') {
                  const why = fieldOf(p, 'status.containerStatuses.0.state.waiting.reason') ?? 'ContainerCreating';
                  return {
                    status: 400,
                    body: statusBody(400, `container "${container}" in pod "${name}" is waiting to start: ${why}`),
                  };
                }
                if (jobRecordOfPod(p)) {
                  // While running, the log holds nothing yet: the script prints its block at the end.
                  return { status: 200, body: fieldOf(p, 'status.phase') === 'Running' ? '' : captureLog(p) };
                }
                return { status: 200, body: `${new Date(clock()).toISOString()} listening on :8080\n` };
              },
            };
          }
        }
      }
    }
    // /apis/batch/v1/jobs (all namespaces)
    if (path === '/apis/batch/v1/jobs' && method === 'GET') {
      return {
        attrs: { verb: verbOf(false), apiGroup: 'batch', resource: 'jobs' },
        handle: () => ({ status: 200, body: list('Job', 'batch/v1', state.jobs()) }),
      };
    }
    // /apis/apps/v1[/namespaces/NS]/replicasets[/NAME] (read-only)
    const rs = /^\/apis\/apps\/v1(?:\/namespaces\/([^/]+))?\/replicasets(?:\/([^/]+))?$/.exec(path);
    if (rs && method === 'GET') {
      const [, ns, name] = rs;
      return {
        attrs: {
          verb: verbOf(Boolean(name)),
          apiGroup: 'apps',
          resource: 'replicasets',
          ...(ns ? { namespace: ns } : {}),
          ...(name ? { name } : {}),
        },
        handle: () => {
          const items = replicaSets().filter((r) => !ns || fieldOf(r, 'metadata.namespace') === ns);
          if (!name) return { status: 200, body: list('ReplicaSet', 'apps/v1', items) };
          const found = items.find((r) => fieldOf(r, 'metadata.name') === name);
          return found ? { status: 200, body: found } : notFound('replicasets.apps', name, 'apps');
        },
      };
    }
    // /apis/batch/v1/namespaces/NS/jobs[/NAME]
    if (
      parts[0] === 'apis' &&
      parts[1] === 'batch' &&
      parts[2] === 'v1' &&
      parts[3] === 'namespaces' &&
      parts[4] &&
      parts[5] === 'jobs'
    ) {
      const ns = parts[4];
      const name = parts[6];
      return {
        attrs: {
          verb: verbOf(Boolean(name)),
          apiGroup: 'batch',
          resource: 'jobs',
          namespace: ns,
          ...(name ? { name } : {}),
        },
        handle: async () => {
          if (method === 'POST' && !name) {
            const body = await readBody(req);
            const jn = fieldOf(body, 'metadata.name') ?? '';
            if (!scenario.namespaces.some((n) => n.name === ns)) return notFound('namespaces', ns);
            if (!DNS1123_LABEL.test(jn) || jn.length > 63) {
              return {
                status: 422,
                body: statusBody(
                  422,
                  `Job.batch "${jn}" is invalid: metadata.name: Invalid value: "${jn}": must be no more than 63 characters and a DNS-1123 label`,
                  {
                    name: jn,
                    group: 'batch',
                    kind: 'Job',
                  },
                ),
              };
            }
            if (jobs.has(`${ns}/${jn}`) && !jobs.get(`${ns}/${jn}`)?.deleted) {
              return {
                status: 409,
                body: statusBody(409, `jobs.batch "${jn}" already exists`, { name: jn, group: 'batch', kind: 'jobs' }),
              };
            }
            const denied = admit(authenticate(req), {
              group: 'batch',
              version: 'v1',
              resource: 'jobs',
              operation: 'CREATE',
              namespace: ns,
              name: jn,
              object: { ...body, apiVersion: 'batch/v1', kind: 'Job' },
            });
            if (denied) {
              return { status: denied.code, body: statusBody(denied.code, denied.message, undefined, denied.reason) };
            }
            const meta = (body.metadata as Json) ?? {};
            const job: Json = {
              ...body,
              apiVersion: 'batch/v1',
              kind: 'Job',
              metadata: {
                ...meta,
                namespace: ns,
                uid: randomUUID(),
                creationTimestamp: new Date(clock()).toISOString(),
                generation: 1,
              },
            };
            const r: JobRecord = { job, createdAt: clock(), started: !startOnFirstRead, podName: null, deleted: false };
            jobs.set(`${ns}/${jn}`, r);
            r.podName = createJobPod(ns, job);
            return { status: 201, body: versions.stamp(withJobStatus(r)) };
          }
          if (method === 'GET' && !name) {
            const ls = parseSelector(q.get('labelSelector'));
            const items = [...jobs.values()]
              .filter((r) => !r.deleted && fieldOf(r.job, 'metadata.namespace') === ns)
              .map(withJobStatus)
              .filter((j) =>
                selectorMatches(ls, (k) => ((j.metadata as Json)?.labels as Record<string, string> | undefined)?.[k]),
              );
            return { status: 200, body: list('Job', 'batch/v1', items) };
          }
          const r = name ? jobs.get(`${ns}/${name}`) : undefined;
          const workloadJob = name && method === 'GET' ? controllers.get(`Job/${ns}/${name}`) : undefined;
          if (!r && workloadJob) return { status: 200, body: workloadJob };
          if (!r || r.deleted || !name) return notFound('jobs.batch', name ?? '', 'batch');
          if (method === 'GET') {
            const body = withJobStatus(r);
            if (!r.started) {
              // The first read sees it Pending; the timeline starts now.
              r.started = true;
              r.createdAt = clock();
            }
            return { status: 200, body };
          }
          if (method === 'DELETE') {
            const body = await readBody(req);
            const policy = q.get('propagationPolicy') ?? (body.propagationPolicy as string | undefined) ?? 'Orphan';
            r.deleted = true;
            jobs.delete(`${ns}/${name}`);
            // Background/Foreground: the garbage collector removes the pod. Orphan (the default for Jobs): it stays.
            if (policy !== 'Orphan') {
              for (const [k, p] of pods)
                if (fieldOf(p, 'metadata.labels.job-name') === name && fieldOf(p, 'metadata.namespace') === ns)
                  pods.delete(k);
            }
            return {
              status: 200,
              body: {
                kind: 'Status',
                apiVersion: 'v1',
                metadata: {},
                status: 'Success',
                details: { name, group: 'batch', kind: 'jobs', uid: fieldOf(r.job, 'metadata.uid') },
              },
            };
          }
        },
      } as Route;
    }
    return null;
  }

  function forbiddenMessage(user: SimUser, a: RequestAttributes): string {
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const scope =
      a.namespace && a.resource !== 'namespaces'
        ? ` in the namespace "${a.namespace}"`
        : a.resource === 'namespaces'
          ? ''
          : ' at the cluster scope';
    return `${res}${a.name ? ` "${a.name}"` : ''} is forbidden: User "${user.name}" cannot ${a.verb} resource "${res}" in API group "${a.apiGroup}"${scope}`;
  }

  /** The user a request's bearer token belongs to, or null (401). */
  function authenticate(req: IncomingMessage): SimUser | null {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    return (m?.[1] && users.get(m[1])) || null;
  }

  /** Enforces `a` for `user`, recording refusals. */
  function authorize(user: SimUser, a: RequestAttributes): boolean {
    const ok = authorizer.allows(user, a);
    if (!ok) state.forbidden.push(a);
    return ok;
  }

  /** Runs the loaded ValidatingAdmissionPolicies; returns the denial (recorded in state) or null. */
  function admit(user: SimUser | null, request: Omit<AdmissionRequest, 'userName'>): AdmissionDenial | null {
    if (!admission) return null;
    const full: AdmissionRequest = { ...request, userName: user?.name ?? 'system:anonymous' };
    const labels = scenario.namespaces.find((n) => n.name === request.namespace)?.labels ?? {};
    const denial = admission.review(full, labels);
    if (denial) state.admissionDenied.push({ request: full, denial });
    return denial;
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** The Table kind of a GET answer kubectl can print server-side (a list of, or one, Pod/Node/Job/...). */
  function tableKind(body: Json): { kind: string; items: Json[] } | null {
    const kind = typeof body.kind === 'string' ? body.kind : '';
    if (kind.endsWith('List') && Array.isArray(body.items))
      return { kind: kind.slice(0, -4), items: body.items as Json[] };
    if (kind && kind !== 'Status' && body.metadata) return { kind, items: [body] };
    return null;
  }

  const watchesStop = new AbortController();

  /** Serves `?watch=true` on a list route: the list's items now, then their changes (./watch.ts). */
  async function watch(
    r: Route,
    first: Json,
    q: URLSearchParams,
    accept: string,
    res: ServerResponse,
    record: (status: number) => void,
  ): Promise<void> {
    const kind = tableKind(first)?.kind ?? '';
    const table = wantsTable(accept);
    const items = async (): Promise<Json[]> => {
      const out = await r.handle();
      const list = (typeof out.body === 'object' ? out.body.items : undefined) as Json[] | undefined;
      return filterItems(kind, list ?? [], q);
    };
    try {
      await items(); // a malformed selector is a 400, before the stream starts
    } catch (err) {
      record(400);
      const text = JSON.stringify(statusBody(400, (err as Error).message));
      res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    record(200);
    const timeout = Number.parseInt(q.get('timeoutSeconds') ?? '', 10);
    await serveWatch(
      res,
      {
        items: async () => (await items()).map((o) => versions.stamp(o)),
        present: (item) =>
          table
            ? toTable(kind, [item], {
                now: clock(),
                resourceVersion: String((item.metadata as Json).resourceVersion ?? ''),
                includeObject: q.get('includeObject'),
              })
            : item,
        versions,
      },
      {
        contentType: table ? TABLE_CONTENT_TYPE : 'application/json',
        timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : null,
        resourceVersion: q.get('resourceVersion'),
        stop: watchesStop.signal,
      },
    );
  }

  const server = createServer({ key: tls.key, cert: tls.cert }, async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const method = req.method ?? 'GET';
    const send = (status: number, body: Json | string, contentType?: string) => {
      state.requests.push({ method, path: `${url.pathname}${url.search}`, status });
      if (res.destroyed) return;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, {
        'content-type': contentType ?? (typeof body === 'string' ? 'text/plain' : 'application/json'),
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    try {
      const user = authenticate(req);
      if (!user) return send(401, statusBody(401, 'Unauthorized'));
      applyNodeLoss();
      const delay = consume(
        state.faults.delays,
        (f) => (!f.method || f.method === method) && matches(f.path, url.pathname),
      );
      if (delay) await sleep(delay.ms);
      const fault = consume(
        state.faults.apiErrors,
        (f) => (!f.method || f.method === method) && matches(f.path, url.pathname),
      );
      const hooked = fault?.status ?? state.faults.requestHook?.({ method, path: url.pathname }) ?? null;
      if (hooked !== null)
        return send(hooked, statusBody(hooked, hooked >= 500 ? 'etcdserver: request timed out' : 'injected fault'));
      const accept = req.headers.accept ?? '';
      if (method === 'GET') {
        const d = discoveryAnswer(url.pathname, accept, `127.0.0.1:${port}`);
        if (d) {
          if (!authorizer.allowsPath(user, url.pathname, 'get'))
            return send(403, statusBody(403, `forbidden: User "${user.name}" cannot get path "${url.pathname}"`));
          return send(200, d.body, d.contentType);
        }
      }
      if (url.pathname === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' && method === 'POST') {
        const attrs: RequestAttributes = {
          verb: 'create',
          apiGroup: 'authorization.k8s.io',
          resource: 'selfsubjectaccessreviews',
        };
        if (!authorize(user, attrs)) return send(403, statusBody(403, forbiddenMessage(user, attrs)));
        let body: Json;
        try {
          body = await readReview(req);
        } catch (err) {
          return send(400, statusBody(400, (err as Error).message));
        }
        const review = selfSubjectAccessReview(body, user, authorizer);
        return review.ok ? send(201, review.review) : send(422, statusBody(422, review.message));
      }
      if (
        (method === 'POST' || method === 'PUT' || method === 'PATCH') &&
        (req.headers['content-type'] ?? '').startsWith(PROTOBUF_CONTENT_TYPE)
      ) {
        // Only SelfSubjectAccessReviews are decoded from protobuf; say so rather than misread a body.
        return send(
          415,
          statusBody(
            415,
            `the simulated API server reads protobuf bodies only for SelfSubjectAccessReview; send ${url.pathname} as application/json (e.g. kubectl create -f FILE)`,
            undefined,
            'UnsupportedMediaType',
          ),
        );
      }
      const r = route(method, url.pathname, url.searchParams, req);
      if (!r) {
        // Not served here: still authorize first, as the real server does (403 before 404).
        const a = requestInfo(method, url.pathname, url.searchParams);
        if (a && !authorize(user, a)) return send(403, statusBody(403, forbiddenMessage(user, a)));
        return send(404, statusBody(404, 'the server could not find the requested resource'));
      }
      if (!authorize(user, r.attrs))
        return send(
          403,
          statusBody(403, forbiddenMessage(user, r.attrs), { name: r.attrs.name, kind: r.attrs.resource }),
        );
      const out = await r.handle();
      if (r.attrs.verb === 'watch' && out.status === 200 && typeof out.body === 'object') {
        return await watch(r, out.body, url.searchParams, accept, res, (status) =>
          state.requests.push({ method, path: `${url.pathname}${url.search}`, status }),
        );
      }
      if (method === 'GET' && out.status === 200 && typeof out.body === 'object') {
        let body = out.body;
        const listed = tableKind(body);
        if (listed && body.kind === `${listed.kind}List`) {
          try {
            const items = filterItems(listed.kind, listed.items, url.searchParams).map((o) => versions.stamp(o));
            body = { ...body, metadata: { resourceVersion: String(versions.current()) }, items };
          } catch (err) {
            return send(400, statusBody(400, (err as Error).message));
          }
        } else if (listed) body = versions.stamp(body);
        const table = tableKind(body);
        if (table && wantsTable(accept)) {
          return send(
            200,
            toTable(table.kind, table.kind === listed?.kind && body.items ? (body.items as Json[]) : table.items, {
              now: clock(),
              resourceVersion: String(versions.current()),
              includeObject: url.searchParams.get('includeObject'),
            }),
            TABLE_CONTENT_TYPE,
          );
        }
        return send(200, body);
      }
      send(out.status, out.body);
    } catch (err) {
      send(500, statusBody(500, (err as Error).message));
    }
  });

  // ---- Exec over WebSocket. ----
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => {
      for (const p of ['v5.channel.k8s.io', 'v4.channel.k8s.io']) if (protocols.has(p)) return p;
      return false;
    },
  });

  const refuseUpgrade = (socket: Duplex, status: number, body: Json) => {
    const text = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_REASONS[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    const record = (status: number) =>
      state.requests.push({ method: 'GET', path: `${url.pathname}${url.search}`, status });
    const user = authenticate(req);
    if (!user) {
      record(401);
      return refuseUpgrade(socket, 401, statusBody(401, 'Unauthorized'));
    }
    if (!m) {
      record(404);
      return refuseUpgrade(socket, 404, statusBody(404, 'the server could not find the requested resource'));
    }
    const ns = decodeURIComponent(m[1] ?? '');
    const name = decodeURIComponent(m[2] ?? '');
    // WebSocket exec is a GET authorized as `get`; newer API servers also check `create`.
    for (const verb of ['get', 'create']) {
      const a: RequestAttributes = { verb, apiGroup: '', resource: 'pods', subresource: 'exec', namespace: ns, name };
      if (!authorize(user, a)) {
        record(403);
        return refuseUpgrade(socket, 403, statusBody(403, forbiddenMessage(user, a)));
      }
    }
    const pod = scenarioPods.get(`${ns}/${name}`);
    if (!pod || !pods.has(`${ns}/${name}`)) {
      record(404);
      return refuseUpgrade(socket, 404, statusBody(404, `pods "${name}" not found`, { name, kind: 'pods' }));
    }
    const containerName = url.searchParams.get('container') ?? pod.containers[0]?.name;
    const container = pod.containers.find((c) => c.name === containerName);
    if (!container) {
      record(400);
      return refuseUpgrade(socket, 400, statusBody(400, `container ${containerName} is not valid for pod ${name}`));
    }
    const command = url.searchParams.getAll('command');
    const denied = admit(user, {
      group: '',
      version: 'v1',
      resource: 'pods',
      subresource: 'exec',
      operation: 'CONNECT',
      namespace: ns,
      name,
      object: {
        kind: 'PodExecOptions',
        apiVersion: 'v1',
        command,
        container: container.name,
        stdin: url.searchParams.get('stdin') === 'true',
        stdout: url.searchParams.get('stdout') === 'true',
        stderr: url.searchParams.get('stderr') === 'true',
        tty: url.searchParams.get('tty') === 'true',
      },
    });
    if (denied) {
      record(denied.code);
      return refuseUpgrade(socket, denied.code, statusBody(denied.code, denied.message, undefined, denied.reason));
    }
    record(101);
    wss.handleUpgrade(req, socket, head, (ws) => {
      void serveExec(ws, pod, container, command);
    });
  });

  function send(ws: WebSocket, channel: number, data: string | Buffer): void {
    const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
    ws.send(Buffer.concat([Buffer.from([channel]), b]));
  }

  function notFoundBinary(ws: WebSocket, bin: string): void {
    if (state.faults.missingBinaryExit127) {
      send(ws, 2, `sh: ${bin}: not found\n`);
      send(
        ws,
        3,
        JSON.stringify({
          metadata: {},
          status: 'Failure',
          message: 'command terminated with non-zero exit code: exit status 127',
          reason: 'NonZeroExitCode',
          details: { causes: [{ reason: 'ExitCode', message: '127' }] },
        }),
      );
    } else {
      const message = `OCI runtime exec failed: exec failed: unable to start container process: exec: "${bin}": executable file not found in $PATH: unknown`;
      send(
        ws,
        3,
        JSON.stringify({
          metadata: {},
          status: 'Failure',
          message,
          reason: 'InternalError',
          details: { causes: [{ message }] },
          code: 500,
        }),
      );
    }
  }

  async function serveExec(
    ws: WebSocket,
    pod: ScenarioPod,
    container: ScenarioContainer,
    command: string[],
  ): Promise<void> {
    const key = `${pod.namespace}/${pod.name}`;
    state.exec.total++;
    state.exec.active++;
    state.exec.peak = Math.max(state.exec.peak, state.exec.active);
    let counted = true;
    const release = () => {
      if (counted) state.exec.active--;
      counted = false;
    };
    ws.on('close', release);
    ws.on('error', () => undefined);
    const f = state.faults;
    if (f.execHang?.includes(key)) return; // never answers; the client must time out
    if (f.execLatencyMs) await sleep(f.execLatencyMs);
    if (ws.readyState !== ws.OPEN) return;
    if (f.execUnknownChannel?.includes(key)) send(ws, 7, 'unexpected');
    if (f.execDeletePod?.includes(key)) {
      state.deletePod(pod.namespace, pod.name);
      ws.terminate();
      return;
    }
    const bin = command[0] ?? '';
    let out: string | null = null;
    if (bin === 'netstat') {
      if (!container.hasNetstat) return finishExec(ws, () => notFoundBinary(ws, 'netstat'), release);
      out = netstatPtn(pod.sockets);
    } else if (bin === 'cat' && command.slice(1).every((a) => a === '/proc/net/tcp' || a === '/proc/net/tcp6')) {
      if (container.hasCat === false) return finishExec(ws, () => notFoundBinary(ws, 'cat'), release);
      out = procNetTcp(pod.sockets);
    } else if (bin === 'sh') {
      if (!container.canInstallNetTools) return finishExec(ws, () => notFoundBinary(ws, 'sh'), release);
      container.hasNetstat = true;
      out = 'Setting up net-tools (2.10-0.1ubuntu4) ...\n';
    } else {
      return finishExec(ws, () => notFoundBinary(ws, bin), release);
    }
    if (f.execDropSocket?.includes(key)) {
      send(ws, 1, out.slice(0, Math.floor(out.length / 3)));
      setTimeout(() => ws.terminate(), 5);
      return;
    }
    finishExec(
      ws,
      () => {
        // Large outputs arrive in several frames, as from the real server.
        for (let i = 0; i < out.length; i += 16 * 1024) send(ws, 1, out.slice(i, i + 16 * 1024));
        send(ws, 3, JSON.stringify({ metadata: {}, status: 'Success' }));
      },
      release,
    );
  }

  function finishExec(ws: WebSocket, write: () => void, release?: () => void): void {
    write();
    release?.();
    ws.close(1000);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const url = `https://127.0.0.1:${port}`;
  const caData = Buffer.from(tls.cert).toString('base64');
  const kubeconfig = simKubeconfigYaml({ server: url, caData, token });
  const adminKubeconfig = simKubeconfigYaml({ server: url, caData, token: adminToken, user: 'kubernetes-admin' });

  return {
    url,
    kubeconfig,
    token,
    adminKubeconfig,
    adminToken,
    caData,
    state,
    close: async () => {
      watchesStop.abort();
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
