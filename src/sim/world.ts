/**
 * The simulated world the demo and the end-to-end tests run on: ARM over HTTPS, a Kubernetes API server that
 * enforces infra/k8s RBAC, Azurite, and a Teams webhook sink, all on loopback and all speaking the real
 * protocols, plus the investigation's dependencies wired to them through the production adapters.
 */
import type { ArmRetryOptions } from '../azure/arm/options.js';
import type { Settings } from '../config/settings.js';
import { loadSettings } from '../config/settings.js';
import { buildFromSettings, type InvestigationDeps, loadAdapterModules } from '../investigation/dependencies.js';
import { simArmAdapterOptions, staticTokenCredential } from './arm/credential.js';
import { type ArmServer, startArmServer } from './arm/server.js';
import { type ArmWorld, DEMO_LOAD_BALANCER_ID, demoArmWorld } from './arm/world.js';
import { type AzuriteBlob, startAzurite } from './azurite.js';
import { type BlobFaultProxy, type BlobOutagePlan, startBlobFaultProxy } from './blobFaults.js';
import { demoScenario } from './kube/demoScenario.js';
import type { KubeFaults } from './kube/faults.js';
import type { KubeTiming } from './kube/jobTimeline.js';
import type { KubeScenario } from './kube/scenario.js';
import type { KubeApiServer } from './kube/server.js';
import { projectPath } from './projectPath.js';
import { startTeamsSink, type TeamsSink } from './teams/server.js';
import { loopbackCertificate } from './tls.js';

/** The identity the responder runs as inside the simulated cluster (bound by infra/k8s). */
export const SIM_RESPONDER = { kind: 'ServiceAccount', name: 'snat-responder', namespace: 'snat-responder' } as const;

/** What the simulated world holds and how it misbehaves, instead of the demo's defaults. */
export interface SimWorldOptions {
  /** Virtual "now" in ms; the Kubernetes server's Job clock follows it so durable timers that skip time work. */
  clock?: () => number;
  /**
   * Waits a client spends honouring a server's hint (the Teams notifier's `Retry-After`), on the world's clock;
   * default a real timer.
   */
  sleep?: (ms: number) => Promise<void>;
  scenario?: KubeScenario;
  /** The ARM data, given the Kubernetes API server's URL and its CA (base64 PEM) for the cluster kubeconfig. */
  armWorld?: (kubeApiServer: string, kubeCaData: string) => ArmWorld;
  kubeFaults?: KubeFaults;
  /** How long capture pods stay Pending and Running on the clock (default 100 ms / 300 ms). */
  kubeTiming?: KubeTiming;
  /** The ARM SDK clients' own retries (default: 2 fast retries); tests set 0 so faults reach Durable's retries. */
  armRetryOptions?: ArmRetryOptions;
  teamsScript?: Array<{ status: number; retryAfter?: string }>;
  /** A Blob outage (503 ServerBusy) on the world's clock, injected by a proxy in front of Azurite. */
  blobOutage?: BlobOutagePlan;
  /** Extra settings (env names), e.g. `{ TRACE_SECONDS: '30' }`. */
  settings?: Record<string, string>;
}

/** The running simulated world: every server, the clients' settings, and how to stop it all. */
export interface SimWorld {
  kube: KubeApiServer;
  arm: ArmServer;
  azurite: AzuriteBlob;
  teams: TeamsSink;
  /** The Blob fault proxy, when {@link SimWorldOptions.blobOutage} asked for one. */
  blobFaults: BlobFaultProxy | null;
  settings: Settings;
  deps: InvestigationDeps;
  loadBalancerId: string;
  /** Milliseconds each part took to start. */
  startup: Record<string, number>;
  close(): Promise<void>;
}

async function timed<T>(startup: Record<string, number>, name: string, work: Promise<T>): Promise<T> {
  const t = performance.now();
  const value = await work;
  startup[name] = Math.round(performance.now() - t);
  return value;
}

/** Starts every simulated service in parallel; `close()` stops all of them (also after a partial start). */
export async function startSimWorld(opts: SimWorldOptions = {}): Promise<SimWorld> {
  const startup: Record<string, number> = {};
  const worldStarted = performance.now();
  const clock = opts.clock ?? Date.now;
  const started: Array<{ close(): Promise<void> }> = [];
  const track = <T extends { close(): Promise<void> }>(p: Promise<T>) =>
    p.then((v) => {
      started.push(v);
      return v;
    });
  try {
    const azuriteP = timed(
      startup,
      'azurite',
      startAzurite().then((a) => {
        started.push({ close: () => a.stop() });
        return a;
      }),
    );
    // Awaited below; until then a failed start must not surface as an unhandled rejection (it crashed the process).
    azuriteP.catch(() => undefined);
    // Azurite boots in its own process; meanwhile load the heavy modules (the Kubernetes client behind the
    // sim API server's RBAC loader, the Azure SDKs behind the adapters) instead of having imported them upfront.
    const adapters = loadAdapterModules();
    adapters.catch(() => undefined); // awaited below by buildFromSettings; never an unhandled rejection
    const [tls, kube, teams] = await Promise.all([
      timed(startup, 'tls', loopbackCertificate()),
      timed(
        startup,
        'kubernetes',
        track(
          import('./kube/server.js').then((m) =>
            m.startKubeApiServer({
              scenario: opts.scenario ?? demoScenario(),
              rbac: { manifestsDir: simManifests(opts.settings), subject: SIM_RESPONDER },
              clock,
              ...(opts.kubeFaults ? { faults: opts.kubeFaults } : {}),
              ...(opts.kubeTiming ? { timing: opts.kubeTiming } : {}),
            }),
          ),
        ),
      ),
      timed(startup, 'teams', track(startTeamsSink(opts.teamsScript ? { script: opts.teamsScript } : {}))),
    ]);
    const world =
      opts.armWorld?.(kube.url, kube.caData) ??
      demoArmWorld({ now: new Date(clock()), kubeApiServer: kube.url, kubeCaData: kube.caData, aad: true });
    const arm = await timed(startup, 'arm', track(startArmServer({ world, tls })));
    const azurite = await azuriteP;
    const blobFaults = opts.blobOutage
      ? await track(startBlobFaultProxy(azurite.connectionString, { clock, outage: opts.blobOutage }))
      : null;

    const settings = loadSettings({
      REPORTS_CONNECTION_STRING: blobFaults?.connectionString ?? azurite.connectionString,
      TEAMS_WEBHOOK_URL: teams.url,
      ARM_ENDPOINT: arm.endpoint,
      ...opts.settings,
    });
    const armOptions = simArmAdapterOptions(arm, tls, opts.armRetryOptions);
    const deps = await buildFromSettings(settings, {
      credential: armOptions.credential,
      arm: { ...armOptions, aksTokenCredential: staticTokenCredential(kube.token) },
      // The simulated ARM also serves the regional metrics batch API.
      metricsEndpoint: () => arm.endpoint,
      ...(opts.sleep ? { teamsSleep: opts.sleep } : {}),
    });
    // The parts start in parallel: `world` is the wall time until all of them (and the adapters) are ready.
    startup.world = Math.round(performance.now() - worldStarted);
    return {
      kube,
      arm,
      azurite,
      teams,
      blobFaults,
      settings,
      deps,
      loadBalancerId: DEMO_LOAD_BALANCER_ID,
      startup,
      close: () => closeAll(started),
    };
  } catch (err) {
    await closeAll(started);
    throw err;
  }
}

/**
 * What the simulated cluster has applied: infra/k8s/ always, and infra/k8s/optional/ (exec RBAC, admission
 * policies) when the deployment turns pod exec on, as docs/kubernetes.md tells operators to do.
 */
function simManifests(settings: Record<string, string> | undefined): string[] {
  const podExec = loadSettings(settings ?? {}).allowPodExec;
  return podExec ? [projectPath('infra/k8s'), projectPath('infra/k8s/optional')] : [projectPath('infra/k8s')];
}

async function closeAll(parts: Array<{ close(): Promise<void> }>): Promise<void> {
  await Promise.allSettled(parts.map((p) => p.close()));
}
