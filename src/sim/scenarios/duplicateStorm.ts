import { splitAlert } from './payloads.js';
import type { Scenario } from './types.js';

const DELIVERIES = 10;
const WITHIN_MS = 2_000;

/** The same alert delivered 10 times within 2 s (action group retries, several rules): one investigation. */
export const duplicateStorm: Scenario = {
  name: 'duplicate-storm',
  description: 'the same alert delivered 10 times within 2 s: exactly 1 investigation',
  async run(ctx) {
    const payload = splitAlert(ctx.now());
    // Five arrive together (concurrent requests), five more spread over the next 2 s.
    const burst = Array.from({ length: DELIVERIES / 2 }, () => ctx.deliverAlert(payload));
    await Promise.all(burst);
    for (let i = 0; i < DELIVERIES / 2; i++) {
      ctx.advance(WITHIN_MS / (DELIVERIES / 2));
      await ctx.deliverAlert(payload);
    }
  },
};
