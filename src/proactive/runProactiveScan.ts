/**
 * What the proactive timer does each time it fires: scan the configured clusters, store each cluster's scan in
 * the fleet view, and ask the intake to investigate every node the forecast marks `investigate`, through the same
 * dedupe, cooldown and rate limits as alerts. Drift and `watch` nodes are shown, never captured.
 */
import type { ProactiveRequest } from '../intake/proactive.js';
import type { FleetClusterScan } from '../report/fleet/fleetModel.js';
import { toFleetClusterScan } from './fleetScanView.js';
import {
  type FleetInventory,
  type FleetMetricsSource,
  type FleetScan,
  type ScanOptions,
  type ScanScope,
  scanFleet,
} from './scanFleet.js';

/** What the intake answered for one node. */
export interface ProactiveOutcome {
  action: 'investigate' | 'ignore' | 'reject' | 'error';
  reason: string;
  /** Instances named for the node (started now or already covering it). */
  instanceIds: string[];
  /** The subset started by this request. */
  started: string[];
}

export type { ProactiveRequest };

/** The intake, as the proactive scan uses it. */
export interface ProactiveIntake {
  submitProactive(request: ProactiveRequest, receivedAt: Date): Promise<ProactiveOutcome>;
}

/** Where scans are recorded (the Blob fleet store). */
export interface FleetScanSink {
  recordScan(scan: FleetClusterScan): Promise<void>;
}

/** What one proactive pass talks to: cluster list, metrics, the intake that starts investigations, the fleet view. */
export interface ProactiveDeps {
  /** Lists the clusters to scan (ARM in Azure). */
  inventory: FleetInventory;
  /** Reads their load balancer and NAT gateway metrics. */
  metrics: FleetMetricsSource;
  /** Starts (or joins) an investigation for a node the forecast says to investigate. */
  intake: ProactiveIntake;
  /** Null: no fleet view (no report storage configured). */
  fleet: FleetScanSink | null;
  /** One JSON-able object per event. */
  log(entry: Record<string, unknown>): void;
}

/** One node the scan wanted investigated, and what the intake did. */
export interface ProactiveDecision {
  cluster: string;
  node: string;
  decision: 'investigate';
  usagePercent: number | null;
  minutesToExhaustion: number | null;
  reason: string;
  intake: ProactiveOutcome;
}

/** The outcome of one pass: what was scanned and which investigations it asked for. */
export interface ProactiveRun {
  /** Every cluster's forecasts, and what could not be read. */
  scan: FleetScan;
  /** One entry per node forecast `investigate`, with the intake's answer. */
  investigations: ProactiveDecision[];
}

/**
 * One proactive pass.
 *
 * @example await runProactiveScan(deps, { clusterIds }, { now, lookbackMinutes: 30, horizonMinutes: 15, thresholdPercent: 90 })
 */
export async function runProactiveScan(
  deps: ProactiveDeps,
  scope: ScanScope,
  options: ScanOptions,
): Promise<ProactiveRun> {
  const scan = await scanFleet(deps, scope, options);
  for (const e of scan.errors) deps.log({ level: 'warn', message: 'proactive scan', error: e });
  if (deps.fleet) {
    for (const c of scan.clusters) {
      try {
        await deps.fleet.recordScan(toFleetClusterScan(c, scan.scannedAt));
      } catch (err) {
        // The fleet page is a view: failing to update it must not stop investigations.
        deps.log({
          level: 'warn',
          message: 'fleet view not updated',
          cluster: c.cluster.name,
          error: (err as Error).message,
        });
      }
    }
  }
  const investigations: ProactiveDecision[] = [];
  for (const c of scan.clusters) {
    if (!c.cluster.loadBalancerId) continue;
    for (const f of c.forecasts) {
      if (f.decision !== 'investigate') continue;
      const intake = await deps.intake.submitProactive(
        { loadBalancerId: c.cluster.loadBalancerId, backendIp: f.backendIp, cluster: c.cluster.name, reason: f.reason },
        options.now,
      );
      investigations.push({
        cluster: c.cluster.name,
        node: f.backendIp,
        decision: 'investigate',
        usagePercent: f.usagePercent,
        minutesToExhaustion: f.minutesToExhaustion,
        reason: f.reason,
        intake,
      });
      deps.log({
        level: intake.action === 'error' ? 'error' : 'info',
        message: 'proactive investigation',
        cluster: c.cluster.name,
        node: f.backendIp,
        action: intake.action,
        reason: intake.reason,
        instanceIds: intake.instanceIds,
      });
    }
  }
  deps.log({
    level: 'info',
    message: 'proactive scan done',
    clusters: scan.clusters.length,
    nodes: scan.clusters.reduce((n, c) => n + c.forecasts.length, 0),
    investigate: investigations.length,
    errors: scan.errors.length,
  });
  return { scan, investigations };
}
