import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  detectSocketFormat,
  hexAddress,
  parseNetstat,
  parseProcNetTcp,
  parseSocketTable,
  parseSs,
} from '../../../../src/evidence/parsers/sockets.js';
import type { SocketEntry } from '../../../../src/evidence/types.js';
import { TCP_STATES } from '../../../../src/evidence/types.js';
import { expectWellFormedWarnings, fixture, isPort, isValidIp, mutate, mutations } from './helpers.js';

const STATES = TCP_STATES;

function expectWellTyped(s: SocketEntry): void {
  expect(isValidIp(s.localIp) && isValidIp(s.remoteIp)).toBe(true);
  expect(isPort(s.localPort) && isPort(s.remotePort)).toBe(true);
  expect(STATES).toContain(s.state);
  expect(s.pid === null || (Number.isInteger(s.pid) && s.pid >= 0)).toBe(true);
}

const row = (localIp: string, localPort: number, remoteIp: string, remotePort: number, state: string) => ({
  localIp,
  localPort,
  remoteIp,
  remotePort,
  state,
});

describe('parseSocketTable', () => {
  describe('netstat (net-tools, BusyBox)', () => {
    it('reads the runbook line shape (x-redacted addresses are warned about)', () => {
      const r = parseSocketTable(fixture('netstat-runbook.txt'), 'netstat/default_web.txt');
      expect(r.method).toBe('netstat');
      expect(r.items).toEqual([]);
      expect(r.warnings).toEqual([
        { file: 'netstat/default_web.txt', line: 1, message: expect.stringMatching(/^unparseable address/) },
      ]);
      const real = parseSocketTable(
        'tcp 0 0 10.244.1.9:41234 20.31.4.5:443 ESTABLISHED 123/telnet\n',
        'netstat/default_web.txt',
      );
      expect(real.items).toEqual([
        {
          localIp: '10.244.1.9',
          localPort: 41234,
          remoteIp: '20.31.4.5',
          remotePort: 443,
          state: 'ESTABLISHED',
          pid: 123,
          program: 'telnet',
        },
      ]);
    });

    it('reads netstat -ptn: program names with spaces, `-` PIDs, tcp6 mapped addresses', () => {
      const r = parseSocketTable(fixture('netstat-ptn.txt'), 'netstat/shop_php.txt');
      expect(r.method).toBe('netstat');
      expect(r.warnings).toEqual([]);
      expect(r.items).toEqual([
        { ...row('10.244.1.22', 40112, '52.10.0.9', 443, 'ESTABLISHED'), pid: 2211, program: 'php-fpm: pool' },
        { ...row('10.244.1.22', 40114, '52.10.0.9', 443, 'ESTABLISHED'), pid: 2211, program: 'php-fpm: pool' },
        { ...row('10.244.1.22', 51000, '10.0.0.10', 5432, 'ESTABLISHED'), pid: 2211, program: 'php-fpm: pool' },
        { ...row('10.244.1.22', 40120, '52.10.0.9', 443, 'TIME_WAIT'), pid: null, program: null },
        {
          ...row('::ffff:10.244.1.22', 80, '::ffff:10.244.0.7', 51234, 'ESTABLISHED'),
          pid: 880,
          program: 'nginx: worker p',
        },
        { ...row('10.244.1.22', 40200, '20.60.1.1', 443, 'SYN_SENT'), pid: 2211, program: 'php-fpm: pool' },
      ]);
    });

    it('reads netstat -atnp listeners (`:::80`, `0.0.0.0:*`) and skips udp', () => {
      const r = parseSocketTable(fixture('netstat-atnp.txt'), 'f');
      expect(r.warnings).toEqual([]);
      expect(r.items.map((s) => [s.localIp, s.localPort, s.remoteIp, s.remotePort, s.state])).toEqual([
        ['0.0.0.0', 80, '0.0.0.0', 0, 'LISTEN'],
        ['::', 80, '::', 0, 'LISTEN'],
        ['10.244.1.22', 40112, '52.10.0.9', 443, 'ESTABLISHED'],
        ['10.244.1.22', 40300, '52.10.0.9', 443, 'CLOSE_WAIT'],
      ]);
    });

    it('reads netstat -tn without a PID column, and BusyBox netstat', () => {
      const tn = parseSocketTable(fixture('netstat-tn.txt'), 'f');
      expect(tn.items.map((s) => [s.remoteIp, s.pid, s.program])).toEqual([
        ['40.112.72.205', null, null],
        ['40.112.72.205', null, null],
      ]);
      const bb = parseSocketTable(fixture('netstat-busybox.txt'), 'f');
      expect(bb.warnings).toEqual([]);
      expect(bb.items.map((s) => [s.localIp, s.remoteIp, s.remotePort, s.pid, s.program])).toEqual([
        ['10.244.3.9', '20.190.1.1', 443, 1, 'node'],
        ['::ffff:10.244.3.9', '::ffff:20.190.1.1', 443, 1, 'node'],
      ]);
    });

    it('strips -o timers and handles CRLF', () => {
      const r = parseNetstat(
        'tcp        0      0 10.0.0.5:5000           20.1.1.1:443            ESTABLISHED 77/java              keepalive (7170.12/0/0)\r\n',
        'f',
      );
      expect(r.items[0]).toMatchObject({ pid: 77, program: 'java', remotePort: 443 });
    });
  });

  describe('ss (iproute2)', () => {
    it('reads ss -tnp: bracketed IPv6, users:(("name",pid=,fd=)) with spaces', () => {
      const r = parseSocketTable(fixture('ss-tnp.txt'), 'netstat/default_web.txt');
      expect(r.method).toBe('ss');
      expect(r.warnings).toEqual([]);
      expect(r.items).toEqual([
        { ...row('10.244.1.5', 43210, '20.50.1.2', 443, 'ESTABLISHED'), pid: 1234, program: 'curl' },
        { ...row('::ffff:10.244.1.5', 8080, '::ffff:10.244.0.7', 51234, 'ESTABLISHED'), pid: 1, program: 'node' },
        {
          ...row('fd00:10:244:1::5', 45678, '2603:1030:20e:3::23a', 443, 'ESTABLISHED'),
          pid: 77,
          program: 'php-fpm: pool www',
        },
        { ...row('10.244.1.5', 43300, '20.50.1.2', 443, 'SYN_SENT'), pid: 1240, program: 'curl' },
      ]);
    });

    it('normalises old ss -tan state names and unbracketed addresses', () => {
      const r = parseSocketTable(fixture('ss-tan-old.txt'), 'f');
      expect(r.method).toBe('ss');
      expect(r.items.map((s) => [s.state, s.localIp, s.localPort])).toEqual([
        ['LISTEN', '0.0.0.0', 8080],
        ['LISTEN', '::', 8080],
        ['ESTABLISHED', '10.244.1.5', 43210],
        ['TIME_WAIT', '10.244.1.5', 43212],
        ['FIN_WAIT2', '10.244.1.5', 43214],
        ['CLOSE_WAIT', '::ffff:10.244.1.5', 8080],
      ]);
    });

    it('assumes ESTABLISHED for `ss -tn state established` (no State column) and says so', () => {
      const r = parseSocketTable(fixture('ss-state-established.txt'), 'f');
      expect(r.method).toBe('ss');
      expect(r.items.map((s) => [s.state, s.localPort])).toEqual([
        ['ESTABLISHED', 43210],
        ['ESTABLISHED', 43216],
      ]);
      expect(r.warnings).toEqual([{ file: 'f', line: 0, message: expect.stringMatching(/without a State column/) }]);
    });

    it('reads the Netid column and skips non-TCP rows', () => {
      const r = parseSs(
        'Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port\nudp   UNCONN 0 0 0.0.0.0:68 0.0.0.0:*\ntcp   ESTAB  0 0 10.0.0.1%eth0:22 10.0.0.2:5000\n',
        'f',
      );
      expect(r.items).toEqual([{ ...row('10.0.0.1', 22, '10.0.0.2', 5000, 'ESTABLISHED'), pid: null, program: null }]);
    });
  });

  describe('ss rows without a header, told apart from netstat per row shape', () => {
    const pair = (r: { items: SocketEntry[] }) =>
      r.items.map((s) => [s.state, `${s.remoteIp}:${s.remotePort}`, s.pid, s.program]);

    it('reads `ss -tunap` (Netid first, udp rows skipped, users:(...))', () => {
      const text = [
        'Netid State  Recv-Q Send-Q      Local Address:Port       Peer Address:Port Process',
        'udp   UNCONN 0      0              127.0.0.53%lo:53              0.0.0.0:*     users:(("systemd-resolve",pid=612,fd=13))',
        'tcp   LISTEN 0      4096             0.0.0.0:8080            0.0.0.0:*     users:(("node",pid=4121,fd=19))',
        'tcp   ESTAB  0      0             10.244.0.5:43212       20.60.1.12:443   users:(("curl",pid=18627,fd=5))',
        'tcp   ESTAB  0      0     [::ffff:10.244.0.5]:8080  [::ffff:10.244.0.9]:51234 users:(("node",pid=4121,fd=23))',
      ].join('\n');
      const r = parseSocketTable(text, 'netstat/shop_web.txt');
      expect(r.method).toBe('ss');
      expect(r.warnings).toEqual([]);
      expect(pair(r)).toEqual([
        ['LISTEN', '0.0.0.0:0', 4121, 'node'],
        ['ESTABLISHED', '20.60.1.12:443', 18627, 'curl'],
        ['ESTABLISHED', '::ffff:10.244.0.9:51234', 4121, 'node'],
      ]);
    });

    it('reads `ss -H` and `ss -antup | grep ESTAB` rows (no header at all)', () => {
      for (const text of [
        'ESTAB 0 0 10.244.0.5:43212 20.60.1.12:443 users:(("curl",pid=18627,fd=5))\nTIME-WAIT 0 0 10.244.0.5:43210 20.60.1.12:443\n',
        'tcp   ESTAB      0      0      10.244.0.5:43212    20.60.1.12:443    users:(("curl",pid=18627,fd=5))\ntcp   TIME-WAIT  0      0      10.244.0.5:43210    20.60.1.12:443\n',
      ]) {
        const r = parseSocketTable(text, 'netstat/shop_web.txt');
        expect(r.method).toBe('ss');
        expect(r.warnings).toEqual([]);
        expect(pair(r)).toEqual([
          ['ESTABLISHED', '20.60.1.12:443', 18627, 'curl'],
          ['TIME_WAIT', '20.60.1.12:443', null, null],
        ]);
      }
    });

    it('still reads netstat rows starting with the protocol, and a file mixing both (two commands appended)', () => {
      const netstatRow = 'tcp        0      0 10.244.0.5:43214        20.60.1.12:443          ESTABLISHED 18627/curl';
      expect(parseSocketTable(`${netstatRow}\n`, 'f').method).toBe('netstat');
      const mixed = [
        'tcp   ESTAB 0 0 10.244.0.5:43212 20.60.1.12:443 users:(("curl",pid=18627,fd=5))',
        'tcp   ESTAB 0 0 10.244.0.5:43213 20.60.1.12:443 users:(("curl",pid=18627,fd=6))',
        netstatRow,
        'nonsense line',
      ].join('\n');
      const r = parseSocketTable(mixed, 'f');
      expect(r.method).toBe('ss');
      expect(r.items.map((s) => s.localPort).sort()).toEqual([43212, 43213, 43214]);
      expect(r.warnings.map((w) => w.line)).toEqual([4]);
    });
  });

  describe('/proc/net/tcp and tcp6', () => {
    it('decodes little-endian words, both tables in one file with a `# tcp6` separator', () => {
      const r = parseSocketTable(fixture('proc-net-tcp.txt'), 'sockets/4026532901.txt');
      expect(r.method).toBe('proc-net-tcp');
      expect(r.warnings).toEqual([]);
      expect(r.items.map((s) => [s.localIp, s.localPort, s.remoteIp, s.remotePort, s.state])).toEqual([
        ['0.0.0.0', 80, '0.0.0.0', 0, 'LISTEN'],
        ['10.244.1.22', 40112, '52.10.0.9', 443, 'ESTABLISHED'],
        ['10.244.1.22', 40114, '52.10.0.9', 443, 'TIME_WAIT'],
        ['10.244.1.22', 51000, '10.0.0.10', 5432, 'ESTABLISHED'],
        ['::', 8080, '::', 0, 'LISTEN'],
        ['::ffff:10.244.1.22', 8080, '::ffff:10.244.0.7', 51234, 'ESTABLISHED'],
        ['fd00:10:244:1::5', 45678, '2603:1030:20e:3::23a', 443, 'ESTABLISHED'],
        ['fd00:10:244:1::5', 45680, '2603:1030:20e:3::23a', 443, 'SYN_RECV'],
      ]);
      expect(r.items.every((s) => s.pid === null && s.program === null)).toBe(true);
    });

    it('reads a repeated header and warns about a cut row', () => {
      const text = fixture('proc-net-tcp4-only.txt');
      const lines = text.trimEnd().split('\n');
      const r = parseProcNetTcp(`${text}${lines[0]}\n${lines[2]?.slice(0, 20)}`, 'f');
      expect(r.items).toHaveLength(4);
      expect(r.warnings).toEqual([
        { file: 'f', line: lines.length + 2, message: expect.stringMatching(/^unrecognised/) },
      ]);
    });

    it('hexAddress decodes IPv4 and IPv6 and rejects junk', () => {
      expect(hexAddress('0100007F')).toBe('127.0.0.1');
      expect(hexAddress('00000000000000000000000001000000')).toBe('::1');
      expect(hexAddress('zz')).toBeNull();
      expect(hexAddress('0100007')).toBeNull();
    });
  });

  describe('detection and bad input', () => {
    it('detects each format and says when nothing fits', () => {
      expect(detectSocketFormat(fixture('netstat-ptn.txt'))).toBe('netstat');
      expect(detectSocketFormat(fixture('ss-tnp.txt'))).toBe('ss');
      expect(detectSocketFormat(fixture('proc-net-tcp.txt'))).toBe('proc-net-tcp');
      expect(detectSocketFormat('ESTAB 0 0 1.1.1.1:1 2.2.2.2:2')).toBe('ss');
      expect(detectSocketFormat('random words')).toBeNull();
      const r = parseSocketTable('random words\n', 'f');
      expect(r.items).toEqual([]);
      expect(r.warnings[0]).toEqual({ file: 'f', line: 0, message: expect.stringMatching(/no recognizable/) });
      expect(parseSocketTable('', 'f')).toEqual({ items: [], warnings: [], method: 'netstat' });
    });
  });

  describe('properties', () => {
    const real = [
      ...fixture('netstat-ptn.txt').split('\n'),
      ...fixture('ss-tnp.txt').split('\n'),
      ...fixture('proc-net-tcp.txt').split('\n'),
      ...fixture('netstat-busybox.txt').split('\n'),
    ];
    it('never throws on random or mutated tables; entries are well typed', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 300 }),
            fc
              .array(fc.tuple(fc.constantFrom(...real), fc.constantFrom(...mutations), fc.nat(), fc.string()), {
                maxLength: 12,
              })
              .map((m) => m.map(([l, k, at, j]) => mutate(l, k, at, j)).join('\n')),
          ),
          (text) => {
            const r = parseSocketTable(text, 'f');
            r.items.forEach(expectWellTyped);
            expectWellFormedWarnings(r.warnings, 'f', text.split('\n').length);
            for (const parse of [parseNetstat, parseSs, parseProcNetTcp])
              parse(text, 'f').items.forEach(expectWellTyped);
          },
        ),
        { numRuns: 400 },
      );
    });

    it('round-trips random addresses through the /proc hex encoding', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), (b) => {
          const hex = [...b]
            .reverse()
            .map((x) => x.toString(16).padStart(2, '0'))
            .join('');
          expect(hexAddress(hex)).toBe(b.join('.'));
        }),
      );
    });
  });
});
