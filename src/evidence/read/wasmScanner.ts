/**
 * The JavaScript side of the tcptracer fast path: loads the WebAssembly scanner (source in
 * ../wasm/scanner.ts, AssemblyScript) and reads its results (their types: ../fastPath.ts).
 *
 * The scanner folds plain IPv4 event lines into processes and groups the aggregator applies in one step each, and
 * stops at any line it is not sure of; the caller gives that line to the general TcptracerParser, which stays
 * the single authority on the format. Property tests check that a trace read this way aggregates exactly as the
 * general parser's events do, line by line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type DestinationTallyRun,
  type FastEvent,
  type FastLayout,
  type FastType,
  MAX_TALLY_ID,
  type ScanRun,
  TALKER_TRACK_ALL,
  TALLY_SUMMARY,
  type TalkerMode,
} from '../fastPath.js';

/** Why a scan returned. */
export type ScanStop =
  | { kind: 'input'; consumed: number }
  | { kind: 'full'; consumed: number }
  | { kind: 'slowLine'; start: number; end: number; next: number };

interface ScannerExports {
  memory: WebAssembly.Memory;
  scan(start: number, len: number, layout: number, final: number): number;
  reset(): void;
  finishDestinations(): number;
  setPrivateRanges(count: number): void;
  limitDestinations(limit: number): void;
  clearDestinations(): void;
  [global: string]: WebAssembly.Global | unknown;
}

// `npm run build` writes the binary next to the compiled modules (dist/src/evidence/wasm/); under a TypeScript
// runner (the tests) this module runs from src/ and the binary is read from dist/.
const WASM_CANDIDATES = [
  new URL('../wasm/scanner.wasm', import.meta.url),
  new URL('../../../dist/src/evidence/wasm/scanner.wasm', import.meta.url),
];

let compiled: WebAssembly.Module | null = null;

function scannerModule(): WebAssembly.Module {
  if (compiled === null) {
    const url = WASM_CANDIDATES.find((u) => u.protocol === 'file:' && existsSync(fileURLToPath(u)));
    if (url === undefined)
      throw new Error('trace scanner binary missing: run `npm run build` (it compiles src/evidence/wasm)');
    compiled = new WebAssembly.Module(readFileSync(fileURLToPath(url)));
  }
  return compiled;
}

/** i32 slots of the scanner's RESULTS area. */
const RESULT = { consumed: 1, slowStart: 2, slowEnd: 3, slowNext: 4, eventCount: 5, lines: 6 } as const;

/** One WebAssembly instance with its own memory; use one per concurrent reader (see {@link withScanner}). */
export class TraceScanner implements ScanRun {
  /** Where the caller puts the bytes to scan; a view of the scanner's memory. */
  readonly input: Buffer;
  readonly capacity: number;
  /** The scanner's whole memory, where group records hold their COMM. */
  readonly commBytes: Buffer;
  /** Asked once per talker and run: how the aggregator counts it (see {@link TalkerMode}). */
  talkerMode: (saddr: number, netns: number | null) => TalkerMode = () => TALKER_TRACK_ALL;
  private readonly ex: ScannerExports;
  private readonly words: Uint32Array;
  private readonly globals = new Map<string, WebAssembly.Global>();
  /** The scanner's RESULTS area (see there). */
  private readonly results: Int32Array;
  private readonly timestamps: Float64Array;
  private readonly stops: { slowLine: number; full: number };
  private readonly layout: {
    record: number;
    fields: number;
    group: number;
    comm: number;
    newComm: number;
    processes: number;
    ownerComms: number;
    groups: number;
    talkers: number;
    events: number;
  };
  private hasNetns = false;
  /** Set once its memory holds a tally someone keeps (see {@link takeDestinations}): it goes back to no pool. */
  retired = false;
  /** Byte offsets of the destination tally's records and of its talker summaries. */
  private readonly dests: number;
  private readonly summaries: number;
  /** Where {@link setPrivateRanges} writes, as [first, last] u32 pairs. */
  private readonly privateRanges: Uint32Array;

  constructor() {
    const instance = new WebAssembly.Instance(scannerModule(), {
      env: {
        abort: () => {
          throw new Error('trace scanner aborted');
        },
      },
      scanner: {
        talkerMode: (saddr: number, netns: number) => {
          const m = this.talkerMode(saddr >>> 0, this.hasNetns ? netns >>> 0 : null);
          const id = m.tallyId > 0 && m.tallyId <= MAX_TALLY_ID ? m.tallyId : 0;
          return ((m.split ? 1 : 0) | (m.trackPids ? 2 : 0) | (m.trackComms ? 4 : 0) | (id << 8)) >>> 0;
        },
      },
    });
    this.ex = instance.exports as unknown as ScannerExports;
    for (const [name, value] of Object.entries(this.ex)) {
      if (value instanceof WebAssembly.Global) this.globals.set(name, value);
    }
    const buffer = this.ex.memory.buffer;
    this.capacity = this.global('INPUT_CAPACITY');
    this.input = Buffer.from(buffer, this.global('INPUT'), this.capacity);
    this.commBytes = Buffer.from(buffer);
    this.words = new Uint32Array(buffer);
    this.results = new Int32Array(buffer, this.global('RESULTS'), 8);
    this.timestamps = new Float64Array(buffer, this.global('RESULTS') + 32, 2);
    this.dests = this.global('DESTS');
    this.summaries = this.global('TALLY_SUMMARIES');
    this.privateRanges = new Uint32Array(buffer, this.global('PRIVATE_RANGES'), 2 * this.global('MAX_PRIVATE_RANGES'));
    if (
      this.global('TALLY_LEADERS') !== TALLY_SUMMARY.maxLeaders ||
      this.global('TALLY_SUMMARY_WORDS') !== TALLY_SUMMARY.words ||
      this.global('TALLY_SUMMARY_LEADERS') !== TALLY_SUMMARY.leaders
    )
      throw new Error('trace scanner binary out of date: run `npm run build`');
    this.stops = { slowLine: this.global('STOP_SLOW_LINE'), full: this.global('STOP_FULL') };
    // Addresses and sizes in 32-bit words.
    this.layout = {
      record: this.global('RECORD_INTS'),
      fields: this.global('FIELDS_OFFSET') / 4,
      group: this.global('EVENT_GROUP') >>> 0,
      comm: this.global('EVENT_COMM') >>> 0,
      ownerComms: this.global('OWNER_COMMS') / 4,
      newComm: this.global('KEY_NEW_COMM'),
      processes: this.global('PROCESSES') / 4,
      groups: this.global('GROUPS') / 4,
      talkers: this.global('TALKERS') / 4,
      events: this.global('EVENTS') / 4,
    };
  }

  private global(name: string): number {
    return this.globals.get(name)!.value as number;
  }

  get eventCount(): number {
    return this.results[RESULT.eventCount]!;
  }
  get lines(): number {
    return this.results[RESULT.lines]!;
  }
  get minTimestampNs(): number | null {
    const v = this.timestamps[0]!;
    return v < 0 ? null : v;
  }
  get maxTimestampNs(): number | null {
    const v = this.timestamps[1]!;
    return v < 0 ? null : v;
  }

  /** Starts a new run (nothing folded); call it after applying the events. */
  reset(): void {
    this.ex.reset();
  }

  /**
   * Gives the scanner the private IPv4 ranges its destination tally splits connects by: sorted, merged, disjoint
   * `[first, last, ...]` unsigned addresses (IpClassifier.ipv4Ranges). Returns false, changing nothing, when
   * they are more than the scanner holds: the caller then gives no talker a tally id.
   */
  setPrivateRanges(ranges: ArrayLike<number>): boolean {
    if (ranges.length % 2 !== 0 || ranges.length > this.privateRanges.length) return false;
    for (let i = 0; i < ranges.length; i++) this.privateRanges[i] = ranges[i]!;
    this.ex.setPrivateRanges(ranges.length / 2);
    return true;
  }

  /**
   * Hands the destination tally (classified and summed per talker, see {@link DestinationTallyRun}) to `use`,
   * then empties it. Call it when a scan stops full (the tally may be what filled up) and at the end of the input.
   * With `last` (the end of a whole trace), the records are handed over for good: the receiver keeps them
   * without a copy (7.8 MB for a crawler's 490,000 destinations), and this scanner is retired, not reused.
   */
  takeDestinations(use: (tally: DestinationTallyRun) => void, last = false): void {
    const talkerCount = this.ex.finishDestinations();
    if (talkerCount > 0) {
      const buffer = this.ex.memory.buffer;
      const talkers = new Uint32Array(buffer, this.summaries, talkerCount * TALLY_SUMMARY.words);
      const final = (talkerCount - 1) * TALLY_SUMMARY.words;
      const count = talkers[final + TALLY_SUMMARY.first]! + talkers[final + TALLY_SUMMARY.records]!;
      if (last) this.retired = true;
      use({ records: new Uint32Array(buffer, this.dests, count * 4), count, talkers, talkerCount, lasting: last });
    }
    this.ex.clearDestinations();
  }

  /** Lowers the destination tally's capacity (tests reach a full tally with it); 0 restores it. */
  limitDestinations(limit: number): void {
    this.ex.limitDestinations(limit);
  }

  /**
   * Folds the lines of `input[start, len)` into the run, with `layout` from the header (null: not seen yet, so
   * every line goes to the general parser; it must not change within a run). With `final`, a last line without
   * a newline is read too.
   */
  scan(start: number, len: number, layout: FastLayout | null, final: boolean): ScanStop {
    const code = layout === null ? -1 : (layout.hasTime ? 1 : 0) | (layout.hasNetns ? 2 : 0);
    this.hasNetns = layout?.hasNetns ?? false;
    const stop = this.ex.scan(start, len, code, final ? 1 : 0);
    const r = this.results;
    if (stop === this.stops.slowLine) {
      return { kind: 'slowLine', start: r[RESULT.slowStart]!, end: r[RESULT.slowEnd]!, next: r[RESULT.slowNext]! };
    }
    return { kind: stop === this.stops.full ? 'full' : 'input', consumed: r[RESULT.consumed]! };
  }

  readEvent(index: number, out: FastEvent): FastEvent {
    const w = this.words;
    const l = this.layout;
    const event = w[l.events + index]!;
    let process: number;
    if ((event & l.comm) !== 0) {
      // A tallied talker's COMM: the owner COMM record holds it raw, then its length and owner.
      const c = l.ownerComms + (event & ~l.comm) * l.record;
      out.kind = 'comm';
      out.commStart = c * 4;
      out.commEnd = out.commStart + w[c + l.fields]!;
      out.newComm = true;
      out.count = 0;
      out.owner = w[c + l.fields + 1]!;
      this.readTalker(out.owner, out);
      out.pid = 0;
      return out;
    }
    if ((event & l.group) !== 0) {
      const g = l.groups + (event & ~l.group) * l.record;
      const owner = w[g + l.fields]!;
      const key = w[g + l.fields + 1]!;
      out.kind = 'group';
      out.type = (key & 3) as FastType;
      out.dport = (key >>> 2) & 0xffff;
      out.daddr = w[g + l.fields + 2]!;
      out.count = w[g + l.fields + 3]!;
      out.newComm = (key & l.newComm) !== 0;
      // COMM is the record's second raw key (16 bytes in).
      out.commStart = (g + 4) * 4;
      out.commEnd = out.commStart + ((key >>> 18) & 0x3f);
      if ((owner & l.group) === 0) {
        this.readTalker(owner, out);
        out.pid = 0;
        out.owner = owner;
        return out;
      }
      process = owner & ~l.group;
    } else {
      out.kind = 'process';
      process = event;
    }
    const p = l.processes + process * l.record;
    const talker = w[p + l.fields]!;
    const split = this.readTalker(talker, out);
    out.pid = w[p + l.fields + 1]!;
    out.owner = split ? -1 - process : talker;
    return out;
  }

  /** Fills in the talker's address and NETNS; returns whether it is keyed per PID. */
  private readTalker(talker: number, out: FastEvent): boolean {
    const t = this.layout.talkers + talker * this.layout.record + this.layout.fields;
    out.saddr = this.words[t]!;
    out.netns = this.hasNetns ? this.words[t + 1]! : null;
    return this.words[t + 2]! !== 0;
  }
}

// Instances are reused (each holds a few MB of memory); concurrent readers on one thread each take their own.
const idle: TraceScanner[] = [];

/** Runs `use` with a scanner no one else is using, and returns it to the pool afterwards. */
export async function withScanner<T>(use: (scanner: TraceScanner) => Promise<T>): Promise<T> {
  const scanner = idle.pop() ?? new TraceScanner();
  scanner.reset();
  scanner.takeDestinations(() => {}); // whatever a failed earlier user left
  try {
    return await use(scanner);
  } finally {
    if (!scanner.retired) idle.push(scanner);
  }
}
