import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchV1Api, CoreV1Api, dumpYaml, type KubeConfig, loadAllYaml } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { kubeConfigFromString } from '../../../src/kube/access.js';
import { CaptureManager } from '../../../src/kube/captureRunner.js';
import { KubeForbiddenError } from '../../../src/kube/errors.js';
import { MemorySink } from '../../../src/kube/evidenceSinks.js';
import { collectPodSockets } from '../../../src/kube/netstat.js';
import { resolveNode } from '../../../src/kube/nodes.js';
import { listNodePods } from '../../../src/kube/pods.js';
import { readPodControllers } from '../../../src/kube/workloads.js';
import { DEMO_NODE, DEMO_NODE_IP, demoScenario } from '../../../src/sim/kube/demoScenario.js';
import { type KubeApiServer, startKubeApiServer } from '../../../src/sim/kube/server.js';
import { MANIFESTS_DIR, OPTIONAL_MANIFESTS_DIR, RESPONDER, startWithRbac } from './helpers.js';

/** Capture pods pend briefly; one pod vanishes during its exec. */
function flow() {
  let t = 0;
  return {
    options: {
      timing: { pendingMs: 1000, runningMs: 0 },
      clock: () => t,
      faults: { execDeletePod: ['default/redis-0'] },
    },
    advance: () => {
      t += 5000;
    },
  };
}

let api: KubeApiServer | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

/**
 * Everything the responder does in one investigation, in order, including the
 * paths that only run when something is off: a Pending capture (reads the node's
 * Ready condition) and, with pod exec on, a pod deleted mid-exec (reads the pod).
 * Errors propagate.
 */
async function investigate(kc: KubeConfig, advance: () => void, podExec: boolean): Promise<void> {
  const node = await resolveNode(kc, DEMO_NODE_IP);
  const pods = await listNodePods(kc, node.name);
  // Workload names: the pods' ReplicaSets and Jobs (a refusal is tolerated there, but recorded by the server).
  await readPodControllers(kc, pods);
  const mgr = new CaptureManager(kc, { traceSeconds: 5 });
  await mgr.preflight();
  const { jobName } = await mgr.start(node.name, 'rbac');
  try {
    expect((await mgr.status(jobName)).phase).toBe('Pending');
    advance();
    for (let i = 0; i < 50 && (await mgr.status(jobName)).phase !== 'Succeeded'; i++)
      await new Promise((r) => setTimeout(r, 10));
    await mgr.collect(jobName, new MemorySink());
    if (podExec) {
      // Outside kube-system: there the exec policy refuses every exec (proved by its own test below).
      const outsideKubeSystem = pods.filter((p) => p.namespace !== 'kube-system');
      await collectPodSockets(kc, outsideKubeSystem, { sink: new MemorySink() });
    }
  } finally {
    await mgr.delete(jobName, 'rbac');
  }
}

type Doc = {
  kind: string;
  metadata: { name: string };
  rules?: Array<{ resources: string[]; verbs: string[] }>;
};

/** One entry per verb of every rule in `file`, to drop and see the investigation fail. */
function grantsOf(file: string) {
  const docs = loadAllYaml(readFileSync(file, 'utf8')) as Doc[];
  return {
    docs,
    grants: docs.flatMap((d, di) =>
      (d.rules ?? []).flatMap((r, ri) =>
        r.verbs.map((v) => ({ di, ri, verb: v, label: `${d.kind}/${d.metadata.name}: ${v} ${r.resources.join(',')}` })),
      ),
    ),
  };
}

describe('infra/k8s RBAC', () => {
  describe('sufficient', () => {
    it('default set (pod exec off): the whole investigation with zero refusals', async () => {
      const f = flow();
      const s = await startWithRbac({ scenario: demoScenario(), ...f.options });
      api = s.api;
      await investigate(s.kc, f.advance, false);
      expect(s.api.state.forbidden).toEqual([]);
      expect(s.api.state.jobs()).toHaveLength(0);
      // The read-only role's replicasets/jobs `get` is used for workload names, outside the capture namespace.
      const reads = s.api.state.requests.filter((r) => r.method === 'GET' && r.status === 200).map((r) => r.path);
      expect(reads).toContain('/apis/apps/v1/namespaces/payments/replicasets/checkout-api-7d9f8b6c5');
      expect(reads).toContain('/apis/batch/v1/namespaces/batch/jobs/report-exporter-28937465');
    });

    it('with infra/k8s/optional (pod exec on): RBAC and both admission policies admit everything it does', async () => {
      const f = flow();
      const s = await startWithRbac({ scenario: demoScenario(), ...f.options }, { podExec: 'policies' });
      api = s.api;
      await investigate(s.kc, f.advance, true);
      expect(s.api.state.forbidden).toEqual([]);
      expect(s.api.state.admissionDenied).toEqual([]);
      expect(s.api.state.exec.total).toBeGreaterThan(0);
      expect(s.api.state.jobs()).toHaveLength(0);
    });
  });

  describe('least privilege', () => {
    it('refuses calls outside the roles with a 403 Status naming the user and verb', async () => {
      const s = await startWithRbac({ scenario: demoScenario() });
      api = s.api;
      const core = s.kc.makeApiClient(CoreV1Api);
      const batch = s.kc.makeApiClient(BatchV1Api);
      const attempts: Array<[string, () => Promise<unknown>]> = [
        ['delete a workload pod', () => core.deleteNamespacedPod({ name: 'redis-0', namespace: 'default' })],
        [
          'create a Job outside the responder namespace',
          () => batch.createNamespacedJob({ namespace: 'default', body: { metadata: { name: 'x' } } }),
        ],
        [
          'create a Job in kube-system',
          () => batch.createNamespacedJob({ namespace: 'kube-system', body: { metadata: { name: 'x' } } }),
        ],
        ['list Jobs in another namespace', () => batch.listNamespacedJob({ namespace: 'payments' })],
        ['read a workload pod log', () => core.readNamespacedPodLog({ name: 'redis-0', namespace: 'default' })],
        ['read a workload pod', () => core.readNamespacedPod({ name: 'redis-0', namespace: 'default' })],
        ['list secrets', () => core.listSecretForAllNamespaces()],
        ['read another namespace', () => core.readNamespace({ name: 'payments' })],
        ['delete a node', () => core.deleteNode({ name: 'aks-nodepool1-12345678-vmss000003' })],
      ];
      for (const [what, fn] of attempts) {
        const err = await fn().catch((e: unknown) => e);
        expect((err as { code?: number }).code, what).toBe(403);
      }
      expect(s.api.state.forbidden).toHaveLength(attempts.length);
      const err = await core.listSecretForAllNamespaces().catch((e: { body: string }) => JSON.parse(e.body));
      expect(err).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'Forbidden',
        code: 403,
        message:
          'secrets is forbidden: User "system:serviceaccount:snat-responder:snat-responder" cannot list resource "secrets" in API group "" at the cluster scope',
      });
    });

    it('cannot exec into any pod with pod exec off (default set): a 403 per pod, never a throw', async () => {
      const s = await startWithRbac({ scenario: demoScenario() });
      api = s.api;
      const pods = await listNodePods(s.kc, DEMO_NODE);
      const running = pods.filter((p) => !p.hostNetwork && p.phase === 'Running');
      const results = await collectPodSockets(s.kc, running, { sink: new MemorySink() });
      expect(results.length).toBeGreaterThan(3);
      for (const r of results) {
        expect(r.method, `${r.namespace}/${r.pod}`).toBe('skipped');
        expect(r.reason).toMatch(/403/);
      }
      expect(s.api.state.exec.total).toBe(0);
      expect(s.api.state.forbidden.every((a) => a.subresource === 'exec')).toBe(true);
      expect(s.api.state.forbidden.length).toBe(running.length);
    });

    it('with pod exec on, is refused in kube-system by the admission policy (RBAC alone would allow it)', async () => {
      const s = await startWithRbac({ scenario: demoScenario() }, { podExec: 'policies' });
      api = s.api;
      const pods = await listNodePods(s.kc, DEMO_NODE);
      const kubeSystem = pods.filter((p) => p.namespace === 'kube-system' && !p.hostNetwork && p.phase === 'Running');
      expect(kubeSystem.length).toBeGreaterThan(0);
      const results = await collectPodSockets(s.kc, kubeSystem, { sink: new MemorySink() });
      for (const r of results) expect(r).toMatchObject({ method: 'skipped', reason: expect.stringMatching(/403/) });
      expect(s.api.state.exec.total).toBe(0);
      expect(s.api.state.forbidden).toEqual([]);
      expect(s.api.state.admissionDenied.length).toBe(kubeSystem.length);
      for (const { request, denial } of s.api.state.admissionDenied) {
        expect(request.namespace).toBe('kube-system');
        expect(denial.message).toBe(
          "ValidatingAdmissionPolicy 'snat-responder-exec' with binding 'snat-responder-exec' denied request: snat-responder may not exec into pods in kube-system",
        );
      }
      // The same pods with the exec RBAC alone (no policies) are reachable: the policy is what refused.
      const bare = await startWithRbac({ scenario: demoScenario() }, { podExec: 'rbac-only' });
      try {
        const again = await collectPodSockets(bare.kc, kubeSystem, { sink: new MemorySink() });
        expect(again.some((r) => r.method !== 'skipped')).toBe(true);
      } finally {
        await bare.api.close();
      }
    });

    it('with pod exec on, the capture Job is refused when it strays from the pinned image', async () => {
      const s = await startWithRbac({ scenario: demoScenario() }, { podExec: 'policies' });
      api = s.api;
      const mgr = new CaptureManager(s.kc, { traceSeconds: 5, image: 'mcr.microsoft.com/azurelinux/base/core:3.0' });
      const err = await mgr.start(DEMO_NODE, 'stray').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeForbiddenError);
      expect((err as Error).message).toMatch(/snat-responder-capture-pod/);
      expect(s.api.state.jobs()).toHaveLength(0);
    });

    it('translates a refusal into KubeForbiddenError for the adapter callers', async () => {
      const s = await startKubeApiServer({
        scenario: demoScenario(),
        rbac: { manifestsDir: MANIFESTS_DIR, subject: { kind: 'User', name: 'alice' } },
      });
      api = s;
      const err = await resolveNode(kubeConfigFromString(s.kubeconfig), 'x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeForbiddenError);
      expect((err as Error).message).toContain('User "alice" cannot list resource "nodes"');
    });

    // Every verb in every rule is needed: drop any one and the investigation hits a refusal.
    const sets = [
      { name: 'default', file: join(MANIFESTS_DIR, 'rbac.yaml'), podExec: false },
      { name: 'optional exec', file: join(OPTIONAL_MANIFESTS_DIR, 'exec-rbac.yaml'), podExec: true },
    ];
    const cases = sets.flatMap((set) => {
      const { docs, grants } = grantsOf(set.file);
      return grants.map((g) => [`${set.name}: ${g.label}`, { set, docs, g }] as const);
    });

    it.each(cases)('needs %s', async (_label, { set, docs: original, g }) => {
      const dir = mkdtempSync(join(tmpdir(), 'snat-rbac-'));
      const f = flow();
      try {
        const docs = structuredClone(original);
        const rule = docs[g.di]?.rules?.[g.ri];
        if (rule) rule.verbs = rule.verbs.filter((v) => v !== g.verb);
        const changed = join(dir, 'changed.yaml');
        writeFileSync(changed, docs.map((d) => dumpYaml(d)).join('---\n'));
        const manifestsDir = set.podExec ? [join(MANIFESTS_DIR, 'rbac.yaml'), changed] : [changed];
        const s = await startKubeApiServer({
          scenario: demoScenario(),
          rbac: { manifestsDir, subject: RESPONDER },
          ...f.options,
        });
        api = s;
        await investigate(kubeConfigFromString(s.kubeconfig), f.advance, set.podExec).catch(() => undefined);
        expect(s.state.forbidden.length).toBeGreaterThan(0);
        expect(s.state.forbidden.some((f) => f.verb === g.verb)).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
