import { afterEach, describe, expect, it } from 'vitest';
import { listNodePods, listNodePodsWithJson } from '../../../src/kube/pods.js';
import { DEMO_NODE, demoScenario } from '../../../src/sim/kube/demoScenario.js';
import type { KubeApiServer } from '../../../src/sim/kube/server.js';
import { startWithRbac } from './helpers.js';

let api: KubeApiServer | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

describe('listNodePods', () => {
  describe('field selector', () => {
    it("returns only the node's pods with IPs, hostNetwork flag and containers", async () => {
      const s = await startWithRbac({ scenario: demoScenario() });
      api = s.api;
      const pods = await listNodePods(s.kc, DEMO_NODE);
      expect(pods).toHaveLength(12);
      expect(pods.find((p) => p.name === 'checkout-api-7d9f8b6c5-x2x9q')).toEqual({
        namespace: 'payments',
        name: 'checkout-api-7d9f8b6c5-x2x9q',
        podIPs: ['10.244.3.17'],
        hostNetwork: false,
        containers: ['checkout-api'],
        phase: 'Running',
        controller: { kind: 'ReplicaSet', name: 'checkout-api-7d9f8b6c5' },
      });
      expect(pods.find((p) => p.name === 'kube-proxy-7xk2p')?.hostNetwork).toBe(true);
      expect(
        s.api.state.requests.some((r) => r.path.startsWith('/api/v1/pods?fieldSelector=spec.nodeName%3Daks-nodepool1')),
      ).toBe(true);
    });
  });

  describe('pods.json', () => {
    it('is a kubectl-style List the evidence parser can read', async () => {
      const s = await startWithRbac({ scenario: demoScenario() });
      api = s.api;
      const { podsJson } = await listNodePodsWithJson(s.kc, DEMO_NODE);
      const doc = JSON.parse(podsJson);
      expect(doc).toMatchObject({ apiVersion: 'v1', kind: 'List' });
      expect(doc.items[0]).toMatchObject({ apiVersion: 'v1', kind: 'Pod', spec: { nodeName: DEMO_NODE } });
      const checkout = doc.items.find(
        (p: { metadata: { name: string } }) => p.metadata.name === 'checkout-api-7d9f8b6c5-x2x9q',
      );
      expect(checkout.status.podIPs).toEqual([{ ip: '10.244.3.17' }]);
      expect(checkout.status.containerStatuses[0].containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    });
  });
});
