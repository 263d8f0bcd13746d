/** The pods scheduled on one node, as the capture and netstat steps need them. */
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { call, makeClients } from './client.js';

/** One pod on the node, reduced to what attribution and exec need. */
export interface NodePod {
  namespace: string;
  name: string;
  /** `status.podIPs[].ip` (both families), falling back to `status.podIP`. */
  podIPs: string[];
  /** The pod uses the node's network namespace (its sockets are the node's). */
  hostNetwork: boolean;
  /** Container names in spec order (exec tries them in this order). */
  containers: string[];
  /** `status.phase` (`Running`, `Pending`...), `Unknown` when absent. */
  phase: string;
  /** The controlling ownerReference (a ReplicaSet, Job, StatefulSet, DaemonSet...), null for a bare pod. */
  controller: { kind: string; name: string } | null;
}

function toNodePod(p: V1Pod): NodePod {
  const ips = (p.status?.podIPs ?? []).map((i) => i.ip).filter((ip): ip is string => Boolean(ip));
  if (ips.length === 0 && p.status?.podIP) ips.push(p.status.podIP);
  return {
    namespace: p.metadata?.namespace ?? 'default',
    name: p.metadata?.name ?? '',
    podIPs: ips,
    hostNetwork: p.spec?.hostNetwork === true,
    containers: (p.spec?.containers ?? []).map((c) => c.name),
    phase: p.status?.phase ?? 'Unknown',
    controller: controllerOf(p),
  };
}

function controllerOf(p: V1Pod): { kind: string; name: string } | null {
  const refs = p.metadata?.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller === true) ?? refs[0];
  return ref?.kind && ref.name ? { kind: ref.kind, name: ref.name } : null;
}

/**
 * Lists the pods on `nodeName` across all namespaces (field selector
 * `spec.nodeName`), together with the JSON text for the bundle's `pods.json`
 * (the shape of `kubectl get pods -A -o json --field-selector spec.nodeName=N`).
 */
export async function listNodePodsWithJson(
  kc: KubeConfig,
  nodeName: string,
  opts?: { timeoutMs?: number },
): Promise<{ pods: NodePod[]; podsJson: string }> {
  const clients = makeClients(kc, opts?.timeoutMs);
  const list = await call(clients, `list pods on node ${nodeName}`, () =>
    clients.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` }),
  );
  const items = list.items.map((p) => ({ apiVersion: 'v1', kind: 'Pod', ...p }));
  const podsJson = `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }, null, 2)}\n`;
  return { pods: list.items.map(toNodePod), podsJson };
}

/**
 * Lists the pods on `nodeName` across all namespaces.
 *
 * @example const pods = await listNodePods(kc, 'aks-nodepool1-12345678-vmss000003');
 */
export async function listNodePods(
  kc: KubeConfig,
  nodeName: string,
  opts?: { timeoutMs?: number },
): Promise<NodePod[]> {
  return (await listNodePodsWithJson(kc, nodeName, opts)).pods;
}
