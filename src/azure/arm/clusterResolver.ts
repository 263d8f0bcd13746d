/**
 * Load balancer -> AKS managed cluster, through ARM (`@azure/arm-containerservice`).
 * The SDK is loaded on first use so importing this module stays cheap.
 */

import type { ManagedCluster } from '@azure/arm-containerservice';
import { ClusterNotFoundError, translateArmError } from '../errors.js';
import { parseManagedClusterId } from './clusterId.js';
import { type ArmAdapterOptions, perSubscription, sdkClientOptions } from './options.js';
import { parseLoadBalancerId, resourceGroupOf } from './resourceId.js';

/** What the investigation needs to know about the cluster. */
export interface ClusterInfo {
  resourceId: string;
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  nodeResourceGroup: string;
  /** `loadBalancer`, `managedNATGateway`, `userAssignedNATGateway`, `userDefinedRouting`, ... */
  outboundType: string;
  /** Entra ID integration, null when the cluster has none. */
  aadProfile: { managed: boolean; enableAzureRbac: boolean } | null;
  disableLocalAccounts: boolean;
  kubernetesVersion: string | null;
  /** Explicit ports per node (`--load-balancer-outbound-ports`), null when automatic (0 or unset). */
  outboundPorts: number | null;
  managedOutboundIpCount: number | null;
  idleTimeoutMinutes: number | null;
  /** Sum of the agent pools' node counts. */
  nodeCount: number;
  /** Azure region (service tags are fetched per region). */
  location: string | null;
  /** Each agent pool's size limits, for port math over the cluster's maximum. */
  agentPools: AgentPoolInfo[];
  /** `networkProfile.ipFamilies`; `['IPv4', 'IPv6']` on a dual-stack cluster. */
  ipFamilies: string[];
  /** `managedOutboundIPs.countIPv6` (dual-stack), null when unset. */
  managedOutboundIpv6Count: number | null;
}

/** One agent pool as port math needs it. */
export interface AgentPoolInfo {
  name: string;
  count: number;
  enableAutoScaling: boolean;
  maxCount: number | null;
  /** `upgradeSettings.maxSurge` as set, null when unset (AKS default). */
  maxSurge: string | null;
  /** False when nodes have instance-level public IPs (`enableNodePublicIP`): no load balancer SNAT for them. */
  usesLoadBalancer: boolean;
}

/** Whether the load balancer's SNAT metrics can tell anything about this cluster. */
export interface SnatSupport {
  supported: boolean;
  reason: string;
}

/** Build a {@link ClusterInfo} from the SDK's managed cluster model. */
export function toClusterInfo(mc: ManagedCluster, fallbackSubscriptionId: string): ClusterInfo {
  const id = mc.id ?? '';
  const subscriptionId = /\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? fallbackSubscriptionId;
  const lb = mc.networkProfile?.loadBalancerProfile;
  const ports = lb?.allocatedOutboundPorts;
  return {
    resourceId: id,
    name: mc.name ?? '',
    resourceGroup: resourceGroupOf(id) ?? '',
    subscriptionId,
    nodeResourceGroup: mc.nodeResourceGroup ?? '',
    // ARM omits outboundType on old clusters; the default has always been loadBalancer.
    outboundType: mc.networkProfile?.outboundType ?? 'loadBalancer',
    aadProfile: mc.aadProfile
      ? { managed: mc.aadProfile.managed === true, enableAzureRbac: mc.aadProfile.enableAzureRbac === true }
      : null,
    disableLocalAccounts: mc.disableLocalAccounts === true,
    kubernetesVersion: mc.currentKubernetesVersion ?? mc.kubernetesVersion ?? null,
    outboundPorts: typeof ports === 'number' && ports > 0 ? ports : null,
    managedOutboundIpCount: lb?.managedOutboundIPs?.count ?? null,
    idleTimeoutMinutes: lb?.idleTimeoutInMinutes ?? null,
    nodeCount: (mc.agentPoolProfiles ?? []).reduce((sum, p) => sum + (p.count ?? 0), 0),
    location: mc.location ?? null,
    agentPools: (mc.agentPoolProfiles ?? []).map((p) => ({
      name: p.name,
      count: p.count ?? 0,
      enableAutoScaling: p.enableAutoScaling === true,
      maxCount: typeof p.maxCount === 'number' ? p.maxCount : null,
      maxSurge: p.upgradeSettings?.maxSurge ?? null,
      usesLoadBalancer: p.enableNodePublicIP !== true,
    })),
    ipFamilies: mc.networkProfile?.ipFamilies ?? ['IPv4'],
    managedOutboundIpv6Count: lb?.managedOutboundIPs?.countIPv6 ?? null,
  };
}

/**
 * Explain whether load balancer SNAT metrics apply to the cluster's egress.
 *
 * @example
 * snatSupport(info) // => { supported: false, reason: 'Outbound traffic leaves through a NAT gateway ...' }
 */
export function snatSupport(info: Pick<ClusterInfo, 'outboundType' | 'name'>): SnatSupport {
  const t = info.outboundType.toLowerCase();
  if (t === 'loadbalancer') {
    return { supported: true, reason: `Cluster ${info.name} egresses through its load balancer's outbound rules.` };
  }
  if (t === 'managednatgateway' || t === 'userassignednatgateway') {
    return {
      supported: false,
      reason:
        `Cluster ${info.name} uses outboundType ${info.outboundType}: outbound traffic leaves through a NAT gateway, ` +
        'so the load balancer has no SNAT metrics for it. Look at the NAT gateway SNAT connection metrics instead ' +
        '(a NAT gateway offers 64,512 ports per public IP, shared by all nodes).',
    };
  }
  if (t === 'userdefinedrouting') {
    return {
      supported: false,
      reason:
        `Cluster ${info.name} uses outboundType userDefinedRouting: egress goes through your own route ` +
        '(usually a firewall or NVA), which does the SNAT. The load balancer has no SNAT metrics for it; check the ' +
        "firewall's SNAT utilisation.",
    };
  }
  return {
    supported: false,
    reason: `Cluster ${info.name} uses outboundType ${info.outboundType}, which has no load balancer SNAT metrics.`,
  };
}

/** Resolves the AKS cluster that owns an outbound load balancer. */
export class ArmClusterResolver {
  readonly #opts: ArmAdapterOptions;
  readonly #client = perSubscription((subscriptionId) =>
    import('@azure/arm-containerservice').then(
      (m) => new m.ContainerServiceClient(this.#opts.credential, subscriptionId, sdkClientOptions(this.#opts)),
    ),
  );

  constructor(opts: ArmAdapterOptions) {
    this.#opts = opts;
  }

  /**
   * Find the managed cluster whose node resource group holds the load balancer.
   *
   * @throws InvalidResourceIdError for a malformed id; ClusterNotFoundError when no cluster matches;
   *   ArmRequestError subclasses for ARM failures.
   */
  async resolveFromLoadBalancer(loadBalancerId: string): Promise<ClusterInfo> {
    const lb = parseLoadBalancerId(loadBalancerId);
    const client = await this.#client(lb.subscriptionId);
    const wanted = lb.resourceGroup.toLowerCase();
    const seen: string[] = [];
    try {
      for await (const mc of client.managedClusters.list()) {
        seen.push(mc.name ?? '?');
        if ((mc.nodeResourceGroup ?? '').toLowerCase() === wanted) return toClusterInfo(mc, lb.subscriptionId);
      }
    } catch (err) {
      throw translateArmError(err, `list managed clusters in subscription ${lb.subscriptionId}`);
    }
    throw new ClusterNotFoundError(
      loadBalancerId,
      `No AKS cluster in subscription ${lb.subscriptionId} has node resource group ${lb.resourceGroup} ` +
        `(clusters seen: ${seen.length === 0 ? 'none' : seen.join(', ')}). Is the load balancer an AKS outbound ` +
        'load balancer, and can the identity read the cluster (Reader)?',
    );
  }

  /**
   * The cluster with this resource id (the sweeper's configured clusters).
   *
   * @throws InvalidResourceIdError for a malformed id; ArmRequestError subclasses for ARM failures (404 included).
   */
  async resolveById(clusterId: string): Promise<ClusterInfo> {
    const ref = parseManagedClusterId(clusterId);
    const client = await this.#client(ref.subscriptionId);
    try {
      return toClusterInfo(await client.managedClusters.get(ref.resourceGroup, ref.name), ref.subscriptionId);
    } catch (err) {
      throw translateArmError(err, `read managed cluster ${ref.name}`);
    }
  }
}
