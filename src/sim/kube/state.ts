/**
 * What tests and scenarios read and steer while the simulated API server runs: the faults in force, the Jobs and
 * their pods, node and pod deletion, and the records of every request, refusal and exec.
 */
import type { KubeAccess } from './access.js';
import type { AdmissionDenial, AdmissionRequest } from './admission.js';
import type { SimCluster } from './cluster.js';
import type { KubeFaults } from './faults.js';
import type { JobTimelines } from './jobTimeline.js';
import type { NodeLoss } from './nodeLoss.js';
import type { RequestAttributes } from './rbac.js';

type Json = Record<string, unknown>;

/** One request the server answered. */
export interface KubeRequestRecord {
  method: string;
  /** Path with query. */
  path: string;
  /** The status answered (101 for an exec upgrade). */
  status: number;
}

/** Exec counters: served so far, running now, and the peak of concurrent ones. */
export interface KubeExecCounters {
  total: number;
  active: number;
  peak: number;
}

/** The running server's state, open to the test or scenario that started it. */
export interface KubeServerState {
  /** The faults in force: replace the object or change its fields while the server runs. */
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
  /** Names of the nodes deleted so far. */
  deletedNodes: Set<string>;
  /** Every request seen: method, path (with query) and answered status. */
  requests: KubeRequestRecord[];
  /** RBAC refusals: what was asked and not allowed. */
  forbidden: RequestAttributes[];
  /** Admission refusals (ValidatingAdmissionPolicy): the request and the denial. */
  admissionDenied: Array<{ request: AdmissionRequest; denial: AdmissionDenial }>;
  /** Number of execs served so far and the peak of concurrent ones. */
  exec: KubeExecCounters;
}

/** The state view over the server's parts (faults read and written through to the cluster). */
export function serverState(parts: {
  cluster: SimCluster;
  jobs: JobTimelines;
  nodes: NodeLoss;
  access: KubeAccess;
}): KubeServerState {
  const { cluster, jobs, nodes, access } = parts;
  return {
    get faults() {
      return cluster.faults;
    },
    set faults(f: KubeFaults) {
      cluster.faults = f;
    },
    jobs: () => jobs.list(),
    jobPods: () => jobs.pods(),
    deletePod: (ns, name) => cluster.deletePod(ns, name),
    deleteNode: (name) => nodes.deleteNode(name),
    deletedNodes: cluster.deletedNodes,
    requests: [],
    forbidden: access.forbidden,
    admissionDenied: access.admissionDenied,
    exec: { total: 0, active: 0, peak: 0 },
  };
}
