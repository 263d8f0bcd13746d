import { afterEach, describe, expect, it } from 'vitest';
import { kubeConfigFromString } from '../../../src/kube/access.js';
import { MemorySink } from '../../../src/kube/evidenceSinks.js';
import { collectPodSockets, type SocketCandidate } from '../../../src/kube/netstat.js';
import { listNodePods } from '../../../src/kube/pods.js';
import { DEMO_NODE, demoScenario } from '../../../src/sim/kube/demoScenario.js';
import type { KubeFaults } from '../../../src/sim/kube/faults.js';
import { type KubeApiServer, startKubeApiServer } from '../../../src/sim/kube/server.js';
import { MANIFESTS_DIR, startWithRbac } from './helpers.js';

let api: KubeApiServer | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

/** The exec RBAC and admission policies of infra/k8s/optional/ (ALLOW_POD_EXEC=true), unless told otherwise. */
async function setup(faults: KubeFaults = {}, podExec: 'policies' | 'rbac-only' = 'policies') {
  const s = await startWithRbac({ scenario: demoScenario(), faults }, { podExec });
  api = s.api;
  const pods: SocketCandidate[] = await listNodePods(s.kc, DEMO_NODE);
  return { ...s, pods };
}

const byName = <T extends { pod: string }>(results: T[], prefix: string): T | undefined =>
  results.find((r) => r.pod.startsWith(prefix));

describe('collectPodSockets', () => {
  describe('methods', () => {
    it('runs netstat -ptn where the image has it and writes netstat/<ns>_<pod>.txt', async () => {
      const { kc, pods } = await setup();
      const sink = new MemorySink();
      const results = await collectPodSockets(kc, pods, { sink });
      const checkout = byName(results, 'checkout-api');
      expect(checkout).toEqual({
        namespace: 'payments',
        pod: 'checkout-api-7d9f8b6c5-x2x9q',
        method: 'netstat',
        file: 'netstat/payments_checkout-api-7d9f8b6c5-x2x9q.txt',
      });
      const text = sink.files.get('netstat/payments_checkout-api-7d9f8b6c5-x2x9q.txt')?.toString() ?? '';
      expect(text.split('\n')[1]).toMatch(
        /^Proto Recv-Q Send-Q Local Address\s+Foreign Address\s+State\s+PID\/Program name/,
      );
      expect(text.match(/20\.60\.1\.12:443\s+ESTABLISHED/g)).toHaveLength(142);
    });

    it('falls back to /proc/net/tcp when netstat is missing, and records why', async () => {
      // coredns (kube-system) lacks netstat; the exec policy keeps the responder out of kube-system, so this
      // mechanism test runs with the exec RBAC alone (rbac.test.ts covers the policy's refusal).
      const { kc, pods } = await setup({}, 'rbac-only');
      const sink = new MemorySink();
      const results = await collectPodSockets(kc, pods, { sink });
      const coredns = byName(results, 'coredns');
      expect(coredns?.method).toBe('proc-net-tcp');
      expect(coredns?.reason).toContain('executable file not found');
      const text = sink.files.get(coredns?.file ?? '')?.toString() ?? '';
      expect(text).toMatch(/^\s+sl\s+local_address rem_address\s+st tx_queue/);
      // 168.63.129.16:53 in kernel byte order.
      expect(text).toContain(':0035 01 ');
      expect(text).toContain('10813FA8:0035');
    });

    it('also recognises the shell-style missing binary (exit 127, "sh: netstat: not found")', async () => {
      const { kc, pods } = await setup({ missingBinaryExit127: true });
      const results = await collectPodSockets(
        kc,
        pods.filter((p) => p.name.startsWith('redis')),
        { sink: new MemorySink() },
      );
      expect(results[0]?.method).toBe('proc-net-tcp');
      expect(results[0]?.reason).toContain('exit 127');
    });

    it('skips a distroless pod (no netstat, no cat) as a recorded skip', async () => {
      const { kc, pods } = await setup();
      const results = await collectPodSockets(kc, pods, { sink: new MemorySink() });
      const d = byName(results, 'inventory-sync');
      expect(d?.method).toBe('skipped');
      expect(d?.file).toBeNull();
      expect(d?.reason).toContain('node socket table');
    });

    it("skips hostNetwork pods: their sockets are the node's", async () => {
      const { kc, pods } = await setup();
      const results = await collectPodSockets(kc, pods, { sink: new MemorySink() });
      expect(byName(results, 'kube-proxy')).toMatchObject({
        method: 'skipped',
        reason: expect.stringContaining('hostNetwork'),
      });
    });

    it('installs net-tools only when allowed, then uses netstat', async () => {
      const sc = demoScenario();
      const redis = sc.pods.find((p) => p.name === 'redis-0');
      if (redis?.containers[0]) redis.containers[0].canInstallNetTools = true;
      // Installing runs a package manager in the pod: the exec admission policy refuses that by design.
      const s = await startWithRbac({ scenario: sc }, { podExec: 'rbac-only' });
      api = s.api;
      const pods = (await listNodePods(s.kc, DEMO_NODE)).filter((p) => p.name === 'redis-0');
      const off = await collectPodSockets(s.kc, pods, { sink: new MemorySink() });
      expect(off[0]?.method).toBe('proc-net-tcp');
      const on = await collectPodSockets(s.kc, pods, { sink: new MemorySink(), allowInstallNetTools: true });
      expect(on[0]).toMatchObject({ method: 'netstat', reason: 'installed net-tools in redis' });
    });
  });

  describe('faults', () => {
    it('pod that no longer exists (404 on the exec upgrade): recorded as vanished', async () => {
      const { kc, pods, api: a } = await setup();
      const ghost = { namespace: 'payments', name: 'ghost-0', containers: ['app'], phase: 'Running' };
      const results = await collectPodSockets(kc, [ghost, ...pods.slice(0, 1)], { sink: new MemorySink() });
      expect(results[0]).toMatchObject({ method: 'skipped', reason: 'pod vanished during exec' });
      expect(results[1]?.method).not.toBe('skipped');
      expect(a.state.forbidden).toEqual([]);
    });

    it('exec refused (403, identity without pods/exec): a recorded skip per pod, never a throw', async () => {
      const s = await startKubeApiServer({
        scenario: demoScenario(),
        rbac: { manifestsDir: MANIFESTS_DIR, subject: { kind: 'User', name: 'someone-else' } },
      });
      api = s;
      const kc = kubeConfigFromString(s.kubeconfig);
      const target = {
        namespace: 'payments',
        name: 'checkout-api-7d9f8b6c5-x2x9q',
        containers: ['checkout-api'],
        phase: 'Running',
      };
      const results = await collectPodSockets(kc, [target], { sink: new MemorySink() });
      expect(results[0]).toMatchObject({ method: 'skipped', reason: 'checkout-api: exec refused (HTTP 403)' });
      expect(s.state.forbidden[0]).toMatchObject({ verb: 'get', resource: 'pods', subresource: 'exec' });
    });

    it('pod deleted mid-exec: recorded as vanished', async () => {
      const { kc, pods } = await setup({ execDeletePod: ['payments/checkout-api-7d9f8b6c5-x2x9q'] });
      const results = await collectPodSockets(kc, pods, { sink: new MemorySink() });
      expect(byName(results, 'checkout-api')).toMatchObject({ method: 'skipped', reason: 'pod vanished during exec' });
      expect(byName(results, 'report-exporter')?.method).toBe('netstat');
    });

    it('exec socket drop: skipped with the reason, partial output not written', async () => {
      const { kc, pods } = await setup({ execDropSocket: ['batch/report-exporter-28937465-q8w4t'] });
      const sink = new MemorySink();
      const results = await collectPodSockets(kc, pods, { sink });
      expect(byName(results, 'report-exporter')).toMatchObject({
        method: 'skipped',
        reason: expect.stringContaining('dropped'),
      });
      expect(sink.files.has('netstat/batch_report-exporter-28937465-q8w4t.txt')).toBe(false);
    });

    it('exec that never answers: skipped after the per-exec timeout, other pods unaffected', async () => {
      const { kc, pods } = await setup({ execHang: ['web/frontend-6b7c9d8f5-p4n6r'] });
      const frontends = pods.filter((p) => p.name.startsWith('frontend'));
      const results = await collectPodSockets(kc, frontends, { sink: new MemorySink(), timeoutMs: 1000 });
      expect(byName(results, 'frontend-6b7c9d8f5-p4n6r')).toMatchObject({
        method: 'skipped',
        reason: expect.stringContaining('timed out'),
      });
      expect(byName(results, 'frontend-6b7c9d8f5-z9x2v')?.method).toBe('netstat');
    });

    it('a frame on an unknown channel does not crash the process (client "Unknown stream" guard)', async () => {
      const { kc, pods } = await setup({ execUnknownChannel: ['payments/checkout-api-7d9f8b6c5-x2x9q'] });
      const results = await collectPodSockets(
        kc,
        pods.filter((p) => p.name.startsWith('checkout')),
        { sink: new MemorySink() },
      );
      expect(results).toHaveLength(1);
      expect(results[0]?.method).toBe('netstat');
    });
  });

  describe('concurrency', () => {
    it('never runs more execs at once than asked', async () => {
      const { kc, pods, api: a } = await setup({ execLatencyMs: 30 });
      const many = Array.from({ length: 30 }, (_, i) => pods[i % pods.length] as SocketCandidate);
      await collectPodSockets(kc, many, { sink: new MemorySink(), concurrency: 4 });
      expect(a.state.exec.peak).toBeLessThanOrEqual(4);
      expect(a.state.exec.peak).toBeGreaterThan(1);
    });
  });
});
