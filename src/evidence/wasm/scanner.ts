// AssemblyScript, compiled to dist/src/evidence/wasm/scanner.wasm by `npm run build` (not by tsc).
//
// The fast path for BCC tcptracer text lines (plain IPv4 events in the `-t`/`-v` layouts). It does not hand the
// caller lines but what the aggregator makes of them, in file order:
//   - a *process* event the first time a PID shows up in a talker (SADDR, NETNS): the aggregator's PID list;
//   - a *group* event at the first line of each group, carrying the group's final count: lines of one talker with
//     the same TYPE, COMM, DADDR and, for connects, DPORT (and the same PID, for talkers the caller keys per PID).
// Both tables stay small (processes, and talkers x destinations), so they live in the CPU cache, and a repeated
// key costs a hash probe, not a parse: SADDR, NETNS, DADDR and COMM are compared as raw bytes.
// SIMD finds newlines and token boundaries 64 bytes at a time, so the padding of BCC's fixed-width columns costs
// almost nothing. Any line it is not sure of (IPv6, `U` events, glued columns, leading zeros, bytes outside
// printable ASCII, more than 32 tokens, a COMM over 16 bytes) stops the scan and goes back to the caller, which
// applies the events so far and hands the line to the general parser. The JavaScript side is
// src/evidence/read/wasmScanner.ts (loading and calling it) and src/evidence/fastPath.ts (what it hands over).

/** Bytes of input the caller may place at INPUT (plus 64 bytes of slack for the last vector loads). */
export const INPUT_CAPACITY: i32 = 2 << 20;

const MAX_TOKENS: i32 = 32;

const SLOT_INDEX_BITS: u32 = 17;
const SLOT_INDEX_MASK: u32 = (1 << SLOT_INDEX_BITS) - 1;
const RECORD_BYTES: usize = 48;
const FIELDS: usize = 32;
/** Flag in a group's KEY field (not part of the key): the owner's first group with this COMM. */
export const KEY_NEW_COMM: u32 = 1 << 24;
const KEY_FLAGS: u32 = KEY_NEW_COMM;
let generation: u32 = 1; // the zeroed slots match no run

/**
 * An open-addressing hash table of 48-byte records: two 16-byte raw keys, then four u32 fields. Twice as many
 * slots as records keep probes short. A slot holds the run number that wrote it (high 15 bits) and its record
 * (low 17), so a new run starts empty without clearing (the slots are cleared when the run number wraps), and
 * the record's full hash, so a probe past another key costs no visit to that key's record (a cache miss once
 * the records outgrow the cache, as they do on a trace with a new destination on every line).
 */
class Table {
  readonly records: usize;
  private readonly slots: usize;
  private readonly slotMask: u32;
  count: i32 = 0;
  /** Where this table's last `find` stopped without a match, and the hash it looked for: what `add` fills. */
  private free: usize = 0;
  private freeHash: u32 = 0;
  private lastSlot: usize = 0;

  constructor(
    readonly capacity: i32,
    slots: u32,
  ) {
    this.records = heap.alloc(<usize>capacity * RECORD_BYTES);
    this.slots = heap.alloc(<usize>slots * 8);
    this.slotMask = slots - 1;
  }

  record(index: i32): usize {
    return this.records + <usize>index * RECORD_BYTES;
  }

  /**
   * The record with keys `a`, `b` (and, when `words` is 2, first fields `w0` and `w1`, the latter without its flag
   * bits, see KEY_FLAGS), or -1.
   */
  find(h: u32, a: v128, b: v128, w0: u32, w1: u32, words: i32): i32 {
    let slot = h & this.slotMask;
    for (;;) {
      const at = this.slots + ((<usize>slot) << 3);
      const value = load<u32>(at);
      if (value >> SLOT_INDEX_BITS != generation) {
        this.free = at;
        this.freeHash = h;
        return -1;
      }
      if (load<u32>(at, 4) == h) {
        const index = <i32>(value & SLOT_INDEX_MASK);
        const rec = this.record(index);
        const same = !v128.any_true(v128.or(v128.xor(v128.load(rec), a), v128.xor(v128.load(rec, 16), b)));
        if (
          same &&
          (words == 0 || (load<u32>(rec + FIELDS) == w0 && (load<u32>(rec + FIELDS, 4) & ~KEY_FLAGS) == w1))
        ) {
          return index;
        }
      }
      slot = (slot + 1) & this.slotMask;
    }
    return -1; // not reached: the table always has empty slots
  }

  /** Adds a record where the last `find` failed; -1 when the table is full. */
  add(a: v128, b: v128, f0: u32, f1: u32, f2: u32, f3: u32): i32 {
    if (this.count == this.capacity) return -1;
    const index = this.count++;
    const rec = this.record(index);
    v128.store(rec, a);
    v128.store(rec, b, 16);
    store<u32>(rec + FIELDS, f0);
    store<u32>(rec + FIELDS, f1, 4);
    store<u32>(rec + FIELDS, f2, 8);
    store<u32>(rec + FIELDS, f3, 12);
    store<u32>(this.free, (generation << SLOT_INDEX_BITS) | <u32>index);
    store<u32>(this.free, this.freeHash, 4);
    this.lastSlot = this.free;
    return index;
  }

  /**
   * Takes back the last `add`, when nothing was added to this table since: its slot ends its probe chain (it was
   * the first empty one), so emptying it leaves the table exactly as before.
   */
  removeLast(): void {
    this.count--;
    store<u32>(this.lastSlot, 0);
  }

  clear(): void {
    memory.fill(this.slots, 0, <usize>(this.slotMask + 1) * 8);
  }
}

/**
 * The tables of a run (capacities: a run that fills one stops early, and the caller applies it and goes on):
 *   talker:  SADDR raw | NETNS raw | SADDR, NETNS, SPLIT (keyed per PID), MODE (TRACK_* bits)
 *   process: SADDR raw | NETNS raw (up to 12 bytes) with the PID as u32 in the last 4 | TALKER, PID, -, -
 *   group:   DADDR raw (connects) | COMM raw | OWNER (talker, or process | 1 << 31), KEY, DADDR (connects), COUNT
 *   owner COMM: COMM raw | OWNER in every lane | COMM length, OWNER, -, -
 * KEY is type | dport << 2 | COMM length << 18 (dport 0 for accepts and closes), plus flags that are not part of
 * the key: KEY_NEW_COMM marks the owner's first group with this COMM.
 *
 * The aggregator keeps a bounded sample of PIDs and COMMs per talker. A talker whose samples were already full
 * when the run met it (the caller says so, see talkerMode) needs neither: its lines skip the process table and
 * its groups leave COMM out of the key, so a trace where every line is a new process with its own COMM folds
 * into as few groups as one with a handful of long-lived processes.
 */
const processes = new Table(32768, 65536);
const groups = new Table(32768, 65536);
// Talkers are few (one per pod address and namespace, plus the host's): 1,024 per run keeps the table in L1.
const talkers = new Table(1024, 2048);
const ownerComms = new Table(32768, 65536);
/**
 * Per talker of the run (by index, 32 bytes each): the raw COMM of its last tallied connect, then the run
 * (generation) it was seen in; see foldLine.
 */
const LAST_TALLIED_COMMS: usize = heap.alloc(<usize>talkers.capacity << 5);

/**
 * The destination tally: exact connect counts per (talker, DADDR, DPORT) for the talkers the caller gives a tally
 * id (every talker it knows that is not keyed per PID, see talkerMode), kept across runs until the caller takes
 * them. A trace with
 * a new destination on most connects (a crawler, a webhook fan-out) would otherwise hand every line to the
 * caller as a group of its own.
 *
 * Two levels, so a line never waits on a cache miss: a small hash table (384 KB, in the L2 cache) counts the
 * destinations seen lately; when it fills, its records are appended to a log (sequential writes) and it starts
 * empty. Taking the tally (finishDestinations) sorts the log, merges repeats and sums it per talker. A hash table over all
 * destinations was tried: with ~500,000 of them every new one cost a cache and TLB miss (~0.15 s per 1M lines).
 * Log records of 16 bytes: DADDR, id << 16 | DPORT, COUNT, unused; the cache keys them by the raw DADDR bytes
 * (a repeated destination is not parsed again), with slots of 8 bytes: record index + 1 (0: empty) and the hash. The log holds at most DEST_CAPACITY records (8 MB): when full, the scan stops and the
 * caller takes the tally.
 */
const DEST_BITS: i32 = 19;
/** Records the destination tally's log holds (16 bytes each) before the scan stops for the caller to take it. */
export const DEST_CAPACITY: i32 = 1 << DEST_BITS;
/** Address of the tally's log in memory: where the caller reads the sorted, merged tally. */
export const DESTS: usize = heap.alloc(<usize>DEST_CAPACITY * 16);
const DEST_SCRATCH: usize = heap.alloc(<usize>DEST_CAPACITY * 16);
const CACHE_CAPACITY: i32 = 8192;
const CACHE_SLOT_MASK: u32 = 16384 - 1;
const CACHE_RECORDS: usize = heap.alloc(<usize>CACHE_CAPACITY * 32);
const CACHE_SLOTS: usize = heap.alloc(<usize>(CACHE_SLOT_MASK + 1) * 8);
/** Four histograms of 65,536 counters, one per 16-bit digit of the sort key (see sortDestinations). */
const RADIX_COUNTS: usize = heap.alloc(4 * 65536 * 4);
/** Records in the log, and in the cache. */
let destCount: i32 = 0;
let cacheCount: i32 = 0;
let destLimit: i32 = DEST_CAPACITY;
let cacheLimit: i32 = CACHE_CAPACITY;

/** Lowers the tally's capacity (tests exercise a full tally with it); 0 or above DEST_CAPACITY restores it. */
export function limitDestinations(limit: i32): void {
  destLimit = limit <= 0 || limit > DEST_CAPACITY ? DEST_CAPACITY : limit;
  cacheLimit = destLimit < CACHE_CAPACITY ? destLimit : CACHE_CAPACITY;
}

/** Appends the cache's records to the log and empties the cache (the caller checked the log has room). */
function spillCache(): void {
  let to = DESTS + ((<usize>destCount) << 4);
  const end = CACHE_RECORDS + ((<usize>cacheCount) << 5);
  for (let r = CACHE_RECORDS; r < end; r += 32) {
    v128.store(to, v128.load(r, 16));
    to += 16;
  }
  destCount += cacheCount;
  cacheCount = 0;
  memory.fill(CACHE_SLOTS, 0, (<usize>(CACHE_SLOT_MASK + 1)) << 3);
}

const NO_BYTES = i32x4.splat(0);

/**
 * Counts one connect of tally `id` to the DADDR at [daddrAt, +daddrLen) and DPORT. The cache is keyed by the
 * raw DADDR bytes, so a repeated destination is not parsed again. Returns 1 when counted, 0 when DADDR is not
 * a plain IPv4 address (the general parser's line), -1 when the tally is full.
 */
function tallyDestination(id: u32, daddrAt: usize, daddrLen: usize, dport: u32): i32 {
  const word = (id << 16) | dport;
  const daddrRaw = raw(daddrAt, daddrLen);
  const h = hash(daddrRaw, NO_BYTES, word);
  let slot = h & CACHE_SLOT_MASK;
  for (;;) {
    const at = CACHE_SLOTS + ((<usize>slot) << 3);
    const index = load<u32>(at);
    if (index == 0) break;
    if (load<u32>(at, 4) == h) {
      const rec = CACHE_RECORDS + ((<usize>(index - 1)) << 5);
      if (!v128.any_true(v128.xor(v128.load(rec), daddrRaw)) && load<u32>(rec, 20) == word) {
        store<u32>(rec, load<u32>(rec, 24) + 1, 24);
        return 1;
      }
    }
    slot = (slot + 1) & CACHE_SLOT_MASK;
  }
  const daddr = ipv4At(daddrAt, daddrAt + daddrLen);
  if (daddr < 0) return 0;
  if (cacheCount == cacheLimit) {
    if (destCount + cacheCount > destLimit - cacheLimit) return -1;
    spillCache();
    slot = h & CACHE_SLOT_MASK; // the slots are empty now
  }
  // Cache record: DADDR raw (16 bytes), then the log record: DADDR, id << 16 | DPORT, COUNT, unused.
  const rec = CACHE_RECORDS + ((<usize>cacheCount) << 5);
  v128.store(rec, daddrRaw);
  store<u32>(rec, <u32>daddr, 16);
  store<u32>(rec, word, 20);
  store<u32>(rec, 1, 24);
  store<u32>(rec, 0, 28);
  cacheCount++;
  const at = CACHE_SLOTS + ((<usize>slot) << 3);
  store<u32>(at, <u32>cacheCount);
  store<u32>(at, h, 4);
  return 1;
}

/**
 * One LSD pass over the 16-bit digit of word `word` at bit `shift`, from `from` to `to`; `offsets` holds each
 * digit value's first output slot (its histogram's exclusive prefix sums) and is advanced as records land.
 */
function radixPass(from: usize, to: usize, n: i32, word: usize, shift: u32, offsets: usize): void {
  const end = from + ((<usize>n) << 4);
  for (let r = from; r < end; r += 16) {
    const d = (load<u32>(r + word) >> shift) & 0xffff;
    const c = offsets + ((<usize>d) << 2);
    const i = load<u32>(c);
    store<u32>(c, i + 1);
    v128.store(to + ((<usize>i) << 4), v128.load(r));
  }
}

/** Adds one to the counter of `digit` in the histogram at `counts`. */
@inline
function count(counts: usize, digit: u32): void {
  const c = counts + ((<usize>digit) << 2);
  store<u32>(c, load<u32>(c) + 1);
}

/**
 * Sorts the tally by (id, DADDR, DPORT) with repeats merged (the result is in DESTS), and returns how many records
 * it holds. LSD radix over four 16-bit digits (DPORT, DADDR's low and high halves, id): the four histograms come
 * from one pass over the records, and a digit whose records all share one value (one port, one talker) needs no
 * pass of its own.
 */
function sortDestinations(): i32 {
  spillCache(); // the log always has room for the cache (see tallyDestination)
  const n = destCount;
  if (n <= 1) return n;
  const histogram: usize = 65536 * 4;
  memory.fill(RADIX_COUNTS, 0, 4 * histogram);
  const end = DESTS + ((<usize>n) << 4);
  for (let r = DESTS; r < end; r += 16) {
    const address = load<u32>(r);
    const word = load<u32>(r, 4);
    count(RADIX_COUNTS, word & 0xffff);
    count(RADIX_COUNTS + histogram, address & 0xffff);
    count(RADIX_COUNTS + 2 * histogram, address >> 16);
    count(RADIX_COUNTS + 3 * histogram, word >> 16);
  }
  let from: usize = DESTS;
  let to: usize = DEST_SCRATCH;
  for (let k = 0; k < 4; k++) {
    const offsets = RADIX_COUNTS + <usize>k * histogram;
    let sum: u32 = 0;
    let oneValue = false;
    for (let c = offsets; c < offsets + histogram; c += 4) {
      const here = load<u32>(c);
      if (here == <u32>n) oneValue = true;
      store<u32>(c, sum);
      sum += here;
    }
    if (oneValue) continue;
    // Digits in key order from the least significant: DPORT (word 1 low), DADDR low, DADDR high, id (word 1 high).
    radixPass(from, to, n, k == 0 || k == 3 ? 4 : 0, k == 0 || k == 1 ? 0 : 16, offsets);
    const t = from;
    from = to;
    to = t;
  }
  // Merge repeats into DESTS (in place when the sorted records are already there).
  let out: usize = DESTS;
  v128.store(out, v128.load(from));
  const last = from + ((<usize>n) << 4);
  for (let r = from + 16; r < last; r += 16) {
    if (load<u32>(r) == load<u32>(out) && load<u32>(r, 4) == load<u32>(out, 4)) {
      store<u32>(out, load<u32>(out, 8) + load<u32>(r, 8), 8);
    } else {
      out += 16;
      v128.store(out, v128.load(r));
    }
  }
  destCount = <i32>((out + 16 - DESTS) >> 4);
  return destCount;
}

/** Private IPv4 ranges the caller classifies destinations by, as it gave them (see setPrivateRanges). */
export const MAX_PRIVATE_RANGES: i32 = 4096;
/** Where the caller writes the private ranges: sorted, merged, disjoint [first, last] u32 pairs. */
export const PRIVATE_RANGES: usize = heap.alloc(<usize>MAX_PRIVATE_RANGES * 8);
let privateRangeCount: i32 = 0;

/** Says how many ranges the caller wrote at PRIVATE_RANGES (at most MAX_PRIVATE_RANGES). */
export function setPrivateRanges(count: i32): void {
  privateRangeCount = count < 0 ? 0 : count > MAX_PRIVATE_RANGES ? MAX_PRIVATE_RANGES : count;
}

/** Destinations with the most connects kept per talker by finishDestinations, in rank order. */
export const TALLY_LEADERS: i32 = 16;
/** Word offset of the leader indices in a talker's summary (see TALLY_SUMMARY_WORDS). */
export const TALLY_SUMMARY_LEADERS: i32 = 8;
/**
 * Words of one talker's summary: tally id, index of its first public record, public records, public connects,
 * private connects, leaders, two unused, then TALLY_LEADERS leader indices (relative to its first record).
 */
export const TALLY_SUMMARY_WORDS: i32 = TALLY_SUMMARY_LEADERS + TALLY_LEADERS;
/**
 * Where finishDestinations writes the summaries: the sort's scratch space, free once the sort is done, and large
 * enough for one summary per possible tally id (65,535 x 96 bytes).
 */
export const TALLY_SUMMARIES: usize = DEST_SCRATCH;

/**
 * Sorts and merges the tally (see sortDestinations), then does in one pass what the caller would otherwise do per
 * record: splits each talker's connects into private (within the ranges of setPrivateRanges, walked alongside
 * the sorted addresses) and public, keeps only the public records (compacted at DESTS, still sorted by id,
 * DADDR, DPORT), and picks each talker's leaders: the TALLY_LEADERS records with the most connects, ties to the
 * lower (DADDR, DPORT), as the caller ranks destinations. Returns the number of talker summaries written at
 * TALLY_SUMMARIES. The caller reads them, then calls clearDestinations.
 */
export function finishDestinations(): i32 {
  const n = sortDestinations();
  const end = DESTS + ((<usize>n) << 4);
  let r: usize = DESTS;
  let out: usize = DESTS; // public records, compacted in place (out never passes r)
  let summary: usize = TALLY_SUMMARIES;
  let summaries = 0;
  while (r < end) {
    const idWord = load<u32>(r, 4) >> 16;
    const first = out;
    const leaders = summary + ((<usize>TALLY_SUMMARY_LEADERS) << 2);
    let leaderCount = 0;
    let publicConnects: u32 = 0;
    let privateConnects: u32 = 0;
    let range = 0;
    for (; r < end && load<u32>(r, 4) >> 16 == idWord; r += 16) {
      const daddr = load<u32>(r);
      const count = load<u32>(r, 8);
      while (range < privateRangeCount && daddr > load<u32>(PRIVATE_RANGES + ((<usize>range) << 3), 4)) range++;
      if (range < privateRangeCount && daddr >= load<u32>(PRIVATE_RANGES + ((<usize>range) << 3))) {
        privateConnects += count;
        continue;
      }
      v128.store(out, v128.load(r));
      publicConnects += count;
      // Records come in (DADDR, DPORT) order, so a later one only outranks a leader with fewer connects.
      const index = <u32>((out - first) >> 4);
      out += 16;
      if (leaderCount == TALLY_LEADERS) {
        const last = load<u32>(leaders + ((<usize>(TALLY_LEADERS - 1)) << 2));
        if (count <= load<u32>(first + ((<usize>last) << 4), 8)) continue;
      }
      let i = leaderCount < TALLY_LEADERS ? leaderCount++ : TALLY_LEADERS - 1;
      while (i > 0) {
        const above = load<u32>(leaders + ((<usize>(i - 1)) << 2));
        if (count <= load<u32>(first + ((<usize>above) << 4), 8)) break;
        store<u32>(leaders + ((<usize>i) << 2), above);
        i--;
      }
      store<u32>(leaders + ((<usize>i) << 2), index);
    }
    store<u32>(summary, idWord);
    store<u32>(summary, <u32>((first - DESTS) >> 4), 4);
    store<u32>(summary, <u32>((out - first) >> 4), 8);
    store<u32>(summary, publicConnects, 12);
    store<u32>(summary, privateConnects, 16);
    store<u32>(summary, <u32>leaderCount, 20);
    summary += (<usize>TALLY_SUMMARY_WORDS) << 2;
    summaries++;
  }
  return summaries;
}

/** Empties the tally. */
export function clearDestinations(): void {
  if (cacheCount > 0) spillCache();
  destCount = 0;
}

/** Address of the process table's records (layout above), read directly by the caller. */
export const PROCESSES: usize = processes.records;
/** Address of the group table's records. */
export const GROUPS: usize = groups.records;
/** Address of the talker table's records. */
export const TALKERS: usize = talkers.records;
/** Size of one table record in 32-bit words (48 bytes). */
export const RECORD_INTS: i32 = 12;
/** Byte offset of a record's four u32 fields, after its two 16-byte keys. */
export const FIELDS_OFFSET: i32 = 32;

/**
 * Events, in the order of their first line: a process index, EVENT_GROUP | a group index, or EVENT_COMM | an owner
 * COMM index (a tallied talker's connect showed a COMM new to the run; see foldLine).
 */
export const EVENT_GROUP: u32 = 0x80000000;
/** See EVENT_GROUP. */
export const EVENT_COMM: u32 = 0x40000000;
/** Address of the owner COMM table's records (COMM raw, owner in every lane, COMM length, owner), read by the caller. */
export const OWNER_COMMS: usize = ownerComms.records;
/** Address where the caller writes the next chunk of trace bytes (up to INPUT_CAPACITY). */
export const INPUT: usize = heap.alloc(<usize>INPUT_CAPACITY + 64);
/** Address of the run's event list (u32 each, see EVENT_GROUP), EVENT_COUNT long. */
export const EVENTS: usize = heap.alloc(<usize>(processes.capacity + groups.capacity + ownerComms.capacity) * 4);
/**
 * The current line's tokens as addresses, start then end of each (MAX_TOKENS at most are kept), plus room for
 * the up to 7 extra addresses `writeBounds` stores past them.
 */
const TOKENS: usize = heap.alloc(<usize>(MAX_TOKENS * 8 + 32));

/**
 * How the caller counts this talker, asked once per talker and run: TALKER_SPLIT when it keys it per PID
 * (host-network traffic), TALKER_TRACK_PIDS / TALKER_TRACK_COMMS while its PID / COMM sample still has room,
 * and in the bits from TALKER_TALLY_SHIFT on a tally id (1-65535; 0: none) under which the destination tally
 * counts its connects (not for talkers keyed per PID).
 */
@external("scanner", "talkerMode")
declare function talkerMode(saddr: u32, netns: u32): u32;

/** talkerMode bit: key this talker's lines per PID (host-network traffic). */
export const TALKER_SPLIT: u32 = 1;
/** talkerMode bit: the talker's PID sample has room, so new PIDs become process events. */
export const TALKER_TRACK_PIDS: u32 = 2;
/** talkerMode bit: the talker's COMM sample has room, so COMM is part of its group key. */
export const TALKER_TRACK_COMMS: u32 = 4;
/** talkerMode: the tally id sits in the bits from here up (0: the talker has no tally). */
export const TALKER_TALLY_SHIFT: u32 = 8;

/** Why the last scan returned: more input needed (or all read), a line for the general parser, a table full. */
export const STOP_INPUT: i32 = 0;
/** Stop reason: a line the scanner is not sure of, at SLOW_START..SLOW_END, for the general parser. */
export const STOP_SLOW_LINE: i32 = 1;
/** Stop reason: a table (or the destination tally) is full; the caller applies the run and goes on. */
export const STOP_FULL: i32 = 2;

/**
 * Results of the last scan, written to memory (typed-array reads are cheaper for the caller than global reads):
 * i32 STOP, CONSUMED (offset after the last line folded), SLOW_START, SLOW_END (the line for the general parser,
 * without its CR), SLOW_NEXT (the line after it), EVENT_COUNT and LINES of the run so far, unused; then f64 the
 * run's earliest and latest timestamps (-1: none).
 */
export const RESULTS: usize = heap.alloc(48);
let eventCount: i32 = 0;
let lines: i32 = 0;
let minTimestampNs: f64 = -1;
let maxTimestampNs: f64 = -1;

function report(stop: i32, consumed: usize, slowStart: usize, slowEnd: usize, slowNext: usize): i32 {
  store<i32>(RESULTS, stop);
  store<i32>(RESULTS, <i32>(consumed - INPUT), 4);
  store<i32>(RESULTS, <i32>(slowStart - INPUT), 8);
  store<i32>(RESULTS, <i32>(slowEnd - INPUT), 12);
  store<i32>(RESULTS, <i32>(slowNext - INPUT), 16);
  store<i32>(RESULTS, eventCount, 20);
  store<i32>(RESULTS, lines, 24);
  store<f64>(RESULTS, minTimestampNs, 32);
  store<f64>(RESULTS, maxTimestampNs, 40);
  return stop;
}

const MAX_PID: u64 = 4194304;
const MAX_PORT: u64 = 65535;
const MAX_NETNS: u64 = 4294967295;

/** Where token k of the line whose tokens are at `tokens` (TOKENS) starts. */
// @ts-ignore: decorator
@inline
function tokenStart(tokens: usize, k: i32): usize {
  return <usize>load<u32>(tokens + ((<usize>k) << 3));
}
/** Where token k ends. */
// @ts-ignore: decorator
@inline
function tokenEnd(tokens: usize, k: i32): usize {
  return <usize>load<u32>(tokens + ((<usize>k) << 3), 4);
}

/** Lanes of the 16 bytes at `s` holding an ASCII digit, as bits (bit i = byte i; reading past is safe, see INPUT). */
// @ts-ignore: decorator
@inline
function digitBits(s: usize): u32 {
  return <u32>i8x16.bitmask(i8x16.lt_u(i8x16.sub(v128.load(s), ZERO), TEN));
}

/** The low `len` bits set (len <= 31). */
// @ts-ignore: decorator
@inline
function lowBits(len: usize): u32 {
  return (<u32>1 << <u32>len) - 1;
}

/**
 * The value of the 1-8 ASCII digits at `s` (checked by the caller), without a loop: the digits are moved to the
 * top of a little-endian word (zeros before them are leading zeros), then pairs, quads and the two halves are
 * combined with three multiplications (SWAR).
 */
// @ts-ignore: decorator
@inline
function digits8(s: usize, len: usize): u64 {
  let v = (load<u64>(s) - 0x3030303030303030) << ((8 - <u64>len) << 3);
  v = v * 10 + (v >> 8);
  // 0x000f424000000064 = 100 + (1000000 << 32); 0x0000271000000001 = 1 + (10000 << 32).
  const pairs: u64 = 0x000000ff000000ff;
  v = ((v & pairs) * <u64>0x000f424000000064 + ((v >> 16) & pairs) * <u64>0x0000271000000001) >> 32;
  return v;
}

/** Unsigned decimal in [s, e), or -1 when not all digits, empty, longer than 10 digits, or above max. */
// @ts-ignore: decorator
@inline
function uintAt(s: usize, e: usize, max: u64): i64 {
  const len = e - s;
  if (len == 0 || len > 10) return -1;
  const lanes = lowBits(len);
  if ((digitBits(s) & lanes) != lanes) return -1;
  let v: u64;
  if (len <= 8) v = digits8(s, len);
  else v = digits8(s, len - 8) * 100000000 + digits8(s + len - 8, 8);
  return v > max ? -1 : <i64>v;
}

const ZERO = i8x16.splat(48);
const TEN = i8x16.splat(10);
const DOT = i8x16.splat(46);

/** True when [s, e) is a port number (what uintAt(s, e, 65535) accepts), mostly without a loop. */
// @ts-ignore: decorator
@inline
function isPort(s: usize, e: usize): bool {
  const len = e - s;
  if (len == 0 || len > 5) return uintAt(s, e, MAX_PORT) >= 0;
  const lanes = lowBits(len);
  if ((digitBits(s) & lanes) != lanes) return false;
  // Up to 4 digits, or 5 starting below 6, are always at most 65535.
  return len < 5 || load<u8>(s) < 54 || uintAt(s, e, MAX_PORT) >= 0;
}

/**
 * One octet of a dotted quad: the 1-3 digits at `s` (checked by the caller) as a number, or 256 (too big, or a
 * leading zero, which the general parser's reading of the address does not take here).
 */
// @ts-ignore: decorator
@inline
function octetAt(s: usize, len: u32): u32 {
  const w = load<u32>(s) - 0x30303030; // a borrow only reaches the bytes after the digits, shifted out below
  const x = (w << ((3 - len) << 3)) & 0xffffff;
  const value = (x & 0xff) * 100 + ((x >> 8) & 0xff) * 10 + (x >> 16);
  return len > 1 && (w & 0xff) == 0 ? 256 : value;
}

/**
 * Dotted-quad IPv4 in [s, e), or -1. Leading zeros are refused (left to the general parser). Digits and dots
 * are found as bit masks of the 16 bytes (an address has at most 15), so there is no branch per character.
 */
function ipv4At(s: usize, e: usize): i64 {
  const len = e - s;
  if (len > 15) return -1;
  const lanes = lowBits(len);
  const v = v128.load(s);
  const digits = <u32>i8x16.bitmask(i8x16.lt_u(i8x16.sub(v, ZERO), TEN)) & lanes;
  const dots = <u32>i8x16.bitmask(i8x16.eq(v, DOT)) & lanes;
  if ((digits | dots) != lanes || popcnt(dots) != 3) return -1;
  const d1: u32 = ctz(dots);
  const d2: u32 = ctz(dots & (dots - 1));
  const d3: u32 = <u32>31 - clz(dots);
  // Octet lengths, unsigned: each must be 1-3 (0 wraps around to a large number).
  const l0: u32 = d1;
  const l1: u32 = d2 - d1 - 1;
  const l2: u32 = d3 - d2 - 1;
  const l3: u32 = <u32>len - d3 - 1;
  if (l0 - 1 > 2 || l1 - 1 > 2 || l2 - 1 > 2 || l3 - 1 > 2) return -1;
  const o0 = octetAt(s, l0);
  const o1 = octetAt(s + <usize>d1 + 1, l1);
  const o2 = octetAt(s + <usize>d2 + 1, l2);
  const o3 = octetAt(s + <usize>d3 + 1, l3);
  if ((o0 | o1 | o2 | o3) > 255) return -1;
  return <i64>((o0 << 24) | (o1 << 16) | (o2 << 8) | o3);
}

/** TYPE: verbose word or single letter -> 0 connect, 1 accept, 2 close; -1 for anything else. */
// @ts-ignore: decorator
@inline
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
 * TIME: integer ns (`-tv`) or decimal seconds (`-t`), giving exactly the general parser's number (the fraction
 * with its floating-point steps); -1 for shapes left to it (".5", "5.", more than 15 digits).
 */
// @ts-ignore: decorator
@inline
function timeAt(s: usize, e: usize): f64 {
  const len = e - s;
  if (len <= 15) {
    // The usual integer ns (`-tv`): no loop.
    const lanes = lowBits(len);
    if ((digitBits(s) & lanes) == lanes) {
      return <f64>(len <= 8 ? digits8(s, len) : digits8(s, len - 8) * 100000000 + digits8(s + len - 8, 8));
    }
  }
  let i = s;
  // Integer digits in a u64: exact, as the general parser's doubles are, up to the 15 digits accepted here.
  let whole: u64 = 0;
  while (i < e) {
    const d = <u32>load<u8>(i) - 48;
    if (d > 9) break;
    whole = whole * 10 + d;
    i++;
  }
  if (i == e) return e - s > 15 ? -1 : <f64>whole;
  if (load<u8>(i) != 46 || i == s || i - s > 10 || i + 1 == e) return -1;
  let frac: f64 = 0;
  let scale: f64 = 1e9;
  for (let j = i + 1; j < e; j++) {
    const d = <u32>load<u8>(j) - 48;
    if (d > 9) return -1;
    scale /= 10;
    frac += <f64>d * scale;
  }
  return <f64>whole * 1e9 + roundHalfUp(frac);
}

const IOTA = i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
/** For each length 0-16, the mask of that many leading bytes (16 bytes each): what `raw` keeps. */
const RAW_MASKS: usize = heap.alloc(17 * 16);
for (let len = 0; len <= 16; len++) v128.store(RAW_MASKS + (<usize>len << 4), i8x16.lt_u(IOTA, i8x16.splat(<i8>len)));

/** The `len` bytes at `at`, zero-padded to 16 (len <= 16; reading past them is safe, see INPUT). */
// @ts-ignore: decorator
@inline
function raw(at: usize, len: usize): v128 {
  return v128.and(v128.load(at), v128.load(RAW_MASKS + (len << 4)));
}

/**
 * A 32-bit hash of two vectors and a word: each 64-bit half times its own odd constant, the products and the
 * word xored, then folded and multiplied once more, keeping the well-mixed high half.
 */
function hash(a: v128, b: v128, word: u32): u32 {
  let x =
    (<u64>i64x2.extract_lane(a, 0) * 0x9e3779b97f4a7c15) ^
    (<u64>i64x2.extract_lane(a, 1) * 0xc2b2ae3d27d4eb4f) ^
    (<u64>i64x2.extract_lane(b, 0) * 0x165667b19e3779f9) ^
    (<u64>i64x2.extract_lane(b, 1) * 0xd6e8feb86659fd93) ^
    <u64>word;
  x = (x ^ (x >> 32)) * 0x9e3779b97f4a7c15;
  return <u32>(x >> 32);
}

function pushEvent(event: u32): void {
  store<u32>(EVENTS + ((<usize>eventCount) << 2), event);
  eventCount++;
}

/**
 * Returns `result` (a line that stops the scan: for the general parser, or a table full) after taking back the
 * process this line added, if it added one: the general parser may refuse the line (a DADDR with leading zeros),
 * and a PID must reach the aggregator only from lines it reads.
 */
function undoProcess(added: bool, result: i32): i32 {
  if (added) {
    processes.removeLast();
    eventCount--;
  }
  return result;
}

/**
 * Counts the line whose n tokens were just found. Returns 1 when counted, 0 when the line is not a plain IPv4
 * event (the general parser's case), -1 when a table is full.
 */
function foldLine(tokens: usize, n: i32, hasTime: bool, hasNetns: bool): i32 {
  const tail = hasNetns ? 6 : 5;
  const head = hasTime ? 3 : 2;
  if (n < head + tail || n > MAX_TOKENS) return 0;
  // Fixed fields come from both ends, so a COMM with spaces in between never shifts a column.
  const ip = n - tail;
  if (tokenEnd(tokens, ip) - tokenStart(tokens, ip) != 1 || load<u8>(tokenStart(tokens, ip)) != 52) return 0;
  const t = hasTime ? 1 : 0;
  const saddrAt = tokenStart(tokens, ip + 1);
  const saddrLen = tokenEnd(tokens, ip + 1) - saddrAt;
  const daddrAt = tokenStart(tokens, ip + 2);
  const daddrLen = tokenEnd(tokens, ip + 2) - daddrAt;
  const netnsAt = hasNetns ? tokenStart(tokens, n - 1) : 0;
  const netnsLen = hasNetns ? tokenEnd(tokens, n - 1) - netnsAt : 0;
  // COMM: the tokens between PID and IP with the blanks between them (empty when the columns touch).
  const firstComm = t + 2;
  const commAt = firstComm < ip ? tokenStart(tokens, firstComm) : tokenEnd(tokens, t + 1);
  const commLen = (firstComm < ip ? tokenEnd(tokens, ip - 1) : tokenEnd(tokens, t + 1)) - commAt;
  // Longer tokens are never valid here, and a COMM over 16 bytes is not a kernel COMM: the general parser's.
  if (saddrLen > 15 || daddrLen > 15 || netnsLen > 12 || commLen > 16) return 0;

  // The small fields are read on every line.
  let ts: f64 = -1;
  if (hasTime) {
    ts = timeAt(tokenStart(tokens, 0), tokenEnd(tokens, 0));
    if (ts < 0) return 0;
  }
  const type = typeAt(tokenStart(tokens, t), tokenEnd(tokens, t));
  const pid = uintAt(tokenStart(tokens, t + 1), tokenEnd(tokens, t + 1), MAX_PID);
  const dport = uintAt(tokenStart(tokens, ip + 4), tokenEnd(tokens, ip + 4), MAX_PORT);
  if (type < 0 || pid < 0 || dport < 0 || !isPort(tokenStart(tokens, ip + 3), tokenEnd(tokens, ip + 3))) return 0;
  const connect = type == 0;
  // The destination only matters for connects; for the others it is checked here and left out of the key, so a
  // process's accepts and closes to many peers stay one group.
  if (!connect && ipv4At(daddrAt, daddrAt + daddrLen) < 0) return 0;

  // The talker (SADDR, NETNS) first: its table is small enough to stay in the L1 cache, and its mode says whether
  // the PID matters at all (a PID sample with room, or a per-PID talker). Only then the process (SADDR, NETNS, PID).
  const saddrRaw = raw(saddrAt, saddrLen);
  const netnsRaw = raw(netnsAt, netnsLen);
  let talker = talkers.find(hash(saddrRaw, netnsRaw, 0), saddrRaw, netnsRaw, 0, 0, 0);
  if (talker < 0) {
    // First line of the talker in this run: its address and NETNS are parsed and checked once.
    const saddr = ipv4At(saddrAt, saddrAt + saddrLen);
    const netns: i64 = hasNetns ? uintAt(netnsAt, netnsAt + netnsLen, MAX_NETNS) : 0;
    if (saddr < 0 || netns < 0) return 0;
    if (talkers.count == talkers.capacity) return -1;
    const mode = talkerMode(<u32>saddr, <u32>netns);
    talker = talkers.add(saddrRaw, netnsRaw, <u32>saddr, <u32>netns, mode & TALKER_SPLIT, mode);
  }
  const mode = load<u32>(talkers.record(talker) + FIELDS, 12);
  const split = (mode & TALKER_SPLIT) != 0;
  let owner = <u32>talker;
  // A process first seen on this line is taken back if the line then stops the scan (see undoProcess).
  let newProcess = false;
  if ((mode & (TALKER_SPLIT | TALKER_TRACK_PIDS)) != 0) {
    const netnsPid = i32x4.replace_lane(netnsRaw, 3, <i32>pid);
    let p = processes.find(hash(saddrRaw, netnsPid, 0), saddrRaw, netnsPid, 0, 0, 0);
    if (p < 0) {
      if (processes.count == processes.capacity) return -1;
      p = processes.add(saddrRaw, netnsPid, <u32>talker, <u32>pid, 0, 0);
      pushEvent(<u32>p);
      newProcess = true;
    }
    if (split) owner = <u32>p | 0x80000000;
  }

  // A connect of a talker with a tally id: its destination is counted in the destination tally rather than as a
  // group of its own; while the talker's COMM sample has room, a COMM it has not shown yet in this run becomes a
  // COMM event. The COMM table is checked for room first and the tally next, so a line that stops the scan (a
  // full table, a DADDR for the general parser) has changed nothing.
  const tallyId = mode >> TALKER_TALLY_SHIFT;
  if (connect && tallyId != 0 && !split) {
    const trackComm = (mode & TALKER_TRACK_COMMS) != 0;
    const commRaw = trackComm ? raw(commAt, commLen) : i32x4.splat(0);
    const ownerRaw = i32x4.splat(<i32>owner);
    // The COMM of this talker's last tallied connect in this run is known already: no lookup (one-COMM crawlers).
    const last = LAST_TALLIED_COMMS + ((<usize>owner) << 5);
    const repeated = trackComm && load<u32>(last, 16) == generation && !v128.any_true(v128.xor(v128.load(last), commRaw));
    const newComm =
      trackComm && !repeated && ownerComms.find(hash(commRaw, commRaw, owner), commRaw, ownerRaw, 0, 0, 0) < 0;
    if (newComm && ownerComms.count == ownerComms.capacity) return undoProcess(newProcess, -1);
    const tallied = tallyDestination(tallyId, daddrAt, daddrLen, <u32>dport);
    if (tallied <= 0) return undoProcess(newProcess, tallied);
    if (newComm) pushEvent(EVENT_COMM | <u32>ownerComms.add(commRaw, ownerRaw, <u32>commLen, owner, 0, 0));
    if (trackComm && !repeated) {
      v128.store(last, commRaw);
      store<u32>(last, generation, 16);
    }
    if (hasTime) {
      if (minTimestampNs < 0 || ts < minTimestampNs) minTimestampNs = ts;
      if (ts > maxTimestampNs) maxTimestampNs = ts;
    }
    return 1;
  }

  // The group: its owner (the talker, or the process when keyed per PID), TYPE, COMM (while the owner's COMM
  // sample has room) and, for connects, DADDR (raw, so it is parsed once per group) and DPORT.
  const trackComms = split || (mode & TALKER_TRACK_COMMS) != 0;
  const keyCommLen: usize = trackComms ? commLen : 0;
  let key = <u32>type | ((connect ? <u32>dport : 0) << 2) | ((<u32>keyCommLen) << 18);
  const daddrRaw = connect ? raw(daddrAt, daddrLen) : i32x4.splat(0);
  const commRaw = trackComms ? raw(commAt, commLen) : i32x4.splat(0);
  const g = groups.find(hash(daddrRaw, commRaw, owner ^ (key * 0x9e3779b1)), daddrRaw, commRaw, owner, key, 2);
  if (g >= 0) {
    const count = groups.record(g) + FIELDS + 12;
    store<u32>(count, load<u32>(count) + 1);
  } else {
    const daddr = connect ? ipv4At(daddrAt, daddrAt + daddrLen) : 0;
    if (daddr < 0 || groups.count == groups.capacity || ownerComms.count == ownerComms.capacity) {
      return undoProcess(newProcess, daddr < 0 ? 0 : -1);
    }
    // Flag the first group of each COMM of an owner: the caller records COMMs only from those.
    if (trackComms && ownerComms.find(hash(commRaw, commRaw, owner), commRaw, i32x4.splat(<i32>owner), 0, 0, 0) < 0) {
      ownerComms.add(commRaw, i32x4.splat(<i32>owner), <u32>commLen, owner, 0, 0);
      key |= KEY_NEW_COMM;
    }
    const created = groups.add(daddrRaw, commRaw, owner, key, <u32>daddr, 1);
    pushEvent(EVENT_GROUP | <u32>created);
  }
  if (hasTime) {
    if (minTimestampNs < 0 || ts < minTimestampNs) minTimestampNs = ts;
    if (ts > maxTimestampNs) maxTimestampNs = ts;
  }
  return 1;
}

/** Starts a new run: no events, processes, groups or talkers. */
export function reset(): void {
  generation++;
  if (generation >> (32 - SLOT_INDEX_BITS) != 0) {
    processes.clear();
    groups.clear();
    talkers.clear();
    memory.fill(LAST_TALLIED_COMMS, 0, <usize>talkers.capacity << 5);
    ownerComms.clear();
    generation = 1;
  }
  eventCount = 0;
  processes.count = 0;
  groups.count = 0;
  talkers.count = 0;
  ownerComms.count = 0;
  lines = 0;
  minTimestampNs = -1;
  maxTimestampNs = -1;
  report(STOP_INPUT, INPUT, INPUT, INPUT, INPUT);
}

const TAB = i8x16.splat(9);
const NEWLINE = i8x16.splat(10);
const CR = i8x16.splat(13);
const ONE = i8x16.splat(1);
const THIRTY_TWO = i8x16.splat(32);
const THIRTY_THREE = i8x16.splat(33);

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
 * Stores `base` + the position of each of the `count` set bits of `bits` at `at`, in order: eight at a time
 * whatever the count (up to 7 past it), so there is no branch per token to mispredict at each block's last one.
 */
// @ts-ignore: decorator
@inline
function writeBounds(at: usize, base: u32, bits: u64, count: i32): void {
  let m = bits;
  for (let left = count; left > 0; left -= 8) {
    store<u32>(at, base + <u32>ctz(m));
    m &= m - 1;
    store<u32>(at, base + <u32>ctz(m), 4);
    m &= m - 1;
    store<u32>(at, base + <u32>ctz(m), 8);
    m &= m - 1;
    store<u32>(at, base + <u32>ctz(m), 12);
    m &= m - 1;
    store<u32>(at, base + <u32>ctz(m), 16);
    m &= m - 1;
    store<u32>(at, base + <u32>ctz(m), 20);
    m &= m - 1;
    store<u32>(at, base + <u32>ctz(m), 24);
    m &= m - 1;
    store<u32>(at, base + <u32>ctz(m), 28);
    m &= m - 1;
    at += 32;
  }
}

/**
 * Folds the lines of INPUT[start, len) into the run until the input ends, a line needs the general parser, or
 * a table is full; returns which (see RESULTS). `layout` is -1 before the header has been seen (every line
 * goes to the general parser), else bit 0 = TIME column, bit 1 = NETNS column; it must not change within a run.
 * With `final`, a last line without a newline is read too.
 */
export function scan(start: i32, len: i32, layout: i32, final: bool): i32 {
  const hasTime = (layout & 1) != 0;
  const hasNetns = (layout & 2) != 0;
  const end: usize = INPUT + <usize>len;
  let pos: usize = INPUT + <usize>start;
  while (pos < end) {
    // One line: token boundaries from bit masks of printable bytes, 64 bytes per step.
    let nb = 0; // boundaries
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
      // Printable is 33-126: signed, 1 + byte > 33 (127 wraps to -128); text (printable or space) is 1 + byte > 32.
      // Anything else but the newline is unusual and checked below, which a line seldom needs.
      const p0 = i8x16.add(v0, ONE);
      const p1 = i8x16.add(v1, ONE);
      const p2 = i8x16.add(v2, ONE);
      const p3 = i8x16.add(v3, ONE);
      const printable =
        mask4(i8x16.gt_s(p0, THIRTY_THREE), i8x16.gt_s(p1, THIRTY_THREE), i8x16.gt_s(p2, THIRTY_THREE), i8x16.gt_s(p3, THIRTY_THREE)) &
        valid;
      const t0 = i8x16.gt_s(p0, THIRTY_TWO);
      const t1 = i8x16.gt_s(p1, THIRTY_TWO);
      const t2 = i8x16.gt_s(p2, THIRTY_TWO);
      const t3 = i8x16.gt_s(p3, THIRTY_TWO);
      const usual = v128.and(
        v128.and(v128.or(t0, i8x16.eq(v0, NEWLINE)), v128.or(t1, i8x16.eq(v1, NEWLINE))),
        v128.and(v128.or(t2, i8x16.eq(v2, NEWLINE)), v128.or(t3, i8x16.eq(v3, NEWLINE))),
      );
      const unusual = i8x16.all_true(usual) ? 0 : valid & ~mask4(t0, t1, t2, t3);
      if (unusual != 0) {
        // Tabs separate like spaces; only a CR right before the newline is allowed (CRLF files); anything else
        // is the general parser's.
        const tabs = mask4(i8x16.eq(v0, TAB), i8x16.eq(v1, TAB), i8x16.eq(v2, TAB), i8x16.eq(v3, TAB));
        const crs = mask4(i8x16.eq(v0, CR), i8x16.eq(v1, CR), i8x16.eq(v2, CR), i8x16.eq(v3, CR)) & unusual;
        if ((unusual & ~tabs & ~crs) != 0) bad = true;
        crCount += <i32>popcnt(crs);
        if (crs != 0) lastCr = b + <usize>ctz(crs);
      }
      // Token starts and ends alternate where printable changes: written in order, they land interleaved.
      const bounds = (printable ^ ((printable << 1) | carry)) & valid;
      const count = <i32>popcnt(bounds);
      if (nb + count <= 2 * MAX_TOKENS) writeBounds(TOKENS + ((<usize>nb) << 2), <u32>b, bounds, count);
      nb += count; // past 2 * MAX_TOKENS the line has too many tokens and is not read
      carry = printable >> 63;
      if (found) break;
    }
    if (!found && !final) break; // the partial last line waits for more input
    if ((nb & 1) != 0) {
      // A token that runs to the end of the line.
      if (nb < 2 * MAX_TOKENS) store<u32>(TOKENS + ((<usize>nb) << 2), <u32>lineEnd);
      nb++;
    }
    let e = lineEnd;
    if (crCount > 0) {
      if (crCount > 1 || lastCr != lineEnd - 1) bad = true;
      else e = lineEnd - 1;
    }
    const next = found ? lineEnd + 1 : end;
    const folded = bad || layout < 0 ? 0 : foldLine(TOKENS, nb >> 1, hasTime, hasNetns);
    if (folded == 0) {
      return report(STOP_SLOW_LINE, pos, pos, e, next);
    }
    if (folded < 0) {
      return report(STOP_FULL, pos, pos, pos, pos);
    }
    lines++;
    pos = next;
  }
  return report(STOP_INPUT, pos, pos, pos, pos);
}
