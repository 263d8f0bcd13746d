import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIpClassifier } from '../../../src/analysis/ipClassifier.js';
import { type TraceAggregate, TraceAggregator } from '../../../src/analysis/traceAggregator.js';
import {
  type FastEvent,
  type FastLayout,
  ipv4ToString,
  newFastEvent,
  TALLY_SUMMARY,
} from '../../../src/evidence/fastPath.js';
import { TcptracerParser } from '../../../src/evidence/parsers/tcptracer.js';
import { streamTrace } from '../../../src/evidence/read/traceStream.js';
import { TraceScanner, withScanner } from '../../../src/evidence/read/wasmScanner.js';
import type { TraceEvent } from '../../../src/evidence/types.js';

const HEADER_TV =
  'TIME(ns)      TYPE         PID    COMM             IP SADDR            DADDR            SPORT  DPORT  NETNS';
const HEADER_T = 'TIME(s)  T  PID    COMM             IP SADDR            DADDR            SPORT  DPORT';
const TV: FastLayout = { hasTime: true, hasNetns: true };
const TYPES = ['connect', 'accept', 'close'] as const;
const pad = (v: string | number, w: number) => String(v).padEnd(w);
const tvLine = (
  ts: number,
  type: string,
  pid: number,
  comm: string,
  saddr: string,
  daddr: string,
  sport: number,
  dport: number,
  netns: number,
) =>
  `${pad(ts, 14)}${pad(type, 12)} ${pad(pid, 6)} ${pad(comm, 16)} ${pad(4, 2)} ${pad(saddr, 16)} ${pad(daddr, 16)} ${pad(sport, 6)} ${pad(dport, 6)} ${netns}`;

const scanner = new TraceScanner();

/** What the scanner makes of one line: its process and group, or null when it leaves the line to the parser. */
function scanOne(
  line: Buffer | string,
  layout: FastLayout,
): { group: FastEvent; pid: number; comm: string; timestampNs: number | null } | null {
  const bytes = typeof line === 'string' ? Buffer.from(line, 'latin1') : line;
  bytes.copy(scanner.input);
  scanner.reset();
  const stop = scanner.scan(0, bytes.length, layout, true);
  if (stop.kind === 'slowLine') return null;
  expect(scanner.lines).toBe(1);
  expect(scanner.eventCount).toBe(2);
  const process = scanner.readEvent(0, newFastEvent());
  const group = scanner.readEvent(1, newFastEvent());
  expect([process.kind, group.kind]).toEqual(['process', 'group']);
  expect(group.count).toBe(1);
  expect([group.saddr, group.netns]).toEqual([process.saddr, process.netns]);
  expect(scanner.minTimestampNs).toBe(scanner.maxTimestampNs);
  return {
    group,
    pid: process.pid,
    comm: scanner.commBytes.toString('latin1', group.commStart, group.commEnd),
    timestampNs: scanner.minTimestampNs,
  };
}

/** The fields of a parsed event that a group stands for (destination only for connects). */
function eventFields(e: TraceEvent) {
  return {
    type: e.type,
    pid: e.pid,
    comm: e.comm,
    saddr: e.saddr,
    destination: e.type === 'connect' ? `${e.daddr}:${e.dport}` : null,
    netns: e.netns,
    timestampNs: e.timestampNs,
  };
}
function groupFields(r: NonNullable<ReturnType<typeof scanOne>>) {
  const g = r.group;
  return {
    type: TYPES[g.type],
    pid: r.pid,
    comm: r.comm,
    saddr: ipv4ToString(g.saddr),
    destination: g.type === 0 ? `${ipv4ToString(g.daddr)}:${g.dport}` : null,
    netns: g.netns,
    timestampNs: r.timestampNs,
  };
}

/** The general parser's reading of a line, after it has seen `header`. */
function generalParse(header: string, line: string): TraceEvent | null {
  const parser = new TcptracerParser();
  parser.push(header);
  return parser.push(line);
}

/** A scanned line must read exactly as the general parser reads it; a line the parser refuses must not fold. */
function expectAgreement(header: string, layout: FastLayout, line: Buffer): void {
  const scanned = scanOne(line, layout);
  if (scanned === null) return;
  const event = generalParse(header, line.toString('utf8'));
  expect(event, line.toString('latin1')).not.toBeNull();
  expect(groupFields(scanned)).toEqual(eventFields(event!));
}

describe('the columns the scanner follows', () => {
  it('come from the general parser: each header line replaces them, the containers-map prefix is kept apart', () => {
    const parser = new TcptracerParser();
    expect(parser.columns).toBeNull();
    parser.push(HEADER_TV);
    expect(parser.columns).toEqual({ prefixCols: 0, hasTime: true, hasNetns: true });
    parser.push(HEADER_T);
    expect(parser.columns).toEqual({ prefixCols: 0, hasTime: true, hasNetns: false });
    parser.push('T  PID    COMM             IP SADDR            DADDR            SPORT  DPORT');
    expect(parser.columns).toEqual({ prefixCols: 0, hasTime: false, hasNetns: false });
    parser.push('NODE NAMESPACE POD CONTAINER TIME(ns) TYPE PID COMM IP SADDR DADDR SPORT DPORT');
    expect(parser.columns?.prefixCols).toBe(4);
    parser.push('Tracing TCP established connections. Ctrl-C to end.');
    expect(parser.columns?.prefixCols).toBe(4);
  });
});

describe('TraceScanner, one line', () => {
  it('reads a -t4v line with a COMM containing spaces', () => {
    const line = tvLine(
      14000000,
      'connect',
      18629,
      'php-fpm: pool w',
      '10.244.0.5',
      '52.1.2.3',
      35686,
      443,
      4026532785,
    );
    const scanned = scanOne(line, TV);
    expect(scanned).not.toBeNull();
    expect(groupFields(scanned!)).toEqual(eventFields(generalParse(HEADER_TV, line)!));
    expect(scanned!.comm).toBe('php-fpm: pool w');
  });

  it('leaves IPv6, unknown events, glued TIME, non-ASCII COMM, leading zeros and stray CRs to the general parser', () => {
    for (const line of [
      '0             connect      18627  curl             6  [fd00::5]        [2603:1030::1]   53746  443    4026532785',
      '0             unknown      18627  curl             4  10.244.0.5       20.60.1.12       53746  443    4026532785',
      '123456789012345connect     18627  curl             4  10.244.0.5       20.60.1.12       53746  443    4026532785',
      '0             connect      18627  cürl             4  10.244.0.5       20.60.1.12       53746  443    4026532785',
      '0             connect      18627  curl             4  010.244.0.5      20.60.1.12       53746  443    4026532785',
      '0             connect      18627  cu\rl            4  10.244.0.5       20.60.1.12       53746  443    4026532785',
      '0             connect      18627  curl             4  10.244.0.5       20.60.1.12       53746  443    4026532785\r\r',
      '0             connect      18627  a-comm-of-more-than-thirty-two-bytes 4  10.244.0.5  20.60.1.12  53746  443  4026532785',
      HEADER_TV,
    ]) {
      expect(scanOne(Buffer.from(line), TV), line).toBeNull();
    }
  });

  it('takes one trailing CR (CRLF files) off the line', () => {
    const line = tvLine(5, 'close', 7, 'curl', '10.244.0.5', '20.60.1.12', 1, 2, 3);
    expect(groupFields(scanOne(`${line}\r`, TV)!)).toEqual(eventFields(generalParse(HEADER_TV, line)!));
  });

  it('leaves every line to the general parser before a header has given the layout', () => {
    scanner.input.write(`${tvLine(5, 'close', 7, 'curl', '10.244.0.5', '20.60.1.12', 1, 2, 3)}\n`);
    scanner.reset();
    expect(scanner.scan(0, 10, null, true).kind).toBe('slowLine');
  });

  it('agrees with the general parser on every line it accepts (generated BCC lines)', () => {
    fc.assert(
      fc.property(
        fc.nat(99_999_999_999),
        fc.constantFrom(...TYPES),
        fc.integer({ min: 1, max: 4_194_304 }),
        fc.stringMatching(/^[ -~]{0,16}$/),
        fc.ipV4(),
        fc.ipV4(),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.nat(4_294_967_295),
        (ts, type, pid, comm, saddr, daddr, sport, dport, netns) => {
          expectAgreement(HEADER_TV, TV, Buffer.from(tvLine(ts, type, pid, comm, saddr, daddr, sport, dport, netns)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('agrees with the general parser on mutated lines (never accepts what the parser reads differently)', () => {
    const base = tvLine(29000000, 'close', 18631, 'curl', '10.244.0.9', '20.60.1.12', 35688, 80, 4026532184);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (edits) => {
          const bytes = Buffer.from(base);
          for (const [at, byte] of edits) bytes[at] = byte;
          expectAgreement(HEADER_TV, TV, bytes);
        },
      ),
      { numRuns: 3000 },
    );
  });

  // The scanner reads TIME, PID, ports and NETNS without a per-digit loop and dotted quads from digit/dot masks:
  // these shapes sit around those readers' edges (lengths 8/9/15/16, leading zeros, 255/256, empty octets).
  const digitsArb = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{1,${max}}$`));
  const octetArb = fc.oneof(fc.nat(255).map(String), fc.stringMatching(/^[0-9]{0,4}$/));
  const addressArb = fc.oneof(
    fc.ipV4(),
    fc.tuple(octetArb, octetArb, octetArb, octetArb).map((o) => o.join('.')),
    fc.stringMatching(/^[0-9.]{1,16}$/),
  );
  /** What the scanner takes, by its documented contract: plain decimal fields in range, canonical dotted quads. */
  const inRange = (digits: string, maxLen: number, max: number) => digits.length <= maxLen && Number(digits) <= max;
  const canonical = (a: string) =>
    /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/.test(a);

  it('reads TIME, PID, ports, NETNS and addresses of every length exactly as the general parser, and takes all in range', () => {
    fc.assert(
      fc.property(
        digitsArb(17),
        fc.constantFrom(...TYPES),
        digitsArb(11),
        addressArb,
        addressArb,
        digitsArb(11),
        digitsArb(11),
        digitsArb(12),
        (ts, type, pid, saddr, daddr, sport, dport, netns) => {
          const line = Buffer.from(`${ts} ${type} ${pid} curl 4 ${saddr} ${daddr} ${sport} ${dport} ${netns}`);
          expectAgreement(HEADER_TV, TV, line);
          const takes =
            ts.length <= 15 &&
            inRange(pid, 10, 4_194_304) &&
            canonical(saddr) &&
            canonical(daddr) &&
            inRange(sport, 10, 65535) &&
            inRange(dport, 10, 65535) &&
            inRange(netns, 10, 4_294_967_295);
          if (takes) expect(scanOne(line, TV), line.toString()).not.toBeNull();
        },
      ),
      { numRuns: 4000 },
    );
  });

  it('reads the non-verbose -t4 layout (TIME in seconds, C/A/X types, no NETNS) like the general parser', () => {
    const line = `${pad('1.234', 9)}${pad('C', 2)} ${pad(18627, 6)} ${pad('curl', 16)} ${pad(4, 2)} ${pad('10.244.0.5', 16)} ${pad('20.60.1.12', 16)} ${pad(53746, 6)} ${pad(443, 6)}`;
    const scanned = scanOne(line, { hasTime: true, hasNetns: false });
    expect(groupFields(scanned!)).toEqual(eventFields(generalParse(HEADER_T, line)!));
    expect(scanned!.timestampNs).toBe(1_234_000_000);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Whole traces: streamTrace (scanner groups + general parser for the rest) must build exactly the aggregate the
// general parser alone builds, line by line, including first-seen orders and warnings.

/** An aggregate with each talker's destinations as a sorted list, so two equal tallies compare equal. */
function comparable(trace: TraceAggregate) {
  return {
    ...trace,
    talkers: new Map(
      [...trace.talkers].map(([key, t]) => [
        key,
        {
          ...t,
          // What the report reads first (size, top lists: the fast path answers them from the scanner's sorted
          // block and its leaders), then every entry (which merges the block into the log).
          publicDestinations: {
            size: t.publicDestinations.size,
            top3: t.publicDestinations.top(3),
            top16: t.publicDestinations.top(16),
            top40: t.publicDestinations.top(40),
            entries: t.publicDestinations
              .entries()
              .map((d) => `${d.ip}|${d.port}=${d.count}`)
              .sort(),
          },
        },
      ]),
    ),
  };
}

/** The reference: every line through the general parser, every event into the aggregator one at a time. */
function referenceAggregate(text: string) {
  const parser = new TcptracerParser('tcptracer.log');
  const agg = new TraceAggregator(createIpClassifier(), (saddr) => saddr === '10.224.0.4');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const raw of lines) {
    const event = parser.push(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
    if (event) agg.add(event);
  }
  parser.end(text.length === 0 || text.endsWith('\n'));
  return {
    trace: comparable(agg.result()),
    warningCount: parser.warningCount,
    warnings: parser.warnings,
    lines: lines.length,
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trace-scanner-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function streamed(text: string | Buffer) {
  const file = join(dir, `t-${Math.random().toString(36).slice(2)}.log`);
  await writeFile(file, text);
  const agg = new TraceAggregator(createIpClassifier(), (saddr) => saddr === '10.224.0.4');
  const result = await streamTrace(file, agg);
  await rm(file);
  return {
    trace: comparable(agg.result()),
    warningCount: result.warningCount,
    warnings: result.warnings,
    lines: result.lines,
  };
}

const lineArb = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .record({
        ts: fc.nat(99_999_999),
        type: fc.constantFrom(...TYPES),
        pid: fc.integer({ min: 1000, max: 1006 }),
        comm: fc.constantFrom('curl', 'java', 'php-fpm: pool w', 'a b', ''),
        saddr: fc.constantFrom('10.244.0.5', '10.244.0.6', '10.224.0.4'),
        daddr: fc.constantFrom('20.60.1.12', '10.0.0.4', '168.63.129.16', '52.239.1.4'),
        sport: fc.integer({ min: 0, max: 65535 }),
        dport: fc.constantFrom(443, 80),
        netns: fc.constantFrom(4026531840, 4026532785),
      })
      .map((l) => tvLine(l.ts, l.type, l.pid, l.comm, l.saddr, l.daddr, l.sport, l.dport, l.netns)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '0             connect      18627  curl             6  [fd00::5]        [2603:1030::1]   53746  443    4026532785',
      '0             connect      1000   curl             4  010.244.0.5      20.60.1.12       53746  443    4026532785',
      '7             U            1000   curl             4  10.244.0.5       20.60.1.12       53746  443    4026532785',
      // A known talker's connect with a COMM it never showed and a DADDR the scanner leaves to the general parser:
      // nothing of the line (its COMM either) may reach the aggregate unless the parser reads it.
      '8             connect      1001   zz-new           4  10.244.0.5       020.60.1.12      53746  443    4026532785',
      '9             connect      1002   zz-other         4  10.244.0.6       20.60.1.12.5     53746  443    4026532785',
      'Possibly lost 12 samples',
      'garbage that is not a trace line',
      HEADER_TV,
      HEADER_T,
      'NODE             NAMESPACE        POD              CONTAINER        TIME(ns)      TYPE         PID    COMM             IP SADDR            DADDR            SPORT  DPORT  NETNS',
    ),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^[ -~\t]{0,120}$/) },
);

describe('streamTrace over the scanner', () => {
  it('builds exactly the aggregate of the general parser, for random traces with odd lines and CRLF', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineArb, { maxLength: 300 }),
        fc.boolean(),
        fc.boolean(),
        async (body, crlf, trailingNewline) => {
          const eol = crlf ? '\r\n' : '\n';
          let text = ['Tracing TCP established connections. Ctrl-C to end.', HEADER_TV, ...body].join(eol);
          if (trailingNewline) text += eol;
          expect(await streamed(text)).toEqual(referenceAggregate(text));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('builds exactly the aggregate of the general parser for the -t4 layout (seconds, C/A/X, no NETNS)', async () => {
    const tLine = fc
      .record({
        ms: fc.nat(9_999_999),
        type: fc.constantFrom('C', 'A', 'X'),
        pid: fc.integer({ min: 1000, max: 1004 }),
        comm: fc.constantFrom('curl', 'php-fpm: pool w'),
        saddr: fc.constantFrom('10.244.0.5', '10.224.0.4'),
        daddr: fc.constantFrom('20.60.1.12', '10.0.0.4'),
        sport: fc.integer({ min: 0, max: 65535 }),
      })
      .map(
        (l) =>
          `${pad((l.ms / 1000).toFixed(3), 9)}${pad(l.type, 2)} ${pad(l.pid, 6)} ${pad(l.comm, 16)} ${pad(4, 2)} ${pad(l.saddr, 16)} ${pad(l.daddr, 16)} ${pad(l.sport, 6)} 443`,
      );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ weight: 9, arbitrary: tLine }, { weight: 1, arbitrary: lineArb })),
        async (body) => {
          const text = `${[HEADER_T, ...body].join('\n')}\n`;
          expect(await streamed(text)).toEqual(referenceAggregate(text));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('follows a header that changes the columns mid-trace (a restarted tcptracer appending to the log)', async () => {
    const tv = tvLine(1, 'connect', 1000, 'curl', '10.244.0.5', '20.60.1.12', 1, 443, 4026532785);
    const t = `${pad('0.000', 9)}${pad('C', 2)} ${pad(1000, 6)} ${pad('curl', 16)} ${pad(4, 2)} ${pad('10.244.0.5', 16)} ${pad('20.60.1.12', 16)} ${pad(0, 6)} 443`;
    const text = `${[HEADER_T, t, HEADER_TV, t, tv, HEADER_T, t].join('\n')}\n`;
    const got = await streamed(text);
    expect(got).toEqual(referenceAggregate(text));
    expect(got.trace.connects).toBe(3);
    expect(got.warningCount).toBe(1);
  });

  it('applies full tables and goes on (more distinct processes than the scanner holds at once)', async () => {
    const lines = [HEADER_TV];
    for (let i = 0; i < 40_000; i++)
      lines.push(
        tvLine(i, 'connect', 1 + (i % 39_000), 'curl', '10.244.0.5', '20.60.1.12', i % 65536, 443, 4026532785),
      );
    const text = `${lines.join('\n')}\n`;
    const got = await streamed(text);
    expect(got).toEqual(referenceAggregate(text));
    expect(got.trace.connects).toBe(40_000);
  });

  it("builds the general parser's aggregate under PID churn and many destinations (bounded samples, exact counts)", async () => {
    // A new PID on most lines with its own COMM, a new public destination on most connects, host-network lines
    // (keyed per PID) mixed in, and enough distinct groups to fill the scanner's tables several times over.
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 }), async (seed) => {
        let x = seed;
        const next = (n: number) => {
          x = (Math.imul(x, 1103515245) + 12345) >>> 0;
          return (x >>> 8) % n;
        };
        const lines = [HEADER_TV];
        let pid = 1_000_000;
        for (let i = 0; i < 45_000; i++) {
          if (next(100) < 95) pid += 1 + next(3);
          const type = TYPES[next(10) < 6 ? 0 : next(2) + 1]!;
          const saddr = ['10.244.0.5', '10.244.0.6', '10.224.0.4'][next(3)]!;
          const daddr = next(10) < 9 ? `${[20, 52, 13][next(3)]}.${next(256)}.${next(256)}.${next(256)}` : '10.0.0.4';
          const comm = next(5) === 0 ? 'curl' : `job-${pid % 97}`;
          lines.push(tvLine(i, type, pid, comm, saddr, daddr, next(65536), [443, 80][next(2)]!, 4026532785));
        }
        const text = `${lines.join('\n')}\n`;
        const got = await streamed(text);
        expect(got).toEqual(referenceAggregate(text));
        const pod = got.trace.talkers.get('10.244.0.5|4026532785')!;
        expect(pod.pids.size).toBe(64);
        expect(pod.comms.size).toBe(8);
        expect(pod.publicDestinations.size).toBeGreaterThan(5000);
      }),
      { numRuns: 2 },
    );
  }, 180_000);

  it("counts a known talker's connects in the scanner's destination tally, its COMMs as events, exactly", async () => {
    // A stray line every 97 lines ends the scanner's run, so the next run meets each pod as a known talker and counts
    // its connects per destination (new, repeated, private, two ports) in the tally, while thirteen COMMs fill its
    // COMM sample through COMM events; the tally is limited to 500 records so it fills and is handed over mid-trace.
    const lines = [HEADER_TV];
    for (let i = 0; i < 12_000; i++) {
      if (i % 97 === 96) lines.push('Possibly lost 3 samples');
      const comm = i < 200 ? `job-${i % 13}` : 'curl';
      const saddr = i % 5 === 0 ? '10.224.0.4' : i % 2 ? '10.244.0.5' : '10.244.0.6';
      // Private destinations in several ranges, public ones between and above them (the tally's sorted blocks are
      // classified by walking the private ranges alongside).
      const daddr =
        i % 7 === 0
          ? ['10.0.0.4', '172.16.5.5', '192.168.7.7', '168.63.129.16'][i % 4]!
          : i % 3 === 0
            ? ['20.60.1.12', '203.0.113.9', '169.253.1.1'][Math.floor(i / 3) % 3]!
            : `52.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      lines.push(tvLine(i, 'connect', 1000 + i, comm, saddr, daddr, i % 65536, i % 11 ? 443 : 80, 4026532785));
    }
    const text = `${lines.join('\n')}\n`;
    let tallied = 0;
    let handovers = 0;
    const agg = new TraceAggregator(createIpClassifier(), (saddr) => saddr === '10.224.0.4');
    const addDestinationTally = agg.addDestinationTally.bind(agg);
    agg.addDestinationTally = (t) => {
      handovers++;
      for (let s = 0; s < t.talkerCount * TALLY_SUMMARY.words; s += TALLY_SUMMARY.words) {
        tallied += t.talkers[s + TALLY_SUMMARY.publicConnects]! + t.talkers[s + TALLY_SUMMARY.privateConnects]!;
      }
      addDestinationTally(t);
    };
    const file = join(dir, 'tally.log');
    await writeFile(file, text);
    await withScanner(async (s) => s.limitDestinations(500));
    try {
      await streamTrace(file, agg);
    } finally {
      await withScanner(async (s) => s.limitDestinations(0));
    }
    expect(comparable(agg.result())).toEqual(referenceAggregate(text).trace);
    expect(tallied).toBeGreaterThan(8000);
    expect(handovers).toBeGreaterThan(10);
  });

  it("keeps a whole trace's tally without a copy, and never reuses the scanner that holds it", async () => {
    // Two traces read one after the other: the first aggregate's blocks live in the first scanner's memory, so the
    // second read must get another scanner (if it reused the first, the first aggregate would change under it).
    // One talker each, one port in the first and two in the second: the tally's sort skips the passes over a
    // digit all records share (two passes, then one).
    const trace = (first: number) => {
      const lines = [HEADER_TV];
      for (let i = 0; i < 6000; i++) {
        const comm = `job-${i % 11}`;
        const daddr = `52.${first}.${(i >> 8) & 7}.${i & 255}`;
        const dport = first === 1 ? 443 : [443, 8443][i % 2]!;
        lines.push(tvLine(i, 'connect', 1000 + i, comm, '10.244.0.5', daddr, i, dport, 4026532785));
      }
      return `${lines.join('\n')}\n`;
    };
    const a = join(dir, 'lasting-a.log');
    const b = join(dir, 'lasting-b.log');
    await writeFile(a, trace(1));
    await writeFile(b, trace(2));
    const lasting: boolean[] = [];
    const read = async (file: string) => {
      const agg = new TraceAggregator(createIpClassifier(), () => false);
      const add = agg.addDestinationTally.bind(agg);
      agg.addDestinationTally = (t) => {
        lasting.push(t.lasting);
        add(t);
      };
      await streamTrace(file, agg);
      return agg;
    };
    const first = await read(a);
    // Read nothing that merges the block into the log (entries would copy it out of the scanner's memory).
    const pod = first.result().talkers.get('10.244.0.5|4026532785')!;
    const before = { size: pod.publicDestinations.size, top: pod.publicDestinations.top(5) };
    const second = await read(b);
    expect(lasting).toEqual([true, true]);
    expect(comparable(second.result())).toEqual(referenceAggregate(trace(2)).trace);
    expect({ size: pod.publicDestinations.size, top: pod.publicDestinations.top(5) }).toEqual(before);
    expect(comparable(first.result())).toEqual(referenceAggregate(trace(1)).trace);
  });

  it('applies a full talker table and goes on (more source addresses than a run holds)', async () => {
    const lines = [HEADER_TV];
    for (let i = 0; i < 6000; i++)
      lines.push(
        tvLine(
          i,
          'connect',
          100 + (i % 7),
          'curl',
          `10.244.${(i % 2500) >> 8}.${i % 250}`,
          '20.60.1.12',
          i,
          443,
          4026532785 + (i % 3),
        ),
      );
    const text = `${lines.join('\n')}\n`;
    const got = await streamed(text);
    expect(got).toEqual(referenceAggregate(text));
    expect(got.trace.talkers.size).toBeGreaterThan(1024);
  });

  it("leaves no trace of a line the general parser refuses: not its new process, not its talker's COMM", async () => {
    // A new talker's first line, and a known talker's new process and new COMM, each on a connect whose DADDR the
    // general parser refuses (leading zeros): the scanner gets as far as the process table before it meets the
    // DADDR, so it must take the process back.
    const lines = [HEADER_TV];
    lines.push(tvLine(1, 'connect', 4242, 'ghost', '10.244.9.9', '020.60.1.12', 1, 443, 4026532785));
    for (let i = 0; i < 300; i++)
      lines.push(tvLine(i, 'connect', 1000 + (i % 3), 'curl', '10.244.0.5', '20.60.1.12', i, 443, 4026532785));
    lines.push('Possibly lost 1 samples'); // ends the run: the next one meets 10.244.0.5 as a known, tallied talker
    lines.push(tvLine(2, 'connect', 5555, 'ghost', '10.244.0.5', '020.60.1.12', 2, 443, 4026532785));
    lines.push(tvLine(3, 'connect', 1000, 'curl', '10.244.0.5', '20.60.1.12', 3, 443, 4026532785));
    const text = `${lines.join('\n')}\n`;
    const got = await streamed(text);
    expect(got).toEqual(referenceAggregate(text));
    const pod = got.trace.talkers.get('10.244.0.5|4026532785')!;
    expect([...pod.pids]).toEqual([1000, 1001, 1002]);
    expect([...pod.comms]).toEqual(['curl']);
    expect(got.trace.talkers.has('10.244.9.9|4026532785')).toBe(false);
    expect(got.warningCount).toBeGreaterThanOrEqual(2);
  });

  it('streams lines across 64-byte blocks: lines of every length, tabs, hundreds of tokens, a last line ending on a block', async () => {
    const ok = (i: number, comm: string) =>
      tvLine(i, TYPES[i % 3]!, 1000 + (i % 5), comm, '10.244.0.5', `20.60.1.${i % 7}`, i, 443, 4026532785);
    const body: string[] = [];
    for (let i = 0; i < 400; i++) {
      // Extra blanks (spaces or tabs) before NETNS move every later line start around the block boundaries.
      const line = ok(i, ['curl', 'a b c', 'x'][i % 3]!).replace(
        / (\d+)$/,
        `${(i % 2 ? ' ' : '\t').repeat(i % 67)} $1`,
      );
      body.push(line);
      if (i % 97 === 0) body.push('a '.repeat(600 + i)); // far more tokens than a line may have
      if (i % 89 === 0) body.push(`1 connect 1 c 4 10.244.0.5 20.60.1.1 1 443 ${'1'.repeat(i % 40)}`);
    }
    // After a line for the general parser the scan restarts at the next line: a last line of exactly 128 bytes,
    // without a newline, then ends on a block boundary with its NETNS running to the end.
    const last = ok(7, 'curl');
    const text = `${HEADER_TV}\n${body.join('\n')}\ngarbage\n${last.replace(/ (\d+)$/, `${' '.repeat(128 - last.length)} $1`)}`;
    expect(text.length - text.lastIndexOf('\n') - 1).toBe(128);
    const got = await streamed(text);
    expect(got).toEqual(referenceAggregate(text));
    expect(got.trace.events).toBeGreaterThan(400);
  });

  it('reads a line longer than the scanner input as one bad line, and the lines around it', async () => {
    const ok = tvLine(1, 'connect', 1000, 'curl', '10.244.0.5', '20.60.1.12', 1, 443, 4026532785);
    const text = `${HEADER_TV}\n${ok}\n${'x'.repeat(5 << 20)}\n${ok}\n`;
    const got = await streamed(text);
    expect(got).toEqual(referenceAggregate(text));
    expect(got.trace.connects).toBe(2);
    expect(got.warnings[0]?.line).toBe(3);
  });
});
