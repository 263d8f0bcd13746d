/**
 * Trace output of tools other than BCC tcptracer, in each tool's documented format: BCC/libbpf tcpconnect (a
 * degraded trace of connects, or with -c their counts) and Inspektor Gadget's TCP tracer (table and JSON, built-in and image-based).
 */
import { describe, expect, it } from 'vitest';
import { createIpClassifier } from '../../../../src/analysis/ipClassifier.js';
import { TraceAggregator } from '../../../../src/analysis/traceAggregator.js';
import { parseTcptracer } from '../../../../src/evidence/parsers/tcptracer.js';
import { fixture } from './helpers.js';

const brief = (r: ReturnType<typeof parseTcptracer>) =>
  r.events.map((e) => [e.type, e.pid, e.comm, e.saddr, e.daddr, e.dport]);

describe('tcpconnect output', () => {
  it('reads -tU rows (TIME, UID, a COMM with spaces, IPv6) as connects, with one degraded-trace warning', () => {
    const r = parseTcptracer(fixture('tcpconnect-tU.log'));
    expect(r.tool).toBe('tcpconnect');
    expect(brief(r)).toEqual([
      ['connect', 31248, 'curl', '10.244.0.12', '93.184.216.34', 443],
      ['connect', 31250, 'php-fpm: poo', '10.244.0.13', '52.239.1.4', 443],
      ['connect', 31260, 'wget', 'fd00::12', '2603:1030:20e:3::23c', 443],
      ['connect', 31261, 'curl', '10.244.0.12', '10.0.0.4', 5432],
    ]);
    expect(r.events.map((e) => e.timestampNs)).toEqual([0, 51_000_000, 1_212_000_000, 1_300_000_000]);
    expect(r.events.every((e) => e.netns === null && e.sport === 0)).toBe(true);
    expect(r.warningCount).toBe(1);
    expect(r.warnings[0]).toMatchObject({ line: 0 });
    expect(r.warnings[0]!.message).toMatch(/tcpconnect output: a degraded trace of connects only/);
  });

  it('reads the default columns (no TIME, no UID), IPv6 bare', () => {
    const r = parseTcptracer(fixture('tcpconnect-plain.log'));
    expect(brief(r)).toEqual([
      ['connect', 1479, 'telnet', '127.0.0.1', '127.0.0.1', 23],
      ['connect', 1469, 'curl', '10.201.219.236', '54.245.105.25', 80],
      ['connect', 1991, 'telnet', '::1', '::1', 23],
    ]);
    expect(r.events.every((e) => e.timestampNs === null)).toBe(true);
  });

  it('reads -L (LPORT) and -d (QUERY, present or not)', () => {
    const r = parseTcptracer(fixture('tcpconnect-L-d.log'));
    expect(r.events.map((e) => [e.sport, e.daddr, e.dport])).toEqual([
      [40112, '52.10.0.9', 443],
      [40114, '52.10.0.9', 443],
    ]);
  });

  it('reads the -c summary (LADDR RADDR RPORT CONNECTS) as counted connects without processes', () => {
    const r = parseTcptracer(fixture('tcpconnect-c.log'));
    expect(r.tool).toBe('tcpconnect');
    expect(r.events.map((e) => [e.saddr, e.daddr, e.dport, e.count])).toEqual([
      ['10.244.0.12', '93.184.216.34', 443, 1187],
      ['10.244.0.12', '10.0.0.4', 5432, 12],
      ['10.244.0.13', '52.239.1.4', 443, 46],
      ['10.244.0.12', '52.239.1.4', 443, 3],
      ['fd00::12', '2603:1030:20e:3::23c', 443, 7],
    ]);
    expect(r.events.every((e) => e.type === 'connect' && e.pid === 0 && e.timestampNs === null)).toBe(true);
    expect(r.warningCount).toBe(1);
    expect(r.warnings[0]!.message).toMatch(/tcpconnect -c output: connect counts per source, destination and port/);
  });

  it('counts each -c row as its CONNECTS, per talker and destination, and records no PID or COMM', () => {
    const agg = new TraceAggregator(createIpClassifier());
    for (const e of parseTcptracer(fixture('tcpconnect-c.log')).events) agg.add(e);
    const t = agg.result();
    expect([t.events, t.connects]).toEqual([1255, 1255]);
    const pod = t.talkers.get('10.244.0.12')!;
    expect([pod.connectsPublic, pod.connectsPrivate]).toEqual([1190, 12]);
    expect(pod.publicDestinations.top(2)).toEqual([
      { ip: '93.184.216.34', port: 443, count: 1187 },
      { ip: '52.239.1.4', port: 443, count: 3 },
    ]);
    expect([pod.pids.size, pod.comms.size]).toEqual([0, 0]);
    expect(t.talkers.get('fd00::12')!.connectsPublic).toBe(7);
  });

  it('warns about a -c row it cannot read (bad count, one address) and goes on', () => {
    const text = `${fixture('tcpconnect-c.log')}10.244.0.12  52.1.1.1  443  many\n10.244.0.12  443  9\n`;
    const r = parseTcptracer(text);
    expect(r.events).toHaveLength(5);
    expect(r.warnings.slice(1).map((w) => [w.line, w.message.split(':')[0]])).toEqual([
      [9, 'bad CONNECTS in tcpconnect -c row'],
      [10, 'tcpconnect -c row without exactly LADDR, RADDR, RPORT and CONNECTS'],
    ]);
  });

  it('warns about a row it cannot read and goes on', () => {
    const text = `${fixture('tcpconnect-plain.log')}1500   curl         4  10.0.0.1         not-an-address   80\n`;
    const r = parseTcptracer(text);
    expect(r.events).toHaveLength(3);
    expect(r.warnings.map((w) => w.line)).toEqual([0, 5]);
  });
});

describe('Inspektor Gadget trace tcp', () => {
  it('reads the built-in table (K8S.* columns, T, kind-prefixed SRC/DST) with its k8s enrichment', () => {
    const r = parseTcptracer(fixture('gadget-trace-tcp.log'));
    expect(r.tool).toBe('inspektor-gadget');
    expect(r.warningCount).toBe(0);
    // The U row counts for nothing; pod and service endpoints stand in for addresses the gadget did not print.
    expect(brief(r)).toEqual([
      ['connect', 253124, 'php-fpm: p', 'p/shop/web-7d9c', '52.239.1.4', 443],
      ['close', 253124, 'php-fpm: p', 'p/shop/web-7d9c', '52.239.1.4', 443],
      ['connect', 253125, 'curl', 'p/shop/web-7d9c', '20.60.1.12', 443],
      ['accept', 8121, 'node', 'p/shop/api-5f6b', 'p/shop/web-7d9c', 50300],
      ['connect', 8121, 'node', 'p/shop/api-5f6b', 's/shop/redis', 6379],
    ]);
    expect(r.events[0]!.container).toEqual({
      node: 'aks-nodepool1-0',
      namespace: 'shop',
      pod: 'web-7d9c',
      container: 'php',
      origin: 'inspektor-gadget',
    });
  });

  it('reads the image-based trace_tcp table by column position (COMM with spaces, blank k8s cells)', () => {
    const r = parseTcptracer(fixture('gadget-trace_tcp.log'));
    expect(r.warningCount).toBe(0);
    expect(brief(r)).toEqual([
      ['connect', 750625, 'php-fpm: pool w', '10.244.0.31', '52.239.1.4', 443],
      ['close', 750625, 'php-fpm: pool w', '10.244.0.31', '52.239.1.4', 443],
      ['connect', 999, 'kubelet', '10.224.0.4', '20.60.1.12', 443],
    ]);
    expect(r.events.map((e) => e.sport)).toEqual([60552, 60552, 41000]);
    expect(r.events[0]!.container).toMatchObject({ namespace: 'shop', pod: 'web-7d9c' });
    expect(r.events[2]!.container).toMatchObject({ namespace: null, pod: null, container: null });
  });

  it('reads `ig run trace_tcp` (RUNTIME.CONTAINERNAME, no Kubernetes)', () => {
    const r = parseTcptracer(fixture('gadget-ig-local.log'));
    expect(brief(r)).toEqual([['connect', 757178, 'wget', '172.17.0.2', '93.184.215.14', 443]]);
    expect(r.events[0]!.container).toMatchObject({ pod: null, container: 'test-trace-tcp' });
  });

  it('reads built-in -o json lines (nested k8s/src/dst, and the older flat keys); skips framework messages', () => {
    const r = parseTcptracer(fixture('gadget-trace-tcp.json'));
    expect(r.format).toBe('json');
    expect(r.warningCount).toBe(0);
    expect(brief(r)).toEqual([
      ['connect', 253124, 'php-fpm: pool w', '10.244.0.31', '52.239.1.4', 443],
      ['close', 253124, 'php-fpm: pool w', '10.244.0.31', '52.239.1.4', 443],
    ]);
    expect(r.events.map((e) => e.container?.pod)).toEqual(['web-7d9c', 'web-7d9c']);
    expect(r.events[0]!.timestampNs).toBe(1690000000000000000);
  });

  it('reads image-based trace_tcp -o json lines (proc, netns_id, podName, RFC 3339 timestamps, IPv6)', () => {
    const r = parseTcptracer(fixture('gadget-trace_tcp.json'));
    expect(r.warningCount).toBe(0);
    expect(brief(r)).toEqual([
      ['connect', 750625, 'php-fpm: pool w', '10.244.0.31', '52.239.1.4', 443],
      ['close', 750625, 'php-fpm: pool w', '10.244.0.31', '52.239.1.4', 443],
      ['connect', 999, 'kubelet', 'fd00::4', '2603:1030::1', 443],
    ]);
    expect(r.events.map((e) => e.netns)).toEqual([4026532201, 4026532201, 4026531992]);
    expect(r.events[2]!.ipVersion).toBe(6);
    expect(r.events[1]!.timestampNs! - r.events[0]!.timestampNs!).toBe(1_000_000_000);
    expect(r.events[2]!.container).toMatchObject({ namespace: null, pod: null });
  });

  it('warns about a gadget JSON event it cannot read', () => {
    const r = parseTcptracer('{"k8s":{},"type":"connect","proc":{"pid":1},"src":{"addr":"x","port":1},"dst":{}}\n');
    expect(r.events).toEqual([]);
    expect(r.warnings[0]!.message).toMatch(/^Inspektor Gadget JSON event with bad addresses/);
  });
});

describe('the last line', () => {
  const header = 'TIME(s)  T  PID    COMM             IP SADDR            DADDR            SPORT  DPORT';
  const good = '0.100    C  1000   curl             4  10.244.0.5       20.60.1.12       40000  443';
  it('is "truncated" only when the file ends without a newline', () => {
    const cut = parseTcptracer(`${header}\n${good}\n0.200    C  1000   cu`);
    expect(cut.warnings.map((w) => w.message)).toEqual([
      'truncated last line (no newline at the end of the file): unrecognised line: 0.200    C  1000   cu',
    ]);
  });

  it('keeps its own warning when it is complete (a newline after it) but unparsable', () => {
    const complete = parseTcptracer(`${header}\n${good}\nthis is not an event line\n`);
    expect(complete.warnings.map((w) => w.message)).toEqual(['unrecognised line: this is not an event line']);
  });
});
