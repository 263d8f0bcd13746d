import { splitAlert } from './payloads.js';
import type { Scenario } from './types.js';

/** How long Blob answers 503 ServerBusy, on the virtual clock. */
const OUTAGE_MS = 30_000;

/**
 * Blob storage answers 503 for 30 s, starting with the first evidence upload: the capture has run and its Job holds
 * the only copy. Evidence collection and the report store retry on durable timers; the Job is deleted only after its
 * evidence is stored, so the report is stored after recovery and no Job is left.
 */
export const blobOutage: Scenario = {
  name: 'blob-outage',
  description:
    'Blob answers 503 for 30 s during evidence collection and store: report stored after recovery, no Job left',
  session: {
    world: {
      blobOutage: {
        startsWith: (r) => r.method === 'PUT' && r.path.includes('/evidence/'),
        durationMs: OUTAGE_MS,
      },
    },
  },
  async run(ctx) {
    await ctx.deliverAlert(splitAlert(ctx.now()));
  },
  async after(ctx) {
    const faults = ctx.session.world.blobFaults;
    ctx.extra('blob', { refused: faults?.refused ?? 0, outageMs: OUTAGE_MS });
  },
};
