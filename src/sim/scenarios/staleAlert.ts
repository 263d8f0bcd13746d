import { splitAlert } from './payloads.js';
import type { Scenario } from './types.js';

/** One delivery of an alert fired two days before its receipt: ignored with a reason, nothing starts. */
export const staleAlert: Scenario = {
  name: 'stale-alert',
  description: 'one delivery of an alert whose firedDateTime is 2 days old: 0 investigations, and the reason',
  async run(ctx) {
    const twoDaysAgo = new Date(ctx.now().getTime() - 2 * 24 * 3_600_000);
    await ctx.deliverAlert(splitAlert(twoDaysAgo));
  },
};
