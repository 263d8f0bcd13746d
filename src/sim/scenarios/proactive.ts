/**
 * `demo --scenario proactive`: the proactive timer over a simulated fleet of 2 clusters and 6 nodes. One node's
 * SNAT use climbs towards exhaustion (still under the alert rule's threshold), one sits flat at 70 %, the rest are
 * low. The registered `proactiveScan` timer function fires once: it must investigate exactly the climbing node,
 * through the intake, before any alert could fire, and write the fleet view, which `--out DIR` copies to
 * `DIR/fleet/`.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { FLEET_FILES } from '../../azure/blob/fleetStore.js';
import type { FleetIndex } from '../../report/fleet/fleetModel.js';
import { fleetArmWorld, type SimFleetCluster } from '../arm/fleetWorld.js';
import { DEMO_CLUSTER, DEMO_NODES, DEMO_SUBSCRIPTION_ID } from '../arm/world.js';
import type { Scenario } from './types.js';

/** The SNAT alert rule fires above this many used ports (infra/modules/snatAlerts.bicep, usedSnatPortsThreshold). */
export const ALERT_THRESHOLD_PORTS = 900;
const ALLOCATED = 1024;
/** One point per minute over the default 30-minute look-back, ending now. */
const MINUTES = 31;

/** A flat series with a little noise (± 3 ports). */
const flat = (v: number) => Array.from({ length: MINUTES }, (_, i) => Math.round(v + 3 * Math.sin(i)));
/** 220 -> 820 ports over the look-back (20/min): 80 % now, about 10 minutes from exhaustion, under the alert (900). */
const climbing = Array.from({ length: MINUTES }, (_, i) => 220 + 20 * i);

const BATCH_CLUSTER = { name: 'aks-batch-weu', resourceGroup: 'rg-batch' } as const;

/** The two clusters: the demo cluster (its nodes exist in the simulated Kubernetes API) and a second one. */
function clusters(kubeApiServer: string, kubeCaData: string): SimFleetCluster[] {
  const [n0, n1, n2, hot] = DEMO_NODES;
  return [
    {
      name: DEMO_CLUSTER.name,
      resourceGroup: DEMO_CLUSTER.resourceGroup,
      location: DEMO_CLUSTER.location,
      aad: true,
      kubeApiServer,
      kubeCaData,
      nodes: [
        { name: n0.name, ip: n0.ip, used: flat(60), allocated: ALLOCATED },
        { name: n1.name, ip: n1.ip, used: flat(85), allocated: ALLOCATED },
        { name: n2.name, ip: n2.ip, used: flat(717), allocated: ALLOCATED },
        { name: hot.name, ip: hot.ip, used: climbing, allocated: ALLOCATED },
      ],
    },
    {
      name: BATCH_CLUSTER.name,
      resourceGroup: BATCH_CLUSTER.resourceGroup,
      location: DEMO_CLUSTER.location,
      nodes: [
        { name: 'aks-batch-00000000-vmss000000', ip: '10.225.0.4', used: flat(120), allocated: ALLOCATED },
        { name: 'aks-batch-00000000-vmss000001', ip: '10.225.0.5', used: flat(40), allocated: ALLOCATED },
      ],
    },
  ];
}

const clusterId = (c: { name: string; resourceGroup: string }) =>
  `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/${c.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${c.name}`;

/** Node names by cluster and IP, for the summary (the metrics know nodes by backend IP only). */
const NODE_NAMES = new Map(
  clusters('https://unused', '').flatMap((c) => c.nodes.map((n) => [`${c.name}/${n.ip}`, n.name] as const)),
);

/** `demo --scenario proactive`: the timer's pass over a simulated fleet, and the investigation it starts. */
export const proactive: Scenario = {
  name: 'proactive',
  description:
    'the proactive timer over 2 clusters / 6 nodes: investigates the node climbing towards exhaustion before the alert threshold, writes the fleet view',
  session: {
    settings: { PROACTIVE_CLUSTER_IDS: [clusterId(DEMO_CLUSTER), clusterId(BATCH_CLUSTER)].join(',') },
    armWorld: (kubeApiServer, kubeCaData, now) =>
      fleetArmWorld({ subscriptionId: DEMO_SUBSCRIPTION_ID, now, clusters: clusters(kubeApiServer, kubeCaData) }),
  },
  async run(ctx) {
    await ctx.invokeTimer('proactiveScan');
  },
  // Once the investigations have ended: their incidents are in the fleet view next to the scan.
  async after(ctx) {
    const settings = ctx.session.world.settings;
    const container = BlobServiceClient.fromConnectionString(settings.reportsConnectionString ?? '').getContainerClient(
      settings.reportsContainer,
    );
    const read = async (name: string) => (await container.getBlobClient(name).downloadToBuffer()).toString('utf8');
    const json = await read(FLEET_FILES.json);
    const html = await read(FLEET_FILES.html);
    const doc = JSON.parse(json) as FleetIndex;
    ctx.extra(
      'proactive',
      Object.values(doc.scans).flatMap((scan) =>
        scan.nodes.map((n) => ({
          node: NODE_NAMES.get(`${scan.cluster}/${n.backendIp}`) ?? n.backendIp,
          decision: n.decision,
          minutesToExhaustion: n.minutesToExhaustion,
          cluster: scan.cluster,
          backendIp: n.backendIp,
          usagePercent: n.usagePercent,
        })),
      ),
    );
    ctx.extra('fleet', {
      clusters: Object.keys(doc.scans).sort(),
      incidents: doc.incidents.map((i) => ({ node: i.node, trigger: i.trigger, status: i.status, topPod: i.topPod })),
      alertThresholdPercent: Math.round((ALERT_THRESHOLD_PORTS / ALLOCATED) * 1000) / 10,
    });
    ctx.attach(`fleet/${FLEET_FILES.json}`, json);
    ctx.attach(`fleet/${FLEET_FILES.html}`, html);
  },
};
