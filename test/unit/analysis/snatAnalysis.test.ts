import { describe, expect, it } from 'vitest';
import { SnatAnalysis } from '../../../src/analysis/snatAnalysis.js';
import { emptyEvidenceSet } from '../../../src/evidence/evidenceSet.js';
import type { TraceEvent } from '../../../src/evidence/types.js';
import { chainEvidence, connects, ev, pod, sock } from '../../support/evidenceBuilders.js';

const HOST_NS = 4026531992;
const SB_WEB = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const SB_BATCH = 'ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100';

function run(evidence: ReturnType<typeof emptyEvidenceSet>, events: TraceEvent[], privateCidrs: string[] = []) {
  const analysis = new SnatAnalysis(evidence, { privateCidrs });
  for (const e of events) analysis.aggregator.add(e);
  return analysis.report();
}

describe('SnatAnalysis', () => {
  describe('attribution through the netns chain', () => {
    it('ties trace keys to pods via lsns -> pstree -> crictl -> pods and records every step', () => {
      const evidence = chainEvidence(
        [{ inode: 4026532785, pid: 19832, sandbox: SB_WEB, namespace: 'shop', name: 'web-1' }],
        [pod('shop', 'web-1', ['10.244.0.5'])],
      );
      const report = run(evidence, connects(120, { saddr: '10.244.0.5', daddr: '20.60.1.12', netns: 4026532785 }));
      const top = report.rankedPods[0]!;
      expect(top).toMatchObject({ namespace: 'shop', pod: 'web-1', connectsPublic: 120, rank: 1 });
      expect(top.attribution.paths).toEqual(['netns-chain', 'pod-ip']);
      expect(top.attribution.steps.map((s) => s.kind)).toEqual(['lsns', 'pstree', 'crictl', 'pods', 'pod-ip']);
      expect(top.attribution.conflicts).toEqual([]);
      expect(top.topDestinations[0]).toEqual({ ip: '20.60.1.12', port: 443, count: 120 });
      expect(top.connectRatePerMinute).toBe(120);
      expect(report.verdict).toMatchObject({ kind: 'pod', namespace: 'shop', pod: 'web-1' });
    });

    it('matches a truncated crictl sandbox id by prefix, as the runbook does with five characters', () => {
      const evidence = chainEvidence([
        { inode: 4026532785, pid: 19832, sandbox: SB_WEB, namespace: 'shop', name: 'web-1' },
      ]);
      evidence.criPods[0]!.id = SB_WEB.slice(0, 13);
      evidence.pods = [];
      const report = run(evidence, connects(3, { saddr: '10.244.0.5', daddr: '20.60.1.12', netns: 4026532785 }));
      expect(report.rankedPods[0]).toMatchObject({ namespace: 'shop', pod: 'web-1' });
      expect(report.rankedPods[0]!.attribution.paths).toEqual(['netns-chain']);
    });

    it('joins crictl ps text (no POD/NAMESPACE) to pods.json through the container id', () => {
      const evidence = chainEvidence(
        [{ inode: 4026532785, pid: 19832, sandbox: SB_WEB, namespace: 'x', name: 'x' }],
        [pod('shop', 'web-1', ['10.244.0.5'], { containerIds: ['6b5a1c2d3e4f5a6b7c8d9e0f'] })],
      );
      evidence.criPods = [];
      evidence.criContainers = [
        {
          id: '6b5a1c2d3e4f5',
          podSandboxId: SB_WEB.slice(0, 13),
          name: 'app',
          state: 'Running',
          image: null,
          attempt: 0,
          podName: null,
          podNamespace: null,
          podUid: null,
        },
      ];
      const report = run(evidence, connects(4, { saddr: '10.244.9.9', daddr: '52.1.1.1', netns: 4026532785 }));
      expect(report.rankedPods[0]).toMatchObject({ namespace: 'shop', pod: 'web-1', connectsPublic: 4 });
      expect(report.rankedPods[0]!.attribution.paths).toEqual(['netns-chain']);
    });

    it('keeps the netns chain and flags a conflict when SADDR belongs to another pod', () => {
      const evidence = chainEvidence(
        [{ inode: 4026532785, pid: 19832, sandbox: SB_WEB, namespace: 'shop', name: 'web-1' }],
        [pod('shop', 'web-1', ['10.244.0.5']), pod('shop', 'old-pod', ['10.244.0.9'])],
      );
      const report = run(evidence, connects(5, { saddr: '10.244.0.9', daddr: '20.60.1.12', netns: 4026532785 }));
      expect(report.rankedPods).toHaveLength(1);
      expect(report.rankedPods[0]!.pod).toBe('web-1');
      expect(report.rankedPods[0]!.attribution.conflicts[0]).toMatch(/old-pod/);
    });
  });

  describe('attribution by source address', () => {
    it('uses status.podIPs of both families when the trace has no netns', () => {
      const evidence = emptyEvidenceSet();
      evidence.files = ['tcptracer.log', 'pods.json'];
      evidence.pods = [pod('shop', 'dual', ['10.244.0.7', 'fd00:10:244::7'])];
      const report = run(evidence, [
        ...connects(4, { saddr: '10.244.0.7', daddr: '52.1.1.1' }),
        ...connects(6, { saddr: 'fd00:10:244::7', daddr: '2603:1030::5' }),
      ]);
      expect(report.rankedPods[0]).toMatchObject({ pod: 'dual', connectsPublic: 10, distinctPublicDestinations: 2 });
      expect(report.rankedPods[0]!.attribution.paths).toEqual(['pod-ip']);
    });

    it('lists talkers that map to no pod as unattributed with a reason, never dropping them', () => {
      const evidence = emptyEvidenceSet();
      evidence.pods = [pod('shop', 'web', ['10.244.0.5'])];
      const report = run(evidence, connects(7, { saddr: '10.244.9.9', daddr: '52.1.1.1', netns: 4026539999 }));
      expect(report.rankedPods).toEqual([]);
      expect(report.unattributed).toHaveLength(1);
      expect(report.unattributed[0]).toMatchObject({ saddr: '10.244.9.9', netns: 4026539999, connectsPublic: 7 });
      expect(report.unattributed[0]!.reason).toMatch(/matches no pod IP/);
      expect(report.verdict.kind).toBe('unattributed');
    });
  });

  describe('attribution from tcptracer --containersmap', () => {
    it('uses the pod the trace printed when neither the netns chain nor the pod IP names one', () => {
      const evidence = emptyEvidenceSet();
      const events = connects(6, { saddr: '10.244.3.3', daddr: '52.1.1.1', netns: 4026532111 }).map((e) => ({
        ...e,
        container: { node: 'n0', namespace: 'shop', pod: 'web-1', container: 'app' },
      }));
      const report = run(evidence, events);
      expect(report.rankedPods[0]).toMatchObject({ namespace: 'shop', pod: 'web-1', connectsPublic: 6 });
      expect(report.rankedPods[0]!.attribution.paths).toEqual(['container-map']);
      expect(report.unattributed).toEqual([]);
    });
  });

  describe('pod names a gadget table printed cut short', () => {
    const gadget = (name: string, namespace = 'shop') =>
      connects(4, { saddr: '10.244.3.3', daddr: '52.1.1.1', netns: 4026532111 }).map((e) => ({
        ...e,
        container: { node: 'n0', namespace, pod: name, container: 'app', origin: 'inspektor-gadget' as const },
      }));
    const evidence = () => {
      const e = emptyEvidenceSet();
      e.pods = [
        pod('shop', 'checkout-api-7d9c5b6f4-x2kq9', []),
        pod('shop', 'checkout-api-7d9c5b6f4-p8w1m', []),
        pod('shop', 'cart-5f6b9c-zz1', []),
        pod('payments', 'checkout-api-7d9c5b6f4-aaaa1', []),
      ];
      return e;
    };

    it.each([
      ['checkout-api-7d9c5b6f4-x2…', 'shop'],
      ['…5b6f4-x2kq9', 'shop'],
      ['checkout…x2kq9', 'shop'],
      ['checkout-api-7d9c5b6f4-x...', 'sh…'],
    ])('matches %s (namespace %s) to the one pod in pods.json it fits', (printed, namespace) => {
      const report = run(evidence(), gadget(printed, namespace));
      expect(report.rankedPods[0]).toMatchObject({ namespace: 'shop', pod: 'checkout-api-7d9c5b6f4-x2kq9' });
      expect(report.rankedPods[0]!.attribution.paths).toEqual(['gadget-k8s']);
      expect(report.rankedPods[0]!.attribution.steps[0]!.detail).toMatch(
        /cut short.*only shop\/checkout-api-7d9c5b6f4-x2kq9/,
      );
    });

    it.each([
      ['checkout-api-7d9c5b6f4-…', 'shop', /2 pods in pods.json fit it/],
      ['checkout-api-7d9c5b6f4-…', '…', /3 pods in pods.json fit it/],
      ['gone-7d9…', 'shop', /no pod in pods.json fit/],
    ])(
      'never picks one of several (or no) pods %s (namespace %s) fits: unattributed, saying why',
      (printed, namespace, why) => {
        const report = run(evidence(), gadget(printed, namespace));
        expect(report.rankedPods).toEqual([]);
        expect(report.unattributed).toHaveLength(1);
        expect(report.unattributed[0]!.reason).toMatch(/printed the pod name cut short/);
        expect(report.unattributed[0]!.reason).toMatch(why);
      },
    );
  });

  describe('host network namespace', () => {
    it('reports node traffic as host traffic, not on a hostNetwork pod sharing the node IP', () => {
      const evidence = chainEvidence([], [pod('kube-system', 'kube-proxy-x', ['10.224.0.7'], { hostNetwork: true })]);
      evidence.node = { name: 'aks-node-0', internalIPs: ['10.224.0.7'], podCIDRs: [] };
      const report = run(
        evidence,
        connects(50, { saddr: '10.224.0.7', daddr: '52.1.1.1', netns: HOST_NS, comm: 'kubelet' }),
      );
      expect(report.rankedPods).toEqual([]);
      expect(report.hostTraffic).toMatchObject({ saddr: '10.224.0.7', netns: HOST_NS, connectsPublic: 50 });
      expect(report.hostTraffic!.processes).toEqual(['kubelet']);
      expect(report.verdict.kind).toBe('host');
    });

    it('gives host-namespace traffic to a hostNetwork pod only for the PID whose chain proves it', () => {
      const evidence = chainEvidence([], [pod('kube-system', 'azure-cns-abc', ['10.224.0.7'], { hostNetwork: true })]);
      evidence.pstree.push({ pid: 4242, shimId: SB_BATCH, ancestry: [] });
      evidence.criPods.push({
        id: SB_BATCH,
        name: 'azure-cns-abc',
        namespace: 'kube-system',
        uid: null,
        state: 'SANDBOX_READY',
        netnsPath: null,
      });
      const report = run(evidence, [
        ...connects(9, { saddr: '10.224.0.7', daddr: '52.1.1.1', netns: HOST_NS, pid: 4242, comm: 'azure-cns' }),
        ...connects(4, { saddr: '10.224.0.7', daddr: '52.1.1.1', netns: HOST_NS, pid: 777, comm: 'kubelet' }),
      ]);
      expect(report.rankedPods).toHaveLength(1);
      expect(report.rankedPods[0]).toMatchObject({ pod: 'azure-cns-abc', hostNetwork: true, connectsPublic: 9 });
      expect(report.hostTraffic).toMatchObject({ connectsPublic: 4, processes: ['kubelet'] });
    });
  });

  describe('ranking', () => {
    it('ranks a public-light pod with sockets above a private-heavy pod (runbook rule)', () => {
      const evidence = chainEvidence(
        [
          { inode: 4026532001, pid: 2001, sandbox: SB_WEB, namespace: 'shop', name: 'chatty-private' },
          { inode: 4026532002, pid: 2002, sandbox: SB_BATCH, namespace: 'shop', name: 'public-light' },
        ],
        [pod('shop', 'chatty-private', ['10.244.0.10']), pod('shop', 'public-light', ['10.244.0.11'])],
      );
      evidence.podSockets.push(
        {
          namespace: 'shop',
          pod: 'public-light',
          table: { method: 'netstat', sockets: [sock('52.1.1.1'), sock('52.1.1.2')] },
          source: 'netstat/shop_public-light.txt',
        },
        {
          namespace: 'shop',
          pod: 'chatty-private',
          table: { method: 'netstat', sockets: [sock('10.0.0.4'), sock('10.0.0.5'), sock('10.0.0.6')] },
          source: 'netstat/shop_chatty-private.txt',
        },
      );
      const report = run(evidence, [
        ...connects(900, { saddr: '10.244.0.10', daddr: '10.0.0.4', netns: 4026532001 }),
        ...connects(12, { saddr: '10.244.0.11', daddr: '52.1.1.1', netns: 4026532002 }),
      ]);
      expect(report.rankedPods.map((p) => p.pod)).toEqual(['public-light', 'chatty-private']);
      expect(report.rankedPods[0]).toMatchObject({ establishedPublic: 2, connectsPublic: 12, socketMethod: 'netstat' });
      expect(report.rankedPods[1]).toMatchObject({ establishedPublic: 0, establishedPrivate: 3, connectsPrivate: 900 });
    });

    it('ranks by public connects when no pod has socket evidence, ties broken by name', () => {
      const evidence = emptyEvidenceSet();
      evidence.pods = [pod('a', 'x', ['10.244.0.1']), pod('a', 'y', ['10.244.0.2']), pod('a', 'z', ['10.244.0.3'])];
      const report = run(evidence, [
        ...connects(5, { saddr: '10.244.0.3', daddr: '52.1.1.1' }),
        ...connects(9, { saddr: '10.244.0.1', daddr: '52.1.1.1' }),
        ...connects(5, { saddr: '10.244.0.2', daddr: '52.1.1.1' }),
      ]);
      expect(report.rankedPods.map((p) => [p.rank, p.pod])).toEqual([
        [1, 'x'],
        [2, 'y'],
        [3, 'z'],
      ]);
    });
  });

  describe('socket evidence', () => {
    it('analyses a netstat-only bundle: every table becomes a ranked pod', () => {
      const evidence = emptyEvidenceSet();
      evidence.files = ['netstat/shop_web.txt', 'netstat/batch_export.txt'];
      evidence.podSockets.push(
        {
          namespace: 'shop',
          pod: 'web',
          table: { method: 'ss', sockets: [sock('52.1.1.1'), sock('10.1.1.1')] },
          source: 'netstat/shop_web.txt',
        },
        {
          namespace: 'batch',
          pod: 'export',
          table: { method: 'netstat', sockets: [sock('52.1.1.1'), sock('52.1.1.2'), sock('52.1.1.3', 'TIME_WAIT')] },
          source: 'netstat/batch_export.txt',
        },
      );
      const report = run(evidence, []);
      expect(report.rankedPods.map((p) => [p.pod, p.establishedPublic, p.timeWaitPublic])).toEqual([
        ['export', 2, 1],
        ['web', 1, 0],
      ]);
      expect(report.rankedPods[0]!.attribution.paths).toEqual(['socket-table']);
      expect(report.verdict.summary).toMatch(/batch\/export.*2 ESTABLISHED/);
    });

    it('skips inbound connections on listening ports when the table shows LISTEN sockets', () => {
      const evidence = emptyEvidenceSet();
      evidence.podSockets.push({
        namespace: 'shop',
        pod: 'web',
        table: {
          method: 'proc-net-tcp',
          sockets: [
            { ...sock('0.0.0.0', 'LISTEN', 8080) },
            sock('52.1.1.1', 'ESTABLISHED', 8080),
            sock('52.1.1.2', 'ESTABLISHED', 41000),
          ],
        },
        source: 'netstat/shop_web.txt',
      });
      expect(run(evidence, []).rankedPods[0]!.establishedPublic).toBe(1);
    });

    it('ties node-side socket tables to pods by netns chain or local pod IP', () => {
      const evidence = chainEvidence(
        [{ inode: 4026532785, pid: 19832, sandbox: SB_WEB, namespace: 'shop', name: 'distroless' }],
        [pod('shop', 'distroless', ['10.244.0.5']), pod('shop', 'other', ['10.244.0.44'])],
      );
      evidence.netnsSockets.push(
        {
          inode: 4026532785,
          table: { method: 'node-socket-table', sockets: [sock('52.1.1.1')] },
          source: 'sockets/4026532785.txt',
        },
        {
          inode: 4026532999,
          table: { method: 'node-socket-table', sockets: [{ ...sock('52.1.1.9'), localIp: '10.244.0.44' }] },
          source: 'sockets/4026532999.txt',
        },
      );
      const report = run(evidence, []);
      const byName = Object.fromEntries(report.rankedPods.map((p) => [p.pod, p]));
      expect(byName.distroless).toMatchObject({ establishedPublic: 1, socketMethod: 'node-socket-table' });
      expect(byName.other).toMatchObject({ establishedPublic: 1, socketSource: 'sockets/4026532999.txt' });
    });

    it('counts a hostNetwork pod netstat as host evidence, not as the pod', () => {
      const evidence = emptyEvidenceSet();
      evidence.pods = [pod('kube-system', 'kube-proxy', ['10.224.0.7'], { hostNetwork: true })];
      evidence.podSockets.push({
        namespace: 'kube-system',
        pod: 'kube-proxy',
        table: { method: 'netstat', sockets: [sock('52.1.1.1')] },
        source: 'netstat/kube-system_kube-proxy.txt',
      });
      const report = run(evidence, []);
      expect(report.rankedPods).toEqual([]);
      expect(report.hostTraffic?.establishedPublic).toBe(1);
      expect(report.investigation.problems.join(' ')).toMatch(/host network/);
    });
  });

  describe('report shape', () => {
    it('counts trace events, span, and applies --private-cidr', () => {
      const evidence = emptyEvidenceSet();
      evidence.pods = [pod('shop', 'web', ['10.244.0.5'])];
      const events = [
        ...connects(10, { saddr: '10.244.0.5', daddr: '20.60.1.12' }, 30),
        ev({ type: 'accept', saddr: '10.244.0.5', daddr: '52.9.9.9', timestampNs: 1e9 }),
        ev({ type: 'close', saddr: '10.244.0.5', daddr: '20.60.1.12', timestampNs: 2e9 }),
      ];
      const report = run(evidence, events, ['20.60.0.0/16']);
      expect(report.trace).toMatchObject({ events: 12, connects: 10, accepts: 1, closes: 1, spanSeconds: 30 });
      expect(report.rankedPods[0]).toMatchObject({ connectsPublic: 0, connectsPrivate: 10, accepts: 1, closes: 1 });
      expect(report.privateCidrs).toEqual(['20.60.0.0/16']);
      expect(report.verdict.kind).toBe('none');
    });

    it('says plainly when nothing measures SNAT use', () => {
      const evidence = emptyEvidenceSet();
      evidence.pods = [pod('shop', 'web', ['10.244.0.5'])];
      const report = run(evidence, []);
      expect(report.investigation.problems).toContain('no trace and no socket tables: nothing measures SNAT use');
    });
  });

  describe('verdict from no evidence', () => {
    it('is insufficient-evidence, never none, when the trace parsed zero events, naming what the file looks like', () => {
      const evidence = emptyEvidenceSet();
      evidence.files = ['tcptracer.log'];
      evidence.trace = {
        present: true,
        format: null,
        lostSamples: 0,
        looksLike: 'this looks like tcplife output (one line per closed session, no connect/close events)',
      };
      const report = run(evidence, []);
      expect(report.verdict.kind).toBe('insufficient-evidence');
      expect(report.verdict.summary).toMatch(
        /^Not enough evidence for a verdict: the trace yielded no events: this looks like tcplife/,
      );
      expect(report.investigation.problems.join(' ')).toMatch(/the trace yielded no events/);
      expect(report.trace.tool).toBeNull();
    });

    it('is insufficient-evidence for an empty evidence set (what the orchestration stores when nothing was collected)', () => {
      const report = new SnatAnalysis(emptyEvidenceSet(), {}).report();
      expect(report.verdict.kind).toBe('insufficient-evidence');
      expect(report.verdict.summary).toMatch(/no trace and no socket table rows/);
    });

    it('is none only when something measured SNAT use and found no public connection', () => {
      const evidence = emptyEvidenceSet();
      evidence.podSockets = [
        {
          namespace: 'shop',
          pod: 'web',
          table: { method: 'netstat', sockets: [sock('10.0.0.4')] },
          source: 'netstat/shop_web.txt',
        },
      ];
      expect(run(evidence, []).verdict.kind).toBe('none');
    });

    it('still names a pod that socket evidence convicts when the trace parsed nothing, and says the trace failed', () => {
      const evidence = emptyEvidenceSet();
      evidence.trace = { present: true, format: null, lostSamples: 0, looksLike: 'an empty file' };
      evidence.podSockets = [
        {
          namespace: 'shop',
          pod: 'web',
          table: { method: 'netstat', sockets: [sock('52.1.1.1')] },
          source: 'netstat/shop_web.txt',
        },
      ];
      const report = run(evidence, []);
      expect(report.verdict).toMatchObject({ kind: 'pod', pod: 'web' });
      expect(report.investigation.problems).toContain('the trace yielded no events: an empty file');
    });
  });

  describe('unattributed reasons name the missing evidence', () => {
    it('says lsns output was missing, not that lsns did not list the namespace', () => {
      const report = run(
        emptyEvidenceSet(),
        connects(2, { saddr: '10.244.9.9', daddr: '52.1.1.1', netns: 4026539999 }),
      );
      expect(report.unattributed[0]!.reason).toMatch(
        /^no lsns output in the bundle \(lsns.txt or lsns.json\), so netns 4026539999 could not be followed/,
      );
    });

    it('says lsns did not list the namespace when lsns was read', () => {
      const evidence = chainEvidence([
        { inode: 4026532785, pid: 19832, sandbox: SB_WEB, namespace: 'shop', name: 'web-1' },
      ]);
      const report = run(evidence, connects(2, { saddr: '10.244.9.9', daddr: '52.1.1.1', netns: 4026539999 }));
      expect(report.unattributed[0]!.reason).toMatch(/^netns 4026539999 is not listed by lsns\.(txt|json)/);
    });
  });

  describe('attribution from Inspektor Gadget', () => {
    const gadget = {
      node: 'n0',
      namespace: 'shop',
      pod: 'web-1',
      container: 'app',
      origin: 'inspektor-gadget' as const,
    };

    it('records its k8s enrichment as the gadget-k8s path', () => {
      const events = connects(4, { saddr: 'p/shop/web-1', daddr: '52.1.1.1' }).map((e) => ({
        ...e,
        container: gadget,
      }));
      const report = run(emptyEvidenceSet(), events);
      expect(report.rankedPods[0]).toMatchObject({ namespace: 'shop', pod: 'web-1', connectsPublic: 4 });
      expect(report.rankedPods[0]!.attribution.paths).toEqual(['gadget-k8s']);
    });

    it('gives one host-namespace process to the hostNetwork pod the gadget placed it in; other host processes stay host', () => {
      const evidence = emptyEvidenceSet();
      evidence.node = { name: 'aks-node-0', internalIPs: ['10.224.0.7'], podCIDRs: [] };
      const agent = connects(5, { saddr: '10.224.0.7', daddr: '52.1.1.1', pid: 4242, comm: 'agent' }).map((e) => ({
        ...e,
        container: { ...gadget, pod: 'agent-x', namespace: 'monitoring' },
      }));
      const kubelet = connects(3, { saddr: '10.224.0.7', daddr: '52.1.1.2', pid: 900, comm: 'kubelet' });
      const report = run(evidence, [...agent, ...kubelet]);
      expect(report.rankedPods[0]).toMatchObject({ namespace: 'monitoring', pod: 'agent-x', connectsPublic: 5 });
      expect(report.hostTraffic).toMatchObject({ connectsPublic: 3, processes: ['kubelet'] });
    });
  });
});
