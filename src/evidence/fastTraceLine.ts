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
  let leadingZero = false;
  for (let i = s; i <= e; i++) {
    const c = i === e ? 46 : buf[i]!;
    if (c === 46) {
      if (digits === 0 || octet > 255 || (leadingZero && digits > 1)) return -1;
      value = value * 256 + octet;
      parts++;
      octet = 0;
      digits = 0;
      leadingZero = false;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9 || digits === 3) return -1;
    if (digits === 0) leadingZero = d === 0;
    octet = octet * 10 + d;
    digits++;
  }
  return parts === 4 ? value : -1;
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
  let dot = -1;
  for (let i = s; i < e; i++) {
    if (buf[i] === 46) {
      dot = i;
      break;
    }
  }
  if (dot < 0) {
    if (e - s > 15) return null;
    let v = 0;
    for (let i = s; i < e; i++) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) return null;
      v = v * 10 + d;
    }
    return v;
  }
  if (dot === s || dot + 1 === e || dot - s > 10) return null;
  let whole = 0;
  for (let i = s; i < dot; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return null;
    whole = whole * 10 + d;
  }
  let frac = 0;
  let scale = 1e9;
  for (let i = dot + 1; i < e; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return null;
    scale /= 10;
    frac += d * scale;
  }
  return whole * 1e9 + Math.round(frac);
}

/** Byte classes of the fast path: printable ASCII makes tokens, space and tab separate, anything else bails. */
const TOKEN = 0;
const BLANK = 1;
const OTHER = 2;
const BYTE_CLASS = new Uint8Array(256).fill(OTHER);
for (let c = 33; c < 127; c++) BYTE_CLASS[c] = TOKEN;
BYTE_CLASS[32] = BLANK;
BYTE_CLASS[9] = BLANK;

// Token spans found from the two ends of the line, reused across calls.
const starts = new Int32Array(16);
const ends = new Int32Array(16);

/**
 * Reads one line `[s, e)` of `buf` into `out`. Returns false when the line is not a plain IPv4 event in the
 * given layout; the caller then uses the general parser.
 *
 * Only the head (TIME TYPE PID) and the tail (IP SADDR DADDR SPORT DPORT NETNS) are tokenised, from both ends,
 * which is what makes COMM with spaces harmless and keeps the work per line small.
 */
export function scanFastLine(buf: Uint8Array, s: number, e: number, layout: FastLayout, out: FastLine): boolean {
  const tail = layout.hasNetns ? 6 : 5;
  const head = layout.hasTime ? 3 : 2;
  // Tail tokens, right to left: ends[0..tail) holds NETNS/DPORT first.
  let i = e;
  for (let k = 0; k < tail; k++) {
    while (i > s && BYTE_CLASS[buf[i - 1]!] === BLANK) i--;
    if (i === s) return false;
    ends[k] = i;
    while (i > s && BYTE_CLASS[buf[i - 1]!] === TOKEN) i--;
    if (i > s && BYTE_CLASS[buf[i - 1]!] !== BLANK) return false;
    starts[k] = i;
  }
  const tailStart = i;
  // Head tokens, left to right, into slots [tail, tail + head).
  i = s;
  for (let k = tail; k < tail + head; k++) {
    while (i < tailStart && BYTE_CLASS[buf[i]!] === BLANK) i++;
    if (i >= tailStart) return false;
    starts[k] = i;
    while (i < tailStart && BYTE_CLASS[buf[i]!] === TOKEN) i++;
    if (i < tailStart && BYTE_CLASS[buf[i]!] !== BLANK) return false;
    ends[k] = i;
  }
  // COMM lies between: printable ASCII, spaces and tabs only (anything else goes to the general parser).
  let commStart = i;
  let commEnd = tailStart;
  for (let j = commStart; j < commEnd; j++) if (BYTE_CLASS[buf[j]!] === OTHER) return false;
  while (commStart < commEnd && BYTE_CLASS[buf[commStart]!] === BLANK) commStart++;
  while (commEnd > commStart && BYTE_CLASS[buf[commEnd - 1]!] === BLANK) commEnd--;

  const ipIdx = tail - 1;
  if (ends[ipIdx]! - starts[ipIdx]! !== 1 || buf[starts[ipIdx]!] !== 52) return false;
  let t = tail;
  let timestampNs: number | null = null;
  if (layout.hasTime) {
    timestampNs = timeAt(buf, starts[t]!, ends[t]!);
    if (timestampNs === null) return false;
    t++;
  }
  const type = typeAt(buf, starts[t]!, ends[t]!);
  if (type < 0) return false;
  const pid = uintAt(buf, starts[t + 1]!, ends[t + 1]!, MAX_PID);
  if (pid < 0) return false;
  const saddr = ipv4At(buf, starts[ipIdx - 1]!, ends[ipIdx - 1]!);
  const daddr = ipv4At(buf, starts[ipIdx - 2]!, ends[ipIdx - 2]!);
  const sport = uintAt(buf, starts[ipIdx - 3]!, ends[ipIdx - 3]!, 65535);
  const dport = uintAt(buf, starts[ipIdx - 4]!, ends[ipIdx - 4]!, 65535);
  if (saddr < 0 || daddr < 0 || sport < 0 || dport < 0) return false;
  let netns: number | null = null;
  if (layout.hasNetns) {
    netns = uintAt(buf, starts[0]!, ends[0]!, MAX_NETNS);
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
  out.commStart = commStart;
  out.commEnd = commEnd;
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
