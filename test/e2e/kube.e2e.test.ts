/**
 * Opt-in end-to-end test against a real cluster. Runs only when both are set:
 *   KUBECONFIG=~/.kube/config SNAT_E2E_NODE=<node name or InternalIP> npx vitest run test/e2e/kube.e2e.test.ts
 * Optional: SNAT_E2E_CONTEXT, SNAT_E2E_NAMESPACE (default snat-responder), SNAT_E2E_TRACE_SECONDS (default 10),
 * SNAT_E2E_OUT (keep the evidence bundle there). It creates one capture Job and always deletes it.
 * Prerequisite: `kubectl apply -f infra/k8s/` (see docs/kubernetes.md).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeConfigFromFile } from '../../src/kube/access.js';
import { CaptureManager } from '../../src/kube/captureRunner.js';
import { DirectorySink } from '../../src/kube/evidenceSinks.js';
import { collectPodSockets } from '../../src/kube/netstat.js';
import { resolveNode } from '../../src/kube/nodes.js';
import { listNodePodsWithJson } from '../../src/kube/pods.js';

const enabled = Boolean(process.env.KUBECONFIG && process.env.SNAT_E2E_NODE);
if (!enabled) {
  console.log(
    '[kube e2e] skipped: set KUBECONFIG and SNAT_E2E_NODE to run against a real cluster (docs/kubernetes.md)',
  );
}

describe.runIf(enabled)('kubernetes e2e (real cluster)', () => {
  it('captures a node, collects netstat from its pods and leaves no Job behind', { timeout: 600_000 }, async () => {
    const kc = kubeConfigFromFile(process.env.KUBECONFIG, process.env.SNAT_E2E_CONTEXT);
    const node = await resolveNode(kc, process.env.SNAT_E2E_NODE ?? '');
    const out = process.env.SNAT_E2E_OUT ?? mkdtempSync(join(tmpdir(), 'snat-e2e-'));
    const sink = new DirectorySink(out);
    const { pods, podsJson } = await listNodePodsWithJson(kc, node.name);
    await sink.put('pods.json', podsJson);
    await sink.put('node.json', node.json);

    const mgr = new CaptureManager(kc, {
      namespace: process.env.SNAT_E2E_NAMESPACE ?? 'snat-responder',
      traceSeconds: Number(process.env.SNAT_E2E_TRACE_SECONDS ?? 10),
    });
    await mgr.preflight();
    const investigationId = `e2e-${Date.now()}`;
    const { jobName } = await mgr.start(node.name, investigationId);
    try {
      let phase = 'Pending';
      for (let i = 0; i < 300; i++) {
        const st = await mgr.status(jobName);
        phase = st.phase;
        console.log(`[kube e2e] ${jobName}: ${st.phase}${st.reason ? ` (${st.reason})` : ''}`);
        if (phase !== 'Pending' && phase !== 'Running') break;
        await new Promise((r) => setTimeout(r, 2000));
      }
      expect(phase).toBe('Succeeded');
      const summary = await mgr.collect(jobName, sink);
      console.log(`[kube e2e] bundle in ${out}:`, summary);
      expect(summary.files).toContain('capture.json');
      const sockets = await collectPodSockets(kc, pods, { sink });
      console.log('[kube e2e] netstat methods:', sockets.map((s) => `${s.namespace}/${s.pod}=${s.method}`).join(' '));
      expect(sockets).toHaveLength(pods.length);
    } finally {
      await mgr.delete(jobName, investigationId);
    }
  });
});
