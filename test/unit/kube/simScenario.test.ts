import { describe, expect, it } from 'vitest';
import { DEMO_NODE, demoScenario } from '../../../src/sim/kube/demoScenario.js';
import { netstatPtn, procNetTcp, pstreeText, tcptracerLine } from '../../../src/sim/kube/formats.js';
import { renderNodeCapture } from '../../../src/sim/kube/scenario.js';

describe('sim formats', () => {
  describe('/proc/net/tcp', () => {
    it('prints addresses in kernel byte order with hex ports and state', () => {
      const text = procNetTcp([
        { localIp: '10.244.3.17', localPort: 43210, remoteIp: '20.60.1.12', remotePort: 443, state: 'ESTABLISHED' },
        { localIp: 'fd00::1', localPort: 80, remoteIp: '2603:1061::1', remotePort: 443, state: 'TIME_WAIT' },
      ]);
      const lines = text.split('\n');
      expect(lines[0]).toMatch(
        /^ {2}sl {2}local_address rem_address {3}st tx_queue rx_queue tr tm->when retrnsmt {3}uid {2}timeout inode$/,
      );
      expect(lines[1]).toMatch(/^ {3}0: 1103F40A:A8CA 0C013C14:01BB 01 00000000:00000000 00:00000000 00000000 /);
      expect(lines[2]).toMatch(/^ {2}sl {2}local_address {25}remote_address/);
      expect(lines[3]).toMatch(
        /^ {3}0: 000000FD000000000000000001000000:0050 61100326000000000000000001000000:01BB 06 /,
      );
    });
  });

  describe('netstat -ptn', () => {
    it('uses the net-tools column layout', () => {
      const text = netstatPtn([
        {
          localIp: '10.244.3.17',
          localPort: 43210,
          remoteIp: '20.60.1.12',
          remotePort: 443,
          state: 'ESTABLISHED',
          pid: 1,
          program: 'node',
        },
      ]);
      expect(text.split('\n')[2]).toBe(
        'tcp        0      0 10.244.3.17:43210       20.60.1.12:443          ESTABLISHED 1/node              ',
      );
    });
  });

  describe('tcptracer -t -v', () => {
    it('keeps COMM with spaces in its column and brackets IPv6', () => {
      const v4 = tcptracerLine({
        tNs: 0,
        type: 'connect',
        pid: 18627,
        comm: 'php-fpm: pool www',
        saddr: '1.2.3.4',
        daddr: '5.6.7.8',
        sport: 53746,
        dport: 80,
        netns: 4026532785,
      });
      expect(v4.trim().split(/\s+/)).toEqual([
        '0',
        'connect',
        '18627',
        'php-fpm:',
        'pool',
        'w',
        '4',
        '1.2.3.4',
        '5.6.7.8',
        '53746',
        '80',
        '4026532785',
      ]);
      const v6 = tcptracerLine({
        tNs: 5,
        type: 'close',
        pid: 1,
        comm: 'curl',
        saddr: 'fd00::7',
        daddr: '2603:1061::1',
        sport: 1,
        dport: 443,
        netns: 1,
      });
      expect(v6).toContain(' 6  [fd00::7] ');
      expect(v6).toContain('[2603:1061::1]');
    });
  });

  describe('pstree -aps', () => {
    it('prints the ancestry with ASCII branches and the shim -id', () => {
      expect(
        pstreeText([
          { name: 'systemd', pid: 1 },
          { name: 'containerd-shim', pid: 20946, args: '-namespace k8s.io -id abc' },
          { name: 'pause', pid: 20968 },
        ]),
      ).toBe('systemd,1\n  `-containerd-shim,20946 -namespace k8s.io -id abc\n      `-pause,20968\n');
    });
  });
});

describe('demoScenario', () => {
  const sc = demoScenario();
  const node = sc.nodes.find((n) => n.name === DEMO_NODE);

  it('is deterministic', () => {
    expect(JSON.stringify(demoScenario())).toBe(JSON.stringify(sc));
  });

  it('has a dozen pods on the node, a hostNetwork pod and a distroless pod', () => {
    const onNode = sc.pods.filter((p) => p.nodeName === DEMO_NODE);
    expect(onNode).toHaveLength(12);
    expect(new Set(onNode.map((p) => p.namespace)).size).toBeGreaterThanOrEqual(5);
    expect(onNode.some((p) => p.hostNetwork)).toBe(true);
    expect(onNode.some((p) => p.containers.every((c) => !c.hasNetstat && c.hasCat === false))).toBe(true);
  });

  it('has a culprit opening ~400 connections a minute to 20.60.1.12:443 within a few thousand events', () => {
    const trace = node?.trace ?? [];
    expect(trace.length).toBeGreaterThan(1500);
    expect(trace.length).toBeLessThan(5000);
    const culprit = trace.filter((e) => e.type === 'connect' && e.saddr === '10.244.3.17' && e.daddr === '20.60.1.12');
    expect(culprit.length).toBeGreaterThanOrEqual(380);
    expect(culprit.length).toBeLessThanOrEqual(420);
    expect(Math.max(...trace.map((e) => e.tNs))).toBeLessThanOrEqual(60e9);
    expect(trace.some((e) => e.saddr.includes(':'))).toBe(true);
  });

  it('renders a capture whose netns, pstree and crictl ids chain to the pod', () => {
    if (!node) throw new Error('demo node missing');
    const files = new Map(renderNodeCapture(node, { TRACE_SECONDS: '60' }, sc).map((f) => [f.path, f.data.toString()]));
    const lsns = JSON.parse(files.get('lsns.json') ?? '{}') as { namespaces: Array<{ ns: number; pid: number }> };
    const row = lsns.namespaces.find((n) => n.ns === 4026532785);
    expect(row).toBeDefined();
    const shimId = /-id ([0-9a-f]{64})/.exec(files.get(`pstree/${row?.pid}.txt`) ?? '')?.[1];
    const sandboxes = JSON.parse(files.get('crictl-pods.json') ?? '{}') as {
      items: Array<{ id: string; metadata: { name: string } }>;
    };
    expect(sandboxes.items.find((s) => s.id === shimId)?.metadata.name).toBe('checkout-api-7d9f8b6c5-x2x9q');
    expect(files.get('sockets/4026532785.txt')).toContain('0C013C14:01BB 01');
  });
});
