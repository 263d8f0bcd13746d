/**
 * The capture Job sweeper: on every configured cluster, deletes capture Jobs that are past their own deadline plus
 * a margin and whose owning investigation is no longer running (crashed host, a delete that failed for good).
 * A Job whose owner still runs is never touched, however old; an owner whose state cannot be read is treated as
 * running. Every decision is logged.
 */

import type { CaptureJobInfo } from '../kube/captureInventory.js';
import type { Logger } from '../logging/logger.js';
import type { ClusterInfo } from './clusterInfo.js';

/** Past the Job's own deadline, how long the sweeper still waits (the owner's delete normally comes first). */
export const SWEEP_MARGIN_SECONDS = 600;

/** Runtime statuses of an orchestration that is still going: its Job belongs to it. */
export const RUNNING_STATUSES: ReadonlySet<string> = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

/** What the sweeper needs from the outside world. */
export interface SweepPorts {
  /** The configured clusters (AKS resource ids). */
  clusterIds: readonly string[];
  resolveCluster(clusterId: string): Promise<ClusterInfo>;
  listJobs(cluster: ClusterInfo): Promise<CaptureJobInfo[]>;
  deleteJob(cluster: ClusterInfo, jobName: string): Promise<void>;
  /** The owner's runtime status (`Running`, `Completed`, ...), or null when no such instance exists. */
  ownerStatus(instanceId: string): Promise<string | null>;
  now(): number;
  logger: Logger;
}

/** What one sweep did with each capture Job it found. */
export interface SweepResult {
  /** Orphaned Jobs deleted, with the investigation that owned them (null when the Job names none). */
  deleted: Array<{ cluster: string; job: string; owner: string | null }>;
  /** Jobs left alone and why (within their deadline, owner still running, owner status unknown). */
  kept: Array<{ cluster: string; job: string; reason: string }>;
  /** Clusters or Jobs the sweeper could not handle (logged; the next run tries again). */
  failures: Array<{ cluster: string; job: string | null; error: string }>;
}

/**
 * Whether the Job is past its deadline plus the margin: `activeDeadlineSeconds` bounds a running Job, so a Job
 * older than that is finished or stuck, and its owner had time to delete it.
 *
 * @example isPastDeadline({ createdAt: '2026-12-04T10:00:00Z', activeDeadlineSeconds: 240, ... }, Date.parse('2026-12-04T10:15:00Z')) // => true
 */
export function isPastDeadline(job: CaptureJobInfo, nowMs: number, marginSeconds = SWEEP_MARGIN_SECONDS): boolean {
  const created = Date.parse(job.createdAt);
  if (!Number.isFinite(created)) return false;
  return nowMs >= created + ((job.activeDeadlineSeconds ?? 0) + marginSeconds) * 1000;
}

const errorText = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 300);

/**
 * One sweep over every configured cluster.
 *
 * @example const { deleted } = await sweepCaptureJobs(ports);
 */
export async function sweepCaptureJobs(ports: SweepPorts): Promise<SweepResult> {
  const result: SweepResult = { deleted: [], kept: [], failures: [] };
  for (const clusterId of ports.clusterIds) {
    let cluster: ClusterInfo;
    let jobs: CaptureJobInfo[];
    try {
      cluster = await ports.resolveCluster(clusterId);
      jobs = await ports.listJobs(cluster);
    } catch (err) {
      result.failures.push({ cluster: clusterId, job: null, error: errorText(err) });
      ports.logger.warn('sweeper could not list capture Jobs', { clusterId, error: errorText(err) });
      continue;
    }
    for (const job of jobs) {
      const keys = { cluster: cluster.name, jobName: job.name, instanceId: job.owner };
      if (!isPastDeadline(job, ports.now())) {
        result.kept.push({ cluster: cluster.name, job: job.name, reason: 'within its deadline' });
        continue;
      }
      let status: string | null;
      try {
        status = job.owner ? await ports.ownerStatus(job.owner) : null;
      } catch (err) {
        // Unknown is treated as running: deleting a Job under a live investigation is the one thing not to do.
        result.kept.push({ cluster: cluster.name, job: job.name, reason: 'owner status unknown' });
        ports.logger.warn('sweeper kept a capture Job: its owner could not be read', {
          ...keys,
          error: errorText(err),
        });
        continue;
      }
      if (status !== null && RUNNING_STATUSES.has(status)) {
        result.kept.push({ cluster: cluster.name, job: job.name, reason: `owner ${status}` });
        continue;
      }
      try {
        await ports.deleteJob(cluster, job.name);
        result.deleted.push({ cluster: cluster.name, job: job.name, owner: job.owner });
        ports.logger.info('sweeper deleted an orphaned capture Job', { ...keys, ownerStatus: status ?? 'none' });
      } catch (err) {
        result.failures.push({ cluster: cluster.name, job: job.name, error: errorText(err) });
        ports.logger.error('could not delete capture Job', { ...keys, error: errorText(err) });
      }
    }
  }
  return result;
}
