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
   * @param splitByPid says which talkers to key per PID as well: host-namespace traffic mixes kubelet,
   * hostNetwork pods and node daemons, and only a per-PID chain can tell them apart.
   */
  constructor(
    private readonly classify: IpClassifier,
    private readonly splitByPid: (saddr: string, netns: number | null) => boolean = () => false,
  ) {}

  add(event: TraceEvent): void {
    const s = this.state;
    s.events += 1;
    if (event.timestampNs !== null) {
      if (s.firstTimestampNs === null || event.timestampNs < s.firstTimestampNs) s.firstTimestampNs = event.timestampNs;
      if (s.lastTimestampNs === null || event.timestampNs > s.lastTimestampNs) s.lastTimestampNs = event.timestampNs;
    }
    let key = talkerKey(event.saddr, event.netns);
    if (this.splitByPid(event.saddr, event.netns)) key = `${key}#${event.pid}`;
    let talker = s.talkers.get(key);
    if (talker === undefined) {
      talker = {
        saddr: event.saddr,
        netns: event.netns,
        connectsPublic: 0,
        connectsPrivate: 0,
        accepts: 0,
        closes: 0,
        publicDestinations: new Map(),
        pids: new Set(),
        comms: new Set(),
      };
      s.talkers.set(key, talker);
    }
    if (talker.pids.size < MAX_PIDS_PER_KEY) talker.pids.add(event.pid);
    if (talker.comms.size < MAX_COMMS_PER_KEY) talker.comms.add(event.comm);
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

/** Sums several talkers (one pod can own several keys: IPv4 + IPv6, several netns readings). */
export function mergeTalkers(talkers: readonly TalkerAggregate[]): TalkerAggregate | null {
  const [first, ...rest] = talkers;
  if (first === undefined) return null;
  const merged: TalkerAggregate = {
    ...first,
    publicDestinations: new Map(first.publicDestinations),
    pids: new Set(first.pids),
    comms: new Set(first.comms),
  };
  for (const t of rest) {
    merged.connectsPublic += t.connectsPublic;
    merged.connectsPrivate += t.connectsPrivate;
    merged.accepts += t.accepts;
    merged.closes += t.closes;
    for (const [dest, n] of t.publicDestinations) {
      merged.publicDestinations.set(dest, (merged.publicDestinations.get(dest) ?? 0) + n);
    }
    for (const pid of t.pids) merged.pids.add(pid);
    for (const comm of t.comms) merged.comms.add(comm);
  }
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
