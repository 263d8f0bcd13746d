import { BUNDLE_FILES } from '../evidence/bundle.js';
import type { Attribution, AttributionStep } from '../report/model.js';
import { type ChainResult, type EvidenceIndex, type PodIdentity, podKey } from './evidenceIndex.js';
import type { TalkerAggregate, TraceAggregate } from './traceAggregator.js';

/** Talkers attributed to one pod, with how. */
export interface PodTalkers {
  pod: PodIdentity;
  talkers: TalkerAggregate[];
  attribution: Attribution;
}

/** A trace talker no pod could be tied to, kept with the reason (the report lists it, never drops it). */
export interface UnattributedKey {
  talker: TalkerAggregate;
  /** Why attribution failed, in words the report prints. */
  reason: string;
}

/** Every talker of the trace, sorted into pods, the host, and the rest. */
export interface TraceAttribution {
  /** Talkers per pod, keyed by {@link podKey} (`namespace/name`). */
  pods: Map<string, PodTalkers>;
  /** Talkers in the node's own network namespace that no hostNetwork pod is proven to own. */
  host: TalkerAggregate[];
  /** Talkers tied to no pod. */
  unattributed: UnattributedKey[];
}

function samePod(a: PodIdentity, b: PodIdentity): boolean {
  return a.namespace === b.namespace && a.name === b.name;
}

function describe(pod: PodIdentity): string {
  return `${pod.namespace}/${pod.name}`;
}

/** Adds `talker` to the pod's entry, merging paths, steps and conflicts without repeats. */
function assign(
  out: Map<string, PodTalkers>,
  pod: PodIdentity,
  talker: TalkerAggregate,
  paths: Attribution['paths'],
  steps: AttributionStep[],
  conflicts: string[],
): void {
  const key = podKey(pod.namespace, pod.name);
  const entry = out.get(key) ?? {
    pod,
    talkers: [],
    attribution: { paths: [], steps: [], conflicts: [] },
  };
  // Prefer the richest identity (pods.json beats crictl-only).
  if (entry.pod.podIPs.length === 0 && pod.podIPs.length > 0) entry.pod = pod;
  entry.talkers.push(talker);
  for (const p of paths) if (!entry.attribution.paths.includes(p)) entry.attribution.paths.push(p);
  for (const s of steps) {
    if (!entry.attribution.steps.some((x) => x.detail === s.detail)) entry.attribution.steps.push(s);
  }
  for (const c of conflicts) if (!entry.attribution.conflicts.includes(c)) entry.attribution.conflicts.push(c);
  out.set(key, entry);
}

/**
 * A name a table printed cut short, as the text kept before and after the ellipsis: Inspektor Gadget truncates
 * columns to their width with `…` at the end, the start or the middle; other tools and pastes use `...`.
 * Null for a whole name (Kubernetes names never hold either).
 */
function cutShort(name: string): { head: string; tail: string } | null {
  const m = /^(.*?)(?:…|\.\.\.)(.*)$/.exec(name);
  return m ? { head: m[1]!, tail: m[2]! } : null;
}

/** True when `full` could have been printed as `printed` (whole, or cut short around an ellipsis). */
function fits(full: string, printed: string): boolean {
  const cut = cutShort(printed);
  if (cut === null) return full === printed;
  return full.length > cut.head.length + cut.tail.length && full.startsWith(cut.head) && full.endsWith(cut.tail);
}

/**
 * The pod the tracer printed with a talker's events, as attribution evidence of its own; or, when the table cut
 * the name short and pods.json does not hold exactly one pod it fits, why it names none (never a guess).
 */
function containerEvidence(
  index: EvidenceIndex,
  printed: NonNullable<TalkerAggregate['containerPod']>,
): { pod: PodIdentity; path: 'container-map' | 'gadget-k8s'; step: AttributionStep } | { unresolved: string } {
  const { namespace, pod: name } = printed;
  const tool =
    printed.origin === 'inspektor-gadget' ? "Inspektor Gadget's k8s enrichment" : 'tcptracer --containersmap';
  let pod = index.podByKey(namespace, name);
  let detail = `${tool} printed pod ${namespace}/${name} with the events`;
  if (pod === null && (cutShort(namespace) !== null || cutShort(name) !== null)) {
    const fitting = index.podsWhere((ns, n) => fits(ns, namespace) && fits(n, name));
    if (fitting.length !== 1) {
      return {
        unresolved: `${tool} printed the pod name cut short (${namespace}/${name}) and ${fitting.length === 0 ? 'no pod' : `${fitting.length} pods`} in pods.json fit it`,
      };
    }
    pod = fitting[0]!;
    detail = `${tool} printed pod ${namespace}/${name} (cut short) with the events; only ${describe(pod)} in pods.json fits it`;
  }
  pod ??= { namespace, name, hostNetwork: false, podIPs: [], owner: null };
  const path = printed.origin === 'inspektor-gadget' ? 'gadget-k8s' : 'container-map';
  return { pod, path, step: { kind: path, source: BUNDLE_FILES.tcptracer, detail } };
}

/** Chain evidence for a talker: its netns first, then the PIDs the trace saw (useful when lsns is missing). */
function chainFor(index: EvidenceIndex, talker: TalkerAggregate): ChainResult {
  let last: ChainResult = { pod: null, steps: [], stoppedAt: 'the trace has no NETNS column', conflicts: [] };
  if (talker.netns !== null) {
    last = index.chainFromNetns(talker.netns);
    if (last.pod) return last;
  }
  for (const pid of talker.pids) {
    const viaPid = index.chainFromPid(pid);
    if (viaPid.pod) return viaPid;
  }
  return last;
}

/**
 * Attributes every trace talker to a pod, to the host, or to nobody (listed as unattributed).
 *
 * Two independent paths: the kernel's view (netns -> PID -> shim -> sandbox -> pod) and the source address
 * (SADDR -> `status.podIPs`). When both name a pod and disagree, the netns chain wins (a pod IP can be reused
 * after the pod is gone; a namespace cannot be shared by two running sandboxes) and the conflict is recorded.
 * Host-namespace traffic goes to a hostNetwork pod only when that PID's own chain proves it.
 */
export function attributeTrace(trace: TraceAggregate, index: EvidenceIndex): TraceAttribution {
  const pods = new Map<string, PodTalkers>();
  const host: TalkerAggregate[] = [];
  const unattributed: UnattributedKey[] = [];

  for (const talker of trace.talkers.values()) {
    if (index.isHost(talker.saddr, talker.netns)) {
      // Host talkers are split per PID by the aggregator, so one proven PID never drags others along.
      // A process in the host namespace whose shim leads to a sandbox is, by construction, a hostNetwork pod.
      const [pid] = talker.pids;
      const proven = talker.pids.size === 1 && pid !== undefined ? index.chainFromPid(pid) : null;
      if (proven?.pod) {
        const pod = index.podByKey(proven.pod.namespace, proven.pod.name) ?? proven.pod;
        assign(pods, pod, talker, ['netns-chain'], proven.steps, proven.conflicts);
      } else if (talker.pids.size === 1 && talker.containerPod) {
        // One host-namespace process the tracer itself placed in a (hostNetwork) pod's containers.
        const printed = containerEvidence(index, talker.containerPod);
        if ('unresolved' in printed) host.push(talker);
        else assign(pods, printed.pod, talker, [printed.path], [printed.step], []);
      } else {
        host.push(talker);
      }
      continue;
    }

    const chain = chainFor(index, talker);
    const byIp = index.podsByAddress(talker.saddr);
    const ipPod = byIp[0] ?? null;
    const ipStep: AttributionStep | null = ipPod
      ? { kind: 'pod-ip', source: BUNDLE_FILES.pods, detail: `SADDR ${talker.saddr} is a podIP of ${describe(ipPod)}` }
      : null;
    const conflicts = [...chain.conflicts];
    if (byIp.length > 1) conflicts.push(`SADDR ${talker.saddr} is listed by ${byIp.length} pods`);

    if (chain.pod) {
      const paths: Attribution['paths'] = ['netns-chain'];
      const steps = [...chain.steps];
      if (ipPod && samePod(ipPod, chain.pod)) {
        paths.push('pod-ip');
        steps.push(ipStep!);
      } else if (ipPod) {
        conflicts.push(
          `netns chain names ${describe(chain.pod)} but SADDR ${talker.saddr} belongs to ${describe(ipPod)}; kept the netns chain`,
        );
      }
      assign(pods, index.podByKey(chain.pod.namespace, chain.pod.name) ?? chain.pod, talker, paths, steps, conflicts);
    } else if (ipPod) {
      assign(pods, ipPod, talker, ['pod-ip'], [ipStep!], conflicts);
    } else {
      const printed = talker.containerPod ? containerEvidence(index, talker.containerPod) : null;
      if (printed !== null && !('unresolved' in printed)) {
        assign(pods, printed.pod, talker, [printed.path], [printed.step], conflicts);
      } else {
        const why = [chain.stoppedAt, `SADDR ${talker.saddr} matches no pod IP`, printed?.unresolved];
        unattributed.push({ talker, reason: why.filter(Boolean).join('; ') });
      }
    }
  }
  return { pods, host, unattributed };
}
