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

export interface UnattributedKey {
  talker: TalkerAggregate;
  reason: string;
}

export interface TraceAttribution {
  pods: Map<string, PodTalkers>;
  host: TalkerAggregate[];
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

/** The pod the tracer printed with a talker's events, as attribution evidence of its own. */
function containerEvidence(
  index: EvidenceIndex,
  printed: NonNullable<TalkerAggregate['containerPod']>,
): { pod: PodIdentity; path: 'container-map' | 'gadget-k8s'; step: AttributionStep } {
  const { namespace, pod: name } = printed;
  const pod = index.podByKey(namespace, name) ?? { namespace, name, hostNetwork: false, podIPs: [], owner: null };
  if (printed.origin === 'inspektor-gadget') {
    return {
      pod,
      path: 'gadget-k8s',
      step: {
        kind: 'gadget-k8s',
        source: BUNDLE_FILES.tcptracer,
        detail: `Inspektor Gadget's k8s enrichment printed pod ${namespace}/${name} with the events`,
      },
    };
  }
  return {
    pod,
    path: 'container-map',
    step: {
      kind: 'container-map',
      source: BUNDLE_FILES.tcptracer,
      detail: `tcptracer --containersmap printed pod ${namespace}/${name} with the events`,
    },
  };
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
        const { pod, path, step } = containerEvidence(index, talker.containerPod);
        assign(pods, pod, talker, [path], [step], []);
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
    } else if (talker.containerPod) {
      const { pod, path, step } = containerEvidence(index, talker.containerPod);
      assign(pods, pod, talker, [path], [step], conflicts);
    } else {
      const why = [chain.stoppedAt, `SADDR ${talker.saddr} matches no pod IP`].filter(Boolean).join('; ');
      unattributed.push({ talker, reason: why });
    }
  }
  return { pods, host, unattributed };
}
