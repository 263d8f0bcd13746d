import { afterEach, describe, expect, it } from 'vitest';
import { kubeConfigFromString } from '../../../src/kube/access.js';
import { CaptureManager } from '../../../src/kube/captureRunner.js';
import {
  CaptureCapacityError,
  CaptureFailedError,
  CaptureOutputTruncatedError,
  CaptureOwnershipError,
  CapturePreflightError,
  KubeApiError,
  KubeTimeoutError,
  KubeUnreachableError,
} from '../../../src/kube/errors.js';
import { MemorySink } from '../../../src/kube/evidenceSinks.js';
import { DEMO_NODE, demoScenario } from '../../../src/sim/kube/demoScenario.js';
import type { KubeFaults } from '../../../src/sim/kube/faults.js';
import type { KubeApiServer } from '../../../src/sim/kube/server.js';
import { startWithRbac } from './helpers.js';

let api: KubeApiServer | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

/** A manual clock: Job pods move only when the test says so. */
function manualClock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

async function setup(faults: KubeFaults = {}, scenario = demoScenario()) {
  const clock = manualClock();
  const s = await startWithRbac({ scenario, faults, clock: clock.now, timing: { pendingMs: 1000, runningMs: 5000 } });
  api = s.api;
  const mgr = new CaptureManager(s.kc, { traceSeconds: 60, requestTimeoutMs: 2000 });
  return { api: s.api, kc: s.kc, mgr, clock };
}

/** Runs the orchestrator's sequence with delete in `finally`, as the activity does. */
async function runCapture(mgr: CaptureManager, clock: { advance(ms: number): void }, sink = new MemorySink()) {
  const { jobName } = await mgr.start(DEMO_NODE, 'inv-fault');
  try {
    clock.advance(10_000);
    const st = await mgr.status(jobName);
    if (st.phase !== 'Succeeded') throw new CaptureFailedError(`capture ${st.phase}`, st.phase, st.reason);
    return await mgr.collect(jobName, sink);
  } finally {
    await mgr.delete(jobName, 'inv-fault');
  }
}

describe('CaptureManager', () => {
  describe('happy path', () => {
    it('starts, reports Pending -> Running -> Succeeded, collects the bundle and deletes the Job and its pod', async () => {
      const { api, mgr, clock } = await setup();
      await mgr.preflight();
      const { jobName, reused } = await mgr.start(DEMO_NODE, 'inv-1');
      expect(reused).toBe(false);
      expect(jobName).toMatch(/^snat-cap-aks-nodepool1-12345678-vmss000003-[0-9a-f]{8}$/);
      expect(await mgr.status(jobName)).toEqual({ phase: 'Pending', reason: 'ContainerCreating' });
      clock.advance(1500);
      expect(await mgr.status(jobName)).toEqual({ phase: 'Running', reason: null });
      clock.advance(5000);
      expect(await mgr.status(jobName)).toEqual({ phase: 'Succeeded', reason: null });

      const sink = new MemorySink();
      const summary = await mgr.collect(jobName, sink);
      expect(summary.files).toEqual(
        expect.arrayContaining(['tcptracer.log', 'lsns.json', 'crictl-ps.json', 'crictl-pods.json', 'capture.json']),
      );
      expect(summary.files.some((f) => f.startsWith('pstree/'))).toBe(true);
      expect(summary.files.some((f) => f.startsWith('sockets/'))).toBe(true);
      expect(summary.missingTools).toEqual([]);
      expect(summary.truncated).toBe(false);
      expect(summary.nodeFacts.node).toBe(DEMO_NODE);
      expect(summary.nodeFacts.traceSeconds).toBe('60');
      expect(summary.bytes).toBe([...sink.files.values()].reduce((n, b) => n + b.length, 0));
      const trace = sink.files.get('tcptracer.log')?.toString() ?? '';
      // COMM is the kernel's 15-character task name, spaces included.
      expect(trace).toContain(' php-fpm: pool w ');
      expect(trace).toMatch(/connect\s+\d+\s+node\s+4\s+10\.244\.3\.17\s+20\.60\.1\.12\s+\d+\s+443\s+4026532785/);

      // The Job spec the server stored is the one the issue asks for.
      const job = api.state.jobs()[0] as { spec: { template: { spec: Record<string, unknown> } } };
      expect(job.spec.template.spec.nodeName).toBe(DEMO_NODE);

      await mgr.delete(jobName, 'inv-1');
      expect(api.state.jobs()).toHaveLength(0);
      expect(api.state.jobPods()).toHaveLength(0);
      await mgr.delete(jobName, 'inv-1'); // idempotent: 404 is fine
    });

    it('honours traceSeconds in the Job env (the simulated node traces only that window)', async () => {
      const clock = manualClock();
      const s = await startWithRbac({
        scenario: demoScenario(),
        clock: clock.now,
        timing: { pendingMs: 0, runningMs: 0 },
      });
      api = s.api;
      const mgr = new CaptureManager(s.kc, { traceSeconds: 10 });
      const { jobName } = await mgr.start(DEMO_NODE, 'short');
      clock.advance(1);
      const sink = new MemorySink();
      const summary = await mgr.collect(jobName, sink);
      await mgr.delete(jobName, 'short');
      expect(summary.nodeFacts.traceSeconds).toBe('10');
      const times = (sink.files.get('tcptracer.log')?.toString() ?? '')
        .split('\n')
        .slice(2)
        .filter(Boolean)
        .map((l) => Number(l.split(/\s+/)[0]));
      expect(Math.max(...times)).toBeLessThanOrEqual(10e9);
    });
  });

  describe('preflight', () => {
    it('fails with the exact fix when the namespace is missing', async () => {
      const sc = demoScenario();
      sc.namespaces = sc.namespaces.filter((n) => n.name !== 'snat-responder');
      const { mgr } = await setup({}, sc);
      const err = await mgr.preflight().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CapturePreflightError);
      expect((err as Error).message).toContain(
        'kubectl create namespace snat-responder && kubectl label namespace snat-responder pod-security.kubernetes.io/enforce=privileged',
      );
    });

    it('fails with the exact fix when the namespace enforces baseline', async () => {
      const sc = demoScenario();
      const ns = sc.namespaces.find((n) => n.name === 'snat-responder');
      if (ns) ns.labels = { 'pod-security.kubernetes.io/enforce': 'baseline' };
      const { api, mgr } = await setup({}, sc);
      const err = await mgr.preflight().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CapturePreflightError);
      expect((err as Error).message).toContain(
        'kubectl label namespace snat-responder pod-security.kubernetes.io/enforce=privileged --overwrite',
      );
      expect((err as Error).message).toContain('=baseline');
      expect(api.state.jobs()).toHaveLength(0);
    });
  });

  describe('limits', () => {
    it("never adopts another investigation's Job: two owners on one node get two Jobs, each deletes only its own", async () => {
      const { api, mgr } = await setup();
      const a = await mgr.start(DEMO_NODE, 'inv-a');
      const b = await mgr.start(DEMO_NODE, 'inv-b');
      expect(b.jobName).not.toBe(a.jobName);
      expect([a.reused, b.reused]).toEqual([false, false]);
      const owners = api.state
        .jobs()
        .map(
          (j) =>
            (j as { metadata: { annotations: Record<string, string> } }).metadata.annotations[
              'snat-responder.io/owner'
            ],
        );
      expect(owners.sort()).toEqual(['inv-a', 'inv-b']);
      // B may not delete A's Job: refused, and A's Job is still there.
      const refused = await mgr.delete(a.jobName, 'inv-b').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(CaptureOwnershipError);
      expect(api.state.jobs()).toHaveLength(2);
      await mgr.delete(a.jobName, 'inv-a');
      await mgr.delete(b.jobName, 'inv-b');
      expect(api.state.jobs()).toHaveLength(0);
    });

    it('adopts only its own running Job when a retried create meets it (409)', async () => {
      const { api, mgr } = await setup();
      const a = await mgr.start(DEMO_NODE, 'inv-a', 'inv-a/exec-1');
      expect(await mgr.start(DEMO_NODE, 'inv-a', 'inv-a/exec-1')).toEqual({ jobName: a.jobName, reused: true });
      expect(api.state.jobs()).toHaveLength(1);
      await mgr.delete(a.jobName, 'inv-a/exec-1');
    });

    it("never adopts a finished Job, not even its own owner's, and a new execution gets a new name", async () => {
      const { api, mgr, clock } = await setup();
      const a = await mgr.start(DEMO_NODE, 'inv-a', 'inv-a/exec-1');
      clock.advance(10_000);
      expect((await mgr.status(a.jobName)).phase).toBe('Succeeded');
      const err = await mgr.start(DEMO_NODE, 'inv-a', 'inv-a/exec-1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CaptureOwnershipError);
      expect(String((err as Error).message)).toContain('already finished');
      const next = await mgr.start(DEMO_NODE, 'inv-a', 'inv-a/exec-2');
      expect(next.jobName).not.toBe(a.jobName);
      await mgr.delete(a.jobName, 'inv-a/exec-1');
      await mgr.delete(next.jobName, 'inv-a/exec-2');
      expect(api.state.jobs()).toHaveLength(0);
    });

    it('refuses a capture beyond the cluster-wide cap with CaptureCapacityError', async () => {
      const { api, kc } = await setup();
      const mgr = new CaptureManager(kc, { maxConcurrent: 2 });
      const names = ['aks-nodepool1-12345678-vmss000000', 'aks-nodepool1-12345678-vmss000001'];
      const started = [];
      for (const n of names) started.push(await mgr.start(n, 'storm'));
      const err = await mgr.start(DEMO_NODE, 'storm').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CaptureCapacityError);
      expect((err as CaptureCapacityError).running).toHaveLength(2);
      for (const s of started) await mgr.delete(s.jobName, 'storm');
      expect(api.state.jobs()).toHaveLength(0);
    });
  });

  describe('fault matrix (each leaves zero Jobs behind)', () => {
    it('node deleted while the capture runs: pods gone, Job Failed, status names the node; delete still works', async () => {
      const { api, mgr, clock } = await setup({ deleteNodeWhileRunningMs: 2000 });
      const { jobName } = await mgr.start(DEMO_NODE, 'inv-gone');
      clock.advance(1500);
      expect(await mgr.status(jobName)).toEqual({ phase: 'Running', reason: null });
      clock.advance(2000);
      const st = await mgr.status(jobName);
      expect(st).toMatchObject({ phase: 'Failed', nodeDeleted: DEMO_NODE });
      expect(st.reason).toMatch(new RegExp(`^NodeDeleted: node ${DEMO_NODE} was deleted`));
      expect(api.state.deletedNodes.has(DEMO_NODE)).toBe(true);
      // Pod GC removed every pod bound to the node, the capture pod included.
      expect(api.state.jobPods()).toHaveLength(0);
      await expect(mgr.collect(jobName, new MemorySink())).rejects.toBeInstanceOf(CaptureFailedError);
      await mgr.delete(jobName, 'inv-gone');
      expect(api.state.jobs()).toHaveLength(0);
    });

    it('node deleted before the capture pod starts: Failed at once naming the node, not a stuck Job; delete still works', async () => {
      const { api, mgr, clock } = await setup();
      // Gone between the node lookup and the Job create (scale-down): the pod is bound to a node with no kubelet.
      api.state.deleteNode(DEMO_NODE);
      const { jobName } = await mgr.start(DEMO_NODE, 'inv-gone-early');
      clock.advance(10_000);
      expect(api.state.jobPods()).toEqual([
        expect.objectContaining({ status: expect.objectContaining({ phase: 'Pending' }) }),
      ]);
      const st = await mgr.status(jobName);
      expect(st).toMatchObject({ phase: 'Failed', nodeDeleted: DEMO_NODE, beforeStart: true });
      expect(st.reason).toBe(
        `NodeDeleted: node ${DEMO_NODE} was deleted before the capture pod started (capture pod still Pending)`,
      );
      await mgr.delete(jobName, 'inv-gone-early');
      expect(api.state.jobs()).toHaveLength(0);
    });

    it('node deleted and the capture pod removed by pod GC before it started: Failed naming the node', async () => {
      const { api, mgr } = await setup();
      api.state.deleteNode(DEMO_NODE);
      const { jobName } = await mgr.start(DEMO_NODE, 'inv-gone-gc');
      for (const pod of api.state.jobPods()) {
        const meta = pod.metadata as { namespace: string; name: string };
        api.state.deletePod(meta.namespace, meta.name);
      }
      expect(api.state.jobPods()).toHaveLength(0);
      const st = await mgr.status(jobName);
      expect(st).toMatchObject({ phase: 'Failed', nodeDeleted: DEMO_NODE, beforeStart: true });
      expect(st.reason).toContain('(no capture pod)');
      await mgr.delete(jobName, 'inv-gone-gc');
      expect(api.state.jobs()).toHaveLength(0);
    });

    it('a pod still pending on a node that exists stays Pending (no false node-deleted verdict)', async () => {
      const { mgr } = await setup();
      const { jobName } = await mgr.start(DEMO_NODE, 'inv-pending');
      const st = await mgr.status(jobName);
      expect(st.phase).toBe('Pending');
      expect(st.nodeDeleted).toBeUndefined();
      await mgr.delete(jobName, 'inv-pending');
    });

    it('a Failed Job whose node still exists is not reported as a deleted node', async () => {
      const { mgr, clock } = await setup({ jobExitCode: 2 });
      const { jobName } = await mgr.start(DEMO_NODE, 'inv-exit');
      clock.advance(10_000);
      const st = await mgr.status(jobName);
      expect(st.phase).toBe('Failed');
      expect(st.nodeDeleted).toBeUndefined();
      await mgr.delete(jobName, 'inv-exit');
    });

    it('API 5xx on Job creation: KubeApiError, retryable, nothing created', async () => {
      const { api, mgr } = await setup({ apiErrors: [{ method: 'POST', path: /\/jobs$/, status: 503 }] });
      const err = await mgr.start(DEMO_NODE, 'x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeApiError);
      expect((err as KubeApiError).status).toBe(503);
      expect((err as KubeApiError).retryable).toBe(true);
      expect(api.state.jobs()).toHaveLength(0);
    });

    it('API 5xx while reading the log: the Job is still deleted', async () => {
      const { api, mgr, clock } = await setup({ apiErrors: [{ path: /\/log$/, status: 500 }] });
      await expect(runCapture(mgr, clock)).rejects.toBeInstanceOf(KubeApiError);
      expect(api.state.jobs()).toHaveLength(0);
      expect(api.state.jobPods()).toHaveLength(0);
    });

    it('API timeout: KubeTimeoutError after the request timeout', async () => {
      const clock = manualClock();
      const s = await startWithRbac({
        scenario: demoScenario(),
        clock: clock.now,
        faults: { delays: [{ path: /\/jobs$/, method: 'GET', ms: 1500, times: 1 }] },
      });
      api = s.api;
      const mgr = new CaptureManager(s.kc, { requestTimeoutMs: 300 });
      const err = await mgr.start(DEMO_NODE, 'x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeTimeoutError);
      expect(s.api.state.jobs()).toHaveLength(0);
    });

    it('unreachable API server: KubeUnreachableError', async () => {
      const { api: a } = await setup();
      const kc = kubeConfigFromString(a.kubeconfig);
      await a.close();
      api = null;
      const err = await new CaptureManager(kc).preflight().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeUnreachableError);
      expect((err as Error).message).toContain('ECONNREFUSED');
    });

    it.each([
      ['ImagePullBackOff', /^ImagePullBackOff: Back-off pulling image/],
      ['ErrImagePull', /^ErrImagePull: /],
      ['Unschedulable', /^Unschedulable: 0\/4 nodes are available/],
      ['NodeNotReady', /^NodeNotReady: NodeStatusUnknown/],
    ] as const)('Job stuck Pending (%s): status says why, delete cleans up', async (stuck, reason) => {
      const { api, mgr, clock } = await setup({ jobStuck: stuck });
      const { jobName } = await mgr.start(DEMO_NODE, 'stuck');
      clock.advance(60_000);
      const st = await mgr.status(jobName);
      expect(st.phase).toBe('Pending');
      expect(st.reason).toMatch(reason);
      await mgr.delete(jobName, 'stuck');
      expect(api.state.jobs()).toHaveLength(0);
      expect(api.state.jobPods()).toHaveLength(0);
    });

    it('deadline exceeded: DeadlineExceeded phase, collect fails typed, delete cleans up', async () => {
      const { api, mgr, clock } = await setup({ jobDeadlineExceeded: true });
      const { jobName } = await mgr.start(DEMO_NODE, 'late');
      clock.advance(10_000);
      expect(await mgr.status(jobName)).toEqual({
        phase: 'DeadlineExceeded',
        reason: 'Job was active longer than specified deadline',
      });
      await expect(mgr.collect(jobName, new MemorySink())).rejects.toBeInstanceOf(CaptureFailedError);
      await mgr.delete(jobName, 'late');
      expect(api.state.jobs()).toHaveLength(0);
    });

    it('capture container fails: Failed with the exit code', async () => {
      const { api, mgr, clock } = await setup({ jobExitCode: 2 });
      const { jobName } = await mgr.start(DEMO_NODE, 'bad');
      clock.advance(10_000);
      expect(await mgr.status(jobName)).toEqual({
        phase: 'Failed',
        reason: 'BackoffLimitExceeded: container Error (exit 2)',
      });
      await expect(mgr.collect(jobName, new MemorySink())).rejects.toBeInstanceOf(CaptureOutputTruncatedError);
      await mgr.delete(jobName, 'bad');
      expect(api.state.jobs()).toHaveLength(0);
    });

    it('log output truncated: CaptureOutputTruncatedError and no partial bundle claims success', async () => {
      const { api, mgr, clock } = await setup({ truncateLog: true });
      const err = await runCapture(mgr, clock).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CaptureOutputTruncatedError);
      expect((err as Error).message).toMatch(/end marker|cut/);
      expect(api.state.jobs()).toHaveLength(0);
      expect(api.state.jobPods()).toHaveLength(0);
    });

    it('a node without BCC still yields the rest and names what was missing', async () => {
      const sc = demoScenario();
      const node = sc.nodes.find((n) => n.name === DEMO_NODE);
      if (node) node.missingTools = ['tcptracer'];
      const { api, mgr, clock } = await setup({}, sc);
      const sink = new MemorySink();
      const summary = await runCapture(mgr, clock, sink);
      expect(summary.missingTools).toEqual(['tcptracer']);
      expect(summary.files).not.toContain('tcptracer.log');
      expect(summary.files).toContain('lsns.json');
      expect(api.state.jobs()).toHaveLength(0);
    });
  });
});
