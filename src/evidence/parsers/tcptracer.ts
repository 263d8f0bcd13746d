/**
 * BCC `tcptracer` output, streamed line by line.
 *
 * Text formats come from BCC's tools/tcptracer.py:
 *   [NODE NAMESPACE POD CONTAINER] (--containersmap, four `%-16s`)
 *   [TIME] (`-t`: `%-14d` ns with `-v`, `%-9.3f` s without)
 *   TYPE (`-v`: connect/accept/close, else C/A/X), PID `%-6d`, COMM `%-16s` (may contain spaces),
 *   IP `%-2d`, SADDR, DADDR (IPv6 in brackets), SPORT, DPORT, [NETNS] (`-v`).
 * The tail (IP..NETNS) and the head (prefix, TIME, TYPE, PID) are read from both
 * ends of the line; COMM is whatever lies between, so spaces in it never shift a column.
 * `--json` prints one object per line (`time` in seconds, pid, comm, saddr, daddr, ip, sport, dport, type).
 */
import type { ParseWarning, TraceEvent, TraceEventType, TraceTool } from '../types.js';
import {
  eventTypeWord,
  type GadgetColumns,
  gadgetHeader,
  gadgetJsonEvent,
  isGadgetJson,
  parseGadgetRow,
} from './inspektorGadget.js';
import {
  isTcpconnectCountHeader,
  parseTcpconnectCountRow,
  parseTcpconnectRow,
  type TcpconnectColumns,
  tcpconnectHeader,
} from './tcpconnect.js';
import {
  AddressCache,
  bareAddress,
  excerpt,
  isDottedQuadAt,
  isRecord,
  numberish,
  parseUintAt,
  stringish,
  warn,
} from './util.js';

/** How many warnings a parser keeps; all are counted in `warningCount`. */
export const MAX_STORED_WARNINGS = 50;

const MAX_PORT = 65535;
const MAX_TOKENS = 128;
const MAX_PID = 4_194_304; // Linux PID_MAX_LIMIT
const MAX_NETNS = 4_294_967_295; // u32 inode

type RawType = TraceEventType | 'unknown';

/** TraceColumns learnt from the last header line; without one, each line is inferred on its own. */
export interface TraceColumns {
  prefixCols: number;
  hasTime: boolean;
  hasNetns: boolean;
}

/**
 * Streaming tcptracer parser: feed lines (without newline) from readline; memory
 * stays flat because only the returned event and up to 50 warnings are kept.
 *
 * @example
 * const p = new TcptracerParser('tcptracer.log');
 * for await (const line of rl) { const e = p.push(line); if (e) count(e); }
 * p.end();
 */
export class TcptracerParser {
  readonly warnings: ParseWarning[] = [];
  warningCount = 0;
  lostSamples = 0;
  format: 'text' | 'json' | null = null;
  /** The tool whose output gave the first event; null before one. */
  tool: TraceTool | null = null;
  lines = 0;

  private layout: TraceColumns | null = null;
  /** Set by a tcpconnect or Inspektor Gadget table header: rows are read in that tool's columns. */
  private foreign:
    | { kind: 'tcpconnect'; cols: TcpconnectColumns }
    | { kind: 'tcpconnect-count' }
    | { kind: 'gadget'; cols: GadgetColumns }
    | null = null;
  private warnedConnectsOnly = false;
  private readonly cache = new AddressCache();
  // Token spans of the current line, reused for every line. A real line has under 30 tokens.
  private readonly starts = new Int32Array(MAX_TOKENS);
  private readonly ends = new Int32Array(MAX_TOKENS);
  private lastContentLine = 0;
  private lastContentFailedAt = -1;
  // Result of locateHead, kept in fields so the hot path allocates nothing but the event.
  private hTypeIdx = 0;
  private hType: RawType = 'connect';
  private hTimeStart = -1;
  private hTimeEnd = -1;

  /** Bundle-relative name used in warnings. */
  readonly file: string;

  /** The columns announced by the last header line (a new object each time one is read), or null before one. */
  get columns(): Readonly<TraceColumns> | null {
    return this.layout;
  }

  constructor(file = 'tcptracer.log') {
    this.file = file;
  }

  /** Parse one line; returns the event, or null for blank, header, banner, lost-sample and bad lines. */
  push(line: string): TraceEvent | null {
    this.lines++;
    const lineNo = this.lines;
    let end = line.length;
    if (end > 0 && line.charCodeAt(end - 1) === 13) end--;
    let i = 0;
    while (i < end && isBlank(line.charCodeAt(i))) i++;
    if (i >= end) return null;
    this.lastContentLine = lineNo;

    if (line.charCodeAt(i) === 123 /* { */) {
      const ev = this.parseJson(line, lineNo);
      if (ev) this.format ??= 'json';
      return ev;
    }

    const n = this.tokenize(line, i, end);
    if (this.foreign !== null) {
      const row = this.foreignRow(line, n);
      if (typeof row === 'object') {
        if (row !== null) this.format ??= 'text';
        return row;
      }
      if (this.nonEvent(line, n)) return null;
      return this.fail(lineNo, `${row}: ${excerpt(line)}`);
    }
    const ev = this.parseText(line, n, lineNo);
    if (ev) {
      this.format ??= 'text';
      this.tool ??= 'tcptracer';
      return ev;
    }
    if (this.nonEvent(line, n)) return null;
    // parseText records its own specific warning when it recognised an event shape.
    if (this.lastContentFailedAt !== lineNo) {
      this.addWarning(lineNo, `unrecognised line: ${excerpt(line)}`);
      this.lastContentFailedAt = lineNo;
    }
    return null;
  }

  /**
   * Call after the last line, saying whether the file ended with a newline. A last line without one that failed
   * to parse was cut short (Ctrl-C while stdout was block-buffered, a capture stopped mid-write), and its warning
   * says so; a complete last line that failed keeps its own warning.
   */
  end(endsWithNewline: boolean): void {
    if (endsWithNewline) return;
    if (this.lastContentFailedAt > 0 && this.lastContentFailedAt === this.lastContentLine) {
      const w = this.warnings.find((x) => x.line === this.lastContentFailedAt);
      if (w && !w.message.startsWith('truncated last line')) {
        w.message = `truncated last line (no newline at the end of the file): ${w.message}`;
      }
    }
  }

  /** A row under a tcpconnect or gadget header: the event, null when it counts for nothing, or why it failed. */
  private foreignRow(line: string, n: number): TraceEvent | null | string {
    const f = this.foreign!;
    if (f.kind === 'gadget') {
      const r = parseGadgetRow(line, f.cols, this.cache);
      if (r !== null && typeof r === 'object') this.tool ??= 'inspektor-gadget';
      return r;
    }
    if (f.kind === 'tcpconnect-count') {
      const r = parseTcpconnectCountRow(line, this.starts, this.ends, n, this.cache);
      if (typeof r === 'object') {
        this.tool ??= 'tcpconnect';
        this.connectsOnly(
          'tcpconnect -c output: connect counts per source, destination and port only (no processes, timestamps, ' +
            'accepts, closes or NETNS); run `tcptracer -t4v` for the full trace',
        );
      }
      return r;
    }
    const r = parseTcpconnectRow(line, this.starts, this.ends, n, f.cols, this.cache);
    if (typeof r === 'object') {
      this.tool ??= 'tcpconnect';
      this.connectsOnly();
    }
    return r;
  }

  /** tcpconnect sees connects only: said once, as a warning the report shows. */
  private connectsOnly(
    message = 'tcpconnect output: a degraded trace of connects only (no accepts, closes, source ports or NETNS); ' +
      'run `tcptracer -t4v` for the full trace',
  ): void {
    if (this.warnedConnectsOnly) return;
    this.warnedConnectsOnly = true;
    this.addWarning(0, message);
  }

  private addWarning(line: number, message: string): void {
    this.warningCount++;
    if (this.warnings.length < MAX_STORED_WARNINGS) this.warnings.push(warn(this.file, line, message));
  }

  private fail(line: number, message: string): null {
    this.addWarning(line, message);
    this.lastContentFailedAt = line;
    return null;
  }

  /** Record whitespace-separated token spans into the reused arrays; returns the count. */
  private tokenize(line: string, from: number, end: number): number {
    const starts = this.starts;
    const ends = this.ends;
    let n = 0;
    let i = from;
    while (i < end) {
      while (i < end && isBlank(line.charCodeAt(i))) i++;
      if (i >= end) break;
      if (n === MAX_TOKENS) return 0; // far too many words for a trace line: garbage
      starts[n] = i;
      while (i < end && !isBlank(line.charCodeAt(i))) i++;
      ends[n] = i;
      n++;
    }
    return n;
  }

  private parseText(line: string, n: number, lineNo: number): TraceEvent | null {
    if (n < 7) return null;
    const starts = this.starts;
    const ends = this.ends;
    // Tail: IP SADDR DADDR SPORT DPORT [NETNS]. IP is a lone 4 or 6; SADDR never is.
    let ipIdx = n - 5;
    let ipVersion = ipAt(line, starts[ipIdx] as number, ends[ipIdx] as number);
    let hasNetns = false;
    if (ipVersion === 0) {
      ipIdx = n - 6;
      ipVersion = ipIdx >= 2 ? ipAt(line, starts[ipIdx] as number, ends[ipIdx] as number) : 0;
      hasNetns = true;
    }
    if (ipVersion === 0) return null;
    if (this.layout?.hasNetns && !hasNetns) {
      // The header promised NETNS: a line without it was cut short.
      return this.fail(lineNo, `missing NETNS column (line cut short?): ${excerpt(line)}`);
    }

    // Head: [prefix] [TIME] TYPE PID.
    if (!this.locateHead(line, ipIdx)) return null;
    const typeIdx = this.hTypeIdx;
    const type = this.hType;
    const pidIdx = typeIdx + 1;
    const timeStart = this.hTimeStart;
    const timeEnd = this.hTimeEnd;

    const sport = parseUintAt(line, starts[ipIdx + 3] as number, ends[ipIdx + 3] as number, MAX_PORT);
    const dport = parseUintAt(line, starts[ipIdx + 4] as number, ends[ipIdx + 4] as number, MAX_PORT);
    if (Number.isNaN(sport) || Number.isNaN(dport)) {
      return this.fail(lineNo, `bad port in: ${excerpt(line)}`);
    }
    let netns: number | null = null;
    if (hasNetns) {
      netns = parseUintAt(line, starts[n - 1] as number, ends[n - 1] as number, MAX_NETNS);
      if (Number.isNaN(netns)) return this.fail(lineNo, `bad NETNS in: ${excerpt(line)}`);
    }
    const saddr = this.address(line, starts[ipIdx + 1] as number, ends[ipIdx + 1] as number, ipVersion);
    const daddr = this.address(line, starts[ipIdx + 2] as number, ends[ipIdx + 2] as number, ipVersion);
    if (saddr === null || daddr === null) {
      return this.fail(lineNo, `bad IPv${ipVersion} address in: ${excerpt(line)}`);
    }
    if (type === 'unknown') return this.fail(lineNo, 'event of unknown type skipped');

    const pid = parseUintAt(line, starts[pidIdx] as number, ends[pidIdx] as number, MAX_PID);
    let timestampNs: number | null = null;
    if (timeStart >= 0) {
      timestampNs = parseTime(line, timeStart, timeEnd);
      if (timestampNs === null) {
        // The runbook's own sample redacts times as `3xxx9`: keep the connection, drop the time.
        this.addWarning(lineNo, `unparseable TIME '${excerpt(line.slice(timeStart, timeEnd), 24)}'; event kept`);
      }
    }
    // COMM is the padded gap between PID and IP: trim by index so only one string is made.
    let cs = (ends[pidIdx] as number) + 1;
    let ce = (starts[ipIdx] as number) - 1;
    while (cs <= ce && isBlank(line.charCodeAt(cs))) cs++;
    while (ce >= cs && isBlank(line.charCodeAt(ce))) ce--;
    const comm = cs <= ce ? line.slice(cs, ce + 1) : '';
    const ev: TraceEvent = {
      type,
      timestampNs,
      pid,
      comm,
      ipVersion,
      saddr,
      daddr,
      sport,
      dport,
      netns,
    };
    // A TIME glued to TYPE is not a token of its own.
    const timeTok = timeStart >= 0 && timeStart !== starts[typeIdx] ? 1 : 0;
    const p = typeIdx - timeTok - 4;
    if (p >= 0 && (this.layout ? this.layout.prefixCols === 4 : p === 0)) {
      ev.container = {
        node: containerField(line.slice(starts[p], ends[p])),
        namespace: containerField(line.slice(starts[p + 1], ends[p + 1])),
        pod: containerField(line.slice(starts[p + 2], ends[p + 2])),
        container: containerField(line.slice(starts[p + 3], ends[p + 3])),
      };
    }
    return ev;
  }

  /** An address token as printed (IPv6 in brackets, maybe with a zone), or null if it is not of `family`. */
  private address(line: string, s: number, e: number, family: 4 | 6): string | null {
    if (family === 4) return isDottedQuadAt(line, s, e) ? line.slice(s, e) : null;
    const a = bareAddress(line.slice(s, e));
    return this.cache.family(a) === 6 ? a : null;
  }

  /**
   * Find TYPE and PID left of the IP column, leaving the result in the `h*` fields
   * (no allocation per line). With a header the position is known; otherwise scan
   * the first few tokens. A TIME wider than its column is glued to TYPE by BCC's
   * printf (`12345678901234connect`), which is split here too.
   */
  private locateHead(line: string, ipIdx: number): boolean {
    const layout = this.layout;
    if (layout) {
      const expected = layout.prefixCols + (layout.hasTime ? 1 : 0);
      if (this.headAt(line, ipIdx, expected)) return true;
      if (layout.hasTime && this.headAt(line, ipIdx, expected - 1)) return true;
    }
    const limit = Math.min(ipIdx - 2, 6);
    for (let t = 0; t <= limit; t++) {
      if (this.headAt(line, ipIdx, t)) return true;
    }
    return false;
  }

  private headAt(line: string, ipIdx: number, t: number): boolean {
    if (t < 0 || t + 1 >= ipIdx) return false;
    const starts = this.starts;
    const ends = this.ends;
    if (Number.isNaN(parseUintAt(line, starts[t + 1] as number, ends[t + 1] as number, MAX_PID))) return false;
    const s = starts[t] as number;
    const e = ends[t] as number;
    const type = typeAt(line, s, e);
    if (type !== null) {
      const hasTimeCol = this.layout ? this.layout.hasTime : t === 1 || t === 5;
      this.hTypeIdx = t;
      this.hType = type;
      this.hTimeStart = hasTimeCol && t >= 1 ? (starts[t - 1] as number) : -1;
      this.hTimeEnd = hasTimeCol && t >= 1 ? (ends[t - 1] as number) : -1;
      return true;
    }
    const glued = gluedTimeType(line, s, e);
    if (glued === null) return false;
    this.hTypeIdx = t;
    this.hType = glued.type;
    this.hTimeStart = s;
    this.hTimeEnd = glued.split;
    return true;
  }

  /** Banner, header and lost-sample lines: consumed without a warning. */
  private nonEvent(line: string, n: number): boolean {
    const t = line.trimStart();
    if (t.startsWith('Tracing TCP') || t.startsWith('Tracing ')) return true;
    const lost = /^(?:Possibly lost|Lost) (\d+) (?:samples|events)\b/i.exec(t);
    if (lost) {
      this.lostSamples += Number(lost[1]);
      return true;
    }
    if (n === 4 && isTcpconnectCountHeader(t.trim().split(/\s+/))) {
      this.foreign = { kind: 'tcpconnect-count' };
      this.layout = null;
      return true;
    }
    if (n >= 6 && /\bPID\b/.test(t)) {
      const gadget = gadgetHeader(t);
      if (gadget !== null) {
        this.foreign = { kind: 'gadget', cols: gadgetHeader(line)! };
        this.layout = null;
        return true;
      }
      const tcpconnect = tcpconnectHeader(t.split(/\s+/));
      if (tcpconnect !== null) {
        this.foreign = { kind: 'tcpconnect', cols: tcpconnect };
        this.layout = null;
        return true;
      }
    }
    if (n >= 6 && /\bPID\b/.test(t) && /\bSADDR\b/.test(t) && /\bDPORT\b/.test(t)) {
      const words = t.split(/\s+/);
      this.foreign = null;
      const typePos = words.findIndex((w) => w === 'TYPE' || w === 'T');
      const hasTime = words.some((w) => w.startsWith('TIME'));
      const prefixCols = words[0] === 'NODE' ? 4 : 0;
      const hasNetns = words.some((w) => w.startsWith('NETNS'));
      if (typePos >= 0) this.layout = { prefixCols, hasTime, hasNetns };
      return true;
    }
    return false;
  }

  private parseJson(line: string, lineNo: number): TraceEvent | null {
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      return this.fail(lineNo, `invalid JSON: ${excerpt(line)}`);
    }
    if (!isRecord(obj)) return this.fail(lineNo, `JSON line is not an object: ${excerpt(line)}`);
    if (isGadgetJson(obj)) {
      const ev = gadgetJsonEvent(obj, this.cache);
      if (typeof ev === 'string') return this.fail(lineNo, `${ev}: ${excerpt(line)}`);
      if (ev !== null) this.tool ??= 'inspektor-gadget';
      return ev;
    }
    const typeRaw = stringish(obj.type ?? obj.event ?? obj.evt);
    const type = typeRaw === null ? null : eventTypeWord(typeRaw);
    if (type === null) return this.fail(lineNo, `JSON event without a known type: ${excerpt(line)}`);
    if (type === 'unknown') return this.fail(lineNo, 'event of unknown type skipped');
    const saddrRaw = stringish(obj.saddr ?? obj.src ?? obj.source ?? obj.laddr);
    const daddrRaw = stringish(obj.daddr ?? obj.dst ?? obj.dest ?? obj.destination ?? obj.raddr);
    const saddr = saddrRaw === null ? null : bareAddress(pyBytes(saddrRaw));
    const daddr = daddrRaw === null ? null : bareAddress(pyBytes(daddrRaw));
    const sf = saddr === null ? 0 : this.cache.family(saddr);
    const df = daddr === null ? 0 : this.cache.family(daddr);
    if (saddr === null || daddr === null || sf === 0 || sf !== df) {
      return this.fail(lineNo, `JSON event with bad addresses: ${excerpt(line)}`);
    }
    const ipField = numberish(obj.ip ?? obj.ipVersion ?? obj.ip_version ?? obj.family);
    if (ipField !== null && ipField !== sf)
      return this.fail(lineNo, `JSON event ip ${ipField} disagrees with addresses`);
    const sport = numberish(obj.sport ?? obj.lport ?? obj.src_port, MAX_PORT);
    const dport = numberish(obj.dport ?? obj.rport ?? obj.dst_port, MAX_PORT);
    if (sport === null || dport === null) return this.fail(lineNo, `JSON event with bad ports: ${excerpt(line)}`);
    const pid = numberish(obj.pid ?? obj.tgid, MAX_PID);
    if (pid === null) return this.fail(lineNo, `JSON event without pid: ${excerpt(line)}`);
    const netnsRaw = obj.netns ?? obj.net_ns ?? obj.netnsid ?? obj.netNs;
    const netns = netnsRaw === undefined || netnsRaw === null ? null : numberish(netnsRaw, MAX_NETNS);
    const ev: TraceEvent = {
      type,
      timestampNs: jsonTime(obj),
      pid,
      comm: stringish(obj.comm ?? obj.task ?? obj.process) ?? '',
      ipVersion: sf,
      saddr,
      daddr,
      sport,
      dport,
      netns,
    };
    if (obj.pod !== undefined || obj.container !== undefined) {
      ev.container = {
        node: containerField(stringish(obj.node) ?? ''),
        namespace: containerField(stringish(obj.namespace) ?? ''),
        pod: containerField(stringish(obj.pod) ?? ''),
        container: containerField(stringish(obj.container) ?? ''),
      };
    }
    return ev;
  }
}

/** Result of parsing a whole tcptracer file at once. */
export interface TcptracerResult {
  events: TraceEvent[];
  warnings: ParseWarning[];
  warningCount: number;
  lostSamples: number;
  format: 'text' | 'json' | null;
  tool: TraceTool | null;
}

/**
 * Parse a whole tcptracer log held in memory (tests, small bundles). Prefer
 * {@link TcptracerParser} for files of unknown size.
 */
export function parseTcptracer(text: string, file = 'tcptracer.log'): TcptracerResult {
  const p = new TcptracerParser(file);
  const events: TraceEvent[] = [];
  let from = 0;
  const len = text.length;
  while (from < len) {
    let nl = text.indexOf('\n', from);
    if (nl < 0) nl = len;
    const ev = p.push(text.slice(from, nl));
    if (ev) events.push(ev);
    from = nl + 1;
  }
  p.end(text.length === 0 || text.endsWith('\n'));
  return {
    events,
    warnings: p.warnings,
    warningCount: p.warningCount,
    lostSamples: p.lostSamples,
    format: p.format,
    tool: p.tool,
  };
}

function isBlank(c: number): boolean {
  return c === 32 || (c <= 13 && c >= 9);
}

function ipAt(line: string, s: number, e: number): 0 | 4 | 6 {
  if (e - s !== 1) return 0;
  const c = line.charCodeAt(s);
  return c === 52 ? 4 : c === 54 ? 6 : 0;
}

function typeAt(line: string, s: number, e: number): RawType | null {
  switch (e - s) {
    case 1: {
      const c = line.charCodeAt(s);
      return c === 67 ? 'connect' : c === 65 ? 'accept' : c === 88 ? 'close' : c === 85 ? 'unknown' : null;
    }
    case 5:
      return line.startsWith('close', s) ? 'close' : null;
    case 6:
      return line.startsWith('accept', s) ? 'accept' : null;
    case 7:
      return line.startsWith('connect', s) ? 'connect' : line.startsWith('unknown', s) ? 'unknown' : null;
    default:
      return null;
  }
}

const GLUE_WORDS: ReadonlyArray<readonly [string, RawType]> = [
  ['connect', 'connect'],
  ['accept', 'accept'],
  ['close', 'close'],
  ['unknown', 'unknown'],
  ['C', 'connect'],
  ['A', 'accept'],
  ['X', 'close'],
  ['U', 'unknown'],
];

function gluedTimeType(line: string, s: number, e: number): { type: RawType; split: number } | null {
  for (const [word, type] of GLUE_WORDS) {
    const split = e - word.length;
    if (split > s && line.startsWith(word, split) && parseTime(line, s, split) !== null) return { type, split };
  }
  return null;
}

/** TIME as ns: an integer is ns (`-tv`), a decimal is seconds (`-t`). Null when not a number. */
function parseTime(line: string, s: number, e: number): number | null {
  const dot = line.indexOf('.', s);
  if (dot < 0 || dot >= e) {
    const v = parseUintAt(line, s, e);
    return Number.isNaN(v) ? null : v;
  }
  const whole = dot === s ? 0 : parseUintAt(line, s, dot);
  if (Number.isNaN(whole)) return null;
  let frac = 0;
  let scale = 1e9;
  for (let i = dot + 1; i < e; i++) {
    const c = line.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    scale /= 10;
    frac += c * scale;
  }
  if (dot + 1 === e && dot === s) return null;
  return whole * 1e9 + Math.round(frac);
}

function jsonTime(obj: Record<string, unknown>): number | null {
  const ns = obj.timestampNs ?? obj.timestamp_ns ?? obj.ts_ns ?? obj.time_ns ?? obj.ts;
  if (typeof ns === 'number' && Number.isFinite(ns) && ns >= 0) return Math.round(ns);
  if (typeof ns === 'string') {
    const v = Number(ns);
    if (Number.isFinite(v) && v >= 0) return Math.round(v);
  }
  const sec = obj.time ?? obj.timestamp;
  if (typeof sec === 'number' && Number.isFinite(sec) && sec >= 0) {
    // BCC's --json prints seconds as a float; an integer `timestamp` this large is already ns.
    return Number.isInteger(sec) && sec > 1e12 ? sec : Math.round(sec * 1e9);
  }
  return null;
}

/** Python 3 prints bytes as `b'text'` when BCC formats them with %s; undo that. */
function pyBytes(s: string): string {
  if (s.length >= 3 && s.startsWith("b'") && s.endsWith("'")) return s.slice(2, -1);
  return s;
}

/** Container-map fields: `<>` means unknown. */
function containerField(s: string): string | null {
  const v = pyBytes(s);
  return v === '' || v === '<>' ? null : v;
}
