/**
 * Load balancer -> AKS managed cluster, through ARM (`@azure/arm-containerservice`).
 * The SDK is loaded on first use so importing this module stays cheap.
 */

import type { ManagedCluster } from '@azure/arm-containerservice';
import type { ClusterInfo } from '../../investigation/clusterInfo.js';
import { ClusterNotFoundError, translateArmError } from '../errors.js';
import { parseManagedClusterId } from './clusterId.js';
import type { ArmAdapterOptions } from './options.js';
import { parseLoadBalancerId, resourceGroupOf } from './resourceId.js';
import { containerServiceClients } from './sdkClients.js';

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

/** Resolves the AKS cluster that owns an outbound load balancer. */
export class ArmClusterResolver {
  readonly #client: ReturnType<typeof containerServiceClients>;

  constructor(opts: ArmAdapterOptions) {
    this.#client = containerServiceClients(opts);
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
