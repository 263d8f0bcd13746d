/** ARM resource id parsing (pure: no SDK). */
import { InvalidResourceIdError } from '../errors.js';

/** The parts of a load balancer resource id. */
export interface LoadBalancerRef {
  /** Normalised id: `/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/loadBalancers/N`. */
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

const LB_ID =
  /^\/?subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/loadBalancers\/([^/]+)\/?$/i;
const SAFE_SEGMENT = /^[A-Za-z0-9._()-]+$/;

/**
 * Parse and validate a load balancer resource id (case-insensitive on the fixed segments).
 *
 * @example
 * parseLoadBalancerId('/subscriptions/0000/resourceGroups/MC_rg_aks_weu/providers/Microsoft.Network/loadBalancers/kubernetes')
 * // => { subscriptionId: '0000', resourceGroup: 'MC_rg_aks_weu', name: 'kubernetes', id: '/subscriptions/...' }
 * @throws InvalidResourceIdError when the id is not a load balancer id.
 */
export function parseLoadBalancerId(loadBalancerId: string): LoadBalancerRef {
  const trimmed = loadBalancerId.trim();
  const m = LB_ID.exec(trimmed);
  if (!m) {
    throw new InvalidResourceIdError(
      loadBalancerId,
      'expected /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/loadBalancers/<name>',
    );
  }
  const [, subscriptionId = '', resourceGroup = '', name = ''] = m;
  for (const [label, value] of [
    ['subscription', subscriptionId],
    ['resource group', resourceGroup],
    ['name', name],
  ] as const) {
    if (!SAFE_SEGMENT.test(value)) {
      throw new InvalidResourceIdError(loadBalancerId, `the ${label} segment contains unexpected characters`);
    }
  }
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/loadBalancers/${name}`,
    subscriptionId,
    resourceGroup,
    name,
  };
}

/** Resource group of any ARM id (`/subscriptions/S/resourceGroups/RG/...`), or null. */
export function resourceGroupOf(resourceId: string): string | null {
  const m = /\/resourceGroups\/([^/]+)/i.exec(resourceId);
  return m?.[1] ?? null;
}
