import type { FleetClusterScan } from '../report/fleet/fleetModel.js';
import type { ClusterScan } from './scanFleet.js';

/**
 * A cluster's scan as the fleet view stores it (small: decisions, numbers and sparklines, no raw series).
 *
 * @example await fleetStore.recordScan(toFleetClusterScan(scan, result.scannedAt))
 */
export function toFleetClusterScan(scan: ClusterScan, scannedAt: string): FleetClusterScan {
  return {
    cluster: scan.cluster.name,
    scannedAt,
    outboundType: scan.cluster.outboundType,
    nodes: scan.forecasts.map((f) => ({
      backendIp: f.backendIp,
      decision: f.decision,
      usagePercent: f.usagePercent,
      trendPortsPerMinute: f.trendPortsPerMinute,
      minutesToExhaustion: f.minutesToExhaustion,
      reason: f.reason,
      drift: f.drift,
      spark: f.spark,
    })),
    natGateway: scan.natGateway
      ? {
          gatewayId: scan.natGateway.gatewayId,
          snatConnections: scan.natGateway.snatConnections,
          droppedPackets: scan.natGateway.droppedPackets,
        }
      : null,
    note: scan.note,
  };
}
