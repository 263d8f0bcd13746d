import { splitAlert, unsplitAlert } from './payloads.js';
import type { Scenario } from './types.js';

/**
 * A split alert (BackendIPAddress = the hot node) and an unsplit one (the responder finds the worst node: the same
 * node) delivered 1 s apart. Two instance ids, one node: the node's single flight lets one capture run and hands
 * its report to the other.
 */
export const twoAlertsOneNode: Scenario = {
  name: 'two-alerts-one-node',
  description:
    'a split and an unsplit alert for the same node, 1 s apart: exactly 1 capture Job, every report complete',
  async run(ctx) {
    await ctx.deliverAlert(splitAlert(ctx.now()));
    ctx.advance(1_000);
    await ctx.deliverAlert(unsplitAlert(ctx.now()));
  },
};
