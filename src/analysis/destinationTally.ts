/**
 * Connect counts per public destination (address and port) of one talker, exact and compact: a crawler or a
 * webhook fan-out can reach hundreds of thousands of distinct destinations in one trace, and a Map of strings
 * would cost ~200 bytes each. IPv4 destinations live in typed arrays keyed by the 32-bit address and the port
 * (16 bytes a slot); anything else (IPv6) in a small Map.
 */
import type { DestinationCount } from '../report/model.js';

/** Words per IPv4 entry: address, port, count. */
const SLOT = 3;

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

  /** Distinct destinations. */
  get size(): number {
    this.compact();
    return this.length / SLOT + (this.other?.size ?? 0);
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
   * Adds `words / 3` IPv4 entries (address, port, count) from `block`, sorted by (address, port) without repeats,
   * in one linear merge with this tally's own (sorted first): the scanner's destination tally hands them over
   * this way, so hundreds of thousands of destinations cost no sort here.
   */
  addSortedIpv4(block: Uint32Array, words: number): void {
    if (words === 0) return;
    this.compact();
    if (this.length === 0) {
      // Nothing to merge with (a talker's first block): take a copy as it is.
      this.log = block.slice(0, words);
      this.length = words;
      this.sorted = words;
      return;
    }
    const mine = this.log;
    const mineWords = this.length;
    const merged = new Uint32Array(Math.max(SLOT * MIN_ENTRIES, mineWords + words));
    let a = 0;
    let b = 0;
    let out = 0;
    while (a < mineWords || b < words) {
      let fromMine: boolean;
      if (a === mineWords) fromMine = false;
      else if (b === words) fromMine = true;
      else {
        const am = mine[a]!;
        const bm = block[b]!;
        if (am === bm && mine[a + 1] === block[b + 1]) {
          merged[out] = am;
          merged[out + 1] = mine[a + 1]!;
          merged[out + 2] = mine[a + 2]! + block[b + 2]!;
          out += SLOT;
          a += SLOT;
          b += SLOT;
          continue;
        }
        fromMine = am < bm || (am === bm && mine[a + 1]! < block[b + 1]!);
      }
      const src = fromMine ? mine : block;
      const at = fromMine ? a : b;
      merged[out] = src[at]!;
      merged[out + 1] = src[at + 1]!;
      merged[out + 2] = src[at + 2]!;
      out += SLOT;
      if (fromMine) a += SLOT;
      else b += SLOT;
    }
    this.log = merged;
    this.length = out;
    this.sorted = out;
  }

  /** Adds every count of `other` into this tally. */
  addAll(other: DestinationTally): void {
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
    const best: Ranked[] = [];
    const offer = (c: Ranked) => {
      let i = best.length === n ? n - 1 : best.length;
      if (best.length < n) best.push(c);
      while (i > 0 && before(c, best[i - 1]!)) {
        best[i] = best[i - 1]!;
        i--;
      }
      best[i] = c;
    };
    const log = this.log;
    // The log is in address order: a later entry with the same count as the last place never beats it.
    for (let at = 0; at < this.length; at += SLOT) {
      const count = log[at + 2] as number;
      if (best.length === n && count <= best[n - 1]!.count) continue;
      offer({ ip: '', port: log[at + 1] as number, count, v4: log[at] as number });
    }
    for (const [key, count] of this.other ?? []) {
      const c: Ranked = {
        ip: key.slice(0, key.lastIndexOf('|')),
        port: Number(key.slice(key.lastIndexOf('|') + 1)),
        count,
        v4: -1,
      };
      if (best.length < n || before(c, best[n - 1]!)) offer(c);
    }
    return best.map((d) => ({ ip: d.v4 >= 0 ? ipv4Text(d.v4) : d.ip, port: d.port, count: d.count }));
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
    radixSort(this.log, entries);
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

/** Entries a log starts with; logs shorter than MIN_COMPACT entries just grow. */
const MIN_ENTRIES = 8;
const MIN_COMPACT = 1 << 16;
const EMPTY: Uint32Array = new Uint32Array(0);

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
