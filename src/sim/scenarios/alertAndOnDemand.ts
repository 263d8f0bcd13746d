import { DEMO_HOT_NODE } from '../arm/world.js';
import { onDemandBody, splitAlert } from './payloads.js';
import type { Scenario } from './types.js';

/**
 * An alert (by the node's IP) and an operator's on-demand request (by the node's name) for the same node. Two
 * instances, each with its own history (the on-demand id is never an alert's), one capture Job.
 */
export const alertAndOnDemand: Scenario = {
  name: 'alert-and-on-demand',
  description:
    'an alert and an on-demand request by node name for the same node: 1 capture Job, no history overwritten',
  async run(ctx) {
    await ctx.deliverAlert(splitAlert(ctx.now()));
    ctx.advance(2_000);
    await ctx.requestOnDemand(onDemandBody(DEMO_HOT_NODE.name));
  },
  /** Each instance's history holds exactly one ExecutionStarted: nothing was started twice or overwritten. */
  async after(ctx) {
    const { driver } = ctx.session.durable;
    ctx.extra(
      'histories',
      driver
        .listStatuses()
        .filter((s) => !s.instanceId.startsWith('@'))
        .map((s) => ({
          instanceId: s.instanceId,
          requestedBy: (s.input as { requestedBy?: string } | null)?.requestedBy ?? null,
          executionStarts:
            driver.getStatus(s.instanceId, { showHistory: true })?.history?.filter((e) => e.EventType === 0).length ??
            0,
        })),
    );
  },
};
