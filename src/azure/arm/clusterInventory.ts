/**
 * The AKS clusters a proactive scan covers: listed per subscription (one paged ARM call, not one per cluster),
 * with what the forecast needs (region, outbound type, configured ports per node, the outbound load balancer).
 * Subscriptions and NAT gateways have no SDK client in the project: they go through {@link ArmRestClient}.
 */

import type { ClusterInfo } from '../../investigation/clusterInfo.js';
import { translateArmError } from '../errors.js';
import { ArmRestClient, armEndpoint, armScope } from './armRest.js';
import { toClusterInfo } from './clusterResolver.js';
import type { ArmAdapterOptions } from './options.js';
import { containerServiceClients } from './sdkClients.js';

/** A cluster as the scan sees it. */
export interface FleetCluster extends ClusterInfo {
  location: string;
  /** The `kubernetes` load balancer in the node resource group (null when egress does not use it). */
  loadBalancerId: string | null;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RG = /^[-\w._()]{1,90}$/;

/** Lists subscriptions, clusters and NAT gateways. */
export class ArmClusterInventory {
  readonly #opts: ArmAdapterOptions;
  readonly #rest: ArmRestClient;
  readonly #client: ReturnType<typeof containerServiceClients>;

  constructor(opts: ArmAdapterOptions) {
    this.#opts = opts;
    this.#rest = new ArmRestClient(opts);
    this.#client = containerServiceClients(opts);
  }

  /** Every subscription the identity can read (ids). */
  async listSubscriptions(): Promise<string[]> {
    const ids: string[] = [];
    let url: string | null = `${armEndpoint(this.#opts)}/subscriptions?api-version=2022-12-01`;
    while (url) {
      const body = (await this.#rest.json({
        method: 'GET',
        url,
        scope: armScope(this.#opts),
        what: 'list subscriptions',
      })) as {
        value?: Array<{ subscriptionId?: string }>;
        nextLink?: string;
      } | null;
      for (const s of body?.value ?? [])
        if (s.subscriptionId && GUID.test(s.subscriptionId)) ids.push(s.subscriptionId);
      url = body?.nextLink ?? null;
    }
    return ids;
  }

  /** Every AKS cluster of a subscription. */
  async listClusters(subscriptionId: string): Promise<FleetCluster[]> {
    const client = await this.#client(subscriptionId);
    const out: FleetCluster[] = [];
    try {
      for await (const mc of client.managedClusters.list()) {
        const info = toClusterInfo(mc, subscriptionId);
        const lb =
          info.outboundType.toLowerCase() === 'loadbalancer' && info.nodeResourceGroup
            ? `/subscriptions/${info.subscriptionId}/resourceGroups/${info.nodeResourceGroup}/providers/Microsoft.Network/loadBalancers/kubernetes`
            : null;
        out.push({ ...info, location: (mc.location ?? '').toLowerCase().replace(/\s+/g, ''), loadBalancerId: lb });
      }
    } catch (err) {
      throw translateArmError(err, `list managed clusters in subscription ${subscriptionId}`);
    }
    return out;
  }

  /** NAT gateways in a resource group (the node resource group holds a managed NAT gateway). */
  async natGatewaysIn(subscriptionId: string, resourceGroup: string): Promise<string[]> {
    if (!GUID.test(subscriptionId) || !RG.test(resourceGroup)) return [];
    const body = (await this.#rest.json({
      method: 'GET',
      url: `${armEndpoint(this.#opts)}/subscriptions/${subscriptionId}/resourceGroups/${encodeURIComponent(resourceGroup)}/providers/Microsoft.Network/natGateways?api-version=2024-05-01`,
      scope: armScope(this.#opts),
      what: `list NAT gateways in ${resourceGroup}`,
    })) as { value?: Array<{ id?: string }> } | null;
    return (body?.value ?? []).map((g) => g.id).filter((id): id is string => typeof id === 'string');
  }
}
