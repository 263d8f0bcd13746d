/**
 * A byte-level fast path for the common BCC tcptracer text line (IPv4, `-t`/`-v` layouts without the
 * containers-map prefix), read straight from a Buffer without creating strings.
 *
 * It is deliberately conservative: anything unusual (IPv6, glued TIME+TYPE, `U` events, leading zeros,
 * non-ASCII COMM, prefixes) returns false and the caller hands the line to the general
 * {@link TcptracerParser}, which stays the single authority on the format. A property test checks that both
 * agree on every line the fast path accepts.
 */

/** Event type codes of the fast path: connect, accept, close. */
export const FAST_TYPE = { connect: 0, accept: 1, close: 2 } as const;
export type FastType = (typeof FAST_TYPE)[keyof typeof FAST_TYPE];

/** Reused output of {@link scanFastLine}; COMM stays as a byte range until someone needs the string. */
export interface FastLine {
  type: FastType;
  timestampNs: number | null;
  pid: number;
  /** IPv4 addresses as unsigned 32-bit integers. */
  saddr: number;
  daddr: number;
  sport: number;
  dport: number;
  netns: number | null;
  commStart: number;
  commEnd: number;
}

/** A zeroed {@link FastLine} to reuse across calls. */
export function newFastLine(): FastLine {
  return {
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
}

/** The column layout announced by the header line. */
export interface FastLayout {
  hasTime: boolean;
  hasNetns: boolean;
}

const MAX_PID = 4_194_304;
const MAX_NETNS = 4_294_967_295;

/** Unsigned decimal in [s, e), or -1 when not all digits, empty, or above `max`. */
function uintAt(buf: Uint8Array, s: number, e: number, max: number): number {
  if (e <= s || e - s > 10) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v > max ? -1 : v;
}

/** Dotted-quad IPv4 in [s, e) as uint32, or -1. Leading zeros are refused (left to the general parser). */
function ipv4At(buf: Uint8Array, s: number, e: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (c === 46) {
      if (digits === 0 || parts === 3) return -1;
      value = value * 256 + octet;
      parts++;
      octet = 0;
      digits = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9 || (digits === 1 && octet === 0)) return -1;
    octet = octet * 10 + d;
    if (++digits > 3 || octet > 255) return -1;
  }
  return digits === 0 || parts !== 3 ? -1 : value * 256 + octet;
}

/** TYPE token: verbose word or single letter; -1 for anything else (including `unknown`/`U`). */
function typeAt(buf: Uint8Array, s: number, e: number): number {
  const len = e - s;
  const c = buf[s];
  if (len === 1) return c === 67 ? 0 : c === 65 ? 1 : c === 88 ? 2 : -1;
  if (len === 7 && c === 99 && buf[s + 1] === 111 && buf[s + 2] === 110 && buf[s + 3] === 110 && buf[s + 6] === 116)
    return buf[s + 4] === 101 && buf[s + 5] === 99 ? 0 : -1; // connect
  if (
    len === 6 &&
    c === 97 &&
    buf[s + 1] === 99 &&
    buf[s + 2] === 99 &&
    buf[s + 3] === 101 &&
    buf[s + 4] === 112 &&
    buf[s + 5] === 116
  )
    return 1; // accept
  if (len === 5 && c === 99 && buf[s + 1] === 108 && buf[s + 2] === 111 && buf[s + 3] === 115 && buf[s + 4] === 101)
    return 2; // close
  return -1;
}

/** TIME token: integer ns (`-tv`) or decimal seconds (`-t`), exactly as the general parser reads it. */
function timeAt(buf: Uint8Array, s: number, e: number): number | null {
  let i = s;
  let whole = 0;
  while (i < e) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    whole = whole * 10 + d;
    i++;
  }
  if (i === e) return e - s > 15 ? null : whole;
  // Seconds with a fraction; odd shapes (".5", "5.") are left to the general parser.
  if (buf[i] !== 46 || i === s || i - s > 10 || i + 1 === e) return null;
  let frac = 0;
  let scale = 1e9;
  for (let j = i + 1; j < e; j++) {
    const d = buf[j]! - 48;
    if (d < 0 || d > 9) return null;
    scale /= 10;
    frac += d * scale;
  }
  return whole * 1e9 + Math.round(frac);
}

// Token spans of the current line, reused across calls.
const MAX_TOKENS = 32;
const starts = new Int32Array(MAX_TOKENS);
const ends = new Int32Array(MAX_TOKENS);

/**
 * Reads one line `[s, e)` of `buf` into `out`. Returns false when the line is not a plain IPv4 event in the
 * given layout; the caller then uses the general parser.
 *
 * One forward pass cuts the line into tokens (space and tab separate; any byte outside printable ASCII sends the
 * line to the general parser). The head (TIME TYPE PID) is read from the first tokens and the tail (IP SADDR
 * DADDR SPORT DPORT NETNS) from the last ones, so a COMM with spaces in between never shifts a column.
 */
export function scanFastLine(buf: Uint8Array, s: number, e: number, layout: FastLayout, out: FastLine): boolean {
  let n = 0;
  let i = s;
  while (i < e) {
    let c = buf[i]!;
    while (c === 32 || c === 9) {
      if (++i === e) break;
      c = buf[i]!;
    }
    if (i === e) break;
    if (n === MAX_TOKENS) return false;
    starts[n] = i;
    while (c > 32 && c < 127) {
      if (++i === e) break;
      c = buf[i]!;
    }
    if (i < e && c !== 32 && c !== 9) return false;
    ends[n++] = i;
  }
  const tail = layout.hasNetns ? 6 : 5;
  const head = layout.hasTime ? 3 : 2;
  if (n < head + tail) return false;
  const ip = n - tail;
  if (ends[ip]! - starts[ip]! !== 1 || buf[starts[ip]!] !== 52) return false;

  let t = 0;
  let timestampNs: number | null = null;
  if (layout.hasTime) {
    timestampNs = timeAt(buf, starts[0]!, ends[0]!);
    if (timestampNs === null) return false;
    t = 1;
  }
  const type = typeAt(buf, starts[t]!, ends[t]!);
  if (type < 0) return false;
  const pid = uintAt(buf, starts[t + 1]!, ends[t + 1]!, MAX_PID);
  if (pid < 0) return false;
  const saddr = ipv4At(buf, starts[ip + 1]!, ends[ip + 1]!);
  const daddr = ipv4At(buf, starts[ip + 2]!, ends[ip + 2]!);
  const sport = uintAt(buf, starts[ip + 3]!, ends[ip + 3]!, 65535);
  const dport = uintAt(buf, starts[ip + 4]!, ends[ip + 4]!, 65535);
  if (saddr < 0 || daddr < 0 || sport < 0 || dport < 0) return false;
  let netns: number | null = null;
  if (layout.hasNetns) {
    netns = uintAt(buf, starts[n - 1]!, ends[n - 1]!, MAX_NETNS);
    if (netns < 0) return false;
  }
  out.type = type as FastType;
  out.timestampNs = timestampNs;
  out.pid = pid;
  out.saddr = saddr;
  out.daddr = daddr;
  out.sport = sport;
  out.dport = dport;
  out.netns = netns;
  // COMM: the tokens between PID and IP, with the blanks between them (empty when the columns touch).
  const firstComm = t + 2;
  out.commStart = firstComm < ip ? starts[firstComm]! : ends[t + 1]!;
  out.commEnd = firstComm < ip ? ends[ip - 1]! : ends[t + 1]!;
  return true;
}

/** uint32 -> dotted quad. */
export function ipv4ToString(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Reads a tcptracer header line (`TIME(ns) TYPE PID COMM IP SADDR DADDR SPORT DPORT NETNS`) into a layout. */
export function headerLayout(line: string): FastLayout | null {
  const words = line.trim().split(/\s+/);
  if (!words.includes('PID') || !words.includes('SADDR') || !words.includes('DPORT')) return null;
  // The containers-map prefix (NODE NAMESPACE POD CONTAINER) is left to the general parser.
  if (words[0] === 'NODE') return null;
  return { hasTime: words[0]?.startsWith('TIME') ?? false, hasNetns: words.includes('NETNS') };
}
