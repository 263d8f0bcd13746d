/** ARM resource id parsing (pure: no SDK). */
import { checkLoadBalancerId, LOAD_BALANCER_ID_FORMAT } from '../../alert/loadBalancerId.js';
import { InvalidResourceIdError } from '../errors.js';

/** The parts of a load balancer resource id. */
export interface LoadBalancerRef {
  /** Normalised id: `/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/loadBalancers/N`. */
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

/**
 * Parse and strictly validate a load balancer resource id (case-insensitive on the fixed segments; the rule is
 * src/alert/loadBalancerId.ts, shared with the alert intake).
 *
 * @example
 * parseLoadBalancerId('/subscriptions/0000/resourceGroups/MC_rg_aks_weu/providers/Microsoft.Network/loadBalancers/kubernetes')
 * // => { subscriptionId: '0000', resourceGroup: 'MC_rg_aks_weu', name: 'kubernetes', id: '/subscriptions/...' }
 * @throws InvalidResourceIdError when the id is not a load balancer id.
 */
export function parseLoadBalancerId(loadBalancerId: string): LoadBalancerRef {
  const checked = checkLoadBalancerId(loadBalancerId.trim());
  if (typeof checked === 'string') {
    throw new InvalidResourceIdError(loadBalancerId, `the id ${checked}; expected ${LOAD_BALANCER_ID_FORMAT}`);
  }
  const { subscriptionId, resourceGroup, name } = checked;
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
