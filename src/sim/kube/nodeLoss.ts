/**
 * Node deletion as Kubernetes does it: the Node object is gone, pod garbage collection removes the pods bound to
 * it (scenario pods and Job pods alike), and a Job whose pod ran there fails at once (with backoff limit 0 the
 * controller makes no replacement). Also the `deleteNodeWhileRunningMs` fault, which deletes a running
 * capture's node on the server clock.
 */
import type { SimCluster } from './cluster.js';
import type { JobTimelines } from './jobTimeline.js';
import { fieldOf } from './selectors.js';

/** Deletes nodes from the simulated cluster, by hand or by fault. */
export class NodeLoss {
  /**
   * @param cluster The cluster whose nodes and pods go.
   * @param jobs The Jobs that fail when their node goes.
   */
  constructor(
    private readonly cluster: SimCluster,
    private readonly jobs: JobTimelines,
  ) {}

  /** Deletes node `name` (once): its pods go, and a Job whose pod was there fails. */
  deleteNode(name: string): void {
    const { cluster } = this;
    if (cluster.deletedNodes.has(name)) return;
    cluster.deletedNodes.add(name);
    for (const [key, pod] of cluster.pods) {
      if (fieldOf(pod, 'spec.nodeName') !== name) continue;
      cluster.pods.delete(key);
      cluster.scenarioPods.delete(key);
    }
    for (const r of this.jobs.records.values()) {
      if (
        !r.deleted &&
        this.jobs.nodeOf(r) === name &&
        r.nodeLostAt === undefined &&
        this.jobs.timeline(r) !== 'Done'
      ) {
        r.nodeLostAt = cluster.clock();
      }
    }
  }

  /** The `deleteNodeWhileRunningMs` fault: deletes a running capture's node once that much time has passed. */
  applyFault(): void {
    const after = this.cluster.faults.deleteNodeWhileRunningMs;
    if (after === undefined) return;
    for (const r of this.jobs.records.values()) {
      const node = this.jobs.nodeOf(r);
      if (r.deleted || !r.started || r.nodeLostAt !== undefined || this.cluster.deletedNodes.has(node)) continue;
      const lostAt = this.jobs.runningSince(r) + after;
      if (this.cluster.clock() < lostAt) continue;
      // Decided by the clock, not by when the next request happens to come: the pod was running at `lostAt`.
      r.nodeLostAt = lostAt;
      this.deleteNode(node);
    }
  }
}
