import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { BUNDLE_FILES } from './bundle.js';
import { EvidenceNotFoundError } from './errors.js';
import { type CaptureFacts, type EvidenceSet, emptyEvidenceSet } from './evidenceSet.js';
import { type FastLayout, type FastLine, headerLayout, scanFastLine } from './fastTraceLine.js';
import { parseCrictlPods, parseCrictlPs } from './parsers/crictl.js';
import { parseNode, parsePods } from './parsers/kubectl.js';
import { parseLsns } from './parsers/lsns.js';
import { parsePstree } from './parsers/pstree.js';
import { parseSocketTable } from './parsers/sockets.js';
import { TcptracerParser } from './parsers/tcptracer.js';
import type { Parsed, ParseWarning, TraceEvent } from './types.js';

/** Warnings kept for display; all are counted. */
const MAX_KEPT_WARNINGS = 50;

/** A bundle whose small files are parsed and whose trace is ready to stream. */
export interface LoadedBundle {
  evidence: EvidenceSet;
  /** Absolute path of the trace, or null when the bundle has none. */
  tracePath: string | null;
}

async function kind(path: string): Promise<'file' | 'dir' | null> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

async function listDir(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort();
  } catch {
    return [];
  }
}

function addWarnings(ev: EvidenceSet, warnings: readonly ParseWarning[], count = warnings.length): void {
  ev.warningCount += count;
  for (const w of warnings) {
    if (ev.warnings.length >= MAX_KEPT_WARNINGS) break;
    ev.warnings.push(w);
  }
}

function take<T>(ev: EvidenceSet, parsed: Parsed<T>): T[] {
  addWarnings(ev, parsed.warnings);
  return parsed.items;
}

function parseJsonFile(ev: EvidenceSet, file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    addWarnings(ev, [{ file, line: 0, message: `not valid JSON: ${(err as Error).message}` }]);
    return undefined;
  }
}

/**
 * Reads every recognised small file of a bundle; the trace is only located (see {@link streamTrace}).
 * A path to a single file is a bundle holding just `tcptracer.log`.
 *
 * @throws EvidenceNotFoundError when the path does not exist or holds no recognised evidence.
 */
export async function loadBundle(path: string): Promise<LoadedBundle> {
  const ev = emptyEvidenceSet();
  const k = await kind(path);
  if (k === null) throw new EvidenceNotFoundError(`no such file or directory: ${path}`);
  if (k === 'file') {
    ev.files.push(BUNDLE_FILES.tcptracer);
    ev.trace.present = true;
    return { evidence: ev, tracePath: path };
  }

  const at = (name: string) => join(path, name);
  const entries = new Set(await listDir(path));
  let tracePath: string | null = null;
  if (entries.has(BUNDLE_FILES.tcptracer)) {
    tracePath = at(BUNDLE_FILES.tcptracer);
    ev.files.push(BUNDLE_FILES.tcptracer);
    ev.trace.present = true;
  }

  const lsnsName = entries.has(BUNDLE_FILES.lsnsJson) ? BUNDLE_FILES.lsnsJson : BUNDLE_FILES.lsnsText;
  const lsns = entries.has(lsnsName) ? await readText(at(lsnsName)) : null;
  if (lsns !== null) {
    ev.files.push(lsnsName);
    ev.netns = take(ev, parseLsns(lsns, lsnsName));
  }

  for (const [name, parse, assign] of [
    [BUNDLE_FILES.crictlPsJson, parseCrictlPs, (v: EvidenceSet, items: never[]) => (v.criContainers = items)],
    [BUNDLE_FILES.crictlPsText, parseCrictlPs, (v: EvidenceSet, items: never[]) => (v.criContainers = items)],
    [BUNDLE_FILES.crictlPodsJson, parseCrictlPods, (v: EvidenceSet, items: never[]) => (v.criPods = items)],
    [BUNDLE_FILES.crictlPodsText, parseCrictlPods, (v: EvidenceSet, items: never[]) => (v.criPods = items)],
  ] as const) {
    // JSON beats text when both exist: it carries full ids and pod labels.
    const jsonTwin = name.endsWith('.txt') ? name.replace(/\.txt$/, '.json') : null;
    if (!entries.has(name) || (jsonTwin && entries.has(jsonTwin))) continue;
    const text = await readText(at(name));
    if (text === null) continue;
    ev.files.push(name);
    assign(ev, take(ev, (parse as (t: string, f: string) => Parsed<never>)(text, name)));
  }

  if (entries.has(BUNDLE_FILES.pods)) {
    const text = await readText(at(BUNDLE_FILES.pods));
    if (text !== null) {
      ev.files.push(BUNDLE_FILES.pods);
      ev.pods = take(ev, parsePods(text, BUNDLE_FILES.pods));
    }
  }
  if (entries.has(BUNDLE_FILES.node)) {
    const text = await readText(at(BUNDLE_FILES.node));
    if (text !== null) {
      ev.files.push(BUNDLE_FILES.node);
      const parsed = parseNode(text, BUNDLE_FILES.node);
      addWarnings(ev, parsed.warnings);
      ev.node = parsed.items[0] ?? null;
    }
  }
  if (entries.has(BUNDLE_FILES.capture)) {
    const text = await readText(at(BUNDLE_FILES.capture));
    const value = text === null ? undefined : parseJsonFile(ev, BUNDLE_FILES.capture, text);
    if (value !== undefined) {
      ev.files.push(BUNDLE_FILES.capture);
      ev.capture = captureFacts(value);
    }
  }

  if (entries.has(BUNDLE_FILES.pstreeDir)) {
    for (const name of await listDir(at(BUNDLE_FILES.pstreeDir))) {
      const pid = Number(name.replace(/\.txt$/, ''));
      const rel = `${BUNDLE_FILES.pstreeDir}/${name}`;
      if (!name.endsWith('.txt') || !Number.isInteger(pid) || pid <= 0) continue;
      const text = await readText(at(rel));
      if (text === null) continue;
      ev.files.push(rel);
      ev.pstree.push(...take(ev, parsePstree(text, rel, pid)));
    }
  }

  if (entries.has(BUNDLE_FILES.netstatDir)) {
    for (const name of await listDir(at(BUNDLE_FILES.netstatDir))) {
      const rel = `${BUNDLE_FILES.netstatDir}/${name}`;
      // Namespaces are DNS-1123 labels (no underscore), so the first `_` separates namespace and pod.
      const m = /^([a-z0-9-]+)_(.+)\.txt$/.exec(name);
      if (!m) {
        addWarnings(ev, [{ file: rel, line: 0, message: 'netstat files must be named <namespace>_<pod>.txt' }]);
        continue;
      }
      const text = await readText(at(rel));
      if (text === null) continue;
      ev.files.push(rel);
      const parsed = parseSocketTable(text, rel);
      addWarnings(ev, parsed.warnings);
      ev.podSockets.push({
        namespace: m[1]!,
        pod: m[2]!,
        table: { method: parsed.method, sockets: parsed.items },
        source: rel,
      });
    }
  }

  if (entries.has(BUNDLE_FILES.socketsDir)) {
    for (const name of await listDir(at(BUNDLE_FILES.socketsDir))) {
      const rel = `${BUNDLE_FILES.socketsDir}/${name}`;
      const inode = Number(name.replace(/\.txt$/, ''));
      if (!name.endsWith('.txt') || !Number.isInteger(inode) || inode <= 0) continue;
      const text = await readText(at(rel));
      if (text === null) continue;
      ev.files.push(rel);
      const parsed = parseSocketTable(text, rel);
      addWarnings(ev, parsed.warnings);
      // Read on the node: whatever the text format, these come from the node-side table.
      ev.netnsSockets.push({ inode, table: { method: 'node-socket-table', sockets: parsed.items }, source: rel });
    }
  }

  if (ev.files.length === 0) {
    throw new EvidenceNotFoundError(
      `no recognizable evidence in ${path}: expected files such as ${BUNDLE_FILES.tcptracer}, ${BUNDLE_FILES.lsnsText}, ` +
        `${BUNDLE_FILES.pods}, ${BUNDLE_FILES.netstatDir}/<namespace>_<pod>.txt (see README: Evidence bundle)`,
    );
  }
  return { evidence: ev, tracePath };
}

function captureFacts(value: unknown): CaptureFacts {
  if (typeof value !== 'object' || value === null) return {};
  const v = value as Record<string, unknown>;
  const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
  const num = (x: unknown) =>
    typeof x === 'number' && Number.isFinite(x) ? x : typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : undefined;
  const facts: CaptureFacts = {};
  const assign = <K extends keyof CaptureFacts>(key: K, val: CaptureFacts[K] | undefined) => {
    if (val !== undefined) facts[key] = val;
  };
  assign('nodeName', str(v.nodeName));
  assign('nodeIP', str(v.nodeIP));
  assign('hostNetns', num(v.hostNetns));
  assign('kernel', str(v.kernel));
  assign('bccVersion', str(v.bccVersion));
  assign('traceSeconds', num(v.traceSeconds));
  assign('startedAt', str(v.startedAt));
  assign('endedAt', str(v.endedAt));
  if (Array.isArray(v.missingTools))
    facts.missingTools = v.missingTools.filter((t): t is string => typeof t === 'string');
  if (typeof v.truncated === 'boolean') facts.truncated = v.truncated;
  return facts;
}

/** Receives trace events: parsed objects from the general parser, or raw lines from the fast path. */
export interface TraceSink {
  add(event: TraceEvent): void;
  addFast(line: FastLine, buf: Uint8Array): void;
}

/** What streaming a trace found besides its events. */
export interface TraceStreamResult {
  format: 'text' | 'json' | null;
  lostSamples: number;
  warnings: ParseWarning[];
  warningCount: number;
  lines: number;
}

/**
 * Streams a trace file into `sink` (gzip detected by its magic bytes), so memory stays flat however long the
 * trace is. Lines are cut from Buffers; once the header has announced the layout, plain IPv4 lines take the
 * byte-level fast path and everything else goes through the general {@link TcptracerParser}.
 */
export async function streamTrace(path: string, sink: TraceSink): Promise<TraceStreamResult> {
  const parser = new TcptracerParser(BUNDLE_FILES.tcptracer);
  const head = Buffer.alloc(2);
  const fd = await open(path, 'r');
  try {
    await fd.read(head, 0, 2, 0);
  } finally {
    await fd.close();
  }
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const source: AsyncIterable<Buffer> = gz ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;

  const fast: FastLine = {
    type: 0,
    timestampNs: null,
    pid: 0,
    saddr: 0,
    daddr: 0,
    sport: 0,
    dport: 0,
    netns: null,
    commStart: 0,
    commEnd: 0,
  };
  let layout: FastLayout | null = null;
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
  if (!lastLineWasFast) parser.end();
  return {
    format: parser.format ?? (fastLines > 0 ? 'text' : null),
    lostSamples: parser.lostSamples,
    warnings: parser.warnings,
    warningCount: parser.warningCount,
    lines: lineNo,
  };
}
