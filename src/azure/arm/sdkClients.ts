/**
 * The ARM SDK clients the adapters use, one per subscription, built the same way everywhere: the adapter's
 * credential and {@link sdkClientOptions}, the SDK module imported on first use.
 */
import type { ContainerServiceClient } from '@azure/arm-containerservice';
import type { MonitorClient } from '@azure/arm-monitor';
import { type ArmAdapterOptions, perSubscription, sdkClientOptions } from './options.js';

/**
 * `@azure/arm-containerservice` clients (managed clusters) per subscription.
 *
 * @example const clients = containerServiceClients(opts); const mc = await (await clients(sub)).managedClusters.get(rg, name);
 */
export function containerServiceClients(
  opts: ArmAdapterOptions,
): (subscriptionId: string) => Promise<ContainerServiceClient> {
  return perSubscription((subscriptionId) =>
    import('@azure/arm-containerservice').then(
      (m) => new m.ContainerServiceClient(opts.credential, subscriptionId, sdkClientOptions(opts)),
    ),
  );
}

/**
 * `@azure/arm-monitor` clients (platform metrics) per subscription.
 *
 * @example const clients = monitorClients(opts); await (await clients(sub)).metrics.list(resourceUri, query);
 */
export function monitorClients(opts: ArmAdapterOptions): (subscriptionId: string) => Promise<MonitorClient> {
  return perSubscription((subscriptionId) =>
    import('@azure/arm-monitor').then(
      (m) => new m.MonitorClient(opts.credential, subscriptionId, sdkClientOptions(opts)),
    ),
  );
}
