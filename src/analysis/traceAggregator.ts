import {
  type DestinationTallyRun,
  FAST_TYPE,
  type FastEvent,
  ipv4ToString,
  MAX_TALLY_ID,
  newFastEvent,
  type ScanRun,
  TALKER_TRACK_ALL,
  TALLY_SUMMARY,
  type TalkerMode,
} from '../evidence/fastPath.js';
import type { TraceEvent } from '../evidence/types.js';
import type { TrafficCounters } from '../report/model.js';
import { DestinationTally, ipv4ToUint } from './destinationTally.js';
import type { IpClassifier } from './ipClassifier.js';

/**
 * The bounded sample of processes kept per talker: the first 64 distinct PIDs and the first 8 distinct COMMs in
 * trace order. Counts are always exact; these samples are what the report shows (processes) and what attribution
 * follows (a PID's pstree when the netns chain is missing). Both readers of the trace (the scanner and the
 * general parser) apply the same bound, so they build the same report; it keeps memory proportional to distinct
 * talkers, however many short-lived processes (`curl` in a loop) the trace shows.
 */
export const MAX_PIDS_PER_TALKER = 64;
/** Distinct COMMs (process names) kept per talker; see {@link MAX_PIDS_PER_TALKER}. */
export const MAX_COMMS_PER_TALKER = 8;

/** Everything the trace says about one (SADDR, NETNS) talker. */
export interface TalkerAggregate {
  saddr: string;
  netns: number | null;
  connectsPublic: number;
  connectsPrivate: number;
  accepts: number;
  closes: number;
  /** Public connects per destination, exact. */
  publicDestinations: DestinationTally;
  pids: Set<number>;
  comms: Set<string>;
  /** The pod `tcptracer --containersmap` or Inspektor Gadget's enrichment printed with this talker's events. */
  containerPod?: { namespace: string; pod: string; origin?: 'inspektor-gadget' };
}

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
   * @param splitsByPid says which talkers to key per PID as well: host-namespace traffic mixes kubelet,
   * hostNetwork pods and node daemons, and only a per-PID chain can tell them apart.
   */
  constructor(
    private readonly classify: IpClassifier,
    readonly splitsByPid: (saddr: string, netns: number | null) => boolean = () => false,
  ) {}

  /** Widens the trace span to cover [first, last] (either may be null: no timestamp). */
  private tickRange(first: number | null, last: number | null): void {
    const s = this.state;
    if (first !== null && (s.firstTimestampNs === null || first < s.firstTimestampNs)) s.firstTimestampNs = first;
    if (last !== null && (s.lastTimestampNs === null || last > s.lastTimestampNs)) s.lastTimestampNs = last;
  }

  /** The talker for a key, created on first sight; split keys get one talker per PID. */
  private talkerFor(saddr: string, netns: number | null, pid: number): TalkerAggregate {
    let key = talkerKey(saddr, netns);
    if (this.splitsByPid(saddr, netns)) key = `${key}#${pid}`;
    let talker = this.state.talkers.get(key);
    if (talker === undefined) {
      talker = {
        saddr,
        netns,
        connectsPublic: 0,
        connectsPrivate: 0,
        accepts: 0,
        closes: 0,
        publicDestinations: new DestinationTally(),
        pids: new Set(),
        comms: new Set(),
      };
      this.state.talkers.set(key, talker);
      this.modeChanges++;
    }
    return talker;
  }

  /**
   * What the scanner needs to know of a talker when a run first meets it: whether it is keyed per PID, whether its
   * samples still have room (if not, the scanner leaves PIDs and COMMs out of what it reports), and, for a known
   * talker that is not keyed per PID, the tally id its connects are counted under (see
   * {@link addDestinationTally}; a talker first met in this run is created by its events, so it has none yet).
   */
  talkerMode(saddr: string, netns: number | null): TalkerMode {
    if (this.splitsByPid(saddr, netns)) return { split: true, trackPids: true, trackComms: true, tallyId: 0 };
    const key = talkerKey(saddr, netns);
    const talker = this.state.talkers.get(key);
    if (talker === undefined) return TALKER_TRACK_ALL;
    return {
      split: false,
      trackPids: talker.pids.size < MAX_PIDS_PER_TALKER,
      trackComms: talker.comms.size < MAX_COMMS_PER_TALKER,
      tallyId: this.tallyIdOf(key, talker),
    };
  }

  /**
   * Grows whenever what {@link talkerMode} answers may have changed: a talker created, a PID or COMM sample
   * filled (the trace reader applies the scanner's runs early while it grows).
   */
  modeChanges = 0;

  /** Talkers by the tally id the scanner counts their connects under (index 0 unused: no id). */
  private readonly tallied: TalkerAggregate[] = [];
  private readonly tallyIds = new Map<string, number>();

  /** The talker's tally id, given on first request; 0 once the scanner's ids are used up. */
  private tallyIdOf(key: string, talker: TalkerAggregate): number {
    let id = this.tallyIds.get(key);
    if (id === undefined) {
      if (this.tallied.length === 0) this.tallied.push(talker); // id 0 means none
      id = this.tallied.length;
      if (id > MAX_TALLY_ID) return 0;
      this.tallied.push(talker);
      this.tallyIds.set(key, id);
    }
    return id;
  }

  /** The private IPv4 ranges destinations are classified by (the scanner's tally splits connects by them). */
  get privateIpv4Ranges(): Float64Array {
    return this.classify.ipv4Ranges;
  }

  /**
   * The fast path's destination tally: connects counted per (talker, destination) by the scanner, for the talkers
   * given a tally id, split by {@link privateIpv4Ranges} and summed per talker. Gives exactly what the
   * same lines through {@link add} give: their talkers exist already (an id is only handed out for a known
   * talker), and counts do not depend on order. Each talker keeps its public destinations as the sorted block the
   * scanner made (one copy for all talkers, none when the scanner gives its memory away), with no loop over them.
   */
  addDestinationTally(tally: DestinationTallyRun): void {
    const records = tally.lasting ? tally.records : tally.records.slice(0, tally.count * 4);
    const summaries = tally.talkers;
    const W = TALLY_SUMMARY.words;
    let connects = 0;
    for (let s = 0; s < tally.talkerCount * W; s += W) {
      const id = summaries[s + TALLY_SUMMARY.id]!;
      const talker = id === 0 ? undefined : this.tallied[id];
      if (talker === undefined) throw new Error(`trace scanner: unknown tally id ${id}`);
      const publics = summaries[s + TALLY_SUMMARY.publicConnects]!;
      const privates = summaries[s + TALLY_SUMMARY.privateConnects]!;
      talker.connectsPublic += publics;
      talker.connectsPrivate += privates;
      connects += publics + privates;
      const first = summaries[s + TALLY_SUMMARY.first]! * 4;
      const leaders = s + TALLY_SUMMARY.leaders;
      talker.publicDestinations.addSortedBlock(
        records.subarray(first, first + summaries[s + TALLY_SUMMARY.records]! * 4),
        summaries.slice(leaders, leaders + summaries[s + TALLY_SUMMARY.leaderCount]!),
      );
    }
    this.state.connects += connects;
  }

  private readonly event = newFastEvent();
  /**
   * The talkers of the run being applied, by the scanner's owner number: talkers (owner >= 0) and per-PID
   * processes (owner < 0, at index -1 - owner). Arrays, not Maps: a trace with a new destination on most lines
   * hands over one group per line, each looking up its owner.
   */
  private readonly runTalkers: Array<TalkerAggregate | undefined> = [];
  private readonly runProcesses: Array<TalkerAggregate | undefined> = [];

  /**
   * The fast path: what the scanner folded. Produces exactly what {@link add} would for the same lines in file
   * order: talkers, PIDs, COMMs and destinations are recorded in the order of the lines that first showed them,
   * which is the order of the scanner's events, and counts do not depend on order.
   */
  addRun(run: ScanRun): void {
    this.state.events += run.lines;
    this.tickRange(run.minTimestampNs, run.maxTimestampNs);
    const e = this.event;
    const talkers = this.runTalkers;
    const processes = this.runProcesses;
    talkers.length = 0;
    processes.length = 0;
    const buf = run.commBytes;
    for (let i = 0, n = run.eventCount; i < n; i++) {
      run.readEvent(i, e);
      const owner = e.owner;
      let talker = owner >= 0 ? talkers[owner] : processes[-1 - owner];
      if (talker === undefined) {
        talker = this.talkerFor(ipv4ToString(e.saddr), e.netns, e.pid);
        if (owner >= 0) talkers[owner] = talker;
        else processes[-1 - owner] = talker;
      }
      if (e.kind === 'process') this.samplePid(talker, e.pid);
      else if (e.kind === 'comm') this.sampleComm(talker, buf.toString('latin1', e.commStart, e.commEnd));
      else this.addGroup(talker, e, buf);
    }
  }

  /** Adds a PID to the talker's sample while it has room (see {@link MAX_PIDS_PER_TALKER}). */
  private samplePid(talker: TalkerAggregate, pid: number): void {
    if (talker.pids.size >= MAX_PIDS_PER_TALKER) return;
    talker.pids.add(pid);
    if (talker.pids.size === MAX_PIDS_PER_TALKER) this.modeChanges++;
  }

  /** Adds a COMM to the talker's sample while it has room (see {@link MAX_COMMS_PER_TALKER}). */
  private sampleComm(talker: TalkerAggregate, comm: string): void {
    if (talker.comms.size >= MAX_COMMS_PER_TALKER) return;
    talker.comms.add(comm);
    if (talker.comms.size === MAX_COMMS_PER_TALKER) this.modeChanges++;
  }

  /** A group's lines: they share the talker, COMM, type and (connects) destination. */
  private addGroup(talker: TalkerAggregate, g: FastEvent, buf: Buffer): void {
    // Only the owner's first group with a COMM can add it; later ones would add the same string again.
    if (g.newComm && talker.comms.size < MAX_COMMS_PER_TALKER) {
      this.sampleComm(talker, buf.toString('latin1', g.commStart, g.commEnd));
    }
    const n = g.count;
    switch (g.type) {
      case FAST_TYPE.connect: {
        this.state.connects += n;
        if (this.classify.ipv4(g.daddr) === 'public') {
          talker.connectsPublic += n;
          talker.publicDestinations.addIpv4(g.daddr, g.dport, n);
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

  /**
   * The general path: one parsed event (a `tcpconnect -c` row stands for `count` connects and has no process to
   * record).
   */
  add(event: TraceEvent): void {
    const s = this.state;
    const n = event.count ?? 1;
    s.events += n;
    this.tickRange(event.timestampNs, event.timestampNs);
    const talker = this.talkerFor(event.saddr, event.netns, event.pid);
    if (event.count === undefined) {
      this.samplePid(talker, event.pid);
      this.sampleComm(talker, event.comm);
    }
    if (talker.containerPod === undefined && event.container?.pod && event.container.namespace) {
      talker.containerPod = { namespace: event.container.namespace, pod: event.container.pod };
      if (event.container.origin) talker.containerPod.origin = event.container.origin;
    }
    switch (event.type) {
      case 'connect': {
        s.connects += n;
        const v4 = ipv4ToUint(event.daddr);
        if ((v4 >= 0 ? this.classify.ipv4(v4) : this.classify(event.daddr)) === 'public') {
          talker.connectsPublic += n;
          if (v4 >= 0) talker.publicDestinations.addIpv4(v4, event.dport, n);
          else talker.publicDestinations.add(event.daddr, event.dport, n);
        } else {
          talker.connectsPrivate += n;
        }
        break;
      }
      case 'accept':
        s.accepts += n;
        talker.accepts += n;
        break;
      case 'close':
        s.closes += n;
        talker.closes += n;
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
    for (const [key, sent] of other.talkers) {
      const t = { ...sent, publicDestinations: DestinationTally.revive(sent.publicDestinations) };
      const mine = s.talkers.get(key);
      if (mine) addTalker(mine, t);
      else s.talkers.set(key, copyTalker(t));
    }
  }

  /** The aggregate so far. */
  result(): TraceAggregate {
    return this.state;
  }
}

/** Trace span in seconds, or null without two distinct timestamps. */
export function traceSpanSeconds(agg: TraceAggregate): number | null {
  if (agg.firstTimestampNs === null || agg.lastTimestampNs === null) return null;
  const span = (agg.lastTimestampNs - agg.firstTimestampNs) / 1e9;
  return span > 0 ? span : null;
}

/** A talker detached from its source (maps and sets copied). */
function copyTalker(t: TalkerAggregate): TalkerAggregate {
  return { ...t, publicDestinations: t.publicDestinations.clone(), pids: new Set(t.pids), comms: new Set(t.comms) };
}

/** Adds `source`'s counts into `target`, keeping the per-talker bounds. */
function addTalker(target: TalkerAggregate, source: TalkerAggregate): void {
  target.connectsPublic += source.connectsPublic;
  target.connectsPrivate += source.connectsPrivate;
  target.accepts += source.accepts;
  target.closes += source.closes;
  target.publicDestinations.addAll(source.publicDestinations);
  for (const pid of source.pids) if (target.pids.size < MAX_PIDS_PER_TALKER) target.pids.add(pid);
  for (const comm of source.comms) if (target.comms.size < MAX_COMMS_PER_TALKER) target.comms.add(comm);
  target.containerPod ??= source.containerPod;
}

/**
 * Sums several talkers (one pod can own several keys: IPv4 + IPv6, several netns readings). A single talker is
 * returned as it is, not copied (a crawler's tally can hold hundreds of thousands of destinations): callers only
 * read the result.
 */
export function mergeTalkers(talkers: readonly TalkerAggregate[]): Readonly<TalkerAggregate> | null {
  const [first, ...rest] = talkers;
  if (first === undefined) return null;
  if (rest.length === 0) return first;
  const merged = copyTalker(first);
  for (const t of rest) addTalker(merged, t);
  return merged;
}

/** Report counters for a talker (or a pod's merged talkers); zeros when the trace never saw it. */
export function trafficCounters(
  talker: Readonly<TalkerAggregate> | null,
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
  const topDestinations = talker.publicDestinations.top(topN);
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
