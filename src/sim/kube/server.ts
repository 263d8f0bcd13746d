/**
 * A loopback Kubernetes API server for tests and the `demo` command. It speaks
 * the wire protocol `@kubernetes/client-node` uses: REST JSON with field and
 * label selectors, `kind: Status` errors, batch/v1 Jobs whose pods move
 * Pending -> Running -> Succeeded on a clock, pod logs, and exec over
 * WebSocket (v5/v4 channel protocols, exit status on channel 3). With `rbac`
 * it enforces the Role/ClusterRole bindings of `infra/k8s/`. Faults can be
 * injected (and changed while running through `state.faults`).
 *
 * HTTPS on 127.0.0.1 only, with the loopback certificate (src/sim/tls.ts) whose CA the kubeconfigs embed
 * (`certificate-authority-data`), like a real cluster's. It answers what kubectl needs before any command:
 * discovery (./discovery.ts), SelfSubjectAccessReviews from the same authorizer that enforces requests
 * (./authorizer.ts, ./accessReview.ts), and server-side Tables (./table.ts).
 *
 * This file only composes the parts, one concern each: the cluster's contents (./cluster.ts), Job timelines
 * (./jobTimeline.ts), node deletion (./nodeLoss.ts), access control (./access.ts), the request pipeline
 * (./dispatch.ts) and its resource routes (./routes.ts, ./podLog.ts), exec (./exec.ts), faults (./faults.ts)
 * and the state tests steer (./state.ts).
 */

import { createServer } from 'node:https';
import { closeLoopbackServer, listenLoopback } from '../loopback.js';
import { loopbackCertificate } from '../tls.js';
import { KubeAccess, type KubeRbacOptions } from './access.js';
import { SimCluster } from './cluster.js';
import { handleKubeRequest, type KubeRequestContext } from './dispatch.js';
import { serveExecUpgrades } from './exec.js';
import { FaultCounter, type KubeFaults } from './faults.js';
import { JobTimelines, type KubeTiming } from './jobTimeline.js';
import { simKubeconfigYaml } from './kubeconfig.js';
import { NodeLoss } from './nodeLoss.js';
import type { KubeScenario } from './scenario.js';
import { type KubeServerState, serverState } from './state.js';

/** What the server simulates and how. */
export interface KubeApiServerOptions {
  /** The cluster's nodes, namespaces, pods and workloads. */
  scenario: KubeScenario;
  /**
   * Enforce the manifests in these folders (or files) for `subject`: RBAC (Role/ClusterRole and bindings) and,
   * when they hold them, ValidatingAdmissionPolicies (e.g. `[infra/k8s, infra/k8s/optional]`).
   */
  rbac?: KubeRbacOptions;
  faults?: KubeFaults;
  timing?: KubeTiming;
  /** Milliseconds clock for Job progress (default `Date.now`); tests can drive it by hand. */
  clock?: () => number;
}

/** A running simulated API server. */
export interface KubeApiServer {
  /** `https://127.0.0.1:PORT`. */
  url: string;
  /** A kubeconfig (YAML) for this server: its CA embedded, the bearer token of the `rbac` subject (or admin). */
  kubeconfig: string;
  /** The bearer token `kubeconfig` carries. */
  token: string;
  /** A kubeconfig of the cluster administrator (`system:masters`: allowed everything). */
  adminKubeconfig: string;
  /** The admin's bearer token. */
  adminToken: string;
  /** The server's CA certificate, base64 PEM (what kubeconfigs carry as `certificate-authority-data`). */
  caData: string;
  /** Stops the server: ends watches and exec streams, drops connections. */
  close(): Promise<void>;
  /** What tests and scenarios read and steer while it runs. */
  state: KubeServerState;
}

/**
 * Starts the server on 127.0.0.1 (random port).
 *
 * @example
 * const api = await startKubeApiServer({ scenario: demoScenario() });
 * const kc = kubeConfigFromString(api.kubeconfig);
 */
export async function startKubeApiServer(opts: KubeApiServerOptions): Promise<KubeApiServer> {
  const tls = await loopbackCertificate();
  const cluster = new SimCluster(opts.scenario, opts.clock ?? Date.now, opts.faults ?? {});
  const jobs = new JobTimelines(cluster, opts.timing);
  const nodes = new NodeLoss(cluster, jobs);
  const access = new KubeAccess(opts.rbac);
  const state = serverState({ cluster, jobs, nodes, access });
  const stopWatches = new AbortController();
  let address = '';
  const sim: KubeRequestContext = {
    cluster,
    jobs,
    access,
    nodes,
    state,
    faults: new FaultCounter(),
    stop: stopWatches.signal,
    address: () => address,
  };

  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => void handleKubeRequest(sim, req, res));
  const execs = serveExecUpgrades(server, sim);
  const port = await listenLoopback(server);
  address = `127.0.0.1:${port}`;
  const url = `https://${address}`;
  const caData = Buffer.from(tls.cert).toString('base64');
  const { token, adminToken } = access;
  return {
    url,
    kubeconfig: simKubeconfigYaml({ server: url, caData, token }),
    token,
    adminKubeconfig: simKubeconfigYaml({ server: url, caData, token: adminToken, user: 'kubernetes-admin' }),
    adminToken,
    caData,
    state,
    close: async () => {
      stopWatches.abort();
      execs.close();
      await closeLoopbackServer(server);
    },
  };
}
