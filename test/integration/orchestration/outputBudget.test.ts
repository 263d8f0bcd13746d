import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVITY } from '../../../src/investigation/activityNames.js';
import type { PodSocketsOutput, SelectedCandidatesSummary } from '../../../src/investigation/contracts.js';
import { bigScenario } from '../../support/orchestration/bigScenario.js';
import {
  completedResults,
  type Investigation,
  type Rig,
  startRequest,
  startRig,
} from '../../support/orchestration/rig.js';

const BUDGET = 16 * 1024;
const EXTRA_PODS = 250;

let rig: Rig;
let big: Investigation;

beforeAll(async () => {
  rig = await startRig({ scenario: bigScenario(EXTRA_PODS, 40) });
  big = await rig.run(startRequest({ label: 'big' }));
}, 180_000);

afterAll(async () => {
  await rig?.close();
});

describe('snatInvestigation activity outputs', () => {
  describe('with ~260 pods on the node and a trace of 10,000+ extra connects', () => {
    it('completes and still names the real culprit', () => {
      expect(big.run.runtimeStatus).toBe('Completed');
      expect(big.outcome.nodes[0]?.status).toBe('complete');
      expect(big.report?.rankedPods.length).toBeGreaterThan(EXTRA_PODS);
      expect(big.report?.verdict).toMatchObject({ namespace: 'payments', pod: 'checkout-api-7d9f8b6c5-x2x9q' });
      expect(big.jobsLeft).toBe(0);
    });

    it('fans netstat out in batches of at most 25 pods, up to NETSTAT_MAX_PODS', () => {
      const results = completedResults(big.run.history);
      const selected = JSON.parse(
        results.find((r) => r.name === ACTIVITY.selectCandidates)?.result ?? 'null',
      ) as SelectedCandidatesSummary;
      expect(selected.basis).toBe('trace');
      expect(selected.count).toBe(rig.world.settings.netstatMaxPods);
      // The list itself is in Blob, next to the evidence.
      expect(big.files).toContain(selected.file);
      const batches = results
        .filter((r) => r.name === ACTIVITY.podSockets)
        .map((r) => JSON.parse(r.result) as PodSocketsOutput);
      expect(batches.length).toBe(Math.ceil(rig.world.settings.netstatMaxPods / 25));
      expect(Math.max(...batches.map((b) => b.length))).toBe(25);
    });

    it('keeps every activity result at or under 16 KB', () => {
      const results = completedResults(big.run.history);
      const largest = results.reduce((a, b) => (b.bytes > a.bytes ? b : a));
      expect(largest.bytes, `largest: ${largest.name}`).toBeLessThanOrEqual(BUDGET);
      // The evidence itself went to Blob, not through history.
      const collected = JSON.parse(results.find((r) => r.name === ACTIVITY.collectEvidence)?.result ?? '{}') as {
        bytes?: number;
      };
      expect(collected.bytes).toBeGreaterThan(BUDGET * 10);
    });
  });
});
