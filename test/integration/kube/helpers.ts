import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeConfigFromString } from '../../../src/kube/access.js';
import { type KubeApiServer, type KubeApiServerOptions, startKubeApiServer } from '../../../src/sim/kube/server.js';

export const MANIFESTS_DIR = fileURLToPath(new URL('../../../infra/k8s/', import.meta.url));
export const RESPONDER = { kind: 'ServiceAccount', name: 'snat-responder', namespace: 'snat-responder' } as const;

/** Starts the loopback API server enforcing infra/k8s RBAC for the responder's ServiceAccount. */
export async function startWithRbac(
  opts: Omit<KubeApiServerOptions, 'rbac'>,
): Promise<{ api: KubeApiServer; kc: KubeConfig }> {
  const api = await startKubeApiServer({ ...opts, rbac: { manifestsDir: MANIFESTS_DIR, subject: RESPONDER } });
  return { api, kc: kubeConfigFromString(api.kubeconfig) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
