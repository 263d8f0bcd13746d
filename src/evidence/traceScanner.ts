/**
 * The JavaScript side of the tcptracer fast path: loads the WebAssembly scanner (source in
 * ./wasm/traceScanner.ts, AssemblyScript) and reads its results.
 *
 * The scanner folds plain IPv4 event lines into groups the aggregator counts in one step each, and stops at any
 * line it is not sure of; the caller gives that line to the general {@link TcptracerParser}, which stays the
 * single authority on the format. Property tests check that both read every line the scanner accepts the same way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Event type codes of the fast path: connect, accept, close. */
export const FAST_TYPE = { connect: 0, accept: 1, close: 2 } as const;
export type FastType = (typeof FAST_TYPE)[keyof typeof FAST_TYPE];

/** The column layout announced by the header line. */
export interface FastLayout {
  hasTime: boolean;
  hasNetns: boolean;
}

/** Lines the aggregator counts identically: same talker, PID, COMM and (connects only) destination. */
export interface FastGroup {
  type: FastType;
  pid: number;
  /** IPv4 addresses as unsigned 32-bit integers; 0 for accepts and closes. */
  saddr: number;
  daddr: number;
  /** 0 for accepts and closes. */
  dport: number;
  netns: number | null;
  /** COMM of the group's lines, as a byte range of {@link ScanRun.commBytes}. */
  commStart: number;
  commEnd: number;
  count: number;
}

/** Lines folded by the scanner since its last reset, in groups ordered by their first line. */
export interface ScanRun {
  readonly commBytes: Buffer;
  readonly groupCount: number;
  /** Lines folded into the groups. */
  readonly lines: number;
  readonly minTimestampNs: number | null;
  readonly maxTimestampNs: number | null;
  readGroup(index: number, out: FastGroup): FastGroup;
}

/** Why a scan returned. */
export type ScanStop =
  | { kind: 'input'; consumed: number }
  | { kind: 'full'; consumed: number }
  | { kind: 'slowLine'; start: number; end: number; next: number };

interface ScannerExports {
  memory: WebAssembly.Memory;
  scan(start: number, len: number, layout: number, final: number): void;
  reset(): void;
  [global: string]: WebAssembly.Global | unknown;
}

// `npm run build` writes the binary next to the compiled module (dist/src/evidence/wasm/); under a TypeScript
// runner (the tests) this module runs from src/ and the binary is read from dist/.
const WASM_CANDIDATES = [
  new URL('./wasm/traceScanner.wasm', import.meta.url),
  new URL('../../dist/src/evidence/wasm/traceScanner.wasm', import.meta.url),
];

let compiled: WebAssembly.Module | null = null;

function scannerModule(): WebAssembly.Module {
  if (compiled === null) {
    const url = WASM_CANDIDATES.find((u) => u.protocol === 'file:' && existsSync(fileURLToPath(u)));
    if (url === undefined)
      throw new Error('trace scanner binary missing: run `npm run build` (it compiles src/evidence/wasm)');
    compiled = new WebAssembly.Module(readFileSync(fileURLToPath(url)));
  }
  return compiled;
}

/** i32 fields of a group after its raw bytes (see the scanner): KEY is type | dport << 2 | COMM length << 18. */
const GROUP = { key: 12, pid: 13, netns: 14, count: 15 } as const;

/** One WebAssembly instance with its own memory; use one per concurrent reader (see {@link withScanner}). */
export class TraceScanner implements ScanRun {
  /** Where the caller puts the bytes to scan; a view of the scanner's memory. */
  readonly input: Buffer;
  readonly capacity: number;
  readonly commBytes: Buffer;
  private readonly ex: ScannerExports;
  private readonly ints: Int32Array;
  private readonly uints: Uint32Array;
  private readonly groupInts: number;
  private readonly commOffset: number;
  private readonly addressInts: number;
  private readonly addresses: Uint32Array;
  private hasNetns = false;

  constructor() {
    const instance = new WebAssembly.Instance(scannerModule(), {
      env: {
        abort: () => {
          throw new Error('trace scanner aborted');
        },
      },
    });
    this.ex = instance.exports as unknown as ScannerExports;
    const buffer = this.ex.memory.buffer;
    this.capacity = this.global('INPUT_CAPACITY');
    this.input = Buffer.from(buffer, this.global('INPUT'), this.capacity);
    this.groupInts = this.global('GROUP_INTS');
    this.commOffset = this.global('GROUP_COMM_OFFSET');
    this.addressInts = this.global('ADDRESSES_INTS');
    this.addresses = new Uint32Array(buffer, this.global('ADDRESSES'), this.global('MAX_GROUPS') * this.addressInts);
    const groupsLength = this.global('MAX_GROUPS') * this.groupInts;
    // COMMs are stored inside the groups.
    this.commBytes = Buffer.from(buffer, this.global('GROUPS'), groupsLength * 4);
    this.ints = new Int32Array(buffer, this.global('GROUPS'), groupsLength);
    this.uints = new Uint32Array(buffer, this.global('GROUPS'), groupsLength);
  }

  private global(name: string): number {
    return (this.ex[name] as WebAssembly.Global).value as number;
  }

  get groupCount(): number {
    return this.global('groupCount');
  }
  get lines(): number {
    return this.global('lines');
  }
  get minTimestampNs(): number | null {
    const v = this.global('minTimestampNs');
    return v < 0 ? null : v;
  }
  get maxTimestampNs(): number | null {
    const v = this.global('maxTimestampNs');
    return v < 0 ? null : v;
  }

  /** Starts a new run (no groups); call it after applying the groups. */
  reset(): void {
    this.ex.reset();
  }

  /**
   * Folds the lines of `input[start, len)` into the run's groups, with `layout` from the header (null: not seen
   * yet, so every line goes to the general parser; it must not change within a run). With `final`, a last line
   * without a newline is read too.
   */
  scan(start: number, len: number, layout: FastLayout | null, final: boolean): ScanStop {
    const code = layout === null ? -1 : (layout.hasTime ? 1 : 0) | (layout.hasNetns ? 2 : 0);
    this.hasNetns = layout?.hasNetns ?? false;
    this.ex.scan(start, len, code, final ? 1 : 0);
    const stop = this.global('stop');
    if (stop === this.global('STOP_SLOW_LINE')) {
      return {
        kind: 'slowLine',
        start: this.global('slowStart'),
        end: this.global('slowEnd'),
        next: this.global('slowNext'),
      };
    }
    return { kind: stop === this.global('STOP_FULL') ? 'full' : 'input', consumed: this.global('consumed') };
  }

  readGroup(index: number, out: FastGroup): FastGroup {
    const o = index * this.groupInts;
    const key = this.ints[o + GROUP.key]!;
    out.type = (key & 3) as FastType;
    out.dport = (key >>> 2) & 0xffff;
    out.pid = this.ints[o + GROUP.pid]!;
    out.saddr = this.addresses[index * this.addressInts]!;
    out.daddr = this.addresses[index * this.addressInts + 1]!;
    out.netns = this.hasNetns ? this.uints[o + GROUP.netns]! : null;
    out.commStart = index * this.groupInts * 4 + this.commOffset;
    out.commEnd = out.commStart + (key >>> 18);
    out.count = this.ints[o + GROUP.count]!;
    return out;
  }
}

/** A zeroed {@link FastGroup} to reuse across {@link ScanRun.readGroup} calls. */
export function newFastGroup(): FastGroup {
  return { type: 0, pid: 0, saddr: 0, daddr: 0, dport: 0, netns: null, commStart: 0, commEnd: 0, count: 0 };
}

// Instances are reused (each holds a few MB of memory); concurrent readers on one thread each take their own.
const idle: TraceScanner[] = [];

/** Runs `use` with a scanner no one else is using, and returns it to the pool afterwards. */
export async function withScanner<T>(use: (scanner: TraceScanner) => Promise<T>): Promise<T> {
  const scanner = idle.pop() ?? new TraceScanner();
  scanner.reset();
  try {
    return await use(scanner);
  } finally {
    idle.push(scanner);
  }
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
