import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmClusterInventory } from '../../../src/azure/arm/clusterInventory.js';
import { FleetMetricsReader } from '../../../src/azure/arm/fleetMetrics.js';
import { type WatchLiveDeps, watchLive } from '../../../src/cli/commands/watchLive.js';
import { CliError } from '../../../src/cli/errors.js';
import { simArmAdapterOptions } from '../../../src/sim/arm/credential.js';
import { type ArmServer, startArmServer } from '../../../src/sim/arm/server.js';
import { DEMO_CLUSTER, DEMO_SUBSCRIPTION_ID, demoArmWorld } from '../../../src/sim/arm/world.js';
import { loopbackCertificate } from '../../../src/sim/tls.js';

const NOW = new Date('2026-12-04T10:30:00.000Z');
const FLAGS = { intervalSeconds: 60, lookbackMinutes: 30, subscription: [], cluster: [] as string[] };
const FORECAST = { horizonMinutes: 15, thresholdPercent: 90 };

let arm: ArmServer;
let tls: Awaited<ReturnType<typeof loopbackCertificate>>;

beforeAll(async () => {
  tls = await loopbackCertificate();
  arm = await startArmServer({ world: demoArmWorld({ now: NOW }), tls });
});
afterAll(async () => {
  await arm?.close();
});

function deps(stopAfterSleeps = 0): WatchLiveDeps & { out: string[]; sleeps: number[] } {
  const opts = simArmAdapterOptions(arm, tls, { maxRetries: 0 });
  const out: string[] = [];
  const sleeps: number[] = [];
  return {
    out,
    sleeps,
    inventory: new ArmClusterInventory(opts),
    metrics: new FleetMetricsReader({ ...opts, metricsEndpoint: () => arm.endpoint }),
    now: () => NOW,
    write: (t) => out.push(t),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    stopped: () => sleeps.length > stopAfterSleeps,
    clearScreen: true,
  };
}

describe('watch (live) against the simulated ARM', () => {
  it('--once --json: one line, the hot node first, the NAT gateway cluster with its note', async () => {
    const d = deps();
    await watchLive({ ...FLAGS, once: true, json: true }, FORECAST, d);
    expect(d.out).toHaveLength(1);
    const line = d.out[0] as string;
    expect(line.endsWith('\n') && !line.trimEnd().includes('\n')).toBe(true);
    const json = JSON.parse(line) as {
      nodes: Array<Record<string, unknown>>;
      clusters: Array<Record<string, unknown>>;
    };
    expect(json.nodes[0]).toMatchObject({
      cluster: DEMO_CLUSTER.name,
      backendIp: '10.224.0.7',
      decision: 'investigate',
    });
    expect(json.nodes.slice(1).every((n) => n.decision !== 'investigate')).toBe(true);
    const nat = json.clusters.find((c) => c.outboundType === 'managedNATGateway');
    expect(nat?.note).toMatch(/nodes cannot be told apart/);
    expect((nat?.natGateway as { snatConnections: number } | undefined)?.snatConnections).toBeGreaterThan(0);
    expect(d.sleeps).toEqual([]);
  });

  it('refreshes the table every interval until stopped, clearing a terminal screen', async () => {
    const d = deps(1);
    await watchLive({ ...FLAGS, intervalSeconds: 15 }, FORECAST, d);
    expect(d.out).toHaveLength(2);
    expect(d.sleeps).toEqual([15_000, 15_000]);
    const screen = d.out[1] as string;
    expect(screen.startsWith('\x1b[2J\x1b[H')).toBe(true);
    expect(screen).toMatch(/aks-prod-weu {2}\(westeurope, outbound loadBalancer, 4 nodes\)/);
    expect(screen).toMatch(/\n10\.224\.0\.7 +\d+ +1024 +[\d.]+% +\+[\d.]+ +[\d.]+ min +investigate/);
    expect(screen).toMatch(/NAT gateway aks-batch-neu-natgw: \d+ SNAT connections/);
  });

  it('--cluster limits the scan to one cluster', async () => {
    const d = deps();
    const id = `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/${DEMO_CLUSTER.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${DEMO_CLUSTER.name}`;
    await watchLive({ ...FLAGS, once: true, json: true, cluster: [id] }, FORECAST, d);
    const json = JSON.parse(d.out[0] as string) as { clusters: unknown[] };
    expect(json.clusters).toHaveLength(1);
  });

  it('refuses malformed --subscription and --cluster before any call', async () => {
    const d = deps();
    const before = arm.requests.length;
    await expect(watchLive({ ...FLAGS, subscription: ['nope'] }, FORECAST, d)).rejects.toThrow(CliError);
    await expect(watchLive({ ...FLAGS, cluster: ['/subscriptions/x'] }, FORECAST, d)).rejects.toThrow(
      /is not an AKS cluster resource id/,
    );
    expect(arm.requests.length).toBe(before);
  });

  it('exits 1 when no subscription can be read', async () => {
    const d = deps();
    await expect(
      watchLive({ ...FLAGS, once: true, subscription: ['00000000-0000-4000-8000-000000000000'] }, FORECAST, d),
    ).rejects.toMatchObject({ exitCode: 1, message: expect.stringMatching(/no cluster could be read: subscription/) });
  });
});
