/** The sweeper's ports, wired to the production adapters (ARM, the cluster's API, the Durable client). */

import { listCaptureJobs } from '../../kube/captureInventory.js';
import { CaptureManager } from '../../kube/captureRunner.js';
import type { Logger } from '../../logging/logger.js';
import type { InvestigationDeps } from '../dependencies.js';
import type { SweepPorts } from '../sweep.js';

/** The part of the Durable client the sweeper uses (durable-functions v3 `getStatus` throws on 404). */
export interface OwnerStatusSource {
  getStatus(instanceId: string): Promise<{ runtimeStatus?: string } | undefined>;
}

/**
 * The owner's runtime status through a Durable client: null when the instance does not exist (404), else the
 * status; any other failure propagates (the sweeper then keeps the Job).
 */
export async function ownerStatusVia(client: OwnerStatusSource, instanceId: string): Promise<string | null> {
  try {
    const status = await client.getStatus(instanceId);
    return status?.runtimeStatus ?? null;
  } catch (err) {
    if (err instanceof Error && /\b404\b/.test(err.message)) return null;
    throw err;
  }
}

/**
 * Ports for {@link sweepCaptureJobs} over every cluster in SWEEP_CLUSTER_IDS.
 *
 * @example await sweepCaptureJobs(sweepPorts(deps, df.getClient(context), logger));
 */
export function sweepPorts(
  deps: InvestigationDeps,
  durable: OwnerStatusSource,
  logger: Logger,
  now: () => number = Date.now,
): SweepPorts {
  const namespace = deps.settings.captureNamespace;
  return {
    clusterIds: deps.settings.sweepClusterIds,
    resolveCluster: (id) => deps.clusters.resolveById(id),
    listJobs: async (cluster) => listCaptureJobs(await deps.kubeConfigFor(cluster), namespace),
    deleteJob: async (cluster, jobName) =>
      new CaptureManager(await deps.kubeConfigFor(cluster), { namespace, logger }).deleteAbandoned(jobName),
    ownerStatus: (id) => ownerStatusVia(durable, id),
    now,
    logger,
  };
}
