import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_FILES } from '../../../src/azure/blob/reportStore.js';
import { ACTIVITY } from '../../../src/investigation/activityNames.js';
import { HistoryEventType } from '../../../src/sim/durable/index.js';
import { eventsOf, type Rig, scheduledActivities, startRequest, startRig } from '../../support/orchestration/rig.js';

const MINUTE = 60_000;
/** The outage begins with the first evidence upload: the capture has run, its Job holds the only copy. */
const duringEvidence = (minutes: number) => ({
  startsWith: (r: { method: string; path: string }) => r.method === 'PUT' && r.path.includes('/evidence/'),
  durationMs: minutes * MINUTE,
});

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ blobOutage: duringEvidence(0.5), settings: { STORE_RETRY_MINUTES: '5' } });
});
afterAll(async () => {
  await rig?.close();
});

describe('a 30 s Blob outage during evidence collection and store', () => {
  it('is ridden out on durable timers: the report is stored, the Job deleted only after its evidence', async () => {
    const inv = await rig.run(startRequest({ label: 'blob-30s' }));
    expect(inv.run.runtimeStatus).toBe('Completed');
    expect(rig.world.blobFaults?.refused).toBeGreaterThan(0);
    expect(['complete', 'degraded']).toContain(inv.outcome.nodes[0]?.status);
    expect(inv.files).toEqual(expect.arrayContaining(Object.values(REPORT_FILES)));
    expect(inv.report?.verdict.pod).toBe('checkout-api-7d9f8b6c5-x2x9q');
    expect(inv.outcome.nodes[0]?.notified).toBe(true);
    expect(inv.jobsLeft).toBe(0);
    // Evidence collection was tried again after a timer, and the Job was deleted after the last (successful) try.
    const scheduled = scheduledActivities(inv.run.history);
    const collects = scheduled.flatMap((name, i) => (name === ACTIVITY.collectEvidence ? [i] : []));
    expect(collects.length).toBeGreaterThan(1);
    expect(scheduled.indexOf(ACTIVITY.deleteCapture)).toBeGreaterThan(collects[collects.length - 1] as number);
    // Waits are durable timers, not sleeps in activities: the outage ended on the virtual clock.
    expect(eventsOf(inv.run.history, HistoryEventType.TimerCreated).length).toBeGreaterThan(2);
  }, 180_000);
});

describe('a Blob outage longer than the store retry bound', () => {
  it('sends a text-only card with the problems, ends Failed with the reason, and leaves no Job', async () => {
    rig.world.blobFaults?.arm(duringEvidence(180));
    const inv = await rig.run(startRequest({ label: 'blob-down' }));
    expect(inv.run.runtimeStatus).toBe('Failed');
    expect(inv.run.failure?.message).toMatch(/the report could not be stored: .*report storage is unavailable/);
    expect(inv.teamsDelivered).toHaveLength(1);
    const card = JSON.stringify(inv.teamsDelivered[0]);
    expect(card).toContain('the report could not be stored');
    expect(card).toContain('report storage is unavailable');
    expect(card).not.toContain('Action.OpenUrl');
    expect(inv.jobsLeft).toBe(0);
  }, 300_000);
});
