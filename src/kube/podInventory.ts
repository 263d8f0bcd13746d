/**
 * The node's pod inventory in the evidence bundle: `pods.json` (every pod on the node) and `controllers.json`
 * (the ReplicaSets and Jobs that own them), the files the report names pods and workloads from. One function for
 * the orchestration's selectCandidates activity and the `investigate` CLI, so both bundles hold the same files.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { BUNDLE_FILES } from '../evidence/bundle.js';
import type { EvidenceSink } from '../evidence/evidenceSink.js';
import { listNodePodsWithJson, type NodePod } from './pods.js';
import { readPodControllers } from './workloads.js';

/** What {@link recordNodePods} found: the pods, for candidate selection, and what could not be read. */
export interface NodePodInventory {
  /** The pods on the node. */
  pods: NodePod[];
  /** Controller reads that failed (e.g. `replicasets.apps is forbidden`): workloads are then inferred. */
  problems: string[];
}

/**
 * Lists the pods on `nodeName` and the controllers that own them, and writes both to the bundle
 * (`pods.json` as soon as it is read, then `controllers.json`).
 *
 * @example const { pods } = await recordNodePods(kc, 'aks-nodepool1-0', sink);
 */
export async function recordNodePods(kc: KubeConfig, nodeName: string, sink: EvidenceSink): Promise<NodePodInventory> {
  const { pods, podsJson } = await listNodePodsWithJson(kc, nodeName);
  // pods.json first: it is evidence on its own, even when reading the controllers fails.
  await sink.put(BUNDLE_FILES.pods, podsJson);
  const controllers = await readPodControllers(kc, pods);
  await sink.put(BUNDLE_FILES.controllers, controllers.json);
  return { pods, problems: controllers.problems };
}
