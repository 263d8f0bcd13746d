import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmClusterInventory } from '../../../src/azure/arm/clusterInventory.js';
import { FleetMetricsReader } from '../../../src/azure/arm/fleetMetrics.js';
import { ArmUnavailableError } from '../../../src/azure/errors.js';
import { scanFleet } from '../../../src/proactive/scanFleet.js';
import { simArmAdapterOptions } from '../../../src/sim/arm/credential.js';
import { fleetArmWorld, type SimFleetCluster } from '../../../src/sim/arm/fleetWorld.js';
import { type ArmServer, startArmServer } from '../../../src/sim/arm/server.js';
import { type ArmWorld, DEMO_SUBSCRIPTION_ID, demoArmWorld } from '../../../src/sim/arm/world.js';
import { loopbackCertificate } from '../../../src/sim/tls.js';

const NOW = new Date('2026-12-04T10:30:00.000Z');
const SUB = '11111111-2222-4333-8444-555555555555';
const OPTIONS = { now: NOW, lookbackMinutes: 30, horizonMinutes: 15, thresholdPercent: 90 };

const flat = (v: number, n = 31) => Array.from({ length: n }, () => v);
const ramp = (from: number, per: number, n = 31) => Array.from({ length: n }, (_, i) => Math.round(from + per * i));

/** 10 clusters x 100 nodes in one region, one node of cluster 3 heading for exhaustion, one with drift; a NAT cluster. */
function bigFleet(): SimFleetCluster[] {
  const clusters: SimFleetCluster[] = Array.from({ length: 10 }, (_, c) => ({
    name: `aks-${c}`,
    resourceGroup: `rg-${c}`,
    location: 'westeurope',
    allocatedOutboundPorts: c === 5 ? 2048 : 0,
    nodes: Array.from({ length: 100 }, (_, n) => ({
      name: `aks-np-${c}-vmss${String(n).padStart(6, '0')}`,
      ip: `10.${c}.0.${n + 4}`,
      used: c === 3 && n === 42 ? ramp(500, 15) : flat(50 + (n % 10)),
      allocated: c === 5 ? 1024 : 1024,
    })),
  }));
  clusters.push({
    name: 'aks-nat',
    resourceGroup: 'rg-nat',
    location: 'westeurope',
    outboundType: 'managedNATGateway',
    nodes: [{ name: 'n', ip: '10.99.0.4', used: flat(100), allocated: null }],
  });
  return clusters;
}

let arm: ArmServer;
let world: ArmWorld;
let tls: Awaited<ReturnType<typeof loopbackCertificate>>;

function deps() {
  const opts = simArmAdapterOptions(arm, tls, { maxRetries: 0 });
  return {
    inventory: new ArmClusterInventory(opts),
    metrics: new FleetMetricsReader({ ...opts, metricsEndpoint: () => arm.endpoint }),
  };
}

beforeAll(async () => {
  tls = await loopbackCertificate();
  world = fleetArmWorld({ subscriptionId: SUB, now: NOW, clusters: bigFleet() });
  arm = await startArmServer({ world, tls });
});

afterAll(async () => {
  await arm?.close();
});

describe('scanFleet against the simulated ARM (real adapters, batch API)', () => {
  it('scans 10 clusters x 100 nodes with 1 list + 2 batch calls (+2 for the NAT cluster) and finds the node heading for exhaustion', async () => {
    const before = arm.requests.length;
    const scan = await scanFleet(deps(), { subscriptionIds: [SUB] }, OPTIONS);
    const calls = arm.requests.slice(before);
    // 1 cluster list + 2 metrics:getBatch (ports, failed) for the 10 load balancers, + 1 NAT gateway list and
    // 1 NAT batch for the NAT cluster.
    expect(
      calls.map((r) => `${r.method} ${r.path.replace(/\/subscriptions\/[^/]+/, '/subscriptions/S')}`).sort(),
    ).toEqual(
      [
        'GET /subscriptions/S/providers/Microsoft.ContainerService/managedClusters',
        'POST /subscriptions/S/metrics:getBatch',
        'POST /subscriptions/S/metrics:getBatch',
        'POST /subscriptions/S/metrics:getBatch',
        'GET /subscriptions/S/resourceGroups/MC_rg-nat_aks-nat_westeurope/providers/Microsoft.Network/natGateways',
      ].sort(),
    );
    expect(scan.errors).toEqual([]);
    expect(scan.clusters).toHaveLength(11);
    const lb = scan.clusters.filter((c) => c.cluster.loadBalancerId);
    expect(lb.every((c) => c.forecasts.length === 100)).toBe(true);
    const hot = scan.clusters.find((c) => c.cluster.name === 'aks-3')?.forecasts[0];
    expect(hot).toMatchObject({ backendIp: '10.3.0.46', decision: 'investigate', trendPortsPerMinute: 15 });
    const others = lb.flatMap((c) => c.forecasts).filter((f) => f.backendIp !== '10.3.0.46');
    expect(others.filter((f) => f.decision === 'investigate')).toEqual([]);
    // Drift: aks-5 is configured for 2,048 ports per node but gets 1,024.
    expect(scan.clusters.find((c) => c.cluster.name === 'aks-5')?.forecasts[0]?.drift).toEqual({
      configured: 2048,
      allocated: 1024,
    });
  });

  it('reads the NAT gateway metrics and says nodes cannot be told apart', async () => {
    const scan = await scanFleet(deps(), { subscriptionIds: [SUB] }, OPTIONS);
    const nat = scan.clusters.find((c) => c.cluster.name === 'aks-nat');
    expect(nat?.forecasts).toEqual([]);
    expect(nat?.natGateway).toMatchObject({ snatConnections: 100, droppedPackets: 0 });
    expect(nat?.note).toMatch(/nodes cannot be told apart/);
  });

  it('limits the scan to the configured cluster ids and reports unknown ones', async () => {
    const id = world.clusters[2]?.id as string;
    const missing = `/subscriptions/${SUB}/resourceGroups/rg-x/providers/Microsoft.ContainerService/managedClusters/gone`;
    const scan = await scanFleet(deps(), { clusterIds: [id.toUpperCase(), missing] }, OPTIONS);
    expect(scan.clusters.map((c) => c.cluster.name)).toEqual(['aks-2']);
    expect(scan.errors).toEqual([`cluster ${missing.toLowerCase()}: not found or not readable`]);
  });

  it('keeps scanning when one metrics batch fails, and says so per cluster', async () => {
    world.faults.push({ method: 'POST', pathIncludes: 'metrics:getBatch', status: 503, times: 1 });
    const scan = await scanFleet(deps(), { subscriptionIds: [SUB] }, OPTIONS);
    expect(scan.errors).toHaveLength(1);
    expect(scan.errors[0]).toMatch(/HTTP 503/);
    expect(scan.clusters.find((c) => c.cluster.name === 'aks-0')?.note).toMatch(/metrics could not be read/);
  });

  it('lists every readable subscription when none is given', async () => {
    const scan = await scanFleet(deps(), {}, { ...OPTIONS });
    expect(scan.clusters).toHaveLength(11);
  });
});

describe('FleetMetricsReader', () => {
  it('refuses more than one subscription per batch and a region that is not a name', async () => {
    const reader = deps().metrics;
    const window = { start: new Date(NOW.getTime() - 60_000), end: NOW };
    await expect(
      reader.loadBalancers(
        'westeurope',
        [world.loadBalancers[0]?.id as string, `/subscriptions/${DEMO_SUBSCRIPTION_ID}/x`],
        window,
      ),
    ).rejects.toThrow(/one subscription/);
    await expect(
      reader.loadBalancers('west europe/../x', [world.loadBalancers[0]?.id as string], window),
    ).rejects.toThrow(/not an Azure region name/);
  });

  it('translates a failing batch call into ArmUnavailableError', async () => {
    world.faults.push({ method: 'POST', pathIncludes: 'metrics:getBatch', status: 500, times: 2 });
    const window = { start: new Date(NOW.getTime() - 60_000), end: NOW };
    await expect(
      deps().metrics.loadBalancers('westeurope', [world.loadBalancers[0]?.id as string], window),
    ).rejects.toBeInstanceOf(ArmUnavailableError);
    world.faults.length = 0;
  });

  it('reads the demo world NAT gateway', async () => {
    const demo = demoArmWorld({ now: NOW });
    const server = await startArmServer({ world: demo, tls });
    try {
      const opts = simArmAdapterOptions(server, tls, { maxRetries: 0 });
      const scan = await scanFleet(
        {
          inventory: new ArmClusterInventory(opts),
          metrics: new FleetMetricsReader({ ...opts, metricsEndpoint: () => server.endpoint }),
        },
        { subscriptionIds: [DEMO_SUBSCRIPTION_ID] },
        OPTIONS,
      );
      const nat = scan.clusters.find((c) => c.cluster.outboundType === 'managedNATGateway');
      expect(nat?.natGateway?.gatewayId).toMatch(/natGateways\/aks-batch-neu-natgw$/);
      expect(nat?.natGateway?.snatConnections).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});
