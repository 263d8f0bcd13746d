import type { HostTraffic, RankedPod, UnattributedTalker, Verdict } from '../report/model.js';
import { workloadRef } from '../report/workloadName.js';

function pressureOf(p: { connectsPublic: number; establishedPublic?: number | null }): number {
  return Math.max(p.connectsPublic, p.establishedPublic ?? 0);
}

function destination(d: { ip: string; port: number } | undefined): string | null {
  if (!d) return null;
  return d.ip.includes(':') ? `[${d.ip}]:${d.port}` : `${d.ip}:${d.port}`;
}

/** What a pod does to SNAT, in a phrase: "380 ESTABLISHED to public IPs, 410 new public connections/min to 20.60.1.12:443". */
export function podActivityPhrase(pod: RankedPod): string {
  const parts: string[] = [];
  if (pod.establishedPublic !== null) parts.push(`${pod.establishedPublic} ESTABLISHED connections to public IPs`);
  const top = destination(pod.topDestinations[0]);
  if (pod.connectRatePerMinute !== null && pod.connectsPublic > 0) {
    parts.push(`${pod.connectRatePerMinute} new public connections/min${top ? ` (mostly to ${top})` : ''}`);
  } else if (pod.connectsPublic > 0) {
    parts.push(
      `${pod.connectsPublic} public connect${pod.connectsPublic === 1 ? '' : 's'} in the trace${top ? ` (mostly to ${top})` : ''}`,
    );
  }
  return parts.length > 0 ? parts.join(', ') : 'no public connections';
}

/** What the evidence could measure at all: the grounds for a clean verdict. */
export interface EvidenceYield {
  /** A trace file was in the bundle. */
  tracePresent: boolean;
  /** Events the trace yielded. */
  traceEvents: number;
  /** Socket rows read from all socket tables. */
  socketRows: number;
  /** When the trace yielded nothing: what the file looks like (describeTrace). */
  traceLooksLike: string | null;
}

/** Why nothing measured SNAT use, or null when something did (a trace event or a socket row). */
export function insufficiency(y: EvidenceYield): string | null {
  if (y.tracePresent && y.traceEvents === 0) {
    return `the trace yielded no events${y.traceLooksLike ? `: ${y.traceLooksLike}` : ''}`;
  }
  if (y.traceEvents === 0 && y.socketRows === 0) return 'the bundle has no trace and no socket table rows';
  return null;
}

/**
 * Picks the verdict: the top ranked pod, unless host traffic or an unattributed talker clearly dominates
 * public connects and the pod has no socket evidence to outweigh it. Nothing found is `none` only when the
 * evidence could have found something; otherwise `insufficient-evidence`.
 */
export function decideVerdict(
  ranked: readonly RankedPod[],
  host: HostTraffic | null,
  unattributed: readonly UnattributedTalker[],
  nodeName: string | null,
  evidence: EvidenceYield,
): Verdict {
  const top = ranked[0];
  const onNode = nodeName ? ` on node ${nodeName}` : '';
  const topOther = [...unattributed].sort((a, b) => b.connectsPublic - a.connectsPublic)[0];
  const topPressure = top ? pressureOf(top) : 0;
  const hostPressure = host?.connectsPublic ?? 0;
  const otherPressure = topOther?.connectsPublic ?? 0;

  if (topPressure === 0 && hostPressure === 0 && otherPressure === 0) {
    const missing = insufficiency(evidence);
    if (missing !== null) {
      return {
        kind: 'insufficient-evidence',
        summary: `Not enough evidence for a verdict${onNode}: ${missing}. Nothing here shows whether pods consume SNAT ports.`,
        namespace: null,
        pod: null,
      };
    }
    return {
      kind: 'none',
      summary: `No connections to public IPs were found${onNode}; nothing in this evidence consumes SNAT ports.`,
      namespace: null,
      pod: null,
    };
  }
  const podOutweighed =
    !top || (top.establishedPublic === null && top.connectsPublic < Math.max(hostPressure, otherPressure));
  if (podOutweighed && hostPressure >= otherPressure && host) {
    return {
      kind: 'host',
      summary: `Traffic from the node itself${onNode} (${host.saddr}, processes ${host.processes.join(', ') || 'unknown'}) makes the most public connections: ${host.connectsPublic} in the trace. No pod is proven to own it.`,
      namespace: null,
      pod: null,
    };
  }
  if (podOutweighed && topOther) {
    return {
      kind: 'unattributed',
      summary: `An unattributed source ${topOther.saddr}${topOther.netns !== null ? ` (netns ${topOther.netns})` : ''}${onNode} makes the most public connections: ${topOther.connectsPublic} in the trace. ${topOther.reason}.`,
      namespace: null,
      pod: null,
    };
  }
  const pod = top!;
  // The workload first (it survives rollouts and is what gets fixed), the pod as detail.
  const own = pod.workload && !(pod.workload.kind === 'Pod' && pod.workload.name === pod.pod);
  const subject =
    own && pod.workload ? `${workloadRef(pod.workload)} (pod ${pod.pod})` : `Pod ${pod.namespace}/${pod.pod}`;
  return {
    kind: 'pod',
    summary: `${subject}${onNode} is the top SNAT consumer: ${podActivityPhrase(pod)}.`,
    namespace: pod.namespace,
    pod: pod.pod,
    workload: pod.workload ?? null,
  };
}
