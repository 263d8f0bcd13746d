/**
 * The trace half of an analysis, kept so one investigation reads its trace once: candidate selection folds the
 * trace into talkers, stores this snapshot next to the evidence, and the final report starts from it instead of
 * reading the trace again (only the socket tables collected in between are new). Pure: JSON in, JSON out.
 */
import type { ParseWarning } from '../evidence/types.js';
import { DestinationTally } from './destinationTally.js';
import type { TalkerAggregate, TraceAggregate } from './traceAggregator.js';

/** Version of the stored shape; a snapshot of another version is ignored (the trace is read again). */
export const TRACE_SNAPSHOT_VERSION = 2;

/**
 * One talker as stored: the aggregate's own fields, with the tally and the sets as JSON arrays. Derived from
 * {@link TalkerAggregate}, so a field added there is stored too (and `containerPod` keeps its `origin`).
 */
type TalkerJson = Omit<TalkerAggregate, 'publicDestinations' | 'pids' | 'comms'> & {
  /** `[ip, port, count]` per public destination. */
  publicDestinations: Array<[string, number, number]>;
  pids: number[];
  comms: string[];
};

/** What reading the trace produced: the aggregate, and the trace's own parse results. */
export interface TraceSnapshot {
  version: typeof TRACE_SNAPSHOT_VERSION;
  /** The private ranges the destinations were classified with: a snapshot only applies to the same ranges. */
  privateCidrs: string[];
  talkers: Array<[string, TalkerJson]>;
  events: number;
  connects: number;
  accepts: number;
  closes: number;
  firstTimestampNs: number | null;
  lastTimestampNs: number | null;
  trace: { present: boolean; format: 'text' | 'json' | null; lostSamples: number };
  /** Warnings the trace added (kept ones) and how many it added in all. */
  warnings: ParseWarning[];
  warningCount: number;
}

/** Serialises an aggregate and the trace's parse results. */
export function toTraceSnapshot(
  agg: TraceAggregate,
  parse: Pick<TraceSnapshot, 'trace' | 'warnings' | 'warningCount'>,
  privateCidrs: readonly string[],
): TraceSnapshot {
  return {
    version: TRACE_SNAPSHOT_VERSION,
    privateCidrs: [...privateCidrs],
    talkers: [...agg.talkers].map(([key, t]) => [key, talkerJson(t)]),
    events: agg.events,
    connects: agg.connects,
    accepts: agg.accepts,
    closes: agg.closes,
    firstTimestampNs: agg.firstTimestampNs,
    lastTimestampNs: agg.lastTimestampNs,
    trace: { ...parse.trace },
    warnings: [...parse.warnings],
    warningCount: parse.warningCount,
  };
}

function talkerJson(t: TalkerAggregate): TalkerJson {
  return {
    saddr: t.saddr,
    netns: t.netns,
    connectsPublic: t.connectsPublic,
    connectsPrivate: t.connectsPrivate,
    accepts: t.accepts,
    closes: t.closes,
    publicDestinations: t.publicDestinations.entries().map((d) => [d.ip, d.port, d.count] as [string, number, number]),
    pids: [...t.pids],
    comms: [...t.comms],
    ...(t.containerPod ? { containerPod: { ...t.containerPod } } : {}),
  };
}

function tallyOf(entries: ReadonlyArray<readonly [string, number, number]>): DestinationTally {
  const tally = new DestinationTally();
  for (const [ip, port, count] of entries) tally.add(ip, port, count);
  return tally;
}

/** The aggregate back from a snapshot. */
export function fromTraceSnapshot(s: TraceSnapshot): TraceAggregate {
  return {
    talkers: new Map(
      s.talkers.map(([key, t]) => [
        key,
        {
          ...t,
          publicDestinations: tallyOf(t.publicDestinations),
          pids: new Set(t.pids),
          comms: new Set(t.comms),
        },
      ]),
    ),
    events: s.events,
    connects: s.connects,
    accepts: s.accepts,
    closes: s.closes,
    firstTimestampNs: s.firstTimestampNs,
    lastTimestampNs: s.lastTimestampNs,
  };
}

/**
 * A stored snapshot when it can stand in for reading the trace: the right version, classified with the same
 * private ranges. Anything else (an older responder's file, changed settings, a damaged blob) gives null.
 */
export function usableTraceSnapshot(json: unknown, privateCidrs: readonly string[]): TraceSnapshot | null {
  const s = json as Partial<TraceSnapshot> | null;
  if (!s || typeof s !== 'object' || s.version !== TRACE_SNAPSHOT_VERSION) return null;
  if (!Array.isArray(s.talkers) || !Array.isArray(s.warnings) || !s.trace || !Array.isArray(s.privateCidrs))
    return null;
  if (s.privateCidrs.length !== privateCidrs.length || s.privateCidrs.some((c, i) => c !== privateCidrs[i]))
    return null;
  return s as TraceSnapshot;
}
