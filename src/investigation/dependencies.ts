/**
 * The investigation's outside world, behind small interfaces: built once from settings in Azure, or handed in
 * whole by the simulated world (demo, tests). Activities ask for it; the orchestrator never does.
 */

import type { TokenCredential } from '@azure/identity';
import type { KubeConfig } from '@kubernetes/client-node';
import type { AksCredentialOptions } from '../azure/arm/kubeCredentials.js';
import type { ServiceTagSource } from '../azure/arm/serviceTags.js';
import type { BackendUsage, MetricsWindow } from '../azure/arm/snatMetrics.js';
import type { BlobFleetStore } from '../azure/blob/fleetStore.js';
import type { BlobReportStore } from '../azure/blob/reportStore.js';
import { BlobStoreError } from '../azure/errors.js';
import { loadSettings, reportStorage, type Settings } from '../config/settings.js';
import type { ClusterInfo } from '../investigation/clusterInfo.js';
import type { FleetInventory, FleetMetricsSource } from '../proactive/scanFleet.js';
import type { SnatMetricPoint } from '../report/model.js';
import type { TeamsNotifier } from '../teams/notifier.js';
import { localAccountStatement } from './evidenceNotes.js';
import { lazy } from './lazy.js';
import { TtlCache } from './ttlCache.js';

/** How long a cluster's kubeconfig (with its Entra token) is reused: a few minutes, far inside the token's hour. */
const KUBECONFIG_TTL_MS = 4 * 60_000;

/** Finds the AKS cluster an investigation is about (ARM in Azure, the simulated ARM in the demo). */
export interface ClusterDirectory {
  /** The managed cluster whose outbound load balancer has this ARM resource id. */
  resolveFromLoadBalancer(loadBalancerId: string): Promise<ClusterInfo>;
  /** A configured cluster by its resource id (the capture Job sweeper). */
  resolveById(clusterId: string): Promise<ClusterInfo>;
}

/** The load balancer's SNAT metrics in Azure Monitor, as the investigation reads them. */
export interface SnatMetricsSource {
  /** Per-minute used/allocated ports and failed connections for one backend IP (null: the whole load balancer). */
  nodeSnapshot(loadBalancerId: string, backendIp: string | null, window: MetricsWindow): Promise<SnatMetricPoint[]>;
  /** The `count` backend IPs with the highest `UsedSnatPorts` in the window, highest first. */
  worstBackends(loadBalancerId: string, window: MetricsWindow, count: number): Promise<BackendUsage[]>;
}

/**
 * Everything the activities reach outside the process: settings and one adapter per outside system. Built once per
 * process from app settings ({@link investigationDeps}), or installed whole by the simulated world and tests.
 */
export interface InvestigationDeps {
  /** The app settings, read and validated once. */
  settings: Settings;
  /** Load balancer or cluster id to cluster. */
  clusters: ClusterDirectory;
  /** SNAT metrics from Azure Monitor. */
  metrics: SnatMetricsSource;
  /** A fresh KubeConfig for the cluster (tokens expire: build one per activity). */
  kubeConfigFor(cluster: ClusterInfo): Promise<KubeConfig>;
  /**
   * The report's statement that the cluster was reached with a local (admin-grade) account, which only
   * ALLOW_ADMIN_CREDENTIALS allows; null when it was reached with Entra ID. Absent: never a local account.
   */
  localAccountNote?(cluster: ClusterInfo): Promise<string | null>;
  /** The reports container (evidence, reports, candidate lists); built on first use. */
  reports(): Promise<BlobReportStore>;
  /** What the proactive scan reads: clusters and their SNAT metrics (batch API); absent in setups without ARM. */
  fleetSources?(): Promise<{ inventory: FleetInventory; metrics: FleetMetricsSource }>;
  /** The fleet view (index.json/index.html) in the reports container; absent in setups without one. */
  fleet?(): Promise<Pick<BlobFleetStore, 'recordIncident' | 'recordScan'>>;
  /** Null when TEAMS_WEBHOOK_URL is not set: notifications are off. */
  notifier: Pick<TeamsNotifier, 'send'> | null;
  /** Azure service tags for the cluster's region (names destinations in the report); absent: not used. */
  serviceTags?: ServiceTagSource;
}

let override: InvestigationDeps | null = null;
const fromAppSettings = () => lazy(async () => buildFromSettings(loadSettings(process.env)));
let built = fromAppSettings();

/** Installs dependencies (the simulated world, tests); `null` goes back to building them from settings. */
export function setInvestigationDeps(deps: InvestigationDeps | null): void {
  override = deps;
  built = fromAppSettings();
}

/**
 * The dependencies for this process, built from app settings on first use. A failed build (an unresolved Key Vault
 * reference, an SDK that failed to load) is not kept: the next activity tries again.
 */
export function investigationDeps(): Promise<InvestigationDeps> {
  if (override) return Promise.resolve(override);
  return built();
}

/**
 * Loads the modules {@link buildFromSettings} needs (identity, ARM, AKS credentials, Kubernetes client). Call it
 * early to overlap the SDK loading with other start-up work; the module cache makes the later call free.
 */
export function loadAdapterModules() {
  return Promise.all([
    import('@azure/identity'),
    import('../azure/arm/clusterResolver.js'),
    import('../azure/arm/snatMetrics.js'),
    import('../azure/arm/kubeCredentials.js'),
    import('../kube/access.js'),
    import('../azure/arm/serviceTags.js'),
  ]);
}

/** Builds the production adapters: managed identity, ARM, AKS credentials, Blob, Teams. SDKs load lazily. */
export async function buildFromSettings(
  settings: Settings,
  extra: {
    credential?: TokenCredential;
    arm?: Partial<AksCredentialOptions>;
    /** Base URL of the metrics batch API per region (default `https://{region}.metrics.monitor.azure.com`). */
    metricsEndpoint?: (region: string) => string;
    /** How the Teams notifier waits out a `Retry-After` (default a real timer; the simulated world's clock). */
    teamsSleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<InvestigationDeps> {
  const [
    identity,
    { ArmClusterResolver },
    { SnatMetricsReader },
    { AksCredentialProvider },
    { kubeConfigFromString },
    { ArmServiceTags },
  ] = await loadAdapterModules();
  const credential =
    extra.credential ??
    (settings.azureClientId
      ? new identity.ManagedIdentityCredential({ clientId: settings.azureClientId })
      : new identity.DefaultAzureCredential());
  const armOptions: AksCredentialOptions = {
    credential,
    ...(settings.armEndpoint ? { endpoint: settings.armEndpoint } : {}),
    allowLocalAccounts: settings.allowAdminCredentials,
    ...extra.arm,
  };
  const credentials = new AksCredentialProvider(armOptions);
  // Built on first use and kept; a failure (Blob unreachable, storage setting unresolved) is retried next call.
  const store = lazy(async () => {
    const { BlobReportStore } = await import('../azure/blob/reportStore.js');
    const target = reportStorage(settings);
    const s =
      target.kind === 'connectionString'
        ? await BlobReportStore.fromConnectionString(target.connectionString, settings.reportsContainer)
        : await BlobReportStore.fromAccountUrl(target.accountUrl, credential, settings.reportsContainer);
    try {
      await s.ensureContainer();
    } catch (err) {
      // In Azure the infrastructure creates the container and the identity's role is scoped to it, so
      // "create if missing" may be refused (403) on a container that exists; anything else is a real fault.
      if (!(err instanceof BlobStoreError && err.statusCode === 403)) throw err;
    }
    return s;
  });
  // The fleet view shares the reports container; built the same way, failures not cached either.
  const fleet = lazy(buildFleet);
  const kubeConfigs = new TtlCache<KubeConfig>(KUBECONFIG_TTL_MS);
  const notifier = settings.teamsWebhookUrl
    ? new (await import('../teams/notifier.js')).TeamsNotifier({
        webhookUrl: settings.teamsWebhookUrl,
        ...(extra.teamsSleep ? { sleep: extra.teamsSleep } : {}),
      })
    : null;
  return {
    settings,
    clusters: new ArmClusterResolver(armOptions),
    metrics: new SnatMetricsReader(armOptions),
    serviceTags: new ArmServiceTags(armOptions),
    kubeConfigFor(cluster) {
      // Cached per cluster for a few minutes (well inside the Entra token's lifetime); failures are not cached.
      return kubeConfigs.get(cluster.resourceId.toLowerCase(), async () => {
        const { kubeconfigYaml, bearerToken } = await credentials.kubeconfigFor(cluster);
        return kubeConfigFromString(kubeconfigYaml, bearerToken ? { bearerToken } : {});
      });
    },
    async localAccountNote(cluster) {
      // Without the setting a local account is refused before anything runs, so there is nothing to say.
      if (!settings.allowAdminCredentials) return null;
      const { localAccount } = await credentials.kubeconfigFor(cluster);
      return localAccount ? localAccountStatement(cluster.name) : null;
    },
    reports: store,
    async fleetSources() {
      const [{ ArmClusterInventory }, { FleetMetricsReader }] = await Promise.all([
        import('../azure/arm/clusterInventory.js'),
        import('../azure/arm/fleetMetrics.js'),
      ]);
      return {
        inventory: new ArmClusterInventory(armOptions),
        metrics: new FleetMetricsReader({
          ...armOptions,
          ...(extra.metricsEndpoint ? { metricsEndpoint: extra.metricsEndpoint } : {}),
        }),
      };
    },
    fleet,
    notifier,
  };
  async function buildFleet(): Promise<BlobFleetStore> {
    // Same container as the reports, reached the same way; created (if needed) by reports().
    await store();
    const [{ BlobFleetStore }, { renderFleetHtml }] = await Promise.all([
      import('../azure/blob/fleetStore.js'),
      import('../report/fleet/renderFleetHtml.js'),
    ]);
    const target = reportStorage(settings);
    const render: Parameters<typeof BlobFleetStore.open>[2] = (doc, opts) =>
      renderFleetHtml(doc, { ...opts, thresholdPercent: settings.proactive.thresholdPercent });
    return BlobFleetStore.open(target, credential, render, { maxIncidents: settings.proactive.fleetMaxIncidents });
  }
}
