/**
 * The controllers of the simulated cluster's pods, as the API server returns them: the ReplicaSets (owned by
 * their Deployments) and Jobs (owned by their CronJobs) named in the scenario, and the labels each controller
 * stamps on its pods (`pod-template-hash`, `job-name`, `controller-revision-hash`, ...). Plain data; the server
 * routes `GET .../replicasets/NAME` and `GET .../jobs/NAME` here.
 */
import type { KubeScenario, ScenarioPod } from './scenario.js';
import { simUid } from './scenario.js';

type Json = Record<string, unknown>;

const API_VERSION: Record<string, string> = {
  ReplicaSet: 'apps/v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
};

/** An ownerReference as a controller sets it. */
export function ownerReference(kind: string, name: string): Json {
  return {
    apiVersion: API_VERSION[kind] ?? 'v1',
    kind,
    name,
    uid: simUid(`owner:${name}`),
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The labels Kubernetes controllers put on the pods they create, plus the app label the template carries. */
export function controllerLabels(p: ScenarioPod): Record<string, string> {
  const owner = p.owner;
  if (!owner) return { app: p.name };
  const hash = simUid(`rev:${owner.name}`).replace(/-/g, '').slice(0, 10);
  switch (owner.kind) {
    case 'ReplicaSet': {
      // `<deployment>-<pod-template-hash>`
      const templateHash = owner.name.slice(owner.name.lastIndexOf('-') + 1);
      return { app: owner.name.slice(0, owner.name.lastIndexOf('-')), 'pod-template-hash': templateHash };
    }
    case 'Job': {
      const uid = simUid(`owner:${owner.name}`);
      return {
        app: owner.name.replace(/-\d+$/, ''),
        'batch.kubernetes.io/controller-uid': uid,
        'batch.kubernetes.io/job-name': owner.name,
        'controller-uid': uid,
        'job-name': owner.name,
      };
    }
    case 'StatefulSet':
      return {
        app: owner.name,
        'apps.kubernetes.io/pod-index': p.name.slice(p.name.lastIndexOf('-') + 1),
        'controller-revision-hash': `${owner.name}-${hash}`,
        'statefulset.kubernetes.io/pod-name': p.name,
      };
    case 'DaemonSet':
      return {
        app: owner.name,
        'k8s-app': owner.name,
        'controller-revision-hash': hash,
        'pod-template-generation': '1',
      };
    default:
      return { app: owner.name };
  }
}

/** The scenario's ReplicaSets and Jobs by `kind/namespace/name`, as `kubectl get -o json` shows them. */
export function scenarioControllers(scenario: KubeScenario): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const c of scenario.controllers ?? []) {
    out.set(`${c.kind}/${c.namespace}/${c.name}`, {
      apiVersion: API_VERSION[c.kind],
      kind: c.kind,
      metadata: {
        name: c.name,
        namespace: c.namespace,
        uid: simUid(`owner:${c.name}`),
        creationTimestamp: '2026-11-25T06:58:00Z',
        generation: 1,
        labels: { app: c.owner?.name ?? c.name },
        ...(c.owner ? { ownerReferences: [ownerReference(c.owner.kind, c.owner.name)] } : {}),
      },
      spec: c.kind === 'ReplicaSet' ? { replicas: 1 } : { completions: 1, parallelism: 1 },
      status: c.kind === 'ReplicaSet' ? { replicas: 1, readyReplicas: 1 } : { active: 1 },
    });
  }
  return out;
}
