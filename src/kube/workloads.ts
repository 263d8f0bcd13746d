/**
 * The controllers behind the node's pods, read so the report can name the workload (Deployment, CronJob) rather
 * than the pod: each distinct ReplicaSet and Job that owns a pod, read once (`get`, read-only RBAC). The result is
 * evidence (`controllers.json`), so offline analysis of a stored bundle names the same workloads.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { call, isNotFound, makeClients } from './client.js';
import { KubeApiError, KubeForbiddenError, KubeTimeoutError, KubeUnreachableError } from './errors.js';

/** What the reader needs about a pod (a `NodePod` fits). */
export interface OwnedPod {
  namespace: string;
  controller: { kind: string; name: string } | null;
}

/** Reads at most this many controllers at a time. */
const CONCURRENCY = 8;
/** Owners the report resolves further; every other kind (StatefulSet, DaemonSet...) is the workload itself. */
const RESOLVED_KINDS = new Set(['ReplicaSet', 'Job']);

/** Result: the `controllers.json` text and what could not be read (forbidden or failed), for the report's problems. */
export interface ControllersRead {
  json: string;
  count: number;
  /** e.g. `replicasets.apps is forbidden`: workloads are then inferred from names and labels. */
  problems: string[];
}

/**
 * Reads the ReplicaSets and Jobs that own `pods` and returns them as a v1 List with their metadata (name,
 * namespace, ownerReferences, labels). Objects that are gone (404) are skipped; a 403 stops reading that kind
 * and is reported, and any other failed read is reported and skipped: inference from labels still names the
 * workload.
 *
 * @example const { json } = await readPodControllers(kc, pods); await sink.put('controllers.json', json);
 */
export async function readPodControllers(
  kc: KubeConfig,
  pods: readonly OwnedPod[],
  opts?: { timeoutMs?: number },
): Promise<ControllersRead> {
  const clients = makeClients(kc, opts?.timeoutMs);
  const wanted = new Map<string, { kind: string; namespace: string; name: string }>();
  for (const p of pods) {
    const c = p.controller;
    if (c && RESOLVED_KINDS.has(c.kind))
      wanted.set(`${c.kind}/${p.namespace}/${c.name}`, { ...c, namespace: p.namespace });
  }
  const items: unknown[] = [];
  const forbidden = new Set<string>();
  const problems: string[] = [];
  const queue = [...wanted.values()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      if (forbidden.has(next.kind)) continue;
      const { kind, namespace, name } = next;
      try {
        const obj =
          kind === 'ReplicaSet'
            ? await call(clients, `read replicaset ${namespace}/${name}`, () =>
                clients.apps.readNamespacedReplicaSet({ namespace, name }),
              )
            : await call(clients, `read job ${namespace}/${name}`, () =>
                clients.batch.readNamespacedJob({ namespace, name }),
              );
        const m = obj.metadata ?? {};
        items.push({
          apiVersion: kind === 'ReplicaSet' ? 'apps/v1' : 'batch/v1',
          kind,
          metadata: {
            name: m.name,
            namespace: m.namespace,
            uid: m.uid,
            labels: m.labels,
            ownerReferences: m.ownerReferences,
          },
        });
      } catch (err) {
        if (isNotFound(err)) continue;
        if (err instanceof KubeForbiddenError) {
          if (!forbidden.has(kind)) {
            forbidden.add(kind);
            problems.push(
              `${err.message}; workloads of ${kind} pods are inferred from names and labels (grant get on ${kind === 'ReplicaSet' ? 'replicasets.apps' : 'jobs.batch'})`,
            );
          }
          continue;
        }
        // A failed read (5xx, timeout, dropped connection) costs only this workload's exact name: it is inferred
        // from the pod's name and labels instead. Failing the whole step would lose the pod list and the trace
        // snapshot for a detail.
        if (err instanceof KubeApiError || err instanceof KubeTimeoutError || err instanceof KubeUnreachableError) {
          problems.push(`${err.message}; the workload of its pods is inferred from names and labels`);
          continue;
        }
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  // Stable order whatever the read order was: the file is evidence and is compared across runs.
  items.sort((a, b) => key(a).localeCompare(key(b)));
  const json = `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }, null, 2)}\n`;
  return { json, count: items.length, problems };
}

function key(o: unknown): string {
  const x = o as { kind: string; metadata: { namespace?: string; name?: string } };
  return `${x.kind}/${x.metadata.namespace}/${x.metadata.name}`;
}
