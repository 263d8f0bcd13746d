import { type EvidenceSet, emptyEvidenceSet } from '../../src/evidence/evidenceSet.js';
import type { KubePod, SocketEntry, TraceEvent } from '../../src/evidence/types.js';

/** A trace event with sensible defaults. */
export function ev(partial: Partial<TraceEvent> & Pick<TraceEvent, 'saddr' | 'daddr'>): TraceEvent {
  return {
    type: 'connect',
    timestampNs: 0,
    pid: 100,
    comm: 'curl',
    ipVersion: partial.saddr.includes(':') ? 6 : 4,
    sport: 40000,
    dport: 443,
    netns: null,
    ...partial,
  };
}

/** `n` connects from one source to one destination spread over `seconds`. */
export function connects(
  n: number,
  base: Partial<TraceEvent> & Pick<TraceEvent, 'saddr' | 'daddr'>,
  seconds = 60,
): TraceEvent[] {
  return Array.from({ length: n }, (_, i) =>
    ev({ ...base, sport: 30000 + i, timestampNs: Math.round((i / Math.max(1, n - 1)) * seconds * 1e9) }),
  );
}

export function pod(namespace: string, name: string, ips: string[], extra: Partial<KubePod> = {}): KubePod {
  return {
    namespace,
    name,
    uid: `${namespace}-${name}-uid`,
    nodeName: 'aks-node-0',
    hostNetwork: false,
    phase: 'Running',
    podIPs: ips,
    containers: ['app'],
    containerIds: [],
    owner: null,
    ...extra,
  };
}

export function sock(remoteIp: string, state: SocketEntry['state'] = 'ESTABLISHED', localPort = 40000): SocketEntry {
  return { localIp: '10.244.0.5', localPort, remoteIp, remotePort: 443, state, pid: null, program: null };
}

/** An evidence set with a full netns chain for each `(inode, pid, sandboxId, ns, name)`. */
export function chainEvidence(
  chains: Array<{ inode: number; pid: number; sandbox: string; namespace: string; name: string }>,
  pods: KubePod[] = [],
): EvidenceSet {
  const e = emptyEvidenceSet();
  e.files = ['tcptracer.log', 'lsns.json', 'crictl-pods.json', 'pods.json'];
  e.trace.present = true;
  e.netns.push({
    inode: 4026531992,
    nprocs: 200,
    pid: 1,
    user: 'root',
    command: '/sbin/init',
    netnsid: null,
    nsfs: null,
  });
  for (const c of chains) {
    e.netns.push({ inode: c.inode, nprocs: 2, pid: c.pid, user: 'root', command: '/pause', netnsid: null, nsfs: null });
    e.files.push(`pstree/${c.pid}.txt`);
    e.pstree.push({
      pid: c.pid,
      shimId: c.sandbox,
      ancestry: [
        { name: 'systemd', pid: 1, args: '' },
        { name: 'containerd-shim', pid: c.pid - 10, args: `-namespace k8s.io -id ${c.sandbox}` },
        { name: 'pause', pid: c.pid, args: '' },
      ],
    });
    e.criPods.push({
      id: c.sandbox,
      name: c.name,
      namespace: c.namespace,
      uid: null,
      state: 'SANDBOX_READY',
      netnsPath: null,
    });
  }
  e.pods = pods;
  return e;
}
