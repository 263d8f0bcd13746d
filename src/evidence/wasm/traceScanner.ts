// AssemblyScript, compiled to dist/src/evidence/wasm/traceScanner.wasm by `npm run build` (not by tsc).
//
// The fast path for BCC tcptracer text lines (plain IPv4 events in the `-t`/`-v` layouts), folded into groups:
// lines the aggregator counts identically (same type, PID, COMM, SADDR, NETNS and, for connects, DADDR:DPORT)
// become one group with a count, and groups carry over from one input chunk to the next, so a whole trace usually
// folds into a few thousand groups. SIMD finds newlines and token boundaries 16 bytes at a time, so
// the padding of BCC's fixed-width columns costs almost nothing. Any line it is not sure of (IPv6, `U` events,
// glued columns, leading zeros, bytes outside printable ASCII, more than 32 tokens, a COMM over 16 bytes) stops
// the scan and goes back to the caller, which applies the groups so far and hands the line to the general
// parser, so the aggregate sees everything in file order. The JavaScript side is src/evidence/traceScanner.ts.

/** Bytes of input the caller may place at INPUT (plus 64 bytes of slack for the last vector loads). */
export const INPUT_CAPACITY: i32 = 2 << 20;
/** Distinct groups per run; a run that needs more stops early, and the caller applies them and goes on. */
export const MAX_GROUPS: i32 = 65536;
/**
 * A group is one 64-byte cache line (a trace's groups then stay in the CPU's L2 cache): the raw bytes of its
 * SADDR, DADDR (connects only) and COMM tokens, zero-padded to 16 bytes each, then as u32 KEY (type | dport << 2
 * | COMM length << 18), PID, NETNS, COUNT. A line with the same raw SADDR/DADDR/COMM and the same small fields
 * reads as the group's first line did, so addresses are parsed once per group, not once per line.
 */
export const GROUP_INTS: i32 = 16;
export const GROUP_COMM_OFFSET: i32 = 32;
const GROUP_BYTES: usize = 64;
/** Per group, written once: SADDR and DADDR as u32, for the caller. */
export const ADDRESSES_INTS: i32 = 2;

const MAX_TOKENS: i32 = 32;
const HASH_SLOTS: i32 = 131072;
const SLOT_GROUP_BITS: u32 = 17; // HASH_SLOTS > MAX_GROUPS: open addressing stays short

export const INPUT: usize = heap.alloc(<usize>INPUT_CAPACITY + 64);
export const GROUPS: usize = (heap.alloc(<usize>MAX_GROUPS * GROUP_BYTES + 64) + 63) & ~63;
export const ADDRESSES: usize = heap.alloc(<usize>(MAX_GROUPS * ADDRESSES_INTS * 4));
const TOKEN_STARTS: usize = heap.alloc(<usize>(MAX_TOKENS * 4));
const TOKEN_ENDS: usize = heap.alloc(<usize>(MAX_TOKENS * 4));
/**
 * Open-addressing hash table: per slot, the run number that wrote it (high 15 bits) and its group (low 17), so a
 * new run starts empty without clearing (the table is cleared when the run number wraps).
 */
const SLOTS: usize = heap.alloc(<usize>(HASH_SLOTS * 4));
let generation: u32 = 1; // the zeroed SLOTS match no run

/** Why the last scan returned: more input needed (or all read), a line for the general parser, groups full. */
export const STOP_INPUT: i32 = 0;
export const STOP_SLOW_LINE: i32 = 1;
export const STOP_FULL: i32 = 2;

// Results, read by the caller through these exported globals.
export let stop: i32 = 0;
/** Offset after the last line folded into groups (where the next scan starts unless a slow line follows). */
export let consumed: i32 = 0;
/** The line to hand to the general parser: [slowStart, slowEnd) without the CR, next line at slowNext. */
export let slowStart: i32 = 0;
export let slowEnd: i32 = 0;
export let slowNext: i32 = 0;
/** The run so far (since `reset`): groups, lines folded into them, earliest and latest timestamps (-1: none). */
export let groupCount: i32 = 0;
export let lines: i32 = 0;
export let minTimestampNs: f64 = -1;
export let maxTimestampNs: f64 = -1;

const MAX_PID: u64 = 4194304;
const MAX_PORT: u64 = 65535;
const MAX_NETNS: u64 = 4294967295;

function tokenStart(k: i32): usize {
  return <usize>load<u32>(TOKEN_STARTS + ((<usize>k) << 2));
}
function tokenEnd(k: i32): usize {
  return <usize>load<u32>(TOKEN_ENDS + ((<usize>k) << 2));
}

/** Unsigned decimal in [s, e), or -1 when not all digits, empty, longer than 10 digits, or above max. */
function uintAt(s: usize, e: usize, max: u64): i64 {
  if (e <= s || e - s > 10) return -1;
  let v: u64 = 0;
  for (let i = s; i < e; i++) {
    const d = <u32>load<u8>(i) - 48;
    if (d > 9) return -1;
    v = v * 10 + d;
  }
  return v > max ? -1 : <i64>v;
}

/** Dotted-quad IPv4 in [s, e), or -1. Leading zeros are refused (left to the general parser). */
function ipv4At(s: usize, e: usize): i64 {
  let value: u32 = 0;
  let octet: u32 = 0;
  let digits = 0;
  let parts = 0;
  for (let i = s; i < e; i++) {
    const c = <u32>load<u8>(i);
    if (c == 46) {
      if (digits == 0 || parts == 3) return -1;
      value = (value << 8) | octet;
      parts++;
      octet = 0;
      digits = 0;
      continue;
    }
    const d = c - 48;
    if (d > 9 || (digits == 1 && octet == 0)) return -1;
    octet = octet * 10 + d;
    digits++;
    if (digits > 3 || octet > 255) return -1;
  }
  return digits == 0 || parts != 3 ? -1 : <i64>((value << 8) | octet);
}

/** TYPE: verbose word or single letter -> 0 connect, 1 accept, 2 close; -1 for anything else. */
function typeAt(s: usize, e: usize): i32 {
  const len = e - s;
  const c = load<u8>(s);
  if (len == 1) return c == 67 ? 0 : c == 65 ? 1 : c == 88 ? 2 : -1;
  // Little-endian words of "connect", "accept", "close".
  if (len == 7) return load<u32>(s) == 0x6e6e6f63 && load<u16>(s + 4) == 0x6365 && load<u8>(s + 6) == 116 ? 0 : -1;
  if (len == 6) return load<u32>(s) == 0x65636361 && load<u16>(s + 4) == 0x7470 ? 1 : -1;
  if (len == 5) return load<u32>(s) == 0x736f6c63 && load<u8>(s + 4) == 101 ? 2 : -1;
  return -1;
}

/** JavaScript's Math.round for non-negative x (ties up), exactly. */
function roundHalfUp(x: f64): f64 {
  const f = Math.floor(x);
  return x - f >= 0.5 ? f + 1 : f;
}

/**
 * TIME: integer ns (`-tv`) or decimal seconds (`-t`), computed with the same floating-point steps as the general
 * parser so both give the same number; -1 for shapes left to it (".5", "5.", more than 15 digits).
 */
function timeAt(s: usize, e: usize): f64 {
  let i = s;
  let whole: f64 = 0;
  while (i < e) {
    const d = <u32>load<u8>(i) - 48;
    if (d > 9) break;
    whole = whole * 10 + <f64>d;
    i++;
  }
  if (i == e) return e - s > 15 ? -1 : whole;
  if (load<u8>(i) != 46 || i == s || i - s > 10 || i + 1 == e) return -1;
  let frac: f64 = 0;
  let scale: f64 = 1e9;
  for (let j = i + 1; j < e; j++) {
    const d = <u32>load<u8>(j) - 48;
    if (d > 9) return -1;
    scale /= 10;
    frac += <f64>d * scale;
  }
  return whole * 1e9 + roundHalfUp(frac);
}

const IOTA = i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

/** The `len` bytes at `at`, zero-padded to 16 (len <= 16; reading past them is safe, see INPUT). */
function raw(at: usize, len: usize): v128 {
  return v128.and(v128.load(at), i8x16.lt_u(IOTA, i8x16.splat(<i8>len)));
}

/**
 * Counts the line whose n tokens were just found into its group. Returns 1 when counted, 0 when the line is not a
 * plain IPv4 event (the general parser's case), -1 when a new group is needed but the table is full.
 */
function foldLine(n: i32, hasTime: bool, hasNetns: bool): i32 {
  const tail = hasNetns ? 6 : 5;
  const head = hasTime ? 3 : 2;
  if (n < head + tail || n > MAX_TOKENS) return 0;
  // Fixed fields come from both ends, so a COMM with spaces in between never shifts a column.
  const ip = n - tail;
  if (tokenEnd(ip) - tokenStart(ip) != 1 || load<u8>(tokenStart(ip)) != 52) return 0;
  const t = hasTime ? 1 : 0;
  // The small fields are parsed on every line.
  let ts: f64 = -1;
  if (hasTime) {
    ts = timeAt(tokenStart(0), tokenEnd(0));
    if (ts < 0) return 0;
  }
  const type = typeAt(tokenStart(t), tokenEnd(t));
  const pid = uintAt(tokenStart(t + 1), tokenEnd(t + 1), MAX_PID);
  const sport = uintAt(tokenStart(ip + 3), tokenEnd(ip + 3), MAX_PORT);
  const dport = uintAt(tokenStart(ip + 4), tokenEnd(ip + 4), MAX_PORT);
  const netns: i64 = hasNetns ? uintAt(tokenStart(n - 1), tokenEnd(n - 1), MAX_NETNS) : 0;
  if (type < 0 || pid < 0 || sport < 0 || dport < 0 || netns < 0) return 0;
  // Addresses and COMM are compared as raw bytes. DADDR only matters for connects; for the others it is checked
  // here and left out of the key, so accepts and closes of one process share a group.
  const saddrAt = tokenStart(ip + 1);
  const saddrLen = tokenEnd(ip + 1) - saddrAt;
  const daddrAt = tokenStart(ip + 2);
  const daddrLen = tokenEnd(ip + 2) - daddrAt;
  const firstComm = t + 2;
  const commAt = firstComm < ip ? tokenStart(firstComm) : tokenEnd(t + 1);
  const commLen = (firstComm < ip ? tokenEnd(ip - 1) : tokenEnd(t + 1)) - commAt;
  // Longer tokens are never a valid address, and a COMM over 16 bytes is not a kernel COMM: the general parser's.
  if (saddrLen > 15 || daddrLen > 15 || commLen > 16) return 0;
  const connect = type == 0;
  if (!connect && ipv4At(daddrAt, daddrAt + daddrLen) < 0) return 0;
  const saddrRaw = raw(saddrAt, saddrLen);
  const daddrRaw = connect ? raw(daddrAt, daddrLen) : i32x4.splat(0);
  const commRaw = raw(commAt, commLen);
  const key = <u32>type | ((connect ? <u32>dport : 0) << 2) | (<u32>commLen << 18);

  let h = <u32>pid * 0x9e3779b1;
  h = (h ^ (h >> 15) ^ <u32>netns) * 0x85ebca77;
  h = (h ^ (h >> 13) ^ key) * 0xc2b2ae3d;
  let acc = i32x4.mul(saddrRaw, i32x4(0x27d4eb2f, 0x165667b1, 0xd3a2646c, 0xfd7046c5));
  acc = i32x4.add(acc, i32x4.mul(daddrRaw, i32x4(0xb55a4f09, 0x7feb352d, 0x846ca68b, 0x2c1b3c6d)));
  acc = i32x4.add(acc, i32x4.mul(commRaw, i32x4(0x297a2d39, 0x5bd1e995, 0xcc9e2d51, 0x1b873593)));
  acc = v128.xor(acc, i64x2.shr_u(acc, 29));
  h ^= <u32>i32x4.extract_lane(acc, 0) ^ <u32>i32x4.extract_lane(acc, 1);
  h = (h ^ (h >> 16)) * 0x85ebca6b;
  h ^= <u32>i32x4.extract_lane(acc, 2) ^ <u32>i32x4.extract_lane(acc, 3);
  h = (h ^ (h >> 13)) * 0xc2b2ae35;
  h ^= h >> 16;

  const tag = generation << SLOT_GROUP_BITS;
  let slot = h & (HASH_SLOTS - 1);
  for (;;) {
    const at = SLOTS + (<usize>slot << 2);
    const value = load<u32>(at);
    if (value >> SLOT_GROUP_BITS != generation) {
      // A new key: the addresses are parsed and checked once, for the group's first line.
      const saddr = ipv4At(saddrAt, saddrAt + saddrLen);
      const daddr = connect ? ipv4At(daddrAt, daddrAt + daddrLen) : 0;
      if (saddr < 0 || daddr < 0) return 0;
      if (groupCount == MAX_GROUPS) return -1;
      const g = groupCount++;
      const rec = GROUPS + <usize>g * GROUP_BYTES;
      v128.store(rec, saddrRaw);
      v128.store(rec, daddrRaw, 16);
      v128.store(rec, commRaw, 32);
      store<u32>(rec, key, 48);
      store<u32>(rec, <u32>pid, 52);
      store<u32>(rec, <u32>netns, 56);
      store<u32>(rec, 1, 60);
      const addresses = ADDRESSES + <usize>g * <usize>(ADDRESSES_INTS * 4);
      store<u32>(addresses, <u32>saddr);
      store<u32>(addresses, <u32>daddr, 4);
      store<u32>(at, tag | <u32>g);
      break;
    }
    const rec = GROUPS + <usize>(value & ((1 << SLOT_GROUP_BITS) - 1)) * GROUP_BYTES;
    if (
      load<u32>(rec, 48) == key &&
      load<u32>(rec, 52) == <u32>pid &&
      load<u32>(rec, 56) == <u32>netns &&
      !v128.any_true(
        v128.or(
          v128.or(v128.xor(v128.load(rec), saddrRaw), v128.xor(v128.load(rec, 16), daddrRaw)),
          v128.xor(v128.load(rec, 32), commRaw),
        ),
      )
    ) {
      store<u32>(rec, load<u32>(rec, 60) + 1, 60);
      break;
    }
    slot = (slot + 1) & (HASH_SLOTS - 1);
  }
  if (hasTime) {
    if (minTimestampNs < 0 || ts < minTimestampNs) minTimestampNs = ts;
    if (ts > maxTimestampNs) maxTimestampNs = ts;
  }
  return 1;
}

/** Starts a new run: no groups. */
export function reset(): void {
  generation++;
  if (generation >> (32 - SLOT_GROUP_BITS) != 0) {
    memory.fill(SLOTS, 0, <usize>(HASH_SLOTS * 4));
    generation = 1;
  }
  groupCount = 0;
  lines = 0;
  minTimestampNs = -1;
  maxTimestampNs = -1;
}

const SPACE = i8x16.splat(32);
const TAB = i8x16.splat(9);
const NEWLINE = i8x16.splat(10);
const CR = i8x16.splat(13);
const NINETY_FIVE = i8x16.splat(95);

/** Lanes holding a byte in 32-126. */
function isText(v: v128): v128 {
  return i8x16.lt_u(i8x16.sub(v, SPACE), NINETY_FIVE);
}

/** The lanes set in four 16-byte comparisons, as one 64-bit mask (bit i = byte i). */
function mask4(a: v128, b: v128, c: v128, d: v128): u64 {
  return (
    <u64>i8x16.bitmask(a) |
    ((<u64>i8x16.bitmask(b)) << 16) |
    ((<u64>i8x16.bitmask(c)) << 32) |
    ((<u64>i8x16.bitmask(d)) << 48)
  );
}

/**
 * Folds the lines of INPUT[start, len) into the run's groups until the input ends, a line needs the general
 * parser, or the group table is full (see `stop`). `layout` is -1 before the header has been seen (every line
 * goes to the general parser), else bit 0 = TIME column, bit 1 = NETNS column; it must not change within a run.
 * With `final`, a last line without a newline is read too.
 */
export function scan(start: i32, len: i32, layout: i32, final: bool): void {
  const hasTime = (layout & 1) != 0;
  const hasNetns = (layout & 2) != 0;
  const end: usize = INPUT + <usize>len;
  let pos: usize = INPUT + <usize>start;
  stop = STOP_INPUT;
  while (pos < end) {
    // One line: token boundaries from bit masks of printable bytes, 64 bytes per step.
    let starts = 0;
    let ends = 0;
    let bad = false;
    let crCount = 0;
    let lastCr: usize = 0;
    let lineEnd: usize = end;
    let found = false;
    let carry: u64 = 0;
    for (let b = pos; b < end; b += 64) {
      const v0 = v128.load(b);
      const v1 = v128.load(b, 16);
      const v2 = v128.load(b, 32);
      const v3 = v128.load(b, 48);
      const avail = end - b;
      let valid: u64 = avail >= 64 ? <u64>-1 : ((<u64>1) << (<u64>avail)) - 1;
      const nl = mask4(i8x16.eq(v0, NEWLINE), i8x16.eq(v1, NEWLINE), i8x16.eq(v2, NEWLINE), i8x16.eq(v3, NEWLINE)) & valid;
      if (nl != 0) {
        valid = (nl & (0 - nl)) - 1; // the bytes before the first newline
        found = true;
        lineEnd = b + <usize>ctz(nl);
      }
      // Bytes 32-126 (printable or space); anything else is unusual and checked below.
      const text = mask4(isText(v0), isText(v1), isText(v2), isText(v3));
      const spaces = mask4(i8x16.eq(v0, SPACE), i8x16.eq(v1, SPACE), i8x16.eq(v2, SPACE), i8x16.eq(v3, SPACE));
      const printable = text & ~spaces & valid;
      const unusual = valid & ~text;
      if (unusual != 0) {
        // Tabs separate like spaces; only a CR right before the newline is allowed (CRLF files); anything else
        // is the general parser's.
        const tabs = mask4(i8x16.eq(v0, TAB), i8x16.eq(v1, TAB), i8x16.eq(v2, TAB), i8x16.eq(v3, TAB));
        const crs = mask4(i8x16.eq(v0, CR), i8x16.eq(v1, CR), i8x16.eq(v2, CR), i8x16.eq(v3, CR)) & unusual;
        if ((unusual & ~tabs & ~crs) != 0) bad = true;
        crCount += <i32>popcnt(crs);
        if (crs != 0) lastCr = b + <usize>ctz(crs);
      }
      const before = (printable << 1) | carry;
      let tokenStarts = printable & ~before;
      let tokenEnds = ~printable & before & valid;
      while (tokenStarts != 0) {
        if (starts < MAX_TOKENS) store<u32>(TOKEN_STARTS + ((<usize>starts) << 2), <u32>(b + <usize>ctz(tokenStarts)));
        starts++;
        tokenStarts &= tokenStarts - 1;
      }
      while (tokenEnds != 0) {
        if (ends < MAX_TOKENS) store<u32>(TOKEN_ENDS + ((<usize>ends) << 2), <u32>(b + <usize>ctz(tokenEnds)));
        ends++;
        tokenEnds &= tokenEnds - 1;
      }
      carry = printable >> 63;
      if (found) break;
    }
    if (!found && !final) break; // the partial last line waits for more input
    if (ends < starts) {
      // A token that runs to the end of the line.
      if (ends < MAX_TOKENS) store<u32>(TOKEN_ENDS + ((<usize>ends) << 2), <u32>lineEnd);
      ends++;
    }
    let e = lineEnd;
    if (crCount > 0) {
      if (crCount > 1 || lastCr != lineEnd - 1) bad = true;
      else e = lineEnd - 1;
    }
    const next = found ? lineEnd + 1 : end;
    const folded = bad || layout < 0 ? 0 : foldLine(starts, hasTime, hasNetns);
    if (folded == 0) {
      stop = STOP_SLOW_LINE;
      slowStart = <i32>(pos - INPUT);
      slowEnd = <i32>(e - INPUT);
      slowNext = <i32>(next - INPUT);
      break;
    }
    if (folded < 0) {
      stop = STOP_FULL;
      break;
    }
    lines++;
    pos = next;
  }
  consumed = <i32>(pos - INPUT);
}
