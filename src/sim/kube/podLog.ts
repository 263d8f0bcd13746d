/**
 * `GET /api/v1/namespaces/NS/pods/NAME/log`: a capture pod's log is the framed evidence the real capture script
 * prints at the end of its run (rendered from the scenario for the Job's node, bent by the exit-code and
 * truncated-log faults); any other pod logs one line.
 */
import { encodeCapture } from '../../kube/framing.js';
import { notFound, statusBody } from './apiStatus.js';
import type { SimCluster } from './cluster.js';
import type { JobTimelines } from './jobTimeline.js';
import { renderNodeCapture } from './scenario.js';
import { fieldOf } from './selectors.js';

type Json = Record<string, unknown>;

/** What a capture pod prints: the framed capture of its node, or the script's error line. */
function captureLog(cluster: SimCluster, jobs: JobTimelines, pod: Json): string {
  const r = jobs.recordOfPod(pod);
  if (!r) return '';
  const code = cluster.faults.jobExitCode;
  if (code !== undefined && code !== 0) return 'snat-capture: TRACE_SECONDS must be between 5 and 600\n';
  const container = ((pod.spec as Json)?.containers as Json[])?.[0] ?? {};
  const env: Record<string, string> = {};
  for (const e of (container.env as Array<{ name: string; value?: string; valueFrom?: Json }>) ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (fieldOf(e as unknown as Json, 'valueFrom.fieldRef.fieldPath') === 'spec.nodeName')
      env[e.name] = jobs.nodeOf(r);
  }
  const node = cluster.node(jobs.nodeOf(r));
  if (!node) return 'snat-capture: node not found\n';
  const files = (cluster.scenario.capture ?? renderNodeCapture)(node, env, cluster.scenario);
  let text = encodeCapture(files);
  if (cluster.faults.truncateLog) text = text.slice(0, Math.floor(text.length / 2));
  return text;
}

/**
 * The answer to a log request for pod `ns/name` (`container` from the query, default the first): 404 for no
 * such pod, 400 for an unknown container or one still waiting to start, else the log text.
 */
export function podLog(
  cluster: SimCluster,
  jobs: JobTimelines,
  ns: string,
  name: string,
  q: URLSearchParams,
): { status: number; body: Json | string } {
  const raw = cluster.pods.get(`${ns}/${name}`);
  if (!raw) return notFound('pods', name);
  const p = jobs.refreshPod(raw);
  const container = q.get('container') ?? fieldOf(p, 'spec.containers.0.name') ?? '';
  const names = (((p.spec as Json)?.containers as Json[]) ?? []).map((c) => c.name);
  if (!names.includes(container)) {
    return { status: 400, body: statusBody(400, `container ${container} is not valid for pod ${name}`) };
  }
  if (fieldOf(p, 'status.phase') === 'Pending') {
    const why = fieldOf(p, 'status.containerStatuses.0.state.waiting.reason') ?? 'ContainerCreating';
    return {
      status: 400,
      body: statusBody(400, `container "${container}" in pod "${name}" is waiting to start: ${why}`),
    };
  }
  if (jobs.recordOfPod(p)) {
    // While running, the log holds nothing yet: the script prints its block at the end.
    return { status: 200, body: fieldOf(p, 'status.phase') === 'Running' ? '' : captureLog(cluster, jobs, p) };
  }
  return { status: 200, body: `${new Date(cluster.clock()).toISOString()} listening on :8080\n` };
}
