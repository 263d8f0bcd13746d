import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchV1Api, CoreV1Api, dumpYaml, type KubeConfig, loadAllYaml } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { kubeConfigFromString } from '../../../src/kube/access.js';
import { CaptureManager } from '../../../src/kube/capture.js';
import { KubeForbiddenError } from '../../../src/kube/errors.js';
import { MemorySink } from '../../../src/kube/evidenceSink.js';
import { collectPodSockets } from '../../../src/kube/netstat.js';
import { resolveNode } from '../../../src/kube/nodes.js';
import { listNodePods } from '../../../src/kube/pods.js';
import { readPodControllers } from '../../../src/kube/workloads.js';
import { DEMO_NODE_IP, demoScenario } from '../../../src/sim/kube/scenario.js';
import { type KubeApiServer, startKubeApiServer } from '../../../src/sim/kube/server.js';
import { MANIFESTS_DIR, RESPONDER, startWithRbac } from './helpers.js';

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
 * Ready condition) and a pod deleted mid-exec (reads the pod). Errors propagate.
 */
async function investigate(kc: KubeConfig, advance: () => void): Promise<void> {
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
    await collectPodSockets(kc, pods, { sink: new MemorySink() });
  } finally {
    await mgr.delete(jobName, 'rbac');
  }
}

describe('infra/k8s RBAC', () => {
  describe('sufficient', () => {
    it('allows the whole investigation with zero refusals', async () => {
      const f = flow();
      const s = await startWithRbac({ scenario: demoScenario(), ...f.options });
      api = s.api;
      await investigate(s.kc, f.advance);
      expect(s.api.state.forbidden).toEqual([]);
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
        ['read a workload pod log', () => core.readNamespacedPodLog({ name: 'redis-0', namespace: 'default' })],
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
    const rbacDocs = loadAllYaml(readFileSync(join(MANIFESTS_DIR, 'rbac.yaml'), 'utf8')) as Array<{
      kind: string;
      metadata: { name: string };
      rules?: Array<{ resources: string[]; verbs: string[] }>;
    }>;
    const grants = rbacDocs.flatMap((d, di) =>
      (d.rules ?? []).flatMap((r, ri) =>
        r.verbs.map((v) => ({ di, ri, verb: v, label: `${d.kind}/${d.metadata.name}: ${v} ${r.resources.join(',')}` })),
      ),
    );

    it.each(grants.map((g) => [g.label, g] as const))('needs %s', async (_label, g) => {
      const dir = mkdtempSync(join(tmpdir(), 'snat-rbac-'));
      const f = flow();
      try {
        const docs = structuredClone(rbacDocs);
        const rule = docs[g.di]?.rules?.[g.ri];
        if (rule) rule.verbs = rule.verbs.filter((v) => v !== g.verb);
        writeFileSync(join(dir, 'rbac.yaml'), docs.map((d) => dumpYaml(d)).join('---\n'));
        writeFileSync(join(dir, 'serviceaccount.yaml'), readFileSync(join(MANIFESTS_DIR, 'serviceaccount.yaml')));
        const s = await startKubeApiServer({
          scenario: demoScenario(),
          rbac: { manifestsDir: dir, subject: RESPONDER },
          ...f.options,
        });
        api = s;
        await investigate(kubeConfigFromString(s.kubeconfig), f.advance).catch(() => undefined);
        expect(s.state.forbidden.length).toBeGreaterThan(0);
        expect(s.state.forbidden.some((f) => f.verb === g.verb)).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
