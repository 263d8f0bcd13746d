/**
 * Connect counts per public destination (address and port) of one talker, exact and compact: a crawler or a
 * webhook fan-out can reach hundreds of thousands of distinct destinations in one trace, and a Map of strings
 * would cost ~200 bytes each. IPv4 destinations live in typed arrays keyed by the 32-bit address and the port
 * (16 bytes a slot); anything else (IPv6) in a small Map.
 */
import type { DestinationCount } from '../report/model.js';

/** Words per IPv4 entry of the log: address, port, count. */
const SLOT = 3;
/** Words per record of a sorted block (the trace scanner's layout): address, port (low 16 bits), count, unused. */
const BLOCK_SLOT = 4;

/** A candidate for the top list: IPv4 as `v4` (>= 0), anything else as `ip` text with `v4` -1. */
type Ranked = DestinationCount & { v4: number };

/** `a.b.c.d` (strict dotted quad) as an unsigned 32-bit integer, or -1. */
export function ipv4ToUint(text: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
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

/** uint32 -> dotted quad. */
function ipv4Text(v: number): string {
  return `${Math.floor(v / 16777216) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/**
 * The order of a report's top destinations: most connects first; ties by address (IPv4 numerically, before
 * IPv6 in text order), then port.
 */
function before(a: Ranked, b: Ranked): boolean {
  if (a.count !== b.count) return a.count > b.count;
  if (a.v4 >= 0 || b.v4 >= 0) {
    if (a.v4 < 0 || b.v4 < 0) return a.v4 >= 0;
    if (a.v4 !== b.v4) return a.v4 < b.v4;
  } else if (a.ip !== b.ip) return a.ip < b.ip;
  return a.port < b.port;
}

/**
 * Exact connect counts per destination.
 *
 * @example
 * const t = new DestinationTally();
 * t.add('20.60.1.12', 443, 3);
 * t.top(10); // [{ ip: '20.60.1.12', port: 443, count: 3 }]
 */
export class DestinationTally {
  /**
   * IPv4 destinations as a log of SLOT-word entries (address, port, count), sorted and merged ("compacted") up
   * to `sorted`, appended after it. Appending is sequential, so a trace with a new destination on every connect
   * costs no cache miss per connect; compaction (a radix sort) runs before reading and, from 65,536 entries on,
   * whenever the unsorted tail reaches twice the sorted part, so the log stays within three times the distinct
   * destinations (12 bytes each) plus 768 KB.
   */
  private log: Uint32Array = EMPTY;
  private length = 0;
  private sorted = 0;
  private other: Map<string, number> | null = null;
  /**
   * A sorted block of IPv4 destinations as the trace scanner handed it over (see {@link addSortedBlock}), kept
   * beside the log until something needs every entry in one list: `size` and `top` read it through binary
   * searches and its leaders, so a crawler's hundreds of thousands of destinations cost no JavaScript loop.
   */
  private block: Uint32Array = EMPTY;
  /** Indices of the block's records with the most connects, in rank order (see {@link addSortedBlock}). */
  private leaders: Uint32Array = EMPTY;

  /** Distinct destinations. */
  get size(): number {
    this.compact();
    let inBoth = 0;
    if (this.block.length > 0) {
      for (let at = 0; at < this.length; at += SLOT) {
        if (this.blockIndex(this.log[at]!, this.log[at + 1]!) >= 0) inBoth++;
      }
    }
    return this.length / SLOT + this.block.length / BLOCK_SLOT - inBoth + (this.other?.size ?? 0);
  }

  /** Adds `n` connects to `ip` (text as parsers print it) and `port`. */
  add(ip: string, port: number, n = 1): void {
    const v4 = ipv4ToUint(ip);
    if (v4 >= 0) this.addIpv4(v4, port, n);
    else {
      this.other ??= new Map();
      const key = `${ip}|${port}`;
      this.other.set(key, (this.other.get(key) ?? 0) + n);
    }
  }

  /** Adds `n` connects to an IPv4 destination given as an unsigned 32-bit integer. */
  addIpv4(address: number, port: number, n = 1): void {
    if (this.length === this.log.length) this.makeRoom();
    const log = this.log;
    const at = this.length;
    log[at] = address;
    log[at + 1] = port;
    log[at + 2] = n;
    this.length = at + SLOT;
    // Entries appended in increasing order (the scanner's tally hands them over sorted) stay sorted: no sort later.
    if (
      this.sorted === at &&
      (at === 0 || address > log[at - SLOT]! || (address === log[at - SLOT] && port > log[at - 2]!))
    )
      this.sorted = at + SLOT;
  }

  /**
   * Adds a block of IPv4 destinations as the trace scanner hands it over: records of four words (address, a word
   * whose low 16 bits are the port, the number of connects, unused), sorted by (address, port) without repeats,
   * and `leaders`: indices of the records with the most connects, in the order {@link top} ranks them (most
   * connects first, ties to the lower address, then port), all of them or at least as many as a top list asks
   * for. The tally keeps both as they are (no copy, no loop); an earlier block is merged into the log first.
   */
  addSortedBlock(records: Uint32Array, leaders: Uint32Array): void {
    if (records.length === 0) return;
    this.foldBlock();
    this.block = records;
    this.leaders = leaders;
  }

  /** Merges the block into the log: for what reads every entry. */
  private foldBlock(): void {
    if (this.block.length === 0) return;
    const block = this.block;
    this.block = EMPTY;
    this.leaders = EMPTY;
    this.mergeSorted(block, BLOCK_SLOT);
  }

  /** The block record of (address, port), or -1. */
  private blockIndex(address: number, port: number): number {
    return findEntry(this.block, this.block.length / BLOCK_SLOT, BLOCK_SLOT, address, port);
  }

  /**
   * Merges entries of `stride` words (address, port in the low 16 bits, count), sorted by (address, port)
   * without repeats, with this tally's log (sorted first) in one linear pass.
   */
  private mergeSorted(block: Uint32Array, stride: number): void {
    const entries = block.length / stride;
    if (entries === 0) return;
    this.compact();
    const mine = this.log;
    const mineWords = this.length;
    const merged = new Uint32Array(Math.max(SLOT * MIN_ENTRIES, mineWords + entries * SLOT));
    const end = entries * stride;
    let a = 0;
    let b = 0;
    let out = 0;
    while (a < mineWords || b < end) {
      let fromMine: boolean;
      if (a === mineWords) fromMine = false;
      else if (b === end) fromMine = true;
      else {
        const am = mine[a]!;
        const bm = block[b]!;
        const bp = block[b + 1]! & 0xffff;
        if (am === bm && mine[a + 1] === bp) {
          merged[out] = am;
          merged[out + 1] = bp;
          merged[out + 2] = mine[a + 2]! + block[b + 2]!;
          out += SLOT;
          a += SLOT;
          b += stride;
          continue;
        }
        fromMine = am < bm || (am === bm && mine[a + 1]! < bp);
      }
      if (fromMine) {
        merged[out] = mine[a]!;
        merged[out + 1] = mine[a + 1]!;
        merged[out + 2] = mine[a + 2]!;
        a += SLOT;
      } else {
        merged[out] = block[b]!;
        merged[out + 1] = block[b + 1]! & 0xffff;
        merged[out + 2] = block[b + 2]!;
        b += stride;
      }
      out += SLOT;
    }
    this.log = merged;
    this.length = out;
    this.sorted = out;
  }

  /** Adds every count of `other` into this tally. */
  addAll(other: DestinationTally): void {
    other.foldBlock();
    const log = other.log;
    for (let at = 0; at < other.length; at += SLOT) {
      this.addIpv4(log[at] as number, log[at + 1] as number, log[at + 2] as number);
    }
    if (other.other !== null) {
      this.other ??= new Map();
      for (const [key, n] of other.other) this.other.set(key, (this.other.get(key) ?? 0) + n);
    }
  }

  /**
   * The tally again after a trip through structured clone (a worker thread's aggregate): the fields arrive,
   * the class does not.
   */
  static revive(value: DestinationTally): DestinationTally {
    if (value instanceof DestinationTally) return value;
    return Object.assign(new DestinationTally(), value);
  }

  /** A detached copy. */
  clone(): DestinationTally {
    this.foldBlock();
    this.compact();
    const copy = new DestinationTally();
    copy.log = this.length === 0 ? EMPTY : this.log.slice(0, this.length);
    copy.length = this.length;
    copy.sorted = this.sorted;
    copy.other = this.other && new Map(this.other);
    return copy;
  }

  /** Every destination with its count, in no particular order (tests and merges). */
  entries(): DestinationCount[] {
    this.foldBlock();
    this.compact();
    const out: DestinationCount[] = [];
    const log = this.log;
    for (let at = 0; at < this.length; at += SLOT) {
      out.push({ ip: ipv4Text(log[at] as number), port: log[at + 1] as number, count: log[at + 2] as number });
    }
    for (const [key, count] of this.other ?? []) {
      const sep = key.lastIndexOf('|');
      out.push({ ip: key.slice(0, sep), port: Number(key.slice(sep + 1)), count });
    }
    return out;
  }

  /** The `n` destinations with the most connects (ties: see {@link before}), without sorting them all. */
  top(n: number): DestinationCount[] {
    if (n <= 0) return [];
    this.compact();
    const blockEntries = this.block.length / BLOCK_SLOT;
    // The leaders answer for the block when they are all of it or at least n; else the block joins the log.
    if (blockEntries > 0 && this.leaders.length < Math.min(n, blockEntries)) this.foldBlock();
    const best: Ranked[] = [];
    const offer = (c: Ranked) => {
      if (best.length === n && !before(c, best[n - 1]!)) return;
      let i = best.length === n ? n - 1 : best.length;
      if (best.length < n) best.push(c);
      while (i > 0 && before(c, best[i - 1]!)) {
        best[i] = best[i - 1]!;
        i--;
      }
      best[i] = c;
    };
    const log = this.log;
    if (this.block.length === 0) {
      // The log is in address order: a later entry with the same count as the last place never beats it.
      for (let at = 0; at < this.length; at += SLOT) {
        const count = log[at + 2] as number;
        if (best.length === n && count <= best[n - 1]!.count) continue;
        offer({ ip: '', port: log[at + 1] as number, count, v4: log[at] as number });
      }
    } else {
      // Log and block together: every log entry (with its block count), and the block's leaders. A block record
      // outside the leaders ranks below all of them in the block, and a leader's total is at least its block
      // count, so it is never among the first n.
      const block = this.block;
      for (let at = 0; at < this.length; at += SLOT) {
        const address = log[at] as number;
        const port = log[at + 1] as number;
        const i = this.blockIndex(address, port);
        offer({
          ip: '',
          port,
          count: (log[at + 2] as number) + (i >= 0 ? block[i * BLOCK_SLOT + 2]! : 0),
          v4: address,
        });
      }
      for (const i of this.leaders) {
        const at = i * BLOCK_SLOT;
        if (this.logIndex(block[at]!, block[at + 1]! & 0xffff) >= 0) continue; // offered with the log
        offer({ ip: '', port: block[at + 1]! & 0xffff, count: block[at + 2]!, v4: block[at]! });
      }
    }
    for (const [key, count] of this.other ?? []) {
      const sep = key.lastIndexOf('|');
      offer({ ip: key.slice(0, sep), port: Number(key.slice(sep + 1)), count, v4: -1 });
    }
    return best.map((d) => ({ ip: d.v4 >= 0 ? ipv4Text(d.v4) : d.ip, port: d.port, count: d.count }));
  }

  /** The log entry of (address, port) (the log compacted), or -1. */
  private logIndex(address: number, port: number): number {
    return findEntry(this.log, this.length / SLOT, SLOT, address, port);
  }

  /** Compacts when the unsorted tail is as long as the sorted part, else grows the log. */
  private makeRoom(): void {
    if (this.length >= SLOT * MIN_COMPACT && this.length - this.sorted >= 2 * this.sorted) {
      this.compact();
      if (this.length * 2 <= this.log.length) return;
    }
    const bigger = new Uint32Array(Math.max(SLOT * MIN_ENTRIES, this.log.length * 2));
    bigger.set(this.log.subarray(0, this.length));
    this.log = bigger;
  }

  /** Sorts the log by (address, port) and merges repeats, adding their counts. */
  private compact(): void {
    if (this.sorted === this.length) return;
    const entries = this.length / SLOT;
    if (entries <= SMALL_SORT && LITTLE_ENDIAN) sortSmall(this.log, entries);
    else radixSort(this.log, entries);
    const sortedLog = this.log;
    let out = 0;
    for (let at = 0; at < this.length; at += SLOT) {
      const a = sortedLog[at] as number;
      const p = sortedLog[at + 1] as number;
      if (out > 0 && sortedLog[out - SLOT] === a && sortedLog[out - SLOT + 1] === p) {
        sortedLog[out - 1] = (sortedLog[out - 1] as number) + (sortedLog[at + 2] as number);
      } else {
        sortedLog[out] = a;
        sortedLog[out + 1] = p;
        sortedLog[out + 2] = sortedLog[at + 2] as number;
        out += SLOT;
      }
    }
    this.log = sortedLog;
    this.length = out;
    this.sorted = out;
  }
}

/**
 * Binary search in `entries` entries of `stride` words (address, a word whose low 16 bits are the port, ...),
 * sorted by (address, port): the index of (address, port), or -1.
 */
function findEntry(words: Uint32Array, entries: number, stride: number, address: number, port: number): number {
  let lo = 0;
  let hi = entries - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const a = words[mid * stride]!;
    const p = words[mid * stride + 1]! & 0xffff;
    if (a === address && p === port) return mid;
    if (a < address || (a === address && p < port)) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Entries a log starts with; logs shorter than MIN_COMPACT entries just grow. */
const MIN_ENTRIES = 8;
const MIN_COMPACT = 1 << 16;
const EMPTY: Uint32Array = new Uint32Array(0);

/**
 * Logs up to this many entries are sorted by {@link sortSmall}: the radix sort's four passes over 4,096 counters
 * cost more than the entries themselves, and a short-lived process runs them before the JIT has compiled them
 * (a trace's talkers each compact a few hundred entries: 10 ms in the radix sort, 1 ms this way).
 */
const SMALL_SORT = 4096;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Sorts `entries` (address, port, count) triples in place by (address, port), stably, with the engine's native
 * numeric sort: each entry becomes one 64-bit key, address << 28 | port << 12 | its index (entries <= 4,096, ports
 * below 65,536), written as two 32-bit halves (little-endian), so no BigInt is made.
 */
function sortSmall(log: Uint32Array, entries: number): void {
  const keys = new BigUint64Array(entries);
  const halves = new Uint32Array(keys.buffer);
  for (let i = 0, at = 0; i < entries; i++, at += SLOT) {
    const address = log[at]!;
    halves[2 * i] = (((address & 15) << 28) | (log[at + 1]! << 12) | i) >>> 0;
    halves[2 * i + 1] = address >>> 4;
  }
  keys.sort();
  const copy = log.slice(0, entries * SLOT);
  for (let i = 0, at = 0; i < entries; i++, at += SLOT) {
    const from = (halves[2 * i]! & 0xfff) * SLOT;
    log[at] = copy[from]!;
    log[at + 1] = copy[from + 1]!;
    log[at + 2] = copy[from + 2]!;
  }
}

/** Bits of the 48-bit key (address, port) sorted per pass: four passes of 12 bits. */
const DIGIT_BITS = 12;
const DIGIT_MASK = (1 << DIGIT_BITS) - 1;
const digitCounts = new Uint32Array((1 << DIGIT_BITS) + 1);
/** Scratch space shared by all tallies (one thread sorts one log at a time). */
let scratch = new Uint32Array(0);

/**
 * LSD radix sort, in place, of `entries` (address, port, count) triples by the 48-bit key (address, port): four
 * 12-bit digits from the port's low bits up, no comparisons, sequential passes. An even number of passes leaves
 * the result in `log`; the scratch array is reused, so sorting allocates nothing in the steady state.
 */
function radixSort(log: Uint32Array, entries: number): void {
  const words = entries * SLOT;
  if (scratch.length < words) scratch = new Uint32Array(Math.max(words, scratch.length * 2));
  let from: Uint32Array = log;
  let to: Uint32Array = scratch;
  const counts = digitCounts;
  for (let shift = 0; shift < 48; shift += DIGIT_BITS) {
    // Bits 0-15 of the key are the port (word 1), bits 16-47 the address (word 0); the second digit straddles
    // them (the port's top 4 bits and the address's low 8, see digitOf).
    const word = shift < 16 ? 1 : 0;
    const s = shift < 16 ? shift : shift - 16;
    counts.fill(0);
    for (let at = 0; at < words; at += SLOT) counts[digitOf(from, at, shift, word, s) + 1]!++;
    for (let d = 1; d < counts.length; d++) counts[d]! += counts[d - 1]!;
    for (let at = 0; at < words; at += SLOT) {
      const dest = counts[digitOf(from, at, shift, word, s)]!++ * SLOT;
      to[dest] = from[at]!;
      to[dest + 1] = from[at + 1]!;
      to[dest + 2] = from[at + 2]!;
    }
    const t = from;
    from = to;
    to = t;
  }
}

/** The 12-bit digit of the entry at `at` starting at key bit `shift`. */
function digitOf(log: Uint32Array, at: number, shift: number, word: number, s: number): number {
  if (shift === 12) return ((log[at + 1]! >>> 12) | ((log[at]! & 0xff) << 4)) & DIGIT_MASK;
  return (log[at + word]! >>> s) & DIGIT_MASK;
}
