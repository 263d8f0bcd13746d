/**
 * Builds a scenario's summary from what the simulated world saw: the intake answers, the capture Jobs the
 * Kubernetes API created and deleted (from its request log), the instances the Durable stand-in ran, the reports
 * in Blob and the posts the Teams sink received.
 */
import { REPORT_FILES } from '../../azure/blob/reportStore.js';
import type { InvestigationOutcome } from '../../investigation/contracts.js';
import type { InvestigationStatus } from '../../report/model.js';
import type { SimSession } from '../demo.js';
import type { DeliveryRecord, ScenarioInvestigation, ScenarioSummary } from './types.js';

const JOB_COLLECTION = /^\/apis\/batch\/v1\/namespaces\/[^/]+\/jobs(\?.*)?$/;
const JOB_ITEM = /^\/apis\/batch\/v1\/namespaces\/[^/]+\/jobs\/[^/?]+(\?.*)?$/;

/** Capture Jobs created, the most that existed at once, and those still there, from the API server's own log. */
export function captureJobCounts(session: SimSession): ScenarioSummary['captureJobs'] {
  let created = 0;
  let current = 0;
  let maxConcurrent = 0;
  for (const r of session.world.kube.state.requests) {
    if (r.method === 'POST' && JOB_COLLECTION.test(r.path) && r.status === 201) {
      created += 1;
      current += 1;
      maxConcurrent = Math.max(maxConcurrent, current);
    } else if (r.method === 'DELETE' && JOB_ITEM.test(r.path) && r.status >= 200 && r.status < 300) {
      current -= 1;
    }
  }
  return { created, maxConcurrent, leftBehind: session.world.kube.state.jobs().length };
}

/** One entry per stored node report, in order of the instances that asked for it. */
async function investigations(
  session: SimSession,
  outcomes: Array<{ instanceId: string; outcome: InvestigationOutcome | null }>,
): Promise<ScenarioInvestigation[]> {
  const store = await session.world.deps.reports();
  const byPrefix = new Map<string, ScenarioInvestigation>();
  for (const { instanceId, outcome } of outcomes) {
    for (const node of outcome?.nodes ?? []) {
      const prefix = node.prefix;
      if (!prefix) continue;
      const known = byPrefix.get(prefix);
      if (known) {
        known.requests += 1;
        known.notified ||= node.notified;
        continue;
      }
      let reportStored = true;
      try {
        await store.readFile(prefix, REPORT_FILES.json);
      } catch {
        reportStored = false;
      }
      byPrefix.set(prefix, {
        instanceId: ownerOf(prefix) ?? instanceId,
        node: node.node ?? 'unknown',
        status: node.status as InvestigationStatus,
        reportStored,
        notified: node.notified,
        requests: 1,
        prefix,
        ...(node.note ? { note: node.note } : {}),
        ...(!node.notified && node.notifyDetail ? { notifyDetail: node.notifyDetail } : {}),
      });
    }
  }
  return [...byPrefix.values()];
}

/** The instance id a report prefix was written under (`<cluster>/<node>/<time>-<instanceId>/`). */
function ownerOf(prefix: string): string | null {
  const match = /-(snat-[0-9a-f]{32}-\d{8}T\d{4}Z)\/$/.exec(prefix);
  return match?.[1] ?? null;
}

/** Runs every instance to its end and returns each one's outcome (null when it did not complete). */
export async function settleInstances(
  session: SimSession,
): Promise<Array<{ instanceId: string; runtimeStatus: string; outcome: InvestigationOutcome | null }>> {
  const { driver } = session.durable;
  for (;;) {
    const running = driver.listStatuses().filter((s) => s.runtimeStatus === 'Pending' || s.runtimeStatus === 'Running');
    if (running.length === 0) break;
    await Promise.allSettled(running.map((s) => driver.runToCompletion(s.instanceId)));
  }
  return driver
    .listStatuses()
    .filter((s) => !s.instanceId.startsWith('@'))
    .sort((a, b) => a.createdTime.localeCompare(b.createdTime) || a.instanceId.localeCompare(b.instanceId))
    .map((s) => ({
      instanceId: s.instanceId,
      runtimeStatus: s.runtimeStatus,
      outcome: s.runtimeStatus === 'Completed' ? (s.output as InvestigationOutcome) : null,
    }));
}

/** Assembles the summary once every instance has ended. */
export async function collectSummary(
  name: string,
  session: SimSession,
  deliveries: DeliveryRecord[],
  extras: Record<string, unknown>,
  after?: () => Promise<void>,
): Promise<ScenarioSummary> {
  const instances = await settleInstances(session);
  await after?.();
  const alerts = deliveries.filter((d) => d.endpoint === 'alert');
  const onDemand = deliveries.filter((d) => d.endpoint === 'on-demand');
  return {
    scenario: name,
    investigations: await investigations(session, instances),
    captureJobs: captureJobCounts(session),
    webhook: {
      delivered: alerts.length,
      statuses: alerts.map((d) => d.status),
      reasons: [...new Set(alerts.map((d) => d.reason))],
    },
    onDemand: { delivered: onDemand.length, statuses: onDemand.map((d) => d.status) },
    instances: instances.map(({ instanceId, runtimeStatus }) => ({ instanceId, runtimeStatus })),
    // Every post that reached the sink (throttled ones included), and how many it accepted.
    teams: { posts: session.world.teams.received.length, accepted: session.world.teams.delivered.length },
    ...extras,
  };
}
