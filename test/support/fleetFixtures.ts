/** Fleet index documents for the fleet view tests. */
import type { FleetClusterScan, FleetIncident, FleetIndex } from '../../src/report/fleet/fleetModel.js';
import { emptyFleetIndex, withIncident, withScan } from '../../src/report/fleet/fleetModel.js';

export function incident(i: number, over: Partial<FleetIncident> = {}): FleetIncident {
  return {
    instanceId: `inst-${String(i).padStart(4, '0')}`,
    timestamp: new Date(Date.UTC(2026, 11, 4, 8, 0) + i * 60_000).toISOString(),
    cluster: 'aks-prod-weu',
    node: `aks-nodepool1-12345678-vmss00000${i % 4}`,
    topPod: i % 3 === 0 ? 'payments/checkout-api-7d9f8b6c5-x2x9q' : `batch/etl-${i}`,
    status: i % 5 === 0 ? 'degraded' : 'complete',
    trigger: i % 2 === 0 ? 'alert' : 'proactive',
    link: `https://streports.blob.core.windows.net/reports/aks-prod-weu/n/${i}/report.html`,
    ...over,
  };
}

export function scan(cluster: string, nodes = 4, over: Partial<FleetClusterScan> = {}): FleetClusterScan {
  const ramp = (from: number, per: number) =>
    Array.from({ length: 30 }, (_, i) => Math.round((from + per * i) * 10) / 10);
  return {
    cluster,
    scannedAt: '2026-12-04T10:30:00.000Z',
    outboundType: 'loadBalancer',
    natGateway: null,
    note: null,
    nodes: Array.from({ length: nodes }, (_, i) => {
      const kind = i === 0 ? 'hot' : i === 1 ? 'flat70' : 'low';
      return {
        backendIp: `10.224.0.${4 + i}`,
        decision: kind === 'hot' ? ('investigate' as const) : ('ok' as const),
        usagePercent: kind === 'hot' ? 88.6 : kind === 'flat70' ? 70 : 12,
        trendPortsPerMinute: kind === 'hot' ? 13 : 0,
        minutesToExhaustion: kind === 'hot' ? 9 : null,
        reason: kind === 'hot' ? 'projected to run out of SNAT ports in 9 min' : 'usage 70%, not rising',
        drift: kind === 'flat70' ? { configured: 4000, allocated: 1024 } : null,
        spark: kind === 'hot' ? ramp(50, 1.3) : kind === 'flat70' ? ramp(70, 0) : ramp(12, 0),
      };
    }),
    ...over,
  };
}

/** A root index with two clusters (one behind a NAT gateway) and `incidents` incidents. */
export function fleetIndex(incidents = 12): FleetIndex {
  let doc = emptyFleetIndex(null, '2026-12-04T10:30:00.000Z');
  for (let i = 0; i < incidents; i++) doc = withIncident(doc, incident(i), '2026-12-04T10:30:00.000Z');
  doc = withScan(doc, scan('aks-prod-weu'), '2026-12-04T10:30:00.000Z');
  doc = withScan(
    doc,
    scan('aks-prod-neu', 0, {
      outboundType: 'managedNATGateway',
      natGateway: {
        gatewayId: '/subscriptions/s/resourceGroups/mc/providers/Microsoft.Network/natGateways/ng',
        snatConnections: 1200,
        droppedPackets: 3,
      },
      note: 'Egress leaves through a NAT gateway: its metrics cover all nodes together, nodes cannot be told apart.',
    }),
    '2026-12-04T10:30:00.000Z',
  );
  return doc;
}
