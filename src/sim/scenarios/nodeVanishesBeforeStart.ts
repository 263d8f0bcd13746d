import { DEMO_NODE } from '../kube/demoScenario.js';
import { nodeVanishes } from './nodeVanishes.js';
import { splitAlert } from './payloads.js';
import type { Scenario } from './types.js';

/**
 * The node is deleted before the capture pod starts (scale-down between the node lookup and the Job create): the
 * pod is bound to a node with no kubelet and would pend until the Job's deadline. The capture status finds the
 * node gone while waiting, so the orchestration stops at once, stores exactly one report `degraded` naming the
 * deleted node, and still deletes its Job. Same summary fields as `node-vanishes`.
 */
export const nodeVanishesBeforeStart: Scenario = {
  name: 'node-vanishes-before-start',
  description:
    'the node is deleted before the capture pod starts: one report, stored, degraded, naming the node; no Job left',
  async run(ctx) {
    const kube = ctx.session.world.kube.state;
    const earlier = kube.faults.requestHook;
    // The Job create is the moment: the node was there for the lookup, and is gone when the pod is bound to it.
    kube.faults.requestHook = (request) => {
      if (request.method === 'POST' && request.path.endsWith('/jobs')) kube.deleteNode(DEMO_NODE);
      return earlier?.(request) ?? null;
    };
    await ctx.deliverAlert(splitAlert(ctx.now()));
  },
  after: nodeVanishes.after,
};
