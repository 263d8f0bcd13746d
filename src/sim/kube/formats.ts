/**
 * Renderers for the simulated node: each produces text in the exact format of
 * the real tool (BCC tcptracer -t -v, util-linux lsns -J, psmisc pstree -aps
 * with ASCII lines as under LC_ALL=C, crictl -o json, /proc/net/tcp{,6},
 * net-tools netstat -ptn), so the evidence parsers see what a node would print.
 */
import ipaddr from 'ipaddr.js';
import type { TcpState } from '../../evidence/types.js';

/** One connection event of the simulated tracer (a `tcptracer` output line). */
export interface SimTraceEvent {
  /** Nanoseconds since the first event. */
  tNs: number;
  type: 'connect' | 'accept' | 'close';
  pid: number;
  comm: string;
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
  netns: number;
}

/** One socket of a simulated pod, as netstat and /proc/net/tcp show it. */
export interface SimSocket {
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  state: TcpState;
  /** Process as netstat -p shows it inside the pod (`1/node`), or null for `-`. */
  pid?: number | null;
  program?: string | null;
  uid?: number;
  inode?: number;
}

const pad = (s: string | number, w: number) => String(s).padEnd(w);
const lpad = (s: string | number, w: number) => String(s).padStart(w);

/** `tcptracer -t -v` banner and header. */
export function tcptracerHeader(): string {
  return (
    'Tracing TCP established connections. Ctrl-C to end.\n' +
    `${pad('TIME(ns)', 14)} ${pad('TYPE', 12)} ${pad('PID', 6)} ${pad('COMM', 16)} ${pad('IP', 2)} ${pad('SADDR', 16)} ${pad('DADDR', 16)} ${pad('SPORT', 6)} ${pad('DPORT', 6)} NETNS\n`
  );
}

/** One `tcptracer -t -v` line; IPv6 addresses in brackets, COMM padded to 16 (and may contain spaces). */
export function tcptracerLine(e: SimTraceEvent): string {
  const v6 = e.saddr.includes(':');
  const a = (s: string) => (v6 ? `[${s}]` : s);
  return `${pad(e.tNs, 14)} ${pad(e.type, 12)} ${pad(e.pid, 6)} ${pad(e.comm.slice(0, 15), 16)} ${pad(v6 ? 6 : 4, 2)} ${pad(a(e.saddr), 16)} ${pad(a(e.daddr), 16)} ${pad(e.sport, 6)} ${pad(e.dport, 6)} ${e.netns}\n`;
}

/** One network namespace row of `lsns --json -t net`. */
export interface SimNetns {
  inode: number;
  nprocs: number;
  pid: number;
  user: string;
  netnsid: number | null;
  nsfs: string | null;
  command: string;
}

/** `lsns -t net -J` (util-linux 2.37+). */
export function lsnsJson(rows: SimNetns[]): string {
  const namespaces = rows.map((r) => ({
    ns: r.inode,
    type: 'net',
    nprocs: r.nprocs,
    pid: r.pid,
    user: r.user,
    netnsid: r.netnsid ?? 'unassigned',
    nsfs: r.nsfs,
    command: r.command,
  }));
  return `${JSON.stringify({ namespaces }, null, 3)}\n`;
}

/** A process in `pstree` output: name, PID, arguments. */
export interface SimProcess {
  name: string;
  pid: number;
  args?: string;
}

/** `pstree -aps <pid>`: ancestry root first, then the process itself and its children. */
export function pstreeText(ancestry: SimProcess[], children: SimProcess[] = []): string {
  const lines: string[] = [];
  const label = (p: SimProcess) => `${p.name},${p.pid}${p.args ? ` ${p.args}` : ''}`;
  ancestry.forEach((p, i) => {
    lines.push(i === 0 ? label(p) : `${' '.repeat(2 + (i - 1) * 4)}\`-${label(p)}`);
  });
  const depth = ancestry.length - 1;
  children.forEach((c, i) => {
    const last = i === children.length - 1;
    lines.push(`${' '.repeat(2 + depth * 4)}${last ? '`-' : '|-'}${label(c)}`);
  });
  return `${lines.join('\n')}\n`;
}

/** A container as `crictl ps -o json` lists it. */
export interface SimCriContainer {
  id: string;
  sandboxId: string;
  name: string;
  image: string;
  imageRef: string;
  podName: string;
  podNamespace: string;
  podUid: string;
  createdAtNs: string;
  running: boolean;
}

/** `crictl ps -a -o json`. */
export function crictlPsJson(containers: SimCriContainer[]): string {
  return `${JSON.stringify(
    {
      containers: containers.map((c) => ({
        id: c.id,
        podSandboxId: c.sandboxId,
        metadata: { name: c.name, attempt: 0 },
        image: { image: c.imageRef, annotations: {}, userSpecifiedImage: c.image, runtimeHandler: '' },
        imageRef: c.imageRef,
        state: c.running ? 'CONTAINER_RUNNING' : 'CONTAINER_EXITED',
        createdAt: c.createdAtNs,
        labels: {
          'io.kubernetes.container.name': c.name,
          'io.kubernetes.pod.name': c.podName,
          'io.kubernetes.pod.namespace': c.podNamespace,
          'io.kubernetes.pod.uid': c.podUid,
        },
        annotations: {
          'io.kubernetes.container.hash': '5b0a7f4e',
          'io.kubernetes.container.restartCount': '0',
          'io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
          'io.kubernetes.container.terminationMessagePolicy': 'File',
          'io.kubernetes.pod.terminationGracePeriod': '30',
        },
        mounts: [],
        imageId: '',
      })),
    },
    null,
    2,
  )}\n`;
}

/** A pod sandbox as `crictl pods -o json` lists it. */
export interface SimSandbox {
  id: string;
  name: string;
  namespace: string;
  uid: string;
  createdAtNs: string;
  hostNetwork: boolean;
  /** The pod's annotations, which the kubelet hands to the runtime. */
  annotations?: Record<string, string>;
}

/** `crictl pods -o json`. */
export function crictlPodsJson(sandboxes: SimSandbox[]): string {
  return `${JSON.stringify(
    {
      items: sandboxes.map((s) => ({
        id: s.id,
        metadata: { name: s.name, uid: s.uid, namespace: s.namespace, attempt: 0 },
        state: 'SANDBOX_READY',
        createdAt: s.createdAtNs,
        labels: {
          'io.kubernetes.pod.name': s.name,
          'io.kubernetes.pod.namespace': s.namespace,
          'io.kubernetes.pod.uid': s.uid,
        },
        annotations: { ...s.annotations, 'kubernetes.io/config.source': 'api' },
        runtimeHandler: '',
      })),
    },
    null,
    2,
  )}\n`;
}

const STATE_HEX: Record<TcpState, string> = {
  ESTABLISHED: '01',
  SYN_SENT: '02',
  SYN_RECV: '03',
  FIN_WAIT1: '04',
  FIN_WAIT2: '05',
  TIME_WAIT: '06',
  CLOSE: '07',
  CLOSE_WAIT: '08',
  LAST_ACK: '09',
  LISTEN: '0A',
  CLOSING: '0B',
  UNKNOWN: '00',
};

/** Kernel hex of an address: each 32-bit word in host (little-endian) byte order. */
function procHex(ip: string, v6: boolean): string {
  let bytes = ipaddr.parse(ip).toByteArray();
  if (v6 && bytes.length === 4) bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...bytes];
  let out = '';
  for (let w = 0; w < bytes.length; w += 4) {
    for (let b = 3; b >= 0; b--) out += (bytes[w + b] ?? 0).toString(16).padStart(2, '0').toUpperCase();
  }
  return out;
}

const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, '0');

/** `/proc/<pid>/net/tcp` followed by `/proc/<pid>/net/tcp6` (as `cat tcp tcp6` prints them). */
export function procNetTcp(sockets: SimSocket[]): string {
  const v4 = sockets.filter((s) => !s.localIp.includes(':'));
  const v6 = sockets.filter((s) => s.localIp.includes(':'));
  const row = (s: SimSocket, i: number, six: boolean) => {
    const tw = s.state === 'TIME_WAIT';
    const timer = tw ? `03:${hex(1200 + i, 8)}` : '00:00000000';
    return `${lpad(i, 4)}: ${procHex(s.localIp, six)}:${hex(s.localPort, 4)} ${procHex(s.remoteIp, six)}:${hex(s.remotePort, 4)} ${STATE_HEX[s.state]} 00000000:00000000 ${timer} 00000000 ${lpad(tw ? 0 : (s.uid ?? 0), 5)} ${lpad(0, 8)} ${tw ? 0 : (s.inode ?? 100000 + i)} ${tw ? '3' : '1'} 0000000000000000 20 4 30 10 -1`;
  };
  const h4 = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  const h6 =
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  return `${[h4, ...v4.map((s, i) => row(s, i, false)), h6, ...v6.map((s, i) => row(s, i, true))].join('\n')}\n`;
}

/** `netstat -ptn` (net-tools 2.10): non-listening TCP sockets with PID/Program name. */
export function netstatPtn(sockets: SimSocket[]): string {
  const lines = [
    'Active Internet connections (w/o servers)',
    'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name    ',
  ];
  for (const s of sockets) {
    if (s.state === 'LISTEN') continue;
    const six = s.localIp.includes(':');
    const prog = s.state === 'TIME_WAIT' || s.pid == null ? '-' : `${s.pid}/${s.program ?? '?'}`;
    lines.push(
      `${pad(six ? 'tcp6' : 'tcp', 4)}  ${lpad(0, 6)} ${lpad(0, 6)} ${pad(`${s.localIp}:${s.localPort}`, 23)} ${pad(`${s.remoteIp}:${s.remotePort}`, 23)} ${pad(s.state, 11)} ${pad(prog, 20)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
