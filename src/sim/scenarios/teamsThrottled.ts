import { splitAlert } from './payloads.js';
import type { Scenario } from './types.js';

/** A 429 as Teams sends it when a connector is throttled; `Retry-After` in seconds, waited out on the virtual clock. */
const THROTTLED = { status: 429, retryAfter: '1' } as const;

/**
 * Teams throttles the webhook three times (429 with `Retry-After`), then accepts. The notifier is the only retry
 * layer: it honours the hint and delivers on the fourth post, so `notified: true` with at most 4 posts.
 */
export const teamsThrottled: Scenario = {
  name: 'teams-throttled',
  description: 'Teams answers 429 with Retry-After three times, then 202: notified true in at most 4 posts',
  session: { world: { teamsScript: [THROTTLED, THROTTLED, THROTTLED] } },
  async run(ctx) {
    await ctx.deliverAlert(splitAlert(ctx.now()));
  },
  async after(ctx) {
    ctx.extra('teamsStatuses', [...ctx.session.world.teams.statuses]);
  },
};
