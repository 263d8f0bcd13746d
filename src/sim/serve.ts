/**
 * `snat-responder demo --serve --state-dir DIR`: the simulated world (Kubernetes API over HTTPS, ARM,
 * Azurite, the Teams sink, the demo scenario) kept running for kubectl, `investigate` and your own
 * experiments. DIR receives what a client needs to connect, and `ready` last, once everything answers.
 */

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { SIM_RESPONDER, type SimWorld, startSimWorld } from './world.js';

/** The files `serve` writes into the state directory, by role. */
export const SERVE_FILES = {
  adminKubeconfig: 'admin.kubeconfig',
  responderKubeconfig: 'responder.kubeconfig',
  captureNamespace: 'capture-namespace',
  endpoints: 'endpoints.json',
  ready: 'ready',
} as const;

/** What `endpoints.json` holds: URLs only, no keys or tokens. */
export interface ServeEndpoints {
  kubernetes: string;
  arm: string;
  blob: string;
  teams: string;
  /** The simulated cluster's outbound load balancer (for `alert --dry-run` payloads and ARM calls). */
  loadBalancerId: string;
  /** The identity `responder.kubeconfig` authenticates as. */
  responder: string;
}

/** A running served world. */
export interface ServedWorld {
  world: SimWorld;
  endpoints: ServeEndpoints;
  /** Closes every server and removes `ready` (the other files stay for inspection). */
  close(): Promise<void>;
}

/** GET /version with the admin token, trusting only the embedded CA: the API server answers over TLS. */
function probeKubernetes(world: SimWorld): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${world.kube.url}/version`,
      {
        ca: Buffer.from(world.kube.caData, 'base64').toString('utf8'),
        headers: { authorization: `Bearer ${world.kube.adminToken}` },
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        if (res.statusCode === 200) resolve();
        else reject(new Error(`simulated Kubernetes API answered /version with HTTP ${res.statusCode}`));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('simulated Kubernetes API did not answer /version')));
    req.end();
  });
}

/**
 * Starts the simulated world and writes the state directory: `admin.kubeconfig` (system:masters),
 * `responder.kubeconfig` (the responder's ServiceAccount, bound by infra/k8s as on a cluster),
 * `capture-namespace`, `endpoints.json`, then `ready`. Kubeconfigs are written 0600 (they hold tokens).
 *
 * @example
 * const served = await serveSimWorld('./sim-state');
 * // kubectl --kubeconfig ./sim-state/responder.kubeconfig auth can-i create jobs -n snat-responder
 * await served.close();
 */
export async function serveSimWorld(stateDir: string): Promise<ServedWorld> {
  await mkdir(stateDir, { recursive: true });
  // A `ready` left by an earlier run must not announce this one before it answers.
  await rm(join(stateDir, SERVE_FILES.ready), { force: true });
  const world = await startSimWorld();
  try {
    await probeKubernetes(world);
    const endpoints: ServeEndpoints = {
      kubernetes: world.kube.url,
      arm: world.arm.endpoint,
      blob: world.azurite.blobEndpoint,
      teams: new URL(world.teams.url).origin,
      loadBalancerId: world.loadBalancerId,
      responder: `system:serviceaccount:${SIM_RESPONDER.namespace}:${SIM_RESPONDER.name}`,
    };
    await writeFile(join(stateDir, SERVE_FILES.adminKubeconfig), world.kube.adminKubeconfig, { mode: 0o600 });
    await writeFile(join(stateDir, SERVE_FILES.responderKubeconfig), world.kube.kubeconfig, { mode: 0o600 });
    await writeFile(join(stateDir, SERVE_FILES.captureNamespace), `${world.settings.captureNamespace}\n`);
    await writeFile(join(stateDir, SERVE_FILES.endpoints), `${JSON.stringify(endpoints, null, 2)}\n`);
    await writeFile(join(stateDir, SERVE_FILES.ready), '');
    return {
      world,
      endpoints,
      close: async () => {
        await rm(join(stateDir, SERVE_FILES.ready), { force: true });
        await world.close();
      },
    };
  } catch (err) {
    await world.close();
    throw err;
  }
}
