/**
 * Commands the advice prints for an operator to copy. Names in them come from ARM (resource group, cluster), so
 * every argument is shell-quoted unless it is plainly safe: a pasted command never runs something unintended.
 */

/** Quotes one argument for POSIX shells: safe characters as they are, anything else in single quotes. */
export function shellArg(value: string): string {
  if (/^[A-Za-z0-9_./:=@%+-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The resource group of an ARM id (`/subscriptions/S/resourceGroups/RG/...`), or null. */
export function resourceGroupOf(resourceId: string | null | undefined): string | null {
  const m = resourceId ? /\/resourceGroups\/([^/]+)/i.exec(resourceId) : null;
  return m?.[1] ?? null;
}

/**
 * `az aks update -g RG -n NAME <flags>`, placeholders when the cluster is unknown.
 *
 * @example azAksUpdate({ clusterName: 'aks-prod', clusterResourceId: '/subscriptions/s/resourceGroups/rg/...' }, [['--load-balancer-idle-timeout', 4]])
 * // 'az aks update -g rg -n aks-prod --load-balancer-idle-timeout 4'
 */
export function azAksUpdate(
  cluster: { clusterName: string | null; clusterResourceId: string | null } | null,
  flags: ReadonlyArray<readonly [string, string | number]>,
): string {
  const rg = resourceGroupOf(cluster?.clusterResourceId);
  const name = cluster?.clusterName || null;
  const parts = [
    'az aks update',
    `-g ${rg ? shellArg(rg) : '<resource-group>'}`,
    `-n ${name ? shellArg(name) : '<cluster>'}`,
    ...flags.map(([flag, value]) => `${flag} ${shellArg(String(value))}`),
  ];
  return parts.join(' ');
}
