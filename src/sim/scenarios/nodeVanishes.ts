import { REPORT_FILES } from '../../azure/blob/reportStore.js';
import type { InvestigationOutcome } from '../../investigation/contracts.js';
import { DEMO_NODE } from '../kube/demoScenario.js';
import { splitAlert } from './payloads.js';
import type { Scenario } from './types.js';

/** How long after the capture pod starts running its node is deleted (server clock; under the pod's run time). */
const DELETE_AFTER_MS = 50;

/**
 * The node is deleted while tracing (scale-down, upgrade, repair): pod GC removes its pods, the capture Job fails.
 * The capture status finds the node gone (GET node: 404), so the orchestration stops collecting, stores exactly one
 * report `degraded` naming the deleted node, and still deletes its Job.
 */
export const nodeVanishes: Scenario = {
  name: 'node-vanishes',
  description: 'the node is deleted while tracing: one report, stored, degraded, naming the deleted node; no Job left',
  session: { world: { kubeFaults: { deleteNodeWhileRunningMs: DELETE_AFTER_MS } } },
  async run(ctx) {
    await ctx.deliverAlert(splitAlert(ctx.now()));
  },
  async after(ctx) {
    // The stored reports' problems, read back from Blob: the cause must be in the report, not only in a log.
    const store = await ctx.session.world.deps.reports();
    const problems: string[] = [];
    for (const s of ctx.session.durable.driver.listStatuses()) {
      if (s.instanceId.startsWith('@') || s.runtimeStatus !== 'Completed') continue;
      for (const node of (s.output as InvestigationOutcome).nodes) {
        if (!node.prefix) continue;
        const report = JSON.parse((await store.readFile(node.prefix, REPORT_FILES.json)).toString('utf8')) as {
          investigation?: { problems?: string[] };
        };
        problems.push(...(report.investigation?.problems ?? []));
      }
    }
    ctx.extra('kube', { deletedNodes: [...ctx.session.world.kube.state.deletedNodes], node: DEMO_NODE });
    ctx.extra('problems', problems);
  },
};
