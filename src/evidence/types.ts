/**
 * Parsed evidence: what each tool's output becomes. Parsers never throw on bad
 * lines; they return what they understood plus warnings.
 */

/** One line a parser could not use, kept so the report can count and show it. */
export interface ParseWarning {
  /** Bundle-relative file name, e.g. `tcptracer.log` or `netstat/default_web.txt`. */
  file: string;
  /** 1-based line number, or 0 when the problem concerns the whole file. */
  line: number;
  message: string;
}

/** A parser's result: what it understood, and a warning for each line it could not use. */
export interface Parsed<T> {
  items: T[];
  warnings: ParseWarning[];
}

/** tcptracer's event kinds: `connect` (outbound, the one that takes a SNAT port), `accept` (inbound), `close`. */
export type TraceEventType = 'connect' | 'accept' | 'close';

/** One BCC tcptracer event (text or --json), columns read from both ends of the line. */
export interface TraceEvent {
  type: TraceEventType;
  /** Nanoseconds since the first event (`-t`), or null when the trace has no TIME column. */
  timestampNs: number | null;
  pid: number;
  /** Process name; may contain spaces (`php-fpm: pool www`). */
  comm: string;
  ipVersion: 4 | 6;
  /** Address without brackets. */
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
  /** Network namespace inode (`-v`), or null without it. */
  netns: number | null;
  /**
   * Optional: what BCC's `--containersmap` variant prints before the event (text columns
   * NODE NAMESPACE POD CONTAINER, or the JSON keys node/namespace/pod/container);
   * `<>` (unknown) becomes null. Absent for the plain formats.
   */
  container?: TraceContainer;
  /**
   * How many connects the event stands for: a `tcpconnect -c` summary row counts them per source, destination
   * and port, with no process (`pid` 0, `comm` empty, neither recorded). Absent: one event.
   */
  count?: number;
}

/** Kubernetes context printed with an event: by `tcptracer --containersmap`, or Inspektor Gadget's enrichment. */
export interface TraceContainer {
  node: string | null;
  namespace: string | null;
  pod: string | null;
  container: string | null;
  /** Which tool resolved it (absent: tcptracer --containersmap). */
  origin?: 'inspektor-gadget';
}

/** Which tool printed a trace: BCC tcptracer (full), BCC/libbpf tcpconnect (connects only), Inspektor Gadget. */
export type TraceTool = 'tcptracer' | 'tcpconnect' | 'inspektor-gadget';

/** A row of `lsns -t net` (text or -J). */
export interface NetnsEntry {
  inode: number;
  nprocs: number | null;
  /** Lowest PID in the namespace: the one to feed to pstree. */
  pid: number;
  user: string | null;
  command: string;
  /** `NETNSID` column when present. */
  netnsid: number | null;
  /** `NSFS` column when present (e.g. /run/netns/cni-...). */
  nsfs: string | null;
}

/** One process in a `pstree -aps` ancestry, root first. */
export interface PstreeProcess {
  name: string;
  pid: number;
  args: string;
}

/** `pstree -aps <pid>` for one PID. */
export interface PstreeChain {
  /** The PID the file is named after. */
  pid: number;
  ancestry: PstreeProcess[];
  /** The `-id` argument of the nearest containerd-shim ancestor (a pod sandbox id), or null. */
  shimId: string | null;
}

/** A container from `crictl ps -a` (text or JSON). Text output truncates ids to 13 chars. */
export interface CriContainer {
  id: string;
  /** Pod sandbox id (text output: truncated). */
  podSandboxId: string;
  name: string;
  state: string;
  image: string | null;
  attempt: number | null;
  /** Only JSON output and newer text output carry the pod name. */
  podName: string | null;
  podNamespace: string | null;
  podUid: string | null;
}

/** A pod sandbox from `crictl pods` (text or JSON). */
export interface CriPodSandbox {
  id: string;
  name: string;
  namespace: string;
  uid: string | null;
  state: string;
  /** Network namespace path when JSON output reveals it (`linux.namespaces.options.network`). */
  netnsPath: string | null;
}

/** A Kubernetes pod from `kubectl get pods -o json`. */
export interface KubePod {
  namespace: string;
  name: string;
  uid: string;
  nodeName: string | null;
  hostNetwork: boolean;
  phase: string | null;
  /** `status.podIPs[].ip` (both families), falling back to `status.podIP`. */
  podIPs: string[];
  containers: string[];
  /** Runtime container ids from `status.containerStatuses[].containerID`, without the `containerd://` prefix. */
  containerIds: string[];
  /** Owner kind/name (Deployment via ReplicaSet, DaemonSet, Job...) when present. */
  owner: { kind: string; name: string } | null;
  /** The controlling ownerReference as the pod states it (a ReplicaSet, not its Deployment); absent: none. */
  controller?: { kind: string; name: string } | null;
  /** `metadata.labels` (pod-template-hash, job-name, ...), the inputs of workload inference. */
  labels?: Record<string, string>;
}

/**
 * A controller object from `controllers.json` (`kubectl get replicasets,jobs -o json` for the pods' owners): only
 * what workload resolution needs, its own controlling ownerReference (ReplicaSet -> Deployment, Job -> CronJob).
 */
export interface KubeController {
  kind: string;
  namespace: string;
  name: string;
  owner: { kind: string; name: string } | null;
}

/** The node's addresses from `kubectl get node -o json`. */
export interface KubeNode {
  name: string;
  internalIPs: string[];
  podCIDRs: string[];
}

/** TCP state names as netstat prints them (ss and /proc are normalised to these). */
export const TCP_STATES = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'UNKNOWN',
] as const;

/** One of {@link TCP_STATES}. */
export type TcpState = (typeof TCP_STATES)[number];

/**
 * Where a socket table came from: `netstat`/`ss`/`proc-net-tcp` inside the pod, or `node-socket-table`: the
 * pod's network namespace read from the node by the capture Job (no exec in the pod).
 */
export type SocketMethod = 'netstat' | 'ss' | 'proc-net-tcp' | 'node-socket-table';

/** One TCP socket from netstat, ss or /proc/net/tcp{,6}. */
export interface SocketEntry {
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  state: TcpState;
  pid: number | null;
  program: string | null;
}

/** A socket table together with how it was produced. */
export interface SocketTable {
  method: SocketMethod;
  sockets: SocketEntry[];
}
