/**
 * `snat-responder watch` without a file: scans the AKS clusters the identity can read (or those named) through
 * the ARM adapters and prints a table per cluster, refreshed every `--interval-seconds`, like `kubectl top` for
 * SNAT; `--once` scans once; `--json` prints one JSON line per scan.
 */
import type { ForecastOptions } from '../../forecast/types.js';
import { byUrgency } from '../../forecast/urgency.js';
import type { FleetInventory, FleetMetricsSource, FleetScan } from '../../proactive/scanFleet.js';
import { CliError } from '../errors.js';
import { nodeJson, renderWatchTable } from '../watchOutput.js';

/** The `watch` flags the live scan uses, already parsed and range-checked by the command. */
export interface WatchLiveFlags {
  /** Print one JSON line per scan instead of tables. */
  json?: boolean;
  /** Scan once and exit instead of refreshing. */
  once?: boolean;
  /** Seconds between scans. */
  intervalSeconds: number;
  /** Minutes of metrics each scan reads (the forecast's look-back). */
  lookbackMinutes: number;
  /** Subscription ids to scan; empty means every subscription the identity can read. */
  subscription: string[];
  /** AKS cluster resource ids to limit the scan to; empty means all clusters found. */
  cluster: string[];
}

/** What the live watch talks to; built from the settings unless given (tests, the simulated world). */
export interface WatchLiveDeps {
  inventory: FleetInventory;
  metrics: FleetMetricsSource;
  now(): Date;
  write(text: string): void;
  /** Resolves after `ms`, or early when the watch is stopped. */
  sleep(ms: number): Promise<void>;
  /** True once the user asked to stop (Ctrl-C). */
  stopped(): boolean;
  /** Clear the screen before each refresh (a terminal). */
  clearScreen: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CLUSTER_ID =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+$/i;

/** The scan as one JSON object: nodes across clusters most urgent first, plus a per-cluster summary. */
export function scanJson(scan: FleetScan): Record<string, unknown> {
  const nodes = scan.clusters
    .flatMap((c) => c.forecasts.map((f) => ({ cluster: c.cluster.name, f })))
    .sort((a, b) => byUrgency(a.f, b.f))
    .map(({ cluster, f }) => ({ cluster, ...nodeJson(f) }));
  return {
    scannedAt: scan.scannedAt,
    nodes,
    clusters: scan.clusters.map((c) => ({
      cluster: c.cluster.name,
      resourceId: c.cluster.resourceId,
      location: c.cluster.location,
      outboundType: c.cluster.outboundType,
      nodes: c.forecasts.length,
      investigate: c.forecasts.filter((f) => f.decision === 'investigate').length,
      natGateway: c.natGateway,
      note: c.note,
    })),
    errors: scan.errors,
  };
}

/** The scan as text: one block per cluster, most urgent cluster first. */
export function scanTable(scan: FleetScan): string {
  const blocks = [...scan.clusters]
    .sort(
      (a, b) =>
        b.forecasts.filter((f) => f.decision === 'investigate').length -
          a.forecasts.filter((f) => f.decision === 'investigate').length ||
        a.cluster.name.localeCompare(b.cluster.name),
    )
    .map((c) => {
      const head = `${c.cluster.name}  (${c.cluster.location}, outbound ${c.cluster.outboundType}, ${c.forecasts.length} nodes)`;
      const lines = [head];
      if (c.natGateway) {
        lines.push(
          `  NAT gateway ${c.natGateway.gatewayId.split('/').pop()}: ${c.natGateway.snatConnections ?? '—'} SNAT connections, ` +
            `${c.natGateway.droppedPackets ?? '—'} dropped packets in the last minute`,
        );
      }
      if (c.note) lines.push(`  ${c.note}`);
      if (c.forecasts.length > 0) lines.push(renderWatchTable(c.forecasts).trimEnd());
      return lines.join('\n');
    });
  const errors = scan.errors.map((e) => `warning: ${e}`);
  return `${[`SNAT watch, scanned ${scan.scannedAt}`, '', ...blocks.flatMap((b) => [b, '']), ...errors].join('\n').trimEnd()}\n`;
}

async function defaultDeps(): Promise<WatchLiveDeps> {
  const [{ loadSettings }, identity, { ArmClusterInventory }, { FleetMetricsReader }] = await Promise.all([
    import('../../config/settings.js'),
    import('@azure/identity'),
    import('../../azure/arm/clusterInventory.js'),
    import('../../azure/arm/fleetMetrics.js'),
  ]);
  const settings = loadSettings(process.env);
  const credential = settings.azureClientId
    ? new identity.ManagedIdentityCredential({ clientId: settings.azureClientId })
    : new identity.DefaultAzureCredential();
  const opts = { credential, ...(settings.armEndpoint ? { endpoint: settings.armEndpoint } : {}) };
  let stop = false;
  let wake: (() => void) | null = null;
  process.once('SIGINT', () => {
    stop = true;
    wake?.();
  });
  return {
    inventory: new ArmClusterInventory(opts),
    metrics: new FleetMetricsReader(opts),
    now: () => new Date(),
    write: (t) => process.stdout.write(t),
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    stopped: () => stop,
    clearScreen: process.stdout.isTTY === true,
  };
}

/**
 * Runs the live watch until `--once` is done or the user stops it.
 *
 * @throws CliError (exit 2) for malformed `--subscription`/`--cluster`; (exit 1) when nothing could be read.
 */
export async function watchLive(flags: WatchLiveFlags, options: ForecastOptions, given?: WatchLiveDeps): Promise<void> {
  for (const s of flags.subscription)
    if (!GUID.test(s)) throw new CliError(`--subscription: "${s}" is not a subscription id (GUID)`);
  for (const c of flags.cluster) {
    if (!CLUSTER_ID.test(c)) throw new CliError(`--cluster: "${c}" is not an AKS cluster resource id`);
  }
  const deps = given ?? (await defaultDeps());
  const { scanFleet } = await import('../../proactive/scanFleet.js');
  for (;;) {
    const scan = await scanFleet(
      deps,
      { clusterIds: flags.cluster, subscriptionIds: flags.subscription },
      { now: deps.now(), lookbackMinutes: flags.lookbackMinutes, ...options },
    );
    if (scan.clusters.length === 0 && scan.errors.length > 0) {
      throw new CliError(`no cluster could be read: ${scan.errors[0]}`, 1);
    }
    if (flags.json) deps.write(`${JSON.stringify(scanJson(scan))}\n`);
    else deps.write(`${deps.clearScreen ? '\x1b[2J\x1b[H' : ''}${scanTable(scan)}`);
    if (flags.once || deps.stopped()) return;
    await deps.sleep(flags.intervalSeconds * 1000);
    if (deps.stopped()) return;
  }
}
