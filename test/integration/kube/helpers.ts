import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeConfigFromString } from '../../../src/kube/access.js';
import { type KubeApiServer, type KubeApiServerOptions, startKubeApiServer } from '../../../src/sim/kube/server.js';

export const MANIFESTS_DIR = fileURLToPath(new URL('../../../infra/k8s/', import.meta.url));
/** The opt-in extras: exec RBAC and the admission policies (ALLOW_POD_EXEC=true). */
export const OPTIONAL_MANIFESTS_DIR = fileURLToPath(new URL('../../../infra/k8s/optional/', import.meta.url));
export const RESPONDER = { kind: 'ServiceAccount', name: 'snat-responder', namespace: 'snat-responder' } as const;

/**
 * Starts the loopback API server enforcing infra/k8s for the responder's ServiceAccount: the default set, plus
 * with `podExec: 'policies'` all of infra/k8s/optional/ (exec RBAC and the admission policies), with
 * `podExec: 'rbac-only'` only the exec RBAC (what ALLOW_INSTALL_NET_TOOLS needs; the policies refuse it).
 */
export async function startWithRbac(
  opts: Omit<KubeApiServerOptions, 'rbac'>,
  manifests: { podExec?: 'policies' | 'rbac-only' } = {},
): Promise<{ api: KubeApiServer; kc: KubeConfig }> {
  const manifestsDir =
    manifests.podExec === 'policies'
      ? [MANIFESTS_DIR, OPTIONAL_MANIFESTS_DIR]
      : manifests.podExec === 'rbac-only'
        ? [MANIFESTS_DIR, join(OPTIONAL_MANIFESTS_DIR, 'exec-rbac.yaml')]
        : MANIFESTS_DIR;
  const api = await startKubeApiServer({ ...opts, rbac: { manifestsDir, subject: RESPONDER } });
  return { api, kc: kubeConfigFromString(api.kubeconfig) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
