/**
 * The capture Jobs present in a namespace, as the sweeper needs them: name, owner (the investigation annotation),
 * age and deadline. Read with the capture label selector, so only the responder's own Jobs are ever seen.
 */
import type { KubeConfig, V1Job } from '@kubernetes/client-node';
import { CAPTURE_ANNOTATIONS, CAPTURE_SELECTOR } from './captureJob.js';
import { call, makeClients } from './client.js';

/** One capture Job, summarised. */
export interface CaptureJobInfo {
  name: string;
  /** The investigation (orchestration instance id) that owns it; null when the annotation is missing. */
  owner: string | null;
  /** ISO creation time. */
  createdAt: string;
  /** The Job's `activeDeadlineSeconds` (its own backstop); null when unset. */
  activeDeadlineSeconds: number | null;
  /** Complete or Failed condition present. */
  finished: boolean;
}

function summarise(job: V1Job): CaptureJobInfo | null {
  const name = job.metadata?.name;
  const created = job.metadata?.creationTimestamp;
  if (!name || !created) return null;
  return {
    name,
    owner: job.metadata?.annotations?.[CAPTURE_ANNOTATIONS.investigationId] ?? null,
    createdAt: new Date(created).toISOString(),
    activeDeadlineSeconds: job.spec?.activeDeadlineSeconds ?? null,
    finished: (job.status?.conditions ?? []).some(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    ),
  };
}

/**
 * Lists the capture Jobs in `namespace`.
 *
 * @throws KubeError subclasses (forbidden, unreachable, timeout) from the API call.
 * @example const jobs = await listCaptureJobs(kc, 'snat-responder');
 */
export async function listCaptureJobs(kc: KubeConfig, namespace: string): Promise<CaptureJobInfo[]> {
  const clients = makeClients(kc);
  const list = await call(clients, `list capture jobs in ${namespace}`, () =>
    clients.batch.listNamespacedJob({ namespace, labelSelector: CAPTURE_SELECTOR }),
  );
  return list.items.map(summarise).filter((j): j is CaptureJobInfo => j !== null);
}
