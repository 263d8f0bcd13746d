/** How every rendering names a talker pod: its workload first, the pod as detail. */
import type { RankedPod, Workload } from './model.js';

/** `Deployment payments/checkout-api`. */
export function workloadRef(w: Pick<Workload, 'kind' | 'namespace' | 'name'>): string {
  return `${w.kind} ${w.namespace}/${w.name}`;
}

/**
 * The workload of a ranked pod, or `namespace/pod` when the report predates workloads or the pod stands alone.
 *
 * @example podSubject(p) // 'Deployment payments/checkout-api'
 */
export function podSubject(p: Pick<RankedPod, 'namespace' | 'pod' | 'workload'>): string {
  if (!p.workload || (p.workload.kind === 'Pod' && p.workload.name === p.pod)) return `${p.namespace}/${p.pod}`;
  return workloadRef(p.workload);
}
