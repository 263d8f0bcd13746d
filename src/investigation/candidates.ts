/**
 * Which pods get `netstat` (the runbook's step 3). One rule for the durable activity and the CLI, pure so both
 * pick exactly the same pods from the same evidence.
 */
import type { RankedPod } from '../report/model.js';
import type { SelectCandidatesOutput } from './contracts.js';

/** What the rule needs to know about a pod on the node (a `NodePod` fits). */
export interface PodOnNode {
  namespace: string;
  name: string;
  containers: string[];
  hostNetwork: boolean;
  phase: string;
}

/**
 * Namespaces the responder never execs into: the exec admission policy (infra/k8s/optional/) refuses them, and
 * the node-side socket tables cover their pods.
 */
export const NO_EXEC_NAMESPACES: readonly string[] = ['kube-system'];

/**
 * Picks the candidate pods: the Running, non-hostNetwork pods the trace tied to public connects, or every
 * Running non-hostNetwork pod when the trace named none (no trace, or it saw only private traffic); never pods
 * in {@link NO_EXEC_NAMESPACES}. Keeps the node's pod order and at most `maxPods`.
 *
 * @example
 * const { candidates, basis } = chooseCandidatePods(pods, report.rankedPods, 250);
 */
export function chooseCandidatePods(
  pods: readonly PodOnNode[],
  rankedPods: ReadonlyArray<Pick<RankedPod, 'namespace' | 'pod' | 'connectsPublic' | 'hostNetwork'>>,
  maxPods: number,
): SelectCandidatesOutput {
  const running = pods.filter(
    (p) => !p.hostNetwork && p.phase === 'Running' && !NO_EXEC_NAMESPACES.includes(p.namespace),
  );
  const traced = new Set(
    rankedPods.filter((p) => p.connectsPublic > 0 && !p.hostNetwork).map((p) => `${p.namespace}/${p.pod}`),
  );
  const basis = traced.size > 0 ? 'trace' : 'all-pods';
  const chosen = basis === 'trace' ? running.filter((p) => traced.has(`${p.namespace}/${p.name}`)) : running;
  return {
    candidates: chosen
      .slice(0, Math.max(0, maxPods))
      .map((p) => ({ namespace: p.namespace, name: p.name, containers: p.containers })),
    basis,
    skippedHostNetwork: pods.filter((p) => p.hostNetwork).length,
  };
}

/**
 * Skips that lose nothing (see collectPodSockets): hostNetwork pods (the node's table has them), pods not
 * running or gone, and images with neither netstat nor cat (the node-side table covers them). Anything else
 * (exec timeout, dropped stream, refusal) is a failure the report must mention.
 */
const EXPECTED_SKIP = /^(hostNetwork pod|pod is |pod vanished|no container could run netstat)/;

/** True when a netstat result is a skip that lost a pod's socket table for a reason worth reporting. */
export function netstatFailed(r: { method: string; reason?: string }): boolean {
  return r.method === 'skipped' && !EXPECTED_SKIP.test(r.reason ?? '');
}

/**
 * The report problem for netstat failures, or null when none failed.
 *
 * @example netstatProblem(results) // 'netstat failed in 1 of 4 pods: default/web (app: timed out after 10000 ms)'
 */
export function netstatProblem(
  results: ReadonlyArray<{ namespace: string; pod: string; method: string; reason?: string }>,
): string | null {
  const failed = results.filter(netstatFailed);
  if (failed.length === 0) return null;
  const named = failed.slice(0, 5).map((r) => `${r.namespace}/${r.pod} (${r.reason ?? 'no reason'})`);
  return `netstat failed in ${failed.length} of ${results.length} pods: ${named.join('; ')}${failed.length > 5 ? '; …' : ''}`;
}
