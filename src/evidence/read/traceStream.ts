import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { BUNDLE_FILES } from '../bundle.js';
import { type DestinationTallyRun, type FastLayout, ipv4ToString, type ScanRun, type TalkerMode } from '../fastPath.js';
import { TcptracerParser, type TraceColumns } from '../parsers/tcptracer.js';
import type { ParseWarning, TraceEvent, TraceTool } from '../types.js';
import { type TraceScanner, withScanner } from './wasmScanner.js';

/** Receives trace events: parsed objects from the general parser, or what the scanner folded. */
export interface TraceSink {
  add(event: TraceEvent): void;
  /** Valid only during the call. */
  addRun(run: ScanRun): void;
  /** Connects the scanner counted per destination for talkers given a tally id (see TalkerMode). */
  addDestinationTally(tally: DestinationTallyRun): void;
  /**
   * The private IPv4 ranges the sink classifies destinations by (sorted, merged `[first, last, ...]` unsigned
   * addresses): the scanner's destination tally splits connects by them, as the sink would.
   */
  readonly privateIpv4Ranges: ArrayLike<number>;
  /**
   * How talkers with this key are counted: per PID (the scanner then groups their lines per PID too), and whether
   * their PID and COMM samples still have room (when not, the scanner leaves PIDs and COMMs out).
   */
  talkerMode(saddr: string, netns: number | null): TalkerMode;
  /**
   * Grows whenever what {@link talkerMode} answers may have changed for some talker (one first seen, a PID or
   * COMM sample filled): the reader applies the scanner's runs early while that pays.
   */
  readonly modeChanges: number;
}

/** What streaming a trace (or a slice of it) found besides its events. */
export interface TraceStreamResult {
  format: 'text' | 'json' | null;
  tool: TraceTool | null;
  lostSamples: number;
  /** Line numbers are counted from the start of the slice; add the lines of earlier slices. */
  warnings: ParseWarning[];
  warningCount: number;
  lines: number;
  /** The first lines the general parser read (cut to 300 characters): what the file looks like when nothing parsed. */
  sample: string[];
  gzip: boolean;
  /** Why gzip decompression stopped early, when it did (the lines before it are kept). */
  damaged: string | null;
}

/** A byte range of the trace file, cut at line boundaries, for parallel reading. */
export interface TraceSlice {
  start: number;
  /** Exclusive. */
  end: number;
  /** Header lines from the start of the file, fed to the parser first so a later slice knows the layout. */
  preamble: string[];
  /** Only the last slice may report a truncated last line. */
  last: boolean;
}

/** True when the file starts with gzip's magic bytes. */
export async function isGzip(path: string): Promise<boolean> {
  const head = Buffer.alloc(2);
  const fd = await open(path, 'r');
  try {
    await fd.read(head, 0, 2, 0);
  } finally {
    await fd.close();
  }
  return head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Cuts a plain-text trace into `parts` slices at line boundaries, and finds the header line later slices need.
 * Returns one slice for small or compressed files.
 */
export async function planTraceSlices(path: string, parts: number): Promise<TraceSlice[]> {
  const { size } = await stat(path);
  if (parts <= 1 || (await isGzip(path))) return [{ start: 0, end: size, preamble: [], last: true }];
  const fd = await open(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(size, 64 * 1024));
    await fd.read(head, 0, head.length, 0);
    const preamble = head
      .toString('utf8')
      .split('\n')
      .slice(0, 50)
      .filter((l) => /\bPID\b/.test(l) && /\bSADDR\b/.test(l) && /\bDPORT\b/.test(l))
      .slice(0, 1);
    const cuts = [0];
    const probe = Buffer.alloc(64 * 1024);
    for (let i = 1; i < parts; i++) {
      const target = Math.floor((size * i) / parts);
      const { bytesRead } = await fd.read(probe, 0, probe.length, target);
      const nl = probe.subarray(0, bytesRead).indexOf(10);
      if (nl === -1) continue; // a line longer than the probe: leave it to the previous slice
      const cut = target + nl + 1;
      if (cut > cuts.at(-1)! && cut < size) cuts.push(cut);
    }
    return cuts.map((start, i) => ({
      start,
      end: cuts[i + 1] ?? size,
      preamble: i === 0 ? [] : preamble,
      last: i === cuts.length - 1,
    }));
  } finally {
    await fd.close();
  }
}

/** Lines kept to describe a file that yielded nothing. */
const SAMPLE_LINES = 20;

/** The first scan window, and the events after which a run is applied at the end of a window (see drain). */
const FIRST_WINDOW = 128 * 1024;
/** A window with less than this left is over (the partial line at its end would only be scanned again). */
const WINDOW_SLACK = 4096;
const APPLY_EVENTS = 64;

/** Bytes read per call. */
const READ_CHUNK = 1 << 20;

/** The bytes of a trace (or of a slice of it), in order. */
interface TraceBytes {
  /** Fills `target` from `offset` with up to `length` next bytes; 0 at the end. */
  read(target: Buffer, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
  /** Set when the bytes ended early because they are damaged (corrupt gzip). */
  damaged?: string | null;
}

/** `[start, end)` of a plain file. */
async function fileRange(path: string, start: number, end: number): Promise<TraceBytes> {
  const fd = await open(path, 'r');
  let pos = start;
  return {
    read: async (target, offset, length) => {
      const want = Math.min(length, end - pos);
      if (want <= 0) return 0;
      const { bytesRead } = await fd.read(target, offset, want, pos);
      pos += bytesRead;
      return bytesRead;
    },
    close: () => fd.close(),
  };
}

/** A gzip file, decompressed as a stream. */
async function gunzipped(path: string): Promise<TraceBytes> {
  // Loaded only for a gzip trace: every `analyze` is a fresh process, and zlib costs ~4 ms to load.
  const { createGunzip } = await import('node:zlib');
  const stream = createReadStream(path, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 20 }));
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pending: Buffer | null = null;
  const bytes: TraceBytes = {
    damaged: null,
    read: async (target, offset, length) => {
      if (pending === null || pending.length === 0) {
        let next: IteratorResult<Buffer>;
        try {
          next = await chunks.next();
        } catch (err) {
          // A damaged or cut gzip stream: keep what decompressed, and say why the rest is missing.
          bytes.damaged = (err as Error).message;
          return 0;
        }
        if (next.done) return 0;
        pending = next.value;
      }
      const n = pending.copy(target, offset, 0, Math.min(length, pending.length));
      pending = pending.subarray(n);
      return n;
    },
    close: async () => {
      stream.destroy();
    },
  };
  return bytes;
}

/**
 * Streams a trace file (or one slice of it) into `sink` (gzip detected by its magic bytes), so memory stays
 * flat however long the trace is. Chunks are copied into the WebAssembly scanner's memory; it folds plain IPv4
 * lines into groups once the header has announced the layout, and every other line goes through the general
 * {@link TcptracerParser}, in file order.
 */
export async function streamTrace(path: string, sink: TraceSink, slice?: TraceSlice): Promise<TraceStreamResult> {
  const parser = new TcptracerParser(BUNDLE_FILES.tcptracer);
  const gzip = await isGzip(path);
  const sample: string[] = [];
  const source = gzip
    ? await gunzipped(path)
    : await fileRange(path, slice?.start ?? 0, slice?.end ?? Number.POSITIVE_INFINITY);

  // The scanner follows the general parser's idea of the columns (it changes at each header line); it stays off
  // before a header and for the containers-map prefix.
  let layout: FastLayout | null = null;
  let columns: Readonly<TraceColumns> | null = null;
  const followHeader = () => {
    if (parser.columns === columns) return;
    columns = parser.columns;
    layout = columns?.prefixCols === 0 ? { hasTime: columns.hasTime, hasNetns: columns.hasNetns } : null;
  };
  for (const line of slice?.preamble ?? []) parser.push(line);
  followHeader();
  parser.lines = 0;
  let lineNo = 0;
  let fastLines = 0;
  let lastByte = 10; // an empty file ends "with a newline": nothing is cut short
  let lastLineWasFast = false;
  let runBytes = 0; // scanned in the current run (see drain)

  const slow = (buf: Buffer, s: number, e: number) => {
    lineNo++;
    const line = buf.toString('utf8', s, e);
    parser.lines = lineNo - 1; // keep warning line numbers true although the fast path skipped lines
    if (sample.length < SAMPLE_LINES) sample.push(line.slice(0, 300));
    const event = parser.push(line);
    followHeader();
    if (event) sink.add(event);
    if (line.trim().length > 0) lastLineWasFast = false;
  };

  /** Hands what the scanner folded so far to the sink. */
  const apply = (scanner: TraceScanner) => {
    if (scanner.lines === 0) return;
    sink.addRun(scanner);
    lineNo += scanner.lines;
    fastLines += scanner.lines;
    lastLineWasFast = true;
    scanner.reset();
    runBytes = 0;
  };

  /**
   * Scans `input[0, len)`; returns where the unread rest (a partial last line) starts. Groups may stay pending.
   * A run asks each talker's mode once, at the talker's first line, so the input is scanned in windows (from
   * 128 KB) and a busy run is applied at the end of one: the next run sees what the last one changed (a talker
   * first seen, a COMM sample filled so its connects are tallied per destination rather than grouped, a PID
   * sample filled so its lines skip the process table). An early apply that changed no talker's mode quadruples
   * the window, so a trace whose talkers keep tracking PIDs (fewer than the sample holds) is not cut into short runs
   * that each list those processes again: at most a few dozen early applies in all.
   */
  let window = FIRST_WINDOW;
  const drain = (scanner: TraceScanner, len: number, final: boolean): number => {
    let start = 0;
    let wide = false; // the window holds no whole line: scan to the end of the input
    for (;;) {
      const room = window - runBytes;
      const end = wide || room < WINDOW_SLACK ? len : Math.min(len, start + room);
      const stop = scanner.scan(start, end, layout, final && end === len);
      if (stop.kind === 'input') {
        runBytes += stop.consumed - start;
        if (runBytes + WINDOW_SLACK > window && scanner.eventCount >= APPLY_EVENTS) {
          const changes = sink.modeChanges;
          apply(scanner);
          if (sink.modeChanges === changes) window *= 4;
        }
        if (end === len) return stop.consumed;
        wide = stop.consumed === start;
        start = stop.consumed;
        continue;
      }
      wide = false;
      apply(scanner); // before the slow line, or to make room
      if (stop.kind === 'full') scanner.takeDestinations((t) => sink.addDestinationTally(t));
      if (stop.kind === 'slowLine') {
        slow(scanner.input, stop.start, stop.end);
        start = stop.next;
      } else start = stop.consumed;
    }
  };

  await withScanner(async (scanner) => {
    // Ranges the scanner cannot hold (thousands of private CIDRs): no talker is tallied, its connects stay groups.
    const tallies = scanner.setPrivateRanges(sink.privateIpv4Ranges);
    scanner.talkerMode = (saddr, netns) => {
      const mode = sink.talkerMode(ipv4ToString(saddr), netns);
      return tallies || mode.tallyId === 0 ? mode : { ...mode, tallyId: 0 };
    };
    const { input, capacity } = scanner;
    let held = 0; // bytes of a partial line kept at the start of `input`
    // A line longer than the scanner's input (garbage, in practice) is collected here and parsed on its own.
    let long: Buffer[] | null = null;

    /** Scans the bytes of `chunk` after those held from before. */
    const feed = (chunk: Buffer) => {
      let off = 0;
      while (off < chunk.length) {
        if (long !== null) {
          const nl = chunk.indexOf(10, off);
          if (nl === -1) {
            long.push(Buffer.from(chunk.subarray(off)));
            return;
          }
          long.push(Buffer.from(chunk.subarray(off, nl)));
          apply(scanner);
          slowLongLine(Buffer.concat(long));
          long = null;
          off = nl + 1;
          continue;
        }
        const n = chunk.copy(input, held, off, Math.min(chunk.length, off + capacity - held));
        off += n;
        const len = held + n;
        const rest = drain(scanner, len, false);
        if (rest === 0 && len === capacity) {
          long = [Buffer.from(input.subarray(0, len))];
          held = 0;
          continue;
        }
        input.copyWithin(0, rest, len);
        held = len - rest;
      }
    };

    // The next chunk is read while this one is scanned (the read runs on libuv's thread pool).
    let ready = Buffer.allocUnsafe(READ_CHUNK);
    let ahead = Buffer.allocUnsafe(READ_CHUNK);
    let reading = source.read(ahead, 0, READ_CHUNK);
    try {
      for (;;) {
        const n = await reading;
        if (n === 0) break;
        lastByte = ahead[n - 1]!;
        [ready, ahead] = [ahead, ready];
        reading = source.read(ahead, 0, READ_CHUNK);
        feed(ready.subarray(0, n));
      }
    } finally {
      // Never close the file under a read still in flight (the scan threw).
      await reading.catch(() => 0);
      await source.close();
    }
    if (held > 0) drain(scanner, held, true);
    apply(scanner);
    // The whole trace read in one go: the last tally is the scanner's to give away (no copy); a slice's is copied,
    // so the scanner serves the next slice.
    const whole = slice === undefined || (slice.start === 0 && slice.last);
    scanner.takeDestinations((t) => sink.addDestinationTally(t), whole);
    if (long !== null) slowLongLine(Buffer.concat(long));
  });

  function slowLongLine(line: Buffer): void {
    const e = line.length > 0 && line[line.length - 1] === 13 ? line.length - 1 : line.length;
    slow(line, 0, e);
  }

  // A last line the general parser failed on is reported as truncated; not when the fast path read it.
  if (!lastLineWasFast && (slice?.last ?? true)) parser.end(lastByte === 10);
  return {
    format: parser.format ?? (fastLines > 0 ? 'text' : null),
    tool: parser.tool ?? (fastLines > 0 ? 'tcptracer' : null),
    lostSamples: parser.lostSamples,
    warnings: parser.warnings,
    warningCount: parser.warningCount,
    lines: lineNo,
    sample,
    gzip,
    damaged: source.damaged ?? null,
  };
}
