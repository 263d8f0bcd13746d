/**
 * What the simulated cluster holds: nodes, namespaces, pods (with the sockets
 * their netstat would show), and per node the raw material of a capture
 * (trace events, host processes). `renderNodeCapture` turns a node into the
 * evidence files the real capture script would print. The demo's cluster is data of
 * its own (./demoScenario.ts).
 */
import { createHash } from 'node:crypto';
import type { CapturedFile } from '../../kube/framing.js';
import {
  crictlPodsJson,
  crictlPsJson,
  lsnsJson,
  procNetTcp,
  pstreeText,
  type SimCriContainer,
  type SimNetns,
  type SimProcess,
  type SimSandbox,
  type SimSocket,
  type SimTraceEvent,
  tcptracerHeader,
  tcptracerLine,
} from './formats.js';

export type { SimSocket, SimTraceEvent } from './formats.js';

/** A container of a scenario pod: its image, and which tools its exec can run (netstat, cat, an installer). */
export interface ScenarioContainer {
  name: string;
  image: string;
  /** netstat in the image (exec `netstat -ptn` works). */
  hasNetstat: boolean;
  /** `cat` in the image (the /proc/net/tcp fallback works); false for distroless. Default true. */
  hasCat?: boolean;
  /** `sh` and a package manager: only used with allowInstallNetTools. Default false. */
  canInstallNetTools?: boolean;
  /** Host PID of the main process and its name (for pstree/netstat). */
  pid: number;
  comm: string;
  /** The pod spec's env (values included, as in the cluster: the evidence must not keep them). */
  env?: Array<{ name: string; value?: string; valueFrom?: Record<string, unknown> }>;
  /** The pod spec's command and args (also the main process's command line in pstree). */
  command?: string[];
  args?: string[];
}

/** A pod of the scenario: where it runs, its containers, addresses, owner, and the sockets its netstat shows. */
export interface ScenarioPod {
  namespace: string;
  name: string;
  nodeName: string;
  podIPs: string[];
  hostNetwork: boolean;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  containers: ScenarioContainer[];
  owner?: { kind: string; name: string };
  labels?: Record<string, string>;
  /** The pod's TCP sockets (what netstat inside it, or /proc/<pid>/net/tcp on the node, shows). */
  sockets: SimSocket[];
  /** Network namespace inode (hostNetwork pods: the node's). */
  netns?: number;
  /** PID of the sandbox's pause process. */
  pausePid?: number;
  /** Pod annotations (also on the crictl sandbox, as the kubelet passes them to the runtime). */
  annotations?: Record<string, string>;
}

/** A node of the scenario: its addresses, pod CIDRs, readiness, and the raw material of a capture on it. */
export interface ScenarioNode {
  name: string;
  internalIPs: string[];
  ready?: boolean;
  podCIDRs?: string[];
  kernel?: string;
  osImage?: string;
  bccVersion?: string;
  /** Inode of the host network namespace. */
  hostNetns?: number;
  /** Sockets of the host network namespace (kubelet, containerd, hostNetwork pods). */
  hostSockets?: SimSocket[];
  /** tcptracer events over the capture window. */
  trace?: SimTraceEvent[];
  /** Tools the node lacks (e.g. `tcptracer` on a node without BCC). */
  missingTools?: string[];
  taints?: Array<{ key: string; value?: string; effect: string }>;
}

/** A ReplicaSet or Job that owns scenario pods, with its own owner (Deployment, CronJob) when it has one. */
export interface ScenarioController {
  kind: 'ReplicaSet' | 'Job';
  namespace: string;
  name: string;
  owner?: { kind: string; name: string };
}

/** Everything a simulated cluster holds at start (what `startKubeApiServer` serves). */
export interface KubeScenario {
  nodes: ScenarioNode[];
  /** ReplicaSets and Jobs the API server serves (pods' owners); absent ones answer 404. */
  controllers?: ScenarioController[];
  namespaces: Array<{ name: string; labels?: Record<string, string> }>;
  pods: ScenarioPod[];
  /** Overrides how a node's capture evidence is produced (default {@link renderNodeCapture}). */
  capture?: (node: ScenarioNode, env: Record<string, string>, scenario: KubeScenario) => CapturedFile[];
}

/** Deterministic 64-hex id (container, sandbox) from a seed string. */
export function simId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

/** Deterministic UUID-shaped id. */
export function simUid(seed: string): string {
  const h = simId(`uid:${seed}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The inode of the host's network namespace (PID 1's), unless a node says otherwise. */
export const HOST_NETNS_DEFAULT = 4026531840;

/** A pod's netns inode: the host's for hostNetwork pods, else the scenario's or one derived from its index `i`. */
export function podNetns(pod: ScenarioPod, node: ScenarioNode, i: number): number {
  if (pod.hostNetwork) return node.hostNetns ?? HOST_NETNS_DEFAULT;
  return pod.netns ?? 4026532500 + i * 7;
}

/**
 * The evidence files a capture of `node` produces: what `capture.sh` would
 * collect there, honouring `TRACE_SECONDS`, `MAX_TRACE_LINES` and `NODE_NAME`
 * from the Job's environment.
 */
export function renderNodeCapture(
  node: ScenarioNode,
  env: Record<string, string>,
  scenario: KubeScenario,
): CapturedFile[] {
  const files: CapturedFile[] = [];
  const put = (path: string, text: string) => files.push({ path, data: Buffer.from(text) });
  const missing = new Set(node.missingTools ?? []);
  const pods = scenario.pods.filter((p) => p.nodeName === node.name && (p.phase ?? 'Running') === 'Running');
  const hostNetns = node.hostNetns ?? HOST_NETNS_DEFAULT;
  const traceSeconds = Number(env.TRACE_SECONDS ?? 60);
  const maxLines = Number(env.MAX_TRACE_LINES ?? 150000);

  let traceLines = 0;
  let truncated = false;
  if (!missing.has('tcptracer')) {
    const windowNs = traceSeconds * 1e9;
    const events = (node.trace ?? []).filter((e) => e.tNs <= windowNs);
    let text = tcptracerHeader();
    traceLines = 2;
    for (const e of events) {
      if (traceLines >= maxLines) {
        truncated = true;
        break;
      }
      text += tcptracerLine(e);
      traceLines++;
    }
    put('tcptracer.log', text);
  }

  const rows: SimNetns[] = [
    {
      inode: hostNetns,
      nprocs: 180 + pods.length * 3,
      pid: 1,
      user: 'root',
      netnsid: null,
      nsfs: null,
      command: '/sbin/init',
    },
  ];
  const sandboxes: SimSandbox[] = [];
  const containers: SimCriContainer[] = [];
  const appProcesses: SimProcess[] = [];
  const shimBase = 30000;
  pods.forEach((pod, i) => {
    const sandboxId = simId(`sandbox:${pod.namespace}/${pod.name}`);
    const uid = simUid(`${pod.namespace}/${pod.name}`);
    const created = String(1_763_000_000_000_000_000 + i * 1_000_000_000);
    sandboxes.push({
      id: sandboxId,
      name: pod.name,
      namespace: pod.namespace,
      uid,
      createdAtNs: created,
      hostNetwork: pod.hostNetwork,
      ...(pod.annotations ? { annotations: pod.annotations } : {}),
    });
    for (const c of pod.containers) {
      containers.push({
        id: simId(`container:${pod.namespace}/${pod.name}/${c.name}`),
        sandboxId,
        name: c.name,
        image: c.image,
        imageRef: `sha256:${simId(`image:${c.image}`)}`,
        podName: pod.name,
        podNamespace: pod.namespace,
        podUid: uid,
        createdAtNs: created,
        running: true,
      });
      // The container's main process, with its command line (secrets and all), under the node's systemd.
      if (c.command || c.args) {
        appProcesses.push({
          name: c.comm.split(/[\s:]/)[0] ?? c.comm,
          pid: c.pid,
          args: [...(c.command ?? []), ...(c.args ?? [])].slice(1).join(' '),
        });
      }
    }
    const shim: SimProcess = {
      name: 'containerd-shim',
      pid: shimBase + i * 10,
      args: `-namespace k8s.io -id ${sandboxId} -address /run/containerd/containerd.sock`,
    };
    const pause: SimProcess = { name: 'pause', pid: pod.pausePid ?? shimBase + i * 10 + 2 };
    if (!pod.hostNetwork) {
      const netns = podNetns(pod, node, i);
      rows.push({
        inode: netns,
        nprocs: 1 + pod.containers.length,
        pid: pause.pid,
        user: '65535',
        netnsid: i,
        nsfs: `/run/netns/cni-${simUid(`netns:${pod.name}`)}`,
        command: '/pause',
      });
      if (!missing.has('pstree'))
        put(`pstree/${pause.pid}.txt`, pstreeText([{ name: 'systemd', pid: 1 }, shim, pause]));
      put(`sockets/${netns}.txt`, procNetTcp(pod.sockets));
    }
  });
  if (!missing.has('pstree')) {
    put(
      'pstree/1.txt',
      pstreeText(
        [{ name: 'systemd', pid: 1 }],
        [
          { name: 'containerd', pid: 812 },
          {
            name: 'kubelet',
            pid: 1043,
            args: `--config=/var/lib/kubelet/config.yaml --node-ip=${node.internalIPs[0] ?? ''}`,
          },
          ...pods.map((_, i) => ({ name: 'containerd-shim', pid: shimBase + i * 10, args: '-namespace k8s.io' })),
          ...appProcesses,
        ],
      ),
    );
  }
  const hostSockets = [...(node.hostSockets ?? []), ...pods.filter((p) => p.hostNetwork).flatMap((p) => p.sockets)];
  put(`sockets/${hostNetns}.txt`, procNetTcp(hostSockets));
  if (!missing.has('lsns')) put('lsns.json', lsnsJson(rows));
  if (!missing.has('crictl')) {
    put('crictl-ps.json', crictlPsJson(containers));
    put('crictl-pods.json', crictlPodsJson(sandboxes));
  }
  put(
    'capture.json',
    `${JSON.stringify(
      {
        schemaVersion: 1,
        node: env.NODE_NAME ?? node.name,
        investigationId: env.INVESTIGATION_ID ?? 'none',
        kernel: node.kernel ?? '5.15.0-1079-azure',
        osImage: node.osImage ?? 'Ubuntu 22.04.5 LTS',
        bccVersion: node.bccVersion ?? '0.18.0+ds-2',
        traceSeconds,
        traceLines,
        maxTraceLines: maxLines,
        truncated,
        socketsTruncated: false,
        netnsCount: rows.length,
        missingTools: [...missing],
        startedAt: '2026-11-26T10:00:00Z',
        finishedAt: new Date(Date.parse('2026-11-26T10:00:00Z') + (traceSeconds + 12) * 1000)
          .toISOString()
          .replace(/\.\d+Z$/, 'Z'),
      },
      null,
      2,
    )}\n`,
  );
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** Small seeded PRNG (mulberry32): the demo is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
