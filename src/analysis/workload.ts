/**
 * Which workload a pod belongs to: the top controller an operator changes (Deployment, StatefulSet, DaemonSet,
 * CronJob, Job), not the pod, which is renamed on every rollout. Pure: the pod's ownerReferences and labels from
 * pods.json, and the ReplicaSets' and Jobs' own ownerReferences from controllers.json, go in.
 */
import type { KubeController, KubePod } from '../evidence/types.js';
import type { Workload } from '../report/model.js';

export { workloadRef } from '../report/workloadName.js';

/**
 * Suffix alphabet of generated Kubernetes names (`utilrand.String`: no vowels, no 0/1/3, so no words). A
 * Deployment's pods are `<deployment>-<pod-template-hash>-<5 of these>`.
 */
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
const DEPLOYMENT_POD = new RegExp(`^(.+)-(${SAFE}{6,10})-(${SAFE}{5})$`);
/** A CronJob names its Jobs `<cronjob>-<scheduled time in minutes since the epoch>`. */
const CRONJOB_JOB = /^(.+)-(\d{8,10})$/;

/** Key for counting incidents by workload (`Deployment/payments/checkout-api`). */
export function workloadKey(w: Pick<Workload, 'kind' | 'namespace' | 'name'>): string {
  return `${w.kind}/${w.namespace}/${w.name}`;
}

/** What resolution needs about a pod; pods.json fields when the bundle has them. */
export type PodFacts = Pick<KubePod, 'namespace' | 'name'> & Partial<Pick<KubePod, 'controller' | 'labels'>>;

/** Top controller of a ReplicaSet or Job, through its own ownerReferences or, failing those, its name. */
function parentOf(
  kind: string,
  namespace: string,
  name: string,
  pod: PodFacts,
  controllers: ReadonlyMap<string, KubeController>,
): Workload {
  const object = controllers.get(`${kind}/${namespace}/${name}`);
  if (object) {
    // The object was read: its ownerReferences are the truth, also when it has none (a bare ReplicaSet or Job).
    return object.owner
      ? { kind: object.owner.kind, namespace, name: object.owner.name, resolvedBy: 'ownerReferences' }
      : { kind, namespace, name, resolvedBy: 'ownerReferences' };
  }
  const labels = pod.labels ?? {};
  if (kind === 'ReplicaSet') {
    const hash = labels['pod-template-hash'];
    if (hash && name.endsWith(`-${hash}`)) {
      return { kind: 'Deployment', namespace, name: name.slice(0, -(hash.length + 1)), resolvedBy: 'inferred' };
    }
    return { kind, namespace, name, resolvedBy: 'ownerReferences' };
  }
  const scheduled = CRONJOB_JOB.exec(name);
  if (kind === 'Job' && scheduled) {
    return { kind: 'CronJob', namespace, name: scheduled[1]!, resolvedBy: 'inferred' };
  }
  return { kind, namespace, name, resolvedBy: 'ownerReferences' };
}

/**
 * Resolves a pod's workload.
 *
 * - ReplicaSet -> its Deployment by the ReplicaSet's ownerReferences (controllers.json), else by the pod's
 *   `pod-template-hash` label (the ReplicaSet is `<deployment>-<hash>`): `resolvedBy: 'inferred'`.
 * - Job -> its CronJob the same way, else by the Job name `<cronjob>-<minutes since the epoch>`.
 * - StatefulSet, DaemonSet and other controllers are the workload themselves (`ownerReferences`).
 * - A mirror (static) pod is owned by its Node: the pod is the workload. So is a pod with no owner.
 * - A pod known only from crictl (no pods.json) is inferred from its name (`<deployment>-<hash>-<xxxxx>`),
 *   else it stands for itself (`inferred`).
 *
 * @example resolveWorkload({ namespace: 'web', name: 'web-7d9f8c6b5-x2x9q', controller: { kind: 'ReplicaSet', name: 'web-7d9f8c6b5' }, labels: { 'pod-template-hash': '7d9f8c6b5' } }, new Map())
 * // => { kind: 'Deployment', namespace: 'web', name: 'web', resolvedBy: 'inferred' }
 */
export function resolveWorkload(
  pod: PodFacts,
  controllers: ReadonlyMap<string, KubeController>,
  knownFromPodsJson: boolean,
): Workload {
  const { namespace } = pod;
  const self: Workload = { kind: 'Pod', namespace, name: pod.name, resolvedBy: 'ownerReferences' };
  if (!knownFromPodsJson) {
    const m = DEPLOYMENT_POD.exec(pod.name);
    return m
      ? { kind: 'Deployment', namespace, name: m[1]!, resolvedBy: 'inferred' }
      : { ...self, resolvedBy: 'inferred' };
  }
  const ctrl = pod.controller ?? null;
  if (!ctrl || ctrl.kind === 'Node') return self;
  if (ctrl.kind === 'ReplicaSet' || ctrl.kind === 'Job')
    return parentOf(ctrl.kind, namespace, ctrl.name, pod, controllers);
  return { kind: ctrl.kind, namespace, name: ctrl.name, resolvedBy: 'ownerReferences' };
}

/**
 * Workload lookup over a bundle's pods and controllers, for every pod the analysis ranks.
 *
 * @example new WorkloadResolver(evidence.pods, evidence.controllers ?? []).forPod('web', 'web-7d9f8c6b5-x2x9q')
 */
export class WorkloadResolver {
  readonly #pods = new Map<string, KubePod>();
  readonly #controllers = new Map<string, KubeController>();

  constructor(pods: readonly KubePod[], controllers: readonly KubeController[]) {
    for (const p of pods) this.#pods.set(`${p.namespace}/${p.name}`, p);
    for (const c of controllers) this.#controllers.set(`${c.kind}/${c.namespace}/${c.name}`, c);
  }

  forPod(namespace: string, name: string): Workload {
    const pod = this.#pods.get(`${namespace}/${name}`);
    return resolveWorkload(pod ?? { namespace, name }, this.#controllers, pod !== undefined);
  }
}
