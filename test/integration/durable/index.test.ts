import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DurableSim, ManualClock, startDurableSim } from '../../../src/sim/durable/index.js';

let sim: DurableSim;
let app: typeof import('../../support/durable/sampleApp.js');
const clock = new ManualClock({ start: Date.parse('2026-03-01T12:00:00Z') });

beforeAll(async () => {
  // The stand-in goes in first; the app registers its functions afterwards, as in the demo.
  sim = await startDurableSim({ clock, autoRun: true });
  app = await import('../../support/durable/sampleApp.js');
});

afterAll(async () => {
  await sim.close();
});

describe('startDurableSim', () => {
  describe('autoRun', () => {
    it('runs an instance started over HTTP in the background until it completes', async () => {
      const res = await sim.registry.invokeHttp(app.sample.httpStart, {
        method: 'POST',
        url: `/api/orchestrators/${app.sample.pollUntilReady}`,
        body: { key: 'auto', readyAfter: 2, maxPolls: 3 },
      });
      expect(res.status).toBe(202);
      const { id } = res.json() as { id: string };

      const result = await sim.driver.runToCompletion(id);
      expect(result.output).toEqual({ ready: true, polls: 2, at: '2026-03-01T12:00:10.000Z' });

      const status = await sim.registry.invokeHttp(app.sample.httpStatus, { method: 'GET', url: `/api/status/${id}` });
      expect(status.json()).toMatchObject({ runtimeStatus: 'Completed', customStatus: { phase: 'poll', poll: 2 } });
    });
  });
});
