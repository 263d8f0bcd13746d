import { describe, expect, it } from 'vitest';
import {
  chooseCandidatePods,
  netstatFailed,
  netstatProblem,
  type PodOnNode,
} from '../../../src/investigation/candidates.js';

const pod = (namespace: string, name: string, extra: Partial<PodOnNode> = {}): PodOnNode => ({
  namespace,
  name,
  containers: ['app'],
  hostNetwork: false,
  phase: 'Running',
  ...extra,
});
const ranked = (namespace: string, podName: string, connectsPublic: number, hostNetwork = false) => ({
  namespace,
  pod: podName,
  connectsPublic,
  hostNetwork,
});

const pods = [
  pod('payments', 'checkout'),
  pod('batch', 'exporter', { containers: ['exporter', 'sidecar'] }),
  pod('kube-system', 'kube-proxy', { hostNetwork: true }),
  pod('default', 'done', { phase: 'Succeeded' }),
  pod('default', 'web'),
];

describe('chooseCandidatePods', () => {
  describe('with a trace that names pods', () => {
    it('picks the running pods with public connects, in node order, with their containers', () => {
      const out = chooseCandidatePods(
        pods,
        [ranked('default', 'web', 3), ranked('batch', 'exporter', 40), ranked('payments', 'checkout', 0)],
        250,
      );
      expect(out.basis).toBe('trace');
      expect(out.candidates).toEqual([
        { namespace: 'batch', name: 'exporter', containers: ['exporter', 'sidecar'] },
        { namespace: 'default', name: 'web', containers: ['app'] },
      ]);
      expect(out.skippedHostNetwork).toBe(1);
    });

    it('ignores hostNetwork and non-running pods even when the trace names them', () => {
      const out = chooseCandidatePods(
        pods,
        [ranked('kube-system', 'kube-proxy', 99, true), ranked('default', 'done', 5), ranked('default', 'web', 1)],
        250,
      );
      expect(out.candidates.map((c) => c.name)).toEqual(['web']);
    });
  });

  it('never picks kube-system pods, traced or not (the exec policy refuses them; node tables cover them)', () => {
    const withSystem = [...pods, pod('kube-system', 'coredns')];
    expect(chooseCandidatePods(withSystem, [], 250).candidates.map((c) => c.name)).not.toContain('coredns');
    expect(
      chooseCandidatePods(withSystem, [ranked('kube-system', 'coredns', 50)], 250).candidates.map((c) => c.name),
    ).toEqual([]);
  });

  describe('without usable trace attribution', () => {
    it('falls back to every running non-hostNetwork pod', () => {
      const out = chooseCandidatePods(pods, [ranked('payments', 'checkout', 0)], 250);
      expect(out.basis).toBe('all-pods');
      expect(out.candidates.map((c) => `${c.namespace}/${c.name}`)).toEqual([
        'payments/checkout',
        'batch/exporter',
        'default/web',
      ]);
    });

    it('caps the list at maxPods', () => {
      expect(chooseCandidatePods(pods, [], 2).candidates).toHaveLength(2);
      expect(chooseCandidatePods(pods, [], 0).candidates).toEqual([]);
    });
  });
});

const result = (pod: string, method: string, reason?: string) => ({
  namespace: 'default',
  pod,
  method,
  ...(reason ? { reason } : {}),
});

describe('netstatFailed', () => {
  it('treats skips that lose nothing as expected', () => {
    expect(netstatFailed(result('a', 'skipped', "hostNetwork pod: its sockets are the node's"))).toBe(false);
    expect(netstatFailed(result('a', 'skipped', 'pod is Pending'))).toBe(false);
    expect(netstatFailed(result('a', 'skipped', 'pod vanished during exec'))).toBe(false);
    expect(netstatFailed(result('a', 'skipped', 'no container could run netstat or read /proc/net/tcp (...): x'))).toBe(
      false,
    );
    expect(netstatFailed(result('a', 'netstat'))).toBe(false);
  });

  it('flags exec failures and unexplained skips', () => {
    expect(netstatFailed(result('a', 'skipped', 'app: timed out after 10000 ms'))).toBe(true);
    expect(netstatFailed(result('a', 'skipped'))).toBe(true);
  });
});

describe('netstatProblem', () => {
  it('is null when nothing failed', () => {
    expect(netstatProblem([result('a', 'netstat'), result('b', 'skipped', 'pod is Failed')])).toBeNull();
  });

  it('names the first five failed pods with their reasons and counts all', () => {
    const results = [
      result('ok', 'proc-net-tcp'),
      ...Array.from({ length: 6 }, (_, i) => result(`p${i}`, 'skipped', 'app: stream dropped')),
    ];
    const text = netstatProblem(results) ?? '';
    expect(text.startsWith('netstat failed in 6 of 7 pods: default/p0 (app: stream dropped); ')).toBe(true);
    expect(text).toContain('default/p4 (app: stream dropped)');
    expect(text).not.toContain('default/p5');
    expect(text.endsWith('; …')).toBe(true);
  });
});
