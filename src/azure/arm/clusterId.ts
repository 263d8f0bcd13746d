/** AKS managed cluster resource ids (pure: no SDK). */
import { InvalidResourceIdError } from '../errors.js';

/** The parts of a managed cluster resource id. */
export interface ManagedClusterRef {
  /** Normalised id: `/subscriptions/S/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/N`. */
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

const MC_ID =
  /^\/?subscriptions\/([0-9a-f-]{36})\/resourceGroups\/([A-Za-z0-9._()-]{1,90})\/providers\/Microsoft\.ContainerService\/managedClusters\/([A-Za-z0-9_-]{1,63})\/?$/i;

/**
 * Parse and validate an AKS cluster resource id (case-insensitive on the fixed segments).
 *
 * @example
 * parseManagedClusterId('/subscriptions/5a3c7f2e-1b8d-4e6f-9a0c-2d4b6e8f0a1c/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-prod')
 * // => { subscriptionId: '5a3c...', resourceGroup: 'rg-aks', name: 'aks-prod', id: '/subscriptions/...' }
 * @throws InvalidResourceIdError when the id is not a managed cluster id.
 */
export function parseManagedClusterId(clusterId: string): ManagedClusterRef {
  const m = MC_ID.exec(clusterId.trim());
  if (!m) {
    throw new InvalidResourceIdError(
      clusterId,
      'expected /subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name>',
    );
  }
  const [, subscriptionId = '', resourceGroup = '', name = ''] = m;
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    subscriptionId: subscriptionId.toLowerCase(),
    resourceGroup,
    name,
  };
}

/** Whether `clusterId` is a valid managed cluster id. */
export function isManagedClusterId(clusterId: string): boolean {
  return MC_ID.test(clusterId.trim());
}
