import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmClusterInventory } from '../../../src/azure/arm/clusterInventory.js';
import { FleetMetricsReader } from '../../../src/azure/arm/fleetMetrics.js';
import { BlobFleetStore } from '../../../src/azure/blob/fleetStore.js';
import { type ProactiveRequest, runProactiveScan } from '../../../src/proactive/runProactiveScan.js';
import { renderFleetHtml } from '../../../src/report/fleet/renderFleetHtml.js';
import { simArmAdapterOptions } from '../../../src/sim/arm/credential.js';
import { fleetArmWorld } from '../../../src/sim/arm/fleetWorld.js';
import { type ArmServer, startArmServer } from '../../../src/sim/arm/server.js';
import { type AzuriteBlob, startAzurite } from '../../../src/sim/azurite.js';
import { loopbackCertificate } from '../../../src/sim/tls.js';

const NOW = new Date('2026-12-04T10:30:00.000Z');
const SUB = '11111111-2222-4333-8444-555555555555';
const flat = (v: number) => Array.from({ length: 31 }, () => v);
const ramp = Array.from({ length: 31 }, (_, i) => 240 + 20 * i);

let arm: ArmServer;
let azurite: AzuriteBlob;
let container: ContainerClient;
let tls: Awaited<ReturnType<typeof loopbackCertificate>>;

beforeAll(async () => {
  tls = await loopbackCertificate();
  const world = fleetArmWorld({
    subscriptionId: SUB,
    now: NOW,
    clusters: [
      {
        name: 'aks-a',
        resourceGroup: 'rg-a',
        location: 'westeurope',
        nodes: [
          { name: 'a0', ip: '10.1.0.4', used: flat(60), allocated: 1024 },
          { name: 'a1', ip: '10.1.0.5', used: flat(717), allocated: 1024 },
          { name: 'a2', ip: '10.1.0.6', used: ramp, allocated: 1024 },
        ],
      },
      {
        name: 'aks-nat',
        resourceGroup: 'rg-n',
        location: 'westeurope',
        outboundType: 'managedNATGateway',
        nodes: [{ name: 'n0', ip: '10.2.0.4', used: flat(500), allocated: null }],
      },
    ],
  });
  [arm, azurite] = await Promise.all([startArmServer({ world, tls }), startAzurite()]);
  container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('reports');
  await container.create();
});

afterAll(async () => {
  await Promise.allSettled([arm?.close(), azurite?.stop()]);
});

describe('runProactiveScan', () => {
  it('asks the intake for the climbing node only, and records every cluster scan in the fleet view', async () => {
    const opts = simArmAdapterOptions(arm, tls, { maxRetries: 0 });
    const asked: ProactiveRequest[] = [];
    const logs: Array<Record<string, unknown>> = [];
    const fleet = new BlobFleetStore(container, renderFleetHtml);
    const run = await runProactiveScan(
      {
        inventory: new ArmClusterInventory(opts),
        metrics: new FleetMetricsReader({ ...opts, metricsEndpoint: () => arm.endpoint }),
        intake: {
          async submitProactive(request) {
            asked.push(request);
            return { action: 'investigate', reason: 'started', instanceIds: ['i-1'], started: ['i-1'] };
          },
        },
        fleet,
        log: (e) => logs.push(e),
      },
      { subscriptionIds: [SUB] },
      { now: NOW, lookbackMinutes: 30, horizonMinutes: 15, thresholdPercent: 90 },
    );
    expect(asked).toEqual([
      {
        loadBalancerId: `/subscriptions/${SUB}/resourceGroups/MC_rg-a_aks-a_westeurope/providers/Microsoft.Network/loadBalancers/kubernetes`,
        backendIp: '10.1.0.6',
        cluster: 'aks-a',
        reason: expect.stringMatching(/projected to run out of SNAT ports in [\d.]+ min \(trend \+20 ports\/min\)/),
      },
    ]);
    expect(run.investigations).toMatchObject([{ node: '10.1.0.6', decision: 'investigate', usagePercent: 80.1 }]);
    expect(run.investigations[0]?.minutesToExhaustion).toBeLessThanOrEqual(15);
    const root = await fleet.read(null);
    expect(Object.keys(root.scans).sort()).toEqual(['aks-a', 'aks-nat']);
    expect(root.scans['aks-a']?.nodes.map((n) => [n.backendIp, n.decision])).toEqual([
      ['10.1.0.6', 'investigate'],
      ['10.1.0.5', 'ok'],
      ['10.1.0.4', 'ok'],
    ]);
    expect(root.scans['aks-nat']?.note).toMatch(/nodes cannot be told apart/);
    expect((await fleet.read('aks-a')).scans['aks-a']?.nodes).toHaveLength(3);
    expect(logs.at(-1)).toMatchObject({
      message: 'proactive scan done',
      clusters: 2,
      nodes: 3,
      investigate: 1,
      errors: 0,
    });
  });

  it('still asks the intake when the fleet view cannot be written, and logs why', async () => {
    const opts = simArmAdapterOptions(arm, tls, { maxRetries: 0 });
    const logs: Array<Record<string, unknown>> = [];
    let asked = 0;
    await runProactiveScan(
      {
        inventory: new ArmClusterInventory(opts),
        metrics: new FleetMetricsReader({ ...opts, metricsEndpoint: () => arm.endpoint }),
        intake: {
          async submitProactive() {
            asked++;
            return { action: 'ignore', reason: 'same window', instanceIds: ['i-1'], started: [] };
          },
        },
        fleet: {
          async recordScan() {
            throw new Error('blob down');
          },
        },
        log: (e) => logs.push(e),
      },
      { subscriptionIds: [SUB] },
      { now: NOW, lookbackMinutes: 30, horizonMinutes: 15, thresholdPercent: 90 },
    );
    expect(asked).toBe(1);
    expect(logs.filter((l) => l.message === 'fleet view not updated').map((l) => l.error)).toEqual([
      'blob down',
      'blob down',
    ]);
  });
});
