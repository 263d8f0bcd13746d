import { describe, expect, it } from 'vitest';
import { chooseCandidatePods, type PodOnNode } from '../../../src/investigation/candidates.js';

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
