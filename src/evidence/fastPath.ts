/**
 * What the trace fast path hands the aggregator, and what it asks of it: pure types and helpers shared by the
 * WebAssembly scanner's JavaScript side (read/wasmScanner.ts, which loads it) and the aggregator in src/analysis
 * (which must not load anything).
 */

/**
 * How the aggregator counts a talker, asked by the scanner when a run first meets it: keyed per PID (host-network
 * traffic), and whether its PID and COMM samples still have room. A talker with full samples needs no per-process
 * detail: its lines skip the process table and its groups ignore COMM.
 */
export interface TalkerMode {
  split: boolean;
  trackPids: boolean;
  trackComms: boolean;
  /**
   * 1-65535: the id under which the scanner's destination tally counts this talker's connects (not for a split
   * talker; see {@link DestinationTallyRun}), reporting a COMM new to the run as a `comm` event; 0: its connects
   * stay groups.
   */
  tallyId: number;
}

/** The mode of a talker the aggregator has not seen yet. */
export const TALKER_TRACK_ALL: Readonly<TalkerMode> = { split: false, trackPids: true, trackComms: true, tallyId: 0 };

/** The highest tally id the scanner can hold. */
export const MAX_TALLY_ID = 0xffff;

/**
 * The scanner's destination tally, classified by the sink's private ranges (see TraceSink.privateIpv4Ranges)
 * and summed per talker, so the aggregator needs no loop over the records. Valid only during the call that
 * receives it.
 */
export interface DestinationTallyRun {
  /**
   * The public destinations: `count` records of four 32-bit words (DADDR, tally id << 16 | DPORT, the number of
   * connects, a word for the scanner's own use), sorted by (tally id, DADDR, DPORT) without repeats.
   */
  readonly records: Uint32Array;
  readonly count: number;
  /** One {@link TALLY_SUMMARY} per tally id with connects in this run, `talkerCount` of them. */
  readonly talkers: Uint32Array;
  readonly talkerCount: number;
  /**
   * True when `records` stays valid after the call: the scanner handed over its memory with its last tally and is
   * not used again, so the receiver may keep the records without a copy.
   */
  readonly lasting: boolean;
}

/**
 * Word offsets of a talker's summary in {@link DestinationTallyRun.talkers} (`words` per summary): its tally id,
 * its first public record and how many, its public and private connects, and its leaders: up to `maxLeaders`
 * record indices (relative to its first record) of the destinations with the most connects, in the order the
 * report ranks them (most connects first, ties to the lower address, then port).
 */
export const TALLY_SUMMARY = {
  id: 0,
  first: 1,
  records: 2,
  publicConnects: 3,
  privateConnects: 4,
  leaderCount: 5,
  leaders: 8,
  maxLeaders: 16,
  words: 24,
} as const;

/** Event type codes of the fast path: connect, accept, close. */
export const FAST_TYPE = { connect: 0, accept: 1, close: 2 } as const;
/** One of the {@link FAST_TYPE} codes. */
export type FastType = (typeof FAST_TYPE)[keyof typeof FAST_TYPE];

/** The columns of the fast path's lines, from the general parser's reading of the last header line. */
export interface FastLayout {
  hasTime: boolean;
  hasNetns: boolean;
}

/**
 * What the scanner reports, in the order of the lines that caused it: a process (a PID in a talker) seen for the
 * first time, a group's first line with the group's final count, or a COMM first seen on a connect the
 * destination tally counted (a `comm` event: owner, talker and COMM only; the connect itself is in the tally).
 */
export interface FastEvent {
  kind: 'process' | 'group' | 'comm';
  /**
   * Who the event counts for, as a small integer valid until the scanner's next reset: the same for all events
   * of one talker (one process, for talkers keyed per PID).
   */
  owner: number;
  /** The talker: IPv4 SADDR as an unsigned 32-bit integer, and NETNS. */
  saddr: number;
  netns: number | null;
  /** The process's PID; for a group, the PID it is keyed by when its talker is keyed per PID, else 0. */
  pid: number;
  /** Group only. */
  type: FastType;
  /** Group only. DADDR as an unsigned 32-bit integer and DPORT; 0 for accepts and closes. */
  daddr: number;
  dport: number;
  /**
   * Group and comm events. COMM, as a byte range of {@link ScanRun.commBytes}, and whether no earlier event of its
   * owner in the run had it (always, for a comm event); an empty range and false for a group whose owner's COMM
   * sample was full when the run met it.
   */
  commStart: number;
  commEnd: number;
  newComm: boolean;
  count: number;
}

/** What the scanner folded since its last reset. */
export interface ScanRun {
  readonly commBytes: Buffer;
  readonly eventCount: number;
  /** Lines folded. */
  readonly lines: number;
  readonly minTimestampNs: number | null;
  readonly maxTimestampNs: number | null;
  readEvent(index: number, out: FastEvent): FastEvent;
}

/** A zeroed {@link FastEvent} to reuse across {@link ScanRun.readEvent} calls. */
export function newFastEvent(): FastEvent {
  return {
    kind: 'process',
    owner: 0,
    saddr: 0,
    netns: null,
    pid: 0,
    type: 0,
    daddr: 0,
    dport: 0,
    commStart: 0,
    commEnd: 0,
    newComm: false,
    count: 0,
  };
}

/** uint32 -> dotted quad. */
export function ipv4ToString(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}
