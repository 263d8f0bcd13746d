import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type FastLine,
  headerLayout,
  ipv4ToString,
  newFastLine,
  scanFastLine,
} from '../../../src/evidence/fastTraceLine.js';
import { TcptracerParser } from '../../../src/evidence/parsers/tcptracer.js';
import type { TraceEvent } from '../../../src/evidence/types.js';

const HEADER_TV =
  'TIME(ns)      TYPE         PID    COMM             IP SADDR            DADDR            SPORT  DPORT  NETNS';
const HEADER_T = 'TIME(s)  T  PID    COMM             IP SADDR            DADDR            SPORT  DPORT';
const TYPES = ['connect', 'accept', 'close'] as const;

const blankLine = newFastLine;

function toEvent(buf: Buffer, f: FastLine): TraceEvent {
  return {
    type: TYPES[f.type],
    timestampNs: f.timestampNs,
    pid: f.pid,
    comm: buf.toString('latin1', f.commStart, f.commEnd),
    ipVersion: 4,
    saddr: ipv4ToString(f.saddr),
    daddr: ipv4ToString(f.daddr),
    sport: f.sport,
    dport: f.dport,
    netns: f.netns,
  };
}

/** The general parser's reading of a line, after it has seen `header`. */
function generalParse(header: string, line: string): TraceEvent | null {
  const parser = new TcptracerParser();
  parser.push(header);
  return parser.push(line);
}

const pad = (v: string | number, w: number) => String(v).padEnd(w);

describe('headerLayout', () => {
  it('reads TIME and NETNS presence from the BCC header, refusing the containers-map prefix', () => {
    expect(headerLayout(HEADER_TV)).toEqual({ hasTime: true, hasNetns: true });
    expect(headerLayout(HEADER_T)).toEqual({ hasTime: true, hasNetns: false });
    expect(headerLayout('T  PID    COMM             IP SADDR            DADDR            SPORT  DPORT')).toEqual({
      hasTime: false,
      hasNetns: false,
    });
    expect(headerLayout('NODE NAMESPACE POD CONTAINER TIME(ns) TYPE PID COMM IP SADDR DADDR SPORT DPORT')).toBeNull();
    expect(headerLayout('Tracing TCP established connections. Ctrl-C to end.')).toBeNull();
  });
});

describe('scanFastLine', () => {
  it('reads a -t4v line with a COMM containing spaces', () => {
    const line = `${pad(14000000, 14)}${pad('connect', 12)} ${pad(18629, 6)} ${pad('php-fpm: pool www', 16)} 4  10.244.0.5       52.1.2.3         35686  443    4026532785`;
    const buf = Buffer.from(line);
    const out = blankLine();
    expect(scanFastLine(buf, 0, buf.length, { hasTime: true, hasNetns: true }, out)).toBe(true);
    expect(toEvent(buf, out)).toEqual(generalParse(HEADER_TV, line));
    expect(toEvent(buf, out).comm).toBe('php-fpm: pool www');
  });

  it('leaves IPv6, unknown events, glued TIME and non-ASCII COMM to the general parser', () => {
    const layout = { hasTime: true, hasNetns: true };
    for (const line of [
      '0             connect      18627  curl             6  [fd00::5]        [2603:1030::1]   53746  443    4026532785',
      '0             unknown      18627  curl             4  10.244.0.5       20.60.1.12       53746  443    4026532785',
      '123456789012345connect     18627  curl             4  10.244.0.5       20.60.1.12       53746  443    4026532785',
      '0             connect      18627  cürl             4  10.244.0.5       20.60.1.12       53746  443    4026532785',
      '0             connect      18627  curl             4  010.244.0.5      20.60.1.12       53746  443    4026532785',
    ]) {
      const buf = Buffer.from(line);
      expect(scanFastLine(buf, 0, buf.length, layout, blankLine()), line).toBe(false);
    }
  });

  it('agrees with the general parser on every line it accepts (generated BCC lines)', () => {
    const comm = fc.stringMatching(/^[ -~]{0,16}$/);
    fc.assert(
      fc.property(
        fc.nat(99_999_999_999),
        fc.constantFrom(...TYPES),
        fc.integer({ min: 1, max: 4_194_304 }),
        comm,
        fc.ipV4(),
        fc.ipV4(),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.nat(4_294_967_295),
        (ts, type, pid, c, saddr, daddr, sport, dport, netns) => {
          const line = `${pad(ts, 14)}${pad(type, 12)} ${pad(pid, 6)} ${pad(c, 16)} ${pad(4, 2)} ${pad(saddr, 16)} ${pad(daddr, 16)} ${pad(sport, 6)} ${pad(dport, 6)} ${netns}`;
          const buf = Buffer.from(line);
          const out = blankLine();
          if (scanFastLine(buf, 0, buf.length, { hasTime: true, hasNetns: true }, out)) {
            expect(toEvent(buf, out)).toEqual(generalParse(HEADER_TV, line));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('agrees with the general parser on mutated lines (never accepts what the parser reads differently)', () => {
    const base = `${pad(29000000, 14)}${pad('close', 12)} ${pad(18631, 6)} ${pad('curl', 16)} 4  10.244.0.9       20.60.1.12       35688  80     4026532184`;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (edits) => {
          const bytes = Buffer.from(base);
          for (const [at, byte] of edits) bytes[at] = byte;
          const out = blankLine();
          if (scanFastLine(bytes, 0, bytes.length, { hasTime: true, hasNetns: true }, out)) {
            expect(toEvent(bytes, out)).toEqual(generalParse(HEADER_TV, bytes.toString('utf8')));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reads the non-verbose -t4 layout (TIME in seconds, C/A/X types, no NETNS) like the general parser', () => {
    const line = `${pad('1.234', 9)}${pad('C', 2)} ${pad(18627, 6)} ${pad('curl', 16)} ${pad(4, 2)} ${pad('10.244.0.5', 16)} ${pad('20.60.1.12', 16)} ${pad(53746, 6)} ${pad(443, 6)}`;
    const buf = Buffer.from(line);
    const out = blankLine();
    expect(scanFastLine(buf, 0, buf.length, { hasTime: true, hasNetns: false }, out)).toBe(true);
    expect(toEvent(buf, out)).toEqual(generalParse(HEADER_T, line));
    expect(out.timestampNs).toBe(1_234_000_000);
  });
});
