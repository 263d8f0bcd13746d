/**
 * What an investigation knows about the cluster (read from ARM by src/azure/arm/clusterResolver.ts), and whether
 * load balancer SNAT metrics apply to its egress. Pure: the orchestrator, its contracts and the proactive scan use
 * these without importing the ARM adapter.
 */

import type { AgentPoolContext } from '../report/model.js';

/** What the investigation needs to know about the cluster. */
export interface ClusterInfo {
  /** The managed cluster's ARM resource id. */
  resourceId: string;
  /** The cluster's name. */
  name: string;
  /** The resource group that holds the cluster resource. */
  resourceGroup: string;
  /** The subscription that holds the cluster. */
  subscriptionId: string;
  /** The `MC_...` group that holds the nodes and the load balancer. */
  nodeResourceGroup: string;
  /** `loadBalancer`, `managedNATGateway`, `userAssignedNATGateway`, `userDefinedRouting`, ... */
  outboundType: string;
  /** Entra ID integration, null when the cluster has none. */
  aadProfile: { managed: boolean; enableAzureRbac: boolean } | null;
  /** True when local accounts are disabled (only Entra ID credentials work). */
  disableLocalAccounts: boolean;
  /** The control plane's Kubernetes version, null when ARM does not say. */
  kubernetesVersion: string | null;
  /** Explicit ports per node (`--load-balancer-outbound-ports`), null when automatic (0 or unset). */
  outboundPorts: number | null;
  /** `managedOutboundIPs.count` (IPv4), null when unset. */
  managedOutboundIpCount: number | null;
  /** The outbound rule's TCP idle timeout, null when unset (AKS default). */
  idleTimeoutMinutes: number | null;
  /** Sum of the agent pools' node counts. */
  nodeCount: number;
  /** Azure region (service tags are fetched per region). */
  location: string | null;
  /** Each agent pool's size limits, for port math over the cluster's maximum. */
  agentPools: AgentPoolContext[];
  /** `networkProfile.ipFamilies`; `['IPv4', 'IPv6']` on a dual-stack cluster. */
  ipFamilies: string[];
  /** `managedOutboundIPs.countIPv6` (dual-stack), null when unset. */
  managedOutboundIpv6Count: number | null;
}

/** Whether the load balancer's SNAT metrics can tell anything about this cluster. */
export interface SnatSupport {
  /** True when egress goes through the load balancer's outbound rules. */
  supported: boolean;
  /** One sentence for the report, naming what to look at instead when unsupported. */
  reason: string;
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
