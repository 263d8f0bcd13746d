import type {
  CriContainer,
  CriPodSandbox,
  KubeController,
  KubeNode,
  KubePod,
  NetnsEntry,
  ParseWarning,
  PstreeChain,
  SocketTable,
  TraceTool,
} from './types.js';

/** Facts the node capture Job records in `capture.json` (all optional: a hand-made bundle has none). */
export interface CaptureFacts {
  nodeName?: string;
  nodeIP?: string;
  /** Inode of the host network namespace (that of PID 1). */
  hostNetns?: number;
  kernel?: string;
  bccVersion?: string;
  traceSeconds?: number;
  /** Tools the capture could not run (e.g. `tcptracer`, `lsns`). */
  missingTools?: string[];
  /** Set when the capture cut the trace to stay within the log budget. */
  truncated?: boolean;
  /** ISO-8601 UTC start/end of the trace window. */
  startedAt?: string;
  endedAt?: string;
}

/** A pod's socket table from `netstat/<namespace>_<pod>.txt`. */
export interface PodSocketTable {
  namespace: string;
  pod: string;
  table: SocketTable;
  source: string;
}

/** A network namespace's socket table from `sockets/<inode>.txt` (read on the node). */
export interface NetnsSocketTable {
  inode: number;
  table: SocketTable;
  source: string;
}

/** Everything parsed from a bundle except the trace itself, which is streamed into an aggregator. */
export interface EvidenceSet {
  /** Bundle-relative names of the files that were read. */
  files: string[];
  netns: NetnsEntry[];
  pstree: PstreeChain[];
  criContainers: CriContainer[];
  criPods: CriPodSandbox[];
  pods: KubePod[];
  /** The pods' ReplicaSets and Jobs (`controllers.json`), for their own owners; absent in older bundles. */
  controllers?: KubeController[];
  node: KubeNode | null;
  podSockets: PodSocketTable[];
  netnsSockets: NetnsSocketTable[];
  capture: CaptureFacts | null;
  /** Warnings from every parser (first few kept) and their total. */
  warnings: ParseWarning[];
  warningCount: number;
  trace: TraceFileFacts;
}

/** What reading the trace file found besides its events. */
export interface TraceFileFacts {
  present: boolean;
  format: 'text' | 'json' | null;
  lostSamples: number;
  /** The tool whose output it is (tcpconnect: a degraded trace of connects only). */
  tool?: TraceTool | null;
  /** When the trace yielded no event: what the file looks like (see describeTrace). */
  looksLike?: string | null;
}

/** An empty set, the starting point for readers and tests. */
export function emptyEvidenceSet(): EvidenceSet {
  return {
    files: [],
    netns: [],
    pstree: [],
    criContainers: [],
    criPods: [],
    pods: [],
    controllers: [],
    node: null,
    podSockets: [],
    netnsSockets: [],
    capture: null,
    warnings: [],
    warningCount: 0,
    trace: { present: false, format: null, lostSamples: 0 },
  };
}
