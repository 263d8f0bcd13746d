/**
 * The product reads a capture Job's outcome from either condition sequence: Kubernetes 1.31+ (interim
 * `SuccessCriteriaMet` / `FailureTarget` while the pods terminate, then `Complete` / `Failed`) and older
 * control planes (the terminal condition at once). The simulated server reports each sequence on a manual clock.
 */
import { BatchV1Api, type V1Job } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureManager, type CaptureStatus } from '../../../src/kube/captureRunner.js';
import { MemorySink } from '../../../src/kube/evidenceSinks.js';
import { DEMO_NODE, demoScenario } from '../../../src/sim/kube/demoScenario.js';
import type { KubeFaults } from '../../../src/sim/kube/faults.js';
import type { KubeTiming } from '../../../src/sim/kube/jobTimeline.js';
import type { KubeApiServer } from '../../../src/sim/kube/server.js';
import { startWithRbac } from './helpers.js';

let api: KubeApiServer | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

const PENDING = 1000;
const RUNNING = 5000;
const TERMINATING = 3000;

async function setup(jobConditions: KubeTiming['jobConditions'], faults: KubeFaults = {}) {
  let t = 1_000_000;
  const s = await startWithRbac({
    scenario: demoScenario(),
    faults,
    clock: () => t,
    timing: { pendingMs: PENDING, runningMs: RUNNING, terminatingMs: TERMINATING, jobConditions },
  });
  api = s.api;
  const mgr = new CaptureManager(s.kc, { traceSeconds: 60, requestTimeoutMs: 2000 });
  const batch = s.kc.makeApiClient(BatchV1Api);
  const { jobName } = await mgr.start(DEMO_NODE, 'inv-conditions');
  /** Moves the clock to `ms` after the Job was created; returns the Job's conditions and the product's reading. */
  const at = async (
    ms: number,
  ): Promise<{ conditions: string[]; terminating: number | undefined; status: CaptureStatus }> => {
    t = 1_000_000 + ms;
    const job: V1Job = await batch.readNamespacedJob({ name: jobName, namespace: 'snat-responder' });
    return {
      conditions: (job.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type),
      terminating: job.status?.terminating,
      status: await mgr.status(jobName),
    };
  };
  return { mgr, jobName, at, api: s.api };
}

const FINISHING = PENDING + RUNNING + TERMINATING / 2;
const DONE = PENDING + RUNNING + TERMINATING + 1;

describe('capture Job conditions', () => {
  describe('Kubernetes 1.31+ sequence', () => {
    it('success: SuccessCriteriaMet alone, then with Complete; the capture is Succeeded from the first', async () => {
      const { at, mgr, jobName, api } = await setup('current');
      expect((await at(PENDING + 1)).status.phase).toBe('Running');
      const interim = await at(FINISHING);
      expect(interim.conditions).toEqual(['SuccessCriteriaMet']);
      expect(interim.status).toEqual({ phase: 'Succeeded', reason: null });
      // The evidence is readable as soon as the outcome is known.
      const summary = await mgr.collect(jobName, new MemorySink());
      expect(summary.files.length).toBeGreaterThan(3);
      const done = await at(DONE);
      expect(done.conditions).toEqual(['SuccessCriteriaMet', 'Complete']);
      expect(done.terminating).toBe(0);
      expect(done.status).toEqual({ phase: 'Succeeded', reason: null });
      await mgr.delete(jobName, 'inv-conditions');
      expect(api.state.jobs()).toEqual([]);
    });

    it('deadline: FailureTarget while the killed pod terminates, then Failed; DeadlineExceeded from the first', async () => {
      const { at, api } = await setup('current', { jobDeadlineExceeded: true });
      const interim = await at(FINISHING);
      expect(interim.conditions).toEqual(['FailureTarget']);
      expect(interim.terminating).toBe(1);
      expect(interim.status.phase).toBe('DeadlineExceeded');
      const pod = api.state.jobPods()[0] as { metadata: { deletionTimestamp?: string } };
      expect(pod.metadata.deletionTimestamp).toBeDefined();
      const done = await at(DONE);
      expect(done.conditions).toEqual(['FailureTarget', 'Failed']);
      expect(done.terminating).toBe(0);
      expect(done.status.phase).toBe('DeadlineExceeded');
    });

    it('container failure: FailureTarget (BackoffLimitExceeded) then Failed; Failed with the exit code', async () => {
      const { at } = await setup('current', { jobExitCode: 2 });
      const interim = await at(FINISHING);
      expect(interim.conditions).toEqual(['FailureTarget']);
      expect(interim.status.phase).toBe('Failed');
      expect(interim.status.reason).toContain('BackoffLimitExceeded');
      expect(interim.status.reason).toContain('exit 2');
      const done = await at(DONE);
      expect(done.conditions).toEqual(['FailureTarget', 'Failed']);
      expect(done.status).toEqual(interim.status);
    });

    it('a Job with an interim condition no longer counts as a running capture on its node', async () => {
      const { at, mgr, jobName } = await setup('current');
      await at(FINISHING);
      const next = await mgr.start(DEMO_NODE, 'inv-next');
      expect(next.reused).toBe(false);
      expect(next.jobName).not.toBe(jobName);
    });
  });

  describe('older sequence (before 1.31)', () => {
    it('success: Complete at once, no interim condition and no terminating count', async () => {
      const { at } = await setup('pre-1.31');
      const done = await at(PENDING + RUNNING + 1);
      expect(done.conditions).toEqual(['Complete']);
      expect(done.terminating).toBeUndefined();
      expect(done.status).toEqual({ phase: 'Succeeded', reason: null });
    });

    it('deadline: Failed (DeadlineExceeded) at once', async () => {
      const { at } = await setup('pre-1.31', { jobDeadlineExceeded: true });
      const done = await at(PENDING + RUNNING + 1);
      expect(done.conditions).toEqual(['Failed']);
      expect(done.status.phase).toBe('DeadlineExceeded');
    });

    it('container failure: Failed (BackoffLimitExceeded) at once', async () => {
      const { at } = await setup('pre-1.31', { jobExitCode: 2 });
      const done = await at(PENDING + RUNNING + 1);
      expect(done.conditions).toEqual(['Failed']);
      expect(done.status.phase).toBe('Failed');
      expect(done.status.reason).toContain('exit 2');
    });
  });
});
