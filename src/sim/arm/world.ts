/**
 * The simulated Azure Resource Manager world: managed clusters, their kubeconfigs and the outbound
 * load balancers with per-minute SNAT metric series. Plain data, so tests and the demo can edit it.
 */

import { DEMO_NODE, DEMO_NODE_IP } from '../kube/demoScenario.js';

/** One per-minute metric series for one combination of dimension values. */
export interface SimMetricSeries {
  /** `UsedSnatPorts`, `AllocatedSnatPorts`, `SnatConnectionCount`, ... */
  metric: string;
  /** Dimension values, e.g. `{ BackendIPAddress: '10.224.0.7', FrontendIPAddress: '20.1.2.3' }`. */
  dimensions: Record<string, string>;
  /** ISO minute timestamps (`...:00.000Z`) and values. */
  points: Array<{ timestamp: string; value: number }>;
}

/** A cluster's outbound load balancer: its frontend IPs and SNAT metric series. */
export interface SimLoadBalancer {
  /** `/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/loadBalancers/N`. */
  id: string;
  location: string;
  /** Outbound frontend public IP addresses. */
  frontendIps: string[];
  metrics: SimMetricSeries[];
}

/** A NAT gateway (egress of clusters with outboundType managedNATGateway/userAssignedNATGateway) and its metrics. */
export interface SimNatGateway {
  /** `/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/natGateways/N`. */
  id: string;
  location: string;
  /** `SNATConnectionCount` (dimension ConnectionState), `PacketDropCount`, ... */
  metrics: SimMetricSeries[];
}

/** An AKS managed cluster as ARM lists it, with the kubeconfig its user credentials return. */
export interface SimManagedCluster {
  /** `/subscriptions/S/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/N`. */
  id: string;
  name: string;
  location: string;
  /** The ARM `properties` object exactly as ARM returns it (nodeResourceGroup, networkProfile, ...). */
  properties: Record<string, unknown>;
  /** Returned (base64) by `listClusterUserCredential`. */
  kubeconfigYaml: string;
}

/** A scripted failure: the next `times` requests matching method and path get this answer. */
export interface ArmFault {
  method?: string;
  /** Substring of the request path (case-insensitive). */
  pathIncludes: string;
  status: number;
  code?: string;
  message?: string;
  /** How many requests to fail (default 1); decremented as it fires. */
  times?: number;
  retryAfter?: string;
}

/** Everything the simulated ARM serves, and the faults it plays (mutable while it runs). */
export interface ArmWorld {
  /** Subscriptions the caller can see (others answer 404 SubscriptionNotFound). */
  subscriptionIds: string[];
  clusters: SimManagedCluster[];
  loadBalancers: SimLoadBalancer[];
  /** NAT gateways (listed per resource group, metrics through the metrics and batch APIs). */
  natGateways?: SimNatGateway[];
  /** Page size of list operations (nextLink paging). Default 100. */
  listPageSize?: number;
  /** Scripted failures, consumed in order. Mutable while the server runs. */
  faults: ArmFault[];
  /** Node names and IPs, for the demo's other simulated services (informational). */
  nodes?: Array<{ name: string; ip: string; clusterName: string }>;
  /** The service-tag document `.../locations/{location}/serviceTags` answers (default: sim/arm/serviceTags.ts). */
  serviceTags?: Record<string, unknown>;
  /** How many service-tag requests the server answered (tests check the adapter's cache). */
  serviceTagRequests?: number;
}

/** Options of {@link demoArmWorld}. */
export interface DemoArmWorldOptions {
  /** End of the metric history (the alert time). Default: now. */
  now?: Date;
  /** The Kubernetes API server the cluster kubeconfig points to. */
  kubeApiServer?: string;
  /** Base64 CA bundle of that API server (omit for plain http loopback servers). */
  kubeCaData?: string;
  /** Entra ID cluster whose kubeconfig uses the kubelogin exec plugin (default true, like most prod clusters). */
  aad?: boolean;
  /** Minutes of metric history (default 30). */
  minutes?: number;
}

/** The demo's subscription. */
export const DEMO_SUBSCRIPTION_ID = '5a3c7f2e-1b8d-4e6f-9a0c-2d4b6e8f0a1c' as const;
/** The demo's AKS cluster: name, resource group, node resource group (`MC_...`) and region. */
export const DEMO_CLUSTER = {
  name: 'aks-prod-weu',
  resourceGroup: 'rg-prod',
  nodeResourceGroup: 'MC_rg-prod_aks-prod-weu_westeurope',
  location: 'westeurope',
} as const;
/** The ARM id of the demo cluster's outbound load balancer (`kubernetes` in the node resource group). */
export const DEMO_LOAD_BALANCER_ID =
  `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/${DEMO_CLUSTER.nodeResourceGroup}/providers/Microsoft.Network/loadBalancers/kubernetes` as const;
/** The demo load balancer's outbound frontend IP. */
export const DEMO_FRONTEND_IP = '20.105.42.17' as const;
/** The node whose SNAT ports run out in the demo: the demo cluster's (src/sim/kube/demoScenario.ts), so ARM and the cluster agree. */
export const DEMO_HOT_NODE = { name: DEMO_NODE, ip: DEMO_NODE_IP } as const;
/** The demo cluster's nodes and their InternalIPs (backend IPs of the load balancer metrics). */
export const DEMO_NODES = [
  { name: 'aks-nodepool1-12345678-vmss000000', ip: '10.224.0.4' },
  { name: 'aks-nodepool1-12345678-vmss000001', ip: '10.224.0.5' },
  { name: 'aks-nodepool1-12345678-vmss000002', ip: '10.224.0.6' },
  DEMO_HOT_NODE,
] as const;

/**
 * A kubeconfig as `listClusterUserCredential` returns it: a static-token user, or on Entra ID
 * clusters the kubelogin exec plugin (which the responder replaces with a token).
 */
export function simKubeconfig(opts: { clusterName: string; server: string; caData?: string; aad: boolean }): string {
  const user = `clusterUser_${opts.clusterName}`;
  const cluster = [`- cluster:`];
  if (opts.caData) cluster.push(`    certificate-authority-data: ${opts.caData}`);
  // @kubernetes/client-node refuses tokens over plain http unless told; only loopback simulators use http.
  if (opts.server.startsWith('http://')) cluster.push('    insecure-skip-tls-verify: true');
  cluster.push(`    server: ${opts.server}`, `  name: ${opts.clusterName}`);
  const userBlock = opts.aad
    ? [
        `- name: ${user}`,
        `  user:`,
        `    exec:`,
        `      apiVersion: client.authentication.k8s.io/v1beta1`,
        `      args:`,
        `      - get-token`,
        `      - --environment`,
        `      - AzurePublicCloud`,
        `      - --server-id`,
        `      - 6dae42f8-4368-4678-94ff-3960e28e3630`,
        `      - --login`,
        `      - devicecode`,
        `      command: kubelogin`,
        `      env: null`,
        `      installHint: |2`,
        `        kubelogin is not installed which is required to connect to AAD enabled cluster.`,
        `      interactiveMode: IfAvailable`,
        `      provideClusterInfo: false`,
      ]
    : [`- name: ${user}`, `  user:`, `    token: sim-static-token-${opts.clusterName}`];
  return [
    'apiVersion: v1',
    'clusters:',
    ...cluster,
    'contexts:',
    '- context:',
    `    cluster: ${opts.clusterName}`,
    `    user: ${user}`,
    `  name: ${opts.clusterName}`,
    `current-context: ${opts.clusterName}`,
    'kind: Config',
    'preferences: {}',
    'users:',
    ...userBlock,
    '',
  ].join('\n');
}

function minuteFloor(d: Date): Date {
  const t = new Date(d.getTime());
  t.setUTCSeconds(0, 0);
  return t;
}

/** ARM JSON properties of an AKS cluster, with the knobs the product reads. */
export function simClusterProperties(p: {
  nodeResourceGroup: string;
  outboundType: string;
  nodeCount: number;
  aad: boolean;
  kubernetesVersion?: string;
  managedOutboundIpCount?: number;
  allocatedOutboundPorts?: number;
  idleTimeoutInMinutes?: number;
  disableLocalAccounts?: boolean;
  /** Extra agent pools after `nodepool1` (ARM `agentPoolProfiles` entries). */
  extraPools?: Array<Record<string, unknown>>;
  /** `nodepool1` autoscaling: `enableAutoScaling`, `minCount`, `maxCount`, `upgradeSettings`. */
  systemPool?: Record<string, unknown>;
}): Record<string, unknown> {
  const version = p.kubernetesVersion ?? '1.32.4';
  const lbProfile =
    p.outboundType === 'loadBalancer'
      ? {
          managedOutboundIPs: { count: p.managedOutboundIpCount ?? 1 },
          allocatedOutboundPorts: p.allocatedOutboundPorts ?? 0,
          idleTimeoutInMinutes: p.idleTimeoutInMinutes ?? 30,
          backendPoolType: 'nodeIPConfiguration',
        }
      : undefined;
  return {
    provisioningState: 'Succeeded',
    powerState: { code: 'Running' },
    kubernetesVersion: version,
    currentKubernetesVersion: version,
    dnsPrefix: 'aks',
    nodeResourceGroup: p.nodeResourceGroup,
    enableRBAC: true,
    disableLocalAccounts: p.disableLocalAccounts ?? false,
    agentPoolProfiles: [
      {
        name: 'nodepool1',
        count: p.nodeCount,
        vmSize: 'Standard_D4ds_v5',
        osType: 'Linux',
        mode: 'System',
        type: 'VirtualMachineScaleSets',
        provisioningState: 'Succeeded',
        orchestratorVersion: version,
        ...p.systemPool,
      },
      ...(p.extraPools ?? []),
    ],
    networkProfile: {
      networkPlugin: 'azure',
      networkPluginMode: 'overlay',
      podCidr: '10.244.0.0/16',
      serviceCidr: '10.0.0.0/16',
      dnsServiceIP: '10.0.0.10',
      outboundType: p.outboundType,
      loadBalancerSku: 'standard',
      ...(lbProfile ? { loadBalancerProfile: lbProfile } : {}),
    },
    ...(p.aad
      ? { aadProfile: { managed: true, enableAzureRBAC: true, tenantID: '72f988bf-0000-0000-0000-000000000000' } }
      : {}),
  };
}

/**
 * The demo world: subscription with cluster `aks-prod-weu` (rg `rg-prod`, outboundType loadBalancer,
 * 3 nodes, 1 outbound IP, automatic 1,024 ports per node) and a second cluster on a NAT gateway.
 * Node 10.224.0.7's UsedSnatPorts climbs from ~120 to ~1,000 of 1,024 over the last 30 minutes, with
 * failed SNAT connections in the last 10; the other nodes stay low. Deterministic for a given `now`.
 */
export function demoArmWorld(opts: DemoArmWorldOptions = {}): ArmWorld {
  const aad = opts.aad ?? true;
  const minutes = opts.minutes ?? 30;
  const end = minuteFloor(opts.now ?? new Date());
  const sub = DEMO_SUBSCRIPTION_ID;
  const clusterId = `/subscriptions/${sub}/resourceGroups/${DEMO_CLUSTER.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${DEMO_CLUSTER.name}`;
  const server = opts.kubeApiServer ?? 'https://aks-prod-weu-dns-4f1c2a9b.hcp.westeurope.azmk8s.io:443';

  const metrics: SimMetricSeries[] = [];
  const timestamps: string[] = [];
  for (let i = minutes; i >= 0; i--) timestamps.push(new Date(end.getTime() - i * 60_000).toISOString());
  const last = timestamps.length - 1;
  DEMO_NODES.forEach((node, n) => {
    const dims = { FrontendIPAddress: DEMO_FRONTEND_IP, BackendIPAddress: node.ip, ProtocolType: 'TCP' };
    const hot = node.ip === DEMO_HOT_NODE.ip;
    const used = timestamps.map((timestamp, i) => {
      const progress = last === 0 ? 1 : i / last;
      const value = hot
        ? Math.min(1016, Math.round(120 + 880 * progress ** 1.4 + 6 * Math.sin(i)))
        : Math.round(48 + 14 * n + 9 * Math.sin(i / 3 + n));
      return { timestamp, value };
    });
    metrics.push({ metric: 'UsedSnatPorts', dimensions: dims, points: used });
    metrics.push({
      metric: 'AllocatedSnatPorts',
      dimensions: dims,
      points: timestamps.map((timestamp) => ({ timestamp, value: 1024 })),
    });
    const connDims = { FrontendIPAddress: DEMO_FRONTEND_IP, BackendIPAddress: node.ip };
    metrics.push({
      metric: 'SnatConnectionCount',
      dimensions: { ...connDims, ConnectionState: 'successful' },
      points: timestamps.map((timestamp, i) => ({ timestamp, value: hot ? 300 + 12 * i : 20 + 3 * n })),
    });
    metrics.push({
      metric: 'SnatConnectionCount',
      dimensions: { ...connDims, ConnectionState: 'failed' },
      points: timestamps.map((timestamp, i) => ({
        timestamp,
        value: hot && last - i < 10 ? 8 * (10 - (last - i)) : 0,
      })),
    });
  });

  const natClusterName = 'aks-batch-neu';
  const natNodeRg = `MC_rg-batch_${natClusterName}_northeurope`;
  const natMetrics: SimMetricSeries[] = [
    {
      metric: 'SNATConnectionCount',
      dimensions: { ConnectionState: 'Successful' },
      points: timestamps.map((timestamp, i) => ({ timestamp, value: 900 + 7 * i })),
    },
    {
      metric: 'SNATConnectionCount',
      dimensions: { ConnectionState: 'Failed' },
      points: timestamps.map((timestamp) => ({ timestamp, value: 0 })),
    },
    {
      metric: 'PacketDropCount',
      dimensions: {},
      points: timestamps.map((timestamp, i) => ({ timestamp, value: i % 7 === 0 ? 2 : 0 })),
    },
  ];
  return {
    subscriptionIds: [sub],
    clusters: [
      {
        id: `/subscriptions/${sub}/resourceGroups/rg-batch/providers/Microsoft.ContainerService/managedClusters/${natClusterName}`,
        name: natClusterName,
        location: 'northeurope',
        properties: simClusterProperties({
          nodeResourceGroup: natNodeRg,
          outboundType: 'managedNATGateway',
          nodeCount: 5,
          aad: true,
        }),
        kubeconfigYaml: simKubeconfig({
          clusterName: natClusterName,
          server: 'https://aks-batch-neu.hcp.northeurope.azmk8s.io:443',
          aad: true,
        }),
      },
      {
        id: clusterId,
        name: DEMO_CLUSTER.name,
        location: DEMO_CLUSTER.location,
        properties: simClusterProperties({
          nodeResourceGroup: DEMO_CLUSTER.nodeResourceGroup,
          outboundType: 'loadBalancer',
          nodeCount: DEMO_NODES.length,
          aad,
          // Autoscaling up to 10 with the default surge: the port advice is sized for 11 nodes, not today's 4.
          systemPool: { enableAutoScaling: true, minCount: 3, maxCount: 10, upgradeSettings: {} },
        }),
        kubeconfigYaml: simKubeconfig({
          clusterName: DEMO_CLUSTER.name,
          server,
          aad,
          ...(opts.kubeCaData ? { caData: opts.kubeCaData } : {}),
        }),
      },
    ],
    loadBalancers: [
      { id: DEMO_LOAD_BALANCER_ID, location: DEMO_CLUSTER.location, frontendIps: [DEMO_FRONTEND_IP], metrics },
    ],
    natGateways: [
      {
        id: `/subscriptions/${sub}/resourceGroups/${natNodeRg}/providers/Microsoft.Network/natGateways/${natClusterName}-natgw`,
        location: 'northeurope',
        metrics: natMetrics,
      },
    ],
    faults: [],
    nodes: DEMO_NODES.map((n) => ({ ...n, clusterName: DEMO_CLUSTER.name })),
  };
}
