import { FAST_TYPE, type FastEvent, ipv4ToString, newFastEvent, type ScanRun } from '../evidence/traceScanner.js';
import type { TraceEvent } from '../evidence/types.js';
import type { DestinationCount, TrafficCounters } from '../report/model.js';
import type { IpClassifier } from './ipClassifier.js';

/** Bounds that keep memory proportional to distinct talkers, not to trace lines. */
const MAX_PIDS_PER_KEY = 64;
const MAX_COMMS_PER_KEY = 8;

/** Everything the trace says about one (SADDR, NETNS) talker. */
export interface TalkerAggregate {
  saddr: string;
  netns: number | null;
  connectsPublic: number;
  connectsPrivate: number;
  accepts: number;
  closes: number;
  /** `ip|port` of public connects -> count. */
  publicDestinations: Map<string, number>;
  pids: Set<number>;
  comms: Set<string>;
  /** The pod `tcptracer --containersmap` printed with this talker's events, when it did. */
  containerPod?: { namespace: string; pod: string };
  /** Fast-path tallies of public IPv4 destinations (daddr as int32 -> dport -> count), folded by `result()`. */
  publicV4?: Map<number, Map<number, number>>;
}

/** Index entry of the fast path: the talker, or per-PID talkers for split (host) keys. */
type FastEntry = TalkerAggregate | Map<number, TalkerAggregate>;

/** Moves uint32 values (netns inodes) into int32 range so V8 keeps them as small integers. */
const INT32_SHIFT = 2 ** 31;

/** The trace folded into talkers; what attribution works on. */
export interface TraceAggregate {
  talkers: Map<string, TalkerAggregate>;
  events: number;
  connects: number;
  accepts: number;
  closes: number;
  firstTimestampNs: number | null;
  lastTimestampNs: number | null;
}

/** Key of a talker: one source address in one network namespace. */
export function talkerKey(saddr: string, netns: number | null): string {
  return netns === null ? saddr : `${saddr}|${netns}`;
}

/**
 * Folds trace events one at a time (the caller streams the log), classifying each connect's destination.
 *
 * @example
 * const agg = new TraceAggregator(createIpClassifier());
 * for (const e of events) agg.add(e);
 * agg.result().talkers.size;
 */
export class TraceAggregator {
  private readonly state: TraceAggregate = {
    talkers: new Map(),
    events: 0,
    connects: 0,
    accepts: 0,
    closes: 0,
    firstTimestampNs: null,
    lastTimestampNs: null,
  };

  /**
   * @param splitByPid says which talkers to key per PID as well: host-namespace traffic mixes kubelet,
   * hostNetwork pods and node daemons, and only a per-PID chain can tell them apart.
   */
  constructor(
    private readonly classify: IpClassifier,
    private readonly splitByPid: (saddr: string, netns: number | null) => boolean = () => false,
  ) {}

  private readonly fastIndex = new Map<number, Map<number, FastEntry>>();
  private readonly fastClass = new Map<number, boolean>();

  /** Widens the trace span to cover [first, last] (either may be null: no timestamp). */
  private tickRange(first: number | null, last: number | null): void {
    const s = this.state;
    if (first !== null && (s.firstTimestampNs === null || first < s.firstTimestampNs)) s.firstTimestampNs = first;
    if (last !== null && (s.lastTimestampNs === null || last > s.lastTimestampNs)) s.lastTimestampNs = last;
  }

  /** The talker for a key, created on first sight; split keys get one talker per PID. */
  private talkerFor(saddr: string, netns: number | null, pid: number): TalkerAggregate {
    let key = talkerKey(saddr, netns);
    if (this.splitByPid(saddr, netns)) key = `${key}#${pid}`;
    let talker = this.state.talkers.get(key);
    if (talker === undefined) {
      talker = {
        saddr,
        netns,
        connectsPublic: 0,
        connectsPrivate: 0,
        accepts: 0,
        closes: 0,
        publicDestinations: new Map(),
        pids: new Set(),
        comms: new Set(),
      };
      this.state.talkers.set(key, talker);
    }
    return talker;
  }

  /** Whether talkers with this key are kept per PID (see the constructor). */
  splitsByPid(saddr: string, netns: number | null): boolean {
    return this.splitByPid(saddr, netns);
  }

  private readonly event = newFastEvent();

  /**
   * The fast path: what the scanner folded, applied without creating strings for addresses already seen.
   * Produces exactly what {@link add} would for the same lines in file order: talkers, PIDs and COMMs are
   * recorded in the order of the lines that first showed them, which is the order of the scanner's events, and
   * counts do not depend on order.
   */
  addRun(run: ScanRun): void {
    this.state.events += run.lines;
    this.tickRange(run.minTimestampNs, run.maxTimestampNs);
    const e = this.event;
    for (let i = 0, n = run.eventCount; i < n; i++) {
      run.readEvent(i, e);
      const talker = this.fastTalker(e.saddr, e.netns, e.pid);
      if (e.kind === 'process') {
        if (talker.pids.size < MAX_PIDS_PER_KEY) talker.pids.add(e.pid);
      } else {
        this.addGroup(talker, e, run.commBytes);
      }
    }
  }

  /** The talker of a fast-path event (per PID for split keys), found through int32 keys. */
  private fastTalker(saddrValue: number, netns: number | null, pid: number): TalkerAggregate {
    // Keys shifted into int32 range stay small integers in V8: no boxed numbers per lookup.
    const netnsKey = netns === null ? -1 - INT32_SHIFT : netns - INT32_SHIFT;
    const saddrKey = saddrValue | 0;
    let byNetns = this.fastIndex.get(saddrKey);
    if (byNetns === undefined) {
      byNetns = new Map();
      this.fastIndex.set(saddrKey, byNetns);
    }
    let entry = byNetns.get(netnsKey);
    if (entry === undefined) {
      const saddr = ipv4ToString(saddrValue);
      entry = this.splitByPid(saddr, netns) ? new Map() : this.talkerFor(saddr, netns, pid);
      byNetns.set(netnsKey, entry);
    }
    if (!(entry instanceof Map)) return entry;
    let perPid = entry.get(pid);
    if (perPid === undefined) {
      perPid = this.talkerFor(ipv4ToString(saddrValue), netns, pid);
      entry.set(pid, perPid);
    }
    return perPid;
  }

  /** A group's lines: they share the talker, COMM, type and (connects) destination. */
  private addGroup(talker: TalkerAggregate, g: FastEvent, buf: Buffer): void {
    if (talker.comms.size < MAX_COMMS_PER_KEY) talker.comms.add(buf.toString('latin1', g.commStart, g.commEnd));
    const n = g.count;
    switch (g.type) {
      case FAST_TYPE.connect: {
        this.state.connects += n;
        const daddrKey = g.daddr | 0;
        let pub = this.fastClass.get(daddrKey);
        if (pub === undefined) {
          pub = this.classify(ipv4ToString(g.daddr)) === 'public';
          this.fastClass.set(daddrKey, pub);
        }
        if (pub) {
          talker.connectsPublic += n;
          talker.publicV4 ??= new Map();
          let ports = talker.publicV4.get(daddrKey);
          if (ports === undefined) {
            ports = new Map();
            talker.publicV4.set(daddrKey, ports);
          }
          ports.set(g.dport, (ports.get(g.dport) ?? 0) + n);
        } else {
          talker.connectsPrivate += n;
        }
        break;
      }
      case FAST_TYPE.accept:
        this.state.accepts += n;
        talker.accepts += n;
        break;
      default:
        this.state.closes += n;
        talker.closes += n;
    }
  }

  add(event: TraceEvent): void {
    const s = this.state;
    s.events += 1;
    this.tickRange(event.timestampNs, event.timestampNs);
    const talker = this.talkerFor(event.saddr, event.netns, event.pid);
    if (talker.pids.size < MAX_PIDS_PER_KEY) talker.pids.add(event.pid);
    if (talker.comms.size < MAX_COMMS_PER_KEY) talker.comms.add(event.comm);
    if (talker.containerPod === undefined && event.container?.pod && event.container.namespace) {
      talker.containerPod = { namespace: event.container.namespace, pod: event.container.pod };
    }
    switch (event.type) {
      case 'connect': {
        s.connects += 1;
        if (this.classify(event.daddr) === 'public') {
          talker.connectsPublic += 1;
          const dest = `${event.daddr}|${event.dport}`;
          talker.publicDestinations.set(dest, (talker.publicDestinations.get(dest) ?? 0) + 1);
        } else {
          talker.connectsPrivate += 1;
        }
        break;
      }
      case 'accept':
        s.accepts += 1;
        talker.accepts += 1;
        break;
      case 'close':
        s.closes += 1;
        talker.closes += 1;
        break;
    }
  }

  /**
   * Adds another aggregate of the same trace (a slice read in parallel) into this one. Keys are the same
   * everywhere, so talkers merge by key; per-talker bounds still hold.
   */
  absorb(other: TraceAggregate): void {
    const s = this.state;
    s.events += other.events;
    s.connects += other.connects;
    s.accepts += other.accepts;
    s.closes += other.closes;
    this.tickRange(other.firstTimestampNs, other.lastTimestampNs);
    this.result();
    for (const [key, t] of other.talkers) {
      const mine = s.talkers.get(key);
      if (mine) addTalker(mine, t);
      else s.talkers.set(key, copyTalker(t));
    }
  }

  /** The aggregate so far (fast-path tallies folded in; safe to call more than once). */
  result(): TraceAggregate {
    for (const talker of this.state.talkers.values()) {
      if (!talker.publicV4) continue;
      for (const [daddr, ports] of talker.publicV4) {
        const ip = ipv4ToString(daddr >>> 0);
        for (const [port, n] of ports) {
          const key = `${ip}|${port}`;
          talker.publicDestinations.set(key, (talker.publicDestinations.get(key) ?? 0) + n);
        }
      }
      talker.publicV4.clear();
    }
    return this.state;
  }
}

/** Trace span in seconds, or null without two distinct timestamps. */
export function traceSpanSeconds(agg: TraceAggregate): number | null {
  if (agg.firstTimestampNs === null || agg.lastTimestampNs === null) return null;
  const span = (agg.lastTimestampNs - agg.firstTimestampNs) / 1e9;
  return span > 0 ? span : null;
}

/** A talker detached from its source (maps and sets copied, fast-path scratch left behind). */
function copyTalker(t: TalkerAggregate): TalkerAggregate {
  const { publicV4: _v4, ...rest } = t;
  return { ...rest, publicDestinations: new Map(t.publicDestinations), pids: new Set(t.pids), comms: new Set(t.comms) };
}

/** Adds `source`'s counts into `target`, keeping the per-talker bounds. */
function addTalker(target: TalkerAggregate, source: TalkerAggregate): void {
  target.connectsPublic += source.connectsPublic;
  target.connectsPrivate += source.connectsPrivate;
  target.accepts += source.accepts;
  target.closes += source.closes;
  for (const [dest, n] of source.publicDestinations) {
    target.publicDestinations.set(dest, (target.publicDestinations.get(dest) ?? 0) + n);
  }
  for (const pid of source.pids) if (target.pids.size < MAX_PIDS_PER_KEY) target.pids.add(pid);
  for (const comm of source.comms) if (target.comms.size < MAX_COMMS_PER_KEY) target.comms.add(comm);
  target.containerPod ??= source.containerPod;
}

/** Sums several talkers (one pod can own several keys: IPv4 + IPv6, several netns readings). */
export function mergeTalkers(talkers: readonly TalkerAggregate[]): TalkerAggregate | null {
  const [first, ...rest] = talkers;
  if (first === undefined) return null;
  const merged = copyTalker(first);
  for (const t of rest) addTalker(merged, t);
  return merged;
}

/** Report counters for a talker (or a pod's merged talkers); zeros when the trace never saw it. */
export function trafficCounters(
  talker: TalkerAggregate | null,
  spanSeconds: number | null,
  topN = 10,
): TrafficCounters {
  if (talker === null) {
    return {
      connectsPublic: 0,
      connectsPrivate: 0,
      accepts: 0,
      closes: 0,
      connectRatePerMinute: spanSeconds === null ? null : 0,
      distinctPublicDestinations: 0,
      topDestinations: [],
    };
  }
  const topDestinations: DestinationCount[] = [...talker.publicDestinations]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, topN)
    .map(([key, count]) => {
      const sep = key.lastIndexOf('|');
      return { ip: key.slice(0, sep), port: Number(key.slice(sep + 1)), count };
    });
  return {
    connectsPublic: talker.connectsPublic,
    connectsPrivate: talker.connectsPrivate,
    accepts: talker.accepts,
    closes: talker.closes,
    connectRatePerMinute:
      spanSeconds === null ? null : Math.round((talker.connectsPublic / spanSeconds) * 60 * 10) / 10,
    distinctPublicDestinations: talker.publicDestinations.size,
    topDestinations,
  };
}
