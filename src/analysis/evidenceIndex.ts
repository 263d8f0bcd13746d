import { BUNDLE_FILES } from '../evidence/bundle.js';
import type { EvidenceSet } from '../evidence/evidenceSet.js';
import type { CriPodSandbox, KubePod, NetnsEntry, PstreeChain } from '../evidence/types.js';
import type { AttributionStep } from '../report/model.js';
import { normalizeIp } from './ipClassifier.js';

/** A pod as the engine knows it: from pods.json, or only from crictl when pods.json is absent. */
export interface PodIdentity {
  namespace: string;
  name: string;
  hostNetwork: boolean;
  podIPs: string[];
  owner: { kind: string; name: string } | null;
}

/** Result of following the netns/PID chain. */
export interface ChainResult {
  pod: PodIdentity | null;
  steps: AttributionStep[];
  /** Why the chain stopped, when it did not reach a pod. */
  stoppedAt: string | null;
  conflicts: string[];
}

/** Namespace shown when crictl names a pod but nothing names its namespace. */
export const UNKNOWN_NAMESPACE = 'unknown-namespace';

/** Shortest id prefix we trust when matching truncated crictl ids (the runbook uses five characters). */
const MIN_ID_PREFIX = 5;

function idsMatch(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x.length < MIN_ID_PREFIX || y.length < MIN_ID_PREFIX) return x === y;
  return x.startsWith(y) || y.startsWith(x);
}

/** The map key of a pod: `namespace/name` (names cannot contain `/`, so keys are unique). */
export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function identityOf(pod: KubePod): PodIdentity {
  return {
    namespace: pod.namespace,
    name: pod.name,
    hostNetwork: pod.hostNetwork,
    podIPs: pod.podIPs,
    owner: pod.owner,
  };
}

/** Lookups over a parsed bundle: the joins of the runbook's steps 2.3 to 2.7. */
export class EvidenceIndex {
  readonly hostNetns: number | null;
  readonly nodeIPs: Set<string>;
  private readonly podsByKey = new Map<string, KubePod>();
  private readonly podsByIp = new Map<string, KubePod[]>();
  private readonly netnsByInode = new Map<number, NetnsEntry>();
  private readonly pstreeByPid = new Map<number, PstreeChain>();

  constructor(private readonly evidence: EvidenceSet) {
    for (const pod of evidence.pods) {
      this.podsByKey.set(podKey(pod.namespace, pod.name), pod);
      // hostNetwork pods carry the node's IP: an address match proves nothing about them.
      if (pod.hostNetwork) continue;
      for (const ip of pod.podIPs) {
        const k = normalizeIp(ip).toLowerCase();
        this.podsByIp.set(k, [...(this.podsByIp.get(k) ?? []), pod]);
      }
    }
    for (const ns of evidence.netns) this.netnsByInode.set(ns.inode, ns);
    for (const chain of evidence.pstree) this.pstreeByPid.set(chain.pid, chain);
    this.hostNetns = evidence.capture?.hostNetns ?? evidence.netns.find((ns) => ns.pid === 1)?.inode ?? null;
    this.nodeIPs = new Set(
      [...(evidence.node?.internalIPs ?? []), ...(evidence.capture?.nodeIP ? [evidence.capture.nodeIP] : [])].map(
        (ip) => normalizeIp(ip).toLowerCase(),
      ),
    );
  }

  /** True for traffic from the node's own network namespace (or, without namespaces, from the node IP). */
  isHost(saddr: string, netns: number | null): boolean {
    if (netns !== null && this.hostNetns !== null) return netns === this.hostNetns;
    return this.nodeIPs.has(normalizeIp(saddr).toLowerCase());
  }

  podByKey(namespace: string, name: string): PodIdentity | null {
    const pod = this.podsByKey.get(podKey(namespace, name));
    return pod ? identityOf(pod) : null;
  }

  /** Pods of pods.json whose namespace and name pass `test` (a name printed cut short is matched this way). */
  podsWhere(test: (namespace: string, name: string) => boolean): PodIdentity[] {
    return this.evidence.pods.filter((p) => test(p.namespace, p.name)).map(identityOf);
  }

  /** Pods (not hostNetwork) whose `status.podIPs` hold `ip`. */
  podsByAddress(ip: string): PodIdentity[] {
    return (this.podsByIp.get(normalizeIp(ip).toLowerCase()) ?? []).map(identityOf);
  }

  /** The bundle file read for `name` (`name` itself or `name.gz`), or null when the bundle has neither. */
  private fileRead(name: string): string | null {
    return this.evidence.files.find((f) => f === name || f === `${name}.gz`) ?? null;
  }

  /** Follows netns -> PID (lsns) -> containerd-shim -id (pstree) -> sandbox (crictl) -> pod. */
  chainFromNetns(inode: number): ChainResult {
    const ns = this.netnsByInode.get(inode);
    const lsnsFile = this.fileRead(BUNDLE_FILES.lsnsJson) ?? this.fileRead(BUNDLE_FILES.lsnsText);
    if (lsnsFile === null) {
      const stoppedAt = `no lsns output in the bundle (${BUNDLE_FILES.lsnsText} or ${BUNDLE_FILES.lsnsJson}), so netns ${inode} could not be followed to a process`;
      return { pod: null, steps: [], stoppedAt, conflicts: [] };
    }
    if (!ns) return { pod: null, steps: [], stoppedAt: `netns ${inode} is not listed by ${lsnsFile}`, conflicts: [] };
    const first: AttributionStep = {
      kind: 'lsns',
      source: lsnsFile,
      detail: `netns ${inode} -> PID ${ns.pid} (${ns.command})`,
    };
    const rest = this.chainFromPid(ns.pid);
    return { ...rest, steps: [first, ...rest.steps] };
  }

  /** Follows PID -> containerd-shim -id (pstree) -> sandbox or container (crictl) -> pod. */
  chainFromPid(pid: number): ChainResult {
    const tree = this.pstreeByPid.get(pid);
    const treeFile = `${BUNDLE_FILES.pstreeDir}/${pid}.txt`;
    if (!tree) return { pod: null, steps: [], stoppedAt: `no ${treeFile} in the bundle`, conflicts: [] };
    if (!tree.shimId) {
      return {
        pod: null,
        steps: [],
        stoppedAt: `PID ${pid} has no containerd-shim ancestor (${treeFile})`,
        conflicts: [],
      };
    }
    const steps: AttributionStep[] = [
      { kind: 'pstree', source: treeFile, detail: `PID ${pid} -> containerd-shim -id ${tree.shimId.slice(0, 13)}` },
    ];
    const sandbox = this.sandboxFor(tree.shimId);
    if (sandbox.match === null) {
      return { pod: null, steps, stoppedAt: sandbox.why, conflicts: sandbox.conflicts };
    }
    steps.push(sandbox.step);
    const { namespace, name } = sandbox.match;
    const pod = this.podByKey(namespace, name);
    if (pod) {
      steps.push({ kind: 'pods', source: BUNDLE_FILES.pods, detail: `pod ${namespace}/${name} runs on the node` });
      return { pod, steps, stoppedAt: null, conflicts: sandbox.conflicts };
    }
    // crictl alone names the pod; pods.json (IPs, owner) is optional evidence.
    return {
      pod: { namespace, name, hostNetwork: false, podIPs: [], owner: null },
      steps,
      stoppedAt: null,
      conflicts: sandbox.conflicts,
    };
  }

  private sandboxFor(
    shimId: string,
  ):
    | { match: { namespace: string; name: string }; step: AttributionStep; conflicts: string[]; why?: undefined }
    | { match: null; why: string; conflicts: string[] } {
    const podsFile =
      this.fileRead(BUNDLE_FILES.crictlPodsJson) ??
      this.fileRead(BUNDLE_FILES.crictlPodsText) ??
      BUNDLE_FILES.crictlPodsText;
    const psFile =
      this.fileRead(BUNDLE_FILES.crictlPsJson) ?? this.fileRead(BUNDLE_FILES.crictlPsText) ?? BUNDLE_FILES.crictlPsText;
    const sandboxes: CriPodSandbox[] = this.evidence.criPods.filter((p) => idsMatch(p.id, shimId));
    const distinct = uniqueBy(sandboxes, (s) => podKey(s.namespace, s.name));
    if (distinct.length >= 1) {
      const s = distinct[0]!;
      return {
        match: { namespace: s.namespace, name: s.name },
        step: {
          kind: 'crictl',
          source: podsFile,
          detail: `sandbox ${s.id.slice(0, 13)} -> pod ${s.namespace}/${s.name}`,
        },
        conflicts: distinct.length > 1 ? [`shim id ${shimId.slice(0, 13)} matches ${distinct.length} sandboxes`] : [],
      };
    }
    // The shim -id may be a sandbox id known only through `crictl ps` (POD ID column), or a container id
    // (per-container shims of older containerd).
    const containers = this.evidence.criContainers.filter(
      (c) => idsMatch(c.podSandboxId, shimId) || idsMatch(c.id, shimId),
    );
    for (const c of containers) {
      const sandbox = this.evidence.criPods.find((p) => idsMatch(p.id, c.podSandboxId));
      // pods.json lists each container's runtime id: an exact join when crictl's text names no pod.
      const byContainerId = this.evidence.pods.find((p) => p.containerIds.some((id) => idsMatch(id, c.id)));
      const name = c.podName ?? sandbox?.name ?? byContainerId?.name ?? null;
      // Older `crictl ps` text has a POD column but no NAMESPACE: the runbook then matches the name against
      // `kubectl get pods` on the node, which is unambiguous when exactly one pod has that name.
      const byName = name ? this.evidence.pods.filter((p) => p.name === name) : [];
      const namespace =
        c.podNamespace ??
        sandbox?.namespace ??
        (byContainerId?.name === name ? byContainerId?.namespace : undefined) ??
        (byName.length === 1 ? byName[0]!.namespace : name ? UNKNOWN_NAMESPACE : null);
      if (namespace && name) {
        return {
          match: { namespace, name },
          step: {
            kind: 'crictl',
            source: psFile,
            detail: `container ${c.name} (${c.id.slice(0, 13)}) in sandbox ${c.podSandboxId.slice(0, 13)} -> pod ${namespace}/${name}`,
          },
          conflicts: [],
        };
      }
    }
    if (this.evidence.criPods.length === 0 && this.evidence.criContainers.length === 0) {
      return { match: null, why: 'no crictl output in the bundle', conflicts: [] };
    }
    return { match: null, why: `shim id ${shimId.slice(0, 13)} matches no crictl sandbox or container`, conflicts: [] };
  }
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}
