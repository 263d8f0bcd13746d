import type { RankedPod } from '../report/model.js';

/** The rule, in words, printed in every rendering of the report. */
export const RANKING_RULE =
  'Pods are ranked by ESTABLISHED connections to public IPs (the runbook rule: those hold SNAT ports now); ' +
  'when no pod has socket evidence, by public connects seen in the trace. Ties are broken by the other measure, ' +
  'then by namespace/name.';

type Unranked = Omit<RankedPod, 'rank'>;

/**
 * Orders pods most suspect first and numbers them from 1.
 *
 * @example
 * rankPods([{...a, establishedPublic: 3}, {...b, establishedPublic: 40}]); // b first
 */
export function rankPods(pods: readonly Unranked[]): RankedPod[] {
  const socketsDecide = pods.some((p) => p.establishedPublic !== null);
  const established = (p: Unranked) => p.establishedPublic ?? 0;
  const sorted = [...pods].sort((a, b) => {
    const primary = socketsDecide
      ? established(b) - established(a) || b.connectsPublic - a.connectsPublic
      : b.connectsPublic - a.connectsPublic || established(b) - established(a);
    if (primary !== 0) return primary;
    const ka = `${a.namespace}/${a.pod}`;
    const kb = `${b.namespace}/${b.pod}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return sorted.map((p, i) => ({ ...p, rank: i + 1 }));
}
