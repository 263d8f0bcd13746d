import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { BUNDLE_FILES } from './bundle.js';
import { type FastLayout, type FastLine, headerLayout, newFastLine, scanFastLine } from './fastTraceLine.js';
import { TcptracerParser } from './parsers/tcptracer.js';
import type { ParseWarning, TraceEvent } from './types.js';

/** Receives trace events: parsed objects from the general parser, or raw lines from the fast path. */
export interface TraceSink {
  add(event: TraceEvent): void;
  addFast(line: FastLine, buf: Uint8Array): void;
}

/** What streaming a trace (or a slice of it) found besides its events. */
export interface TraceStreamResult {
  format: 'text' | 'json' | null;
  lostSamples: number;
  /** Line numbers are counted from the start of the slice; add the lines of earlier slices. */
  warnings: ParseWarning[];
  warningCount: number;
  lines: number;
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

/** Bytes read per call; one buffer is reused for the whole file. */
const READ_CHUNK = 1 << 20;

/**
 * Reads `[start, end)` of a file into one reused buffer. Yielded chunks are only valid until the next one
 * (the line splitter copies the partial line it carries over). Reusing the buffer, rather than a fresh
 * allocation per chunk as streams do, keeps garbage collection out of the hot loop, which matters most when
 * several threads read slices at once.
 */
async function* readRange(path: string, start: number, end: number): AsyncGenerator<Buffer> {
  const fd = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    let pos = start;
    while (pos < end) {
      const want = Math.min(READ_CHUNK, end - pos);
      const { bytesRead } = await fd.read(buf, 0, want, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fd.close();
  }
}

/**
 * Streams a trace file (or one slice of it) into `sink` (gzip detected by its magic bytes), so memory stays
 * flat however long the trace is. Lines are cut from Buffers; once the header has announced the layout, plain
 * IPv4 lines take the byte-level fast path and everything else goes through the general {@link TcptracerParser}.
 */
export async function streamTrace(path: string, sink: TraceSink, slice?: TraceSlice): Promise<TraceStreamResult> {
  const parser = new TcptracerParser(BUNDLE_FILES.tcptracer);
  const gz = await isGzip(path);
  const source: AsyncIterable<Buffer> = gz
    ? createReadStream(path, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 20 }))
    : readRange(path, slice?.start ?? 0, slice?.end ?? Number.POSITIVE_INFINITY);

  const fast = newFastLine();

  let layout: FastLayout | null = null;
  for (const line of slice?.preamble ?? []) {
    layout ??= headerLayout(line);
    parser.push(line);
  }
  parser.lines = 0;
  let lineNo = 0;
  let fastLines = 0;
  let lastLineWasFast = false;

  const slow = (buf: Buffer, s: number, e: number) => {
    const line = buf.toString('utf8', s, e);
    if (layout === null) layout = headerLayout(line);
    parser.lines = lineNo - 1; // keep warning line numbers true although the fast path skipped lines
    const event = parser.push(line);
    if (event) sink.add(event);
    if (line.trim().length > 0) lastLineWasFast = false;
  };
  const onLine = (buf: Buffer, s: number, end: number) => {
    lineNo++;
    const e = end > s && buf[end - 1] === 13 ? end - 1 : end;
    if (layout !== null && scanFastLine(buf, s, e, layout, fast)) {
      sink.addFast(fast, buf);
      fastLines++;
      lastLineWasFast = true;
      return;
    }
    slow(buf, s, e);
  };

  let carry: Buffer | null = null;
  for await (const chunk of source) {
    let start = 0;
    let nl = chunk.indexOf(10, start);
    if (carry !== null) {
      if (nl === -1) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      // The line split across chunks: join just that line.
      const joined: Buffer = Buffer.concat([carry, chunk.subarray(0, nl)]);
      onLine(joined, 0, joined.length);
      carry = null;
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    while (nl !== -1) {
      onLine(chunk, start, nl);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
  }
  if (carry !== null && carry.length > 0) onLine(carry, 0, carry.length);
  // A last line the general parser failed on is reported as truncated; not when the fast path read it.
  if (!lastLineWasFast && (slice?.last ?? true)) parser.end();
  return {
    format: parser.format ?? (fastLines > 0 ? 'text' : null),
    lostSamples: parser.lostSamples,
    warnings: parser.warnings,
    warningCount: parser.warningCount,
    lines: lineNo,
  };
}
