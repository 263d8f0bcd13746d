import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_STORED_WARNINGS, parseTcptracer, TcptracerParser } from '../../../../src/evidence/parsers/tcptracer.js';
import type { TraceEvent } from '../../../../src/evidence/types.js';
import { expectWellFormedWarnings, fixture, isPort, isValidIp, lineCount, mutate, mutations } from './helpers.js';

function expectWellTyped(e: TraceEvent): void {
  expect(['connect', 'accept', 'close']).toContain(e.type);
  expect([4, 6]).toContain(e.ipVersion);
  expect(isValidIp(e.saddr)).toBe(true);
  expect(isValidIp(e.daddr)).toBe(true);
  expect(isPort(e.sport) && isPort(e.dport)).toBe(true);
  expect(Number.isInteger(e.pid) && e.pid >= 0).toBe(true);
  expect(typeof e.comm).toBe('string');
  expect(e.netns === null || (Number.isInteger(e.netns) && e.netns >= 0)).toBe(true);
  expect(e.timestampNs === null || (Number.isFinite(e.timestampNs) && e.timestampNs >= 0)).toBe(true);
}

describe('parseTcptracer', () => {
  describe('runbook sample (tcptracer -t4v, x-redacted times)', () => {
    const r = parseTcptracer(fixture('tcptracer-runbook.log'));

    it('keeps all eight connections and counts by SADDR/NETNS like the runbook', () => {
      expect(r.format).toBe('text');
      expect(r.events).toHaveLength(8);
      expect(r.events.filter((e) => e.type === 'connect')).toHaveLength(4);
      expect(new Set(r.events.map((e) => `${e.saddr} ${e.netns}`))).toEqual(new Set(['1.2.3.4 4026532785']));
      expect(r.events[0]).toEqual({
        type: 'connect',
        timestampNs: 0,
        pid: 18627,
        comm: 'curl',
        ipVersion: 4,
        saddr: '1.2.3.4',
        daddr: '5.6.7.8',
        sport: 53746,
        dport: 80,
        netns: 4026532785,
      });
    });

    it('drops only the redacted TIME values, with one warning each', () => {
      expect(r.events.slice(1).every((e) => e.timestampNs === null)).toBe(true);
      expect(r.warningCount).toBe(7);
      expect(r.warnings[0]).toEqual({
        file: 'tcptracer.log',
        line: 4,
        message: "unparseable TIME '3xxx9'; event kept",
      });
    });
  });

  describe('BCC -t4v printf layout', () => {
    const text = fixture('tcptracer-t4v.log');
    const r = parseTcptracer(text);

    it('reads COMM with spaces without shifting columns', () => {
      const php = r.events.filter((e) => e.comm === 'php-fpm: pool w');
      expect(php).toHaveLength(2);
      expect(php[0]).toMatchObject({ pid: 2211, saddr: '10.244.1.22', daddr: '52.10.0.9', sport: 40112, dport: 443 });
      expect(php[0]?.netns).toBe(4026532901);
    });

    it('splits a TIME(ns) wider than its 14-char column from the TYPE it is glued to', () => {
      const java = r.events.filter((e) => e.comm === 'java');
      expect(java.map((e) => [e.type, e.timestampNs])).toEqual([
        ['connect', 99999999999999],
        ['connect', 123456789012345],
      ]);
    });

    it('counts lost samples, skips banner and header, and flags the cut last line', () => {
      expect(r.lostSamples).toBe(7);
      expect(r.events).toHaveLength(7);
      expect(r.events.map((e) => e.type)).toEqual([
        'connect',
        'close',
        'connect',
        'accept',
        'connect',
        'connect',
        'connect',
      ]);
      expect(r.warningCount).toBe(1);
      expect(r.warnings[0]?.line).toBe(lineCount(text));
      expect(r.warnings[0]?.message).toMatch(/^truncated last line/);
    });
  });

  describe('other BCC variants', () => {
    it('reads -tv with IPv4 and bracketed IPv6 (CRLF line endings)', () => {
      const r = parseTcptracer(fixture('tcptracer-tv-dual.log'));
      expect(r.warningCount).toBe(0);
      expect(r.events.map((e) => [e.ipVersion, e.saddr, e.daddr])).toEqual([
        [6, 'fd00:10:244:1::5', '2603:1030:20e:3::23a'],
        [6, '::ffff:10.244.1.5', '::ffff:20.50.1.2'],
        [4, '10.244.1.5', '20.50.1.2'],
        [6, 'fd00:10:244:1::5', '2603:1030:20e:3::23a'],
      ]);
      expect(r.events.every((e) => e.netns === 4026532555 && e.comm === 'node')).toBe(true);
    });

    it('reads -v without timestamps', () => {
      const r = parseTcptracer(fixture('tcptracer-v.log'));
      expect(r.warningCount).toBe(0);
      expect(r.events.map((e) => [e.type, e.timestampNs, e.netns])).toEqual([
        ['connect', null, 4026532700],
        ['close', null, 4026532700],
      ]);
    });

    it('reads non-verbose -t: C/A/X types, TIME(s) in seconds, no NETNS', () => {
      const r = parseTcptracer(fixture('tcptracer-t.log'));
      expect(r.warningCount).toBe(0);
      expect(r.events.map((e) => [e.type, e.timestampNs, e.netns])).toEqual([
        ['connect', 0, null],
        ['close', 1_500_000_000, null],
        ['connect', 12_345_678_000_000, null],
      ]);
    });

    it('reads the plain non-verbose form with both families', () => {
      const r = parseTcptracer(fixture('tcptracer-plain.log'));
      expect(r.warningCount).toBe(0);
      expect(r.events.map((e) => [e.type, e.ipVersion, e.saddr, e.sport])).toEqual([
        ['connect', 4, '10.244.2.8', 51000],
        ['accept', 6, 'fe80::1', 22],
      ]);
    });

    it('reads the --containersmap prefix into `container`, `<>` as null', () => {
      const r = parseTcptracer(fixture('tcptracer-containers.log'));
      expect(r.warningCount).toBe(0);
      expect(r.events[0]).toMatchObject({ pid: 18627, comm: 'curl', netns: 4026532785, timestampNs: 0 });
      expect(r.events[0]?.container).toEqual({
        node: 'aks-nodepool1-0',
        namespace: 'default',
        pod: 'web-7d9f8c6b5-x2x',
        container: 'web',
      });
      expect(r.events[1]?.container).toEqual({ node: 'aks-nodepool1-0', namespace: null, pod: null, container: null });
    });

    it('leaves `container` undefined for plain formats', () => {
      const r = parseTcptracer(fixture('tcptracer-v.log'));
      expect(r.events[0]?.container).toBeUndefined();
    });

    it('infers the layout of headerless lines from the line itself', () => {
      const r = parseTcptracer(
        [
          '5 connect 10 a b c 4 10.0.0.1 20.0.0.1 1000 443 4026531992',
          'X 11 sh 6 [::1] [::2] 5 6',
          '0.250 A 12 nginx 4 10.0.0.1 10.0.0.2 80 5000',
          '1 4 10.0.0.1 20.0.0.1 1 2',
        ].join('\n'),
      );
      expect(r.events.map((e) => [e.type, e.pid, e.comm, e.timestampNs, e.netns])).toEqual([
        ['connect', 10, 'a b c', 5, 4026531992],
        ['close', 11, 'sh', null, null],
        ['accept', 12, 'nginx', 250_000_000, null],
      ]);
      expect(r.warningCount).toBe(1);
    });
  });

  describe('JSON lines', () => {
    it('reads BCC --json (`time` in seconds) and other key spellings', () => {
      const r = parseTcptracer(
        [
          '{"time": 0.0, "pid": 18627, "comm": "curl", "saddr": "10.244.1.15", "daddr": "20.50.1.2", "ip": 4, "dport": 443, "sport": 53746, "type": "connect"}',
          '{"time": 1.25, "pid": "18627", "comm": "curl", "saddr": "b\'10.244.1.15\'", "daddr": "20.50.1.2", "ip": 4, "dport": "443", "sport": 53746, "type": "close", "netns": 4026532785}',
          '{"type":"C","pid":1,"comm":"x","ip":6,"saddr":"[::1]","daddr":"::2","sport":1,"dport":2,"timestamp_ns":77,"node":"n","pod":"p","container":"c","namespace":"<>"}',
          '{"type":"connect","pid":1}',
          '{not json',
          '[1,2]',
        ].join('\n'),
      );
      expect(r.format).toBe('json');
      expect(r.events.map((e) => [e.type, e.timestampNs, e.saddr, e.dport, e.netns])).toEqual([
        ['connect', 0, '10.244.1.15', 443, null],
        ['close', 1_250_000_000, '10.244.1.15', 443, 4026532785],
        ['connect', 77, '::1', 2, null],
      ]);
      expect(r.events[2]?.container).toEqual({ node: 'n', namespace: null, pod: 'p', container: 'c' });
      expect(r.warnings.map((w) => w.line)).toEqual([4, 5, 6]);
    });
  });

  describe('bad input', () => {
    it('returns nothing for an empty file', () => {
      expect(parseTcptracer('')).toEqual({
        tool: null,
        events: [],
        warnings: [],
        warningCount: 0,
        lostSamples: 0,
        format: null,
      });
    });

    it('rejects out-of-range ports, invalid addresses and family mismatches', () => {
      const r = parseTcptracer(
        [
          '0 connect 1 c 4 10.0.0.1 20.0.0.1 70000 443 1',
          '0 connect 1 c 4 10.0.0.256 20.0.0.1 1 443 1',
          '0 connect 1 c 6 10.0.0.1 20.0.0.1 1 443 1',
          '0 connect 1 c 4 4 20.0.0.1 1 443 1',
          '0 unknown 1 c 4 10.0.0.1 20.0.0.1 1 443 1',
        ].join('\n'),
      );
      expect(r.events).toHaveLength(0);
      expect(r.warningCount).toBe(5);
    });

    it('keeps at most 50 warnings but counts them all', () => {
      const p = new TcptracerParser('t.log');
      for (let i = 0; i < 120; i++) p.push(`garbage ${i}`);
      expect(p.warnings).toHaveLength(MAX_STORED_WARNINGS);
      expect(p.warningCount).toBe(120);
      expect(p.lines).toBe(120);
      expectWellFormedWarnings(p.warnings, 't.log', 120);
    });

    it('does not relabel a bad line as truncated when a good line follows', () => {
      const r = parseTcptracer('garbage\n0 connect 1 c 4 10.0.0.1 20.0.0.1 1 2 3\n');
      expect(r.warnings[0]?.message).toMatch(/^unrecognised line/);
    });
  });

  describe('properties', () => {
    const realLines = [
      ...fixture('tcptracer-t4v.log').split('\n'),
      ...fixture('tcptracer-tv-dual.log').split('\n'),
      ...fixture('tcptracer-containers.log').split('\n'),
      ...fixture('tcptracer-t.log').split('\n'),
      '{"time": 0.5, "pid": 1, "comm": "c", "saddr": "10.0.0.1", "daddr": "20.0.0.1", "ip": 4, "dport": 443, "sport": 5, "type": "connect"}',
    ];

    it('never throws on random text and returns well-typed events', () => {
      fc.assert(
        fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 200 }), { maxLength: 20 }), (lines) => {
          const text = lines.join('\n');
          const r = parseTcptracer(text);
          r.events.forEach(expectWellTyped);
          // Random strings may hold newlines themselves: the bound is the text's own line count.
          expectWellFormedWarnings(r.warnings, 'tcptracer.log', text.split('\n').length);
        }),
        { numRuns: 300 },
      );
    });

    it('never throws on mutated real lines and keeps every event well typed', () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.tuple(
              fc.constantFrom(...realLines),
              fc.constantFrom(...mutations),
              fc.nat(),
              fc.string({ maxLength: 12 }),
            ),
            { minLength: 1, maxLength: 20 },
          ),
          (muts) => {
            const p = new TcptracerParser();
            for (const [line, kind, at, junk] of muts) {
              const e = p.push(mutate(line, kind, at, junk));
              if (e) expectWellTyped(e);
            }
            p.end(false);
            expect(p.warningCount).toBeGreaterThanOrEqual(p.warnings.length);
          },
        ),
        { numRuns: 500 },
      );
    });

    it('reads generated BCC lines back exactly, whatever the COMM', () => {
      const octet = fc.integer({ min: 0, max: 255 });
      const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
      // BCC prints COMM as is: any non-blank characters, including brackets, colons and UTF-8.
      const comm = fc.string({ unit: fc.constantFrom(...'abcxyzABC0189-_:./@()[]{}é中'), minLength: 1, maxLength: 7 });
      fc.assert(
        fc.property(
          fc.record({
            ts: fc.nat({ max: 1e15 }),
            type: fc.constantFrom('connect', 'accept', 'close'),
            pid: fc.integer({ min: 1, max: 4_194_304 }),
            comm: fc.tuple(comm, fc.option(comm)).map(([a, b]) => (b ? `${a} ${b}` : a)),
            s: ipv4,
            d: ipv4,
            sp: fc.integer({ min: 0, max: 65535 }),
            dp: fc.integer({ min: 0, max: 65535 }),
            ns: fc.nat({ max: 4_294_967_295 }),
          }),
          (r) => {
            const line = `${String(r.ts).padEnd(14)}${r.type.padEnd(12)} ${String(r.pid).padEnd(6)} ${r.comm.padEnd(16)} 4  ${r.s.padEnd(16)} ${r.d.padEnd(16)} ${String(r.sp).padEnd(6)} ${String(r.dp).padEnd(6)} ${r.ns}`;
            const p = new TcptracerParser();
            p.push(
              'TIME(ns)      TYPE         PID    COMM             IP SADDR            DADDR            SPORT  DPORT  NETNS',
            );
            const e = p.push(line);
            expect(e).toEqual({
              type: r.type,
              timestampNs: r.ts,
              pid: r.pid,
              comm: r.comm,
              ipVersion: 4,
              saddr: r.s,
              daddr: r.d,
              sport: r.sp,
              dport: r.dp,
              netns: r.ns,
            });
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
