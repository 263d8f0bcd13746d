import { afterEach, describe, expect, it } from 'vitest';
import { NodeNotFoundError } from '../../../src/kube/errors.js';
import { resolveNode } from '../../../src/kube/nodes.js';
import { DEMO_NODE, demoScenario } from '../../../src/sim/kube/demoScenario.js';
import type { KubeApiServer } from '../../../src/sim/kube/server.js';
import { startWithRbac } from './helpers.js';

let api: KubeApiServer | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

async function setup() {
  const sc = demoScenario();
  const n0 = sc.nodes[0];
  if (n0) n0.internalIPs = ['10.224.0.4', 'fd00:10:224::4'];
  const s = await startWithRbac({ scenario: sc });
  api = s.api;
  return s.kc;
}

describe('resolveNode', () => {
  describe('lookup', () => {
    it('finds a node by name', async () => {
      const node = await resolveNode(await setup(), DEMO_NODE);
      expect(node).toMatchObject({ name: DEMO_NODE, internalIPs: ['10.224.0.7'], ready: true });
      expect(JSON.parse(node.json)).toMatchObject({ kind: 'Node', metadata: { name: DEMO_NODE } });
    });

    it('finds a node by InternalIP (the load balancer BackendIPAddress)', async () => {
      expect((await resolveNode(await setup(), ' 10.224.0.7 ')).name).toBe(DEMO_NODE);
    });

    it('finds a node by IPv6 InternalIP written differently', async () => {
      expect((await resolveNode(await setup(), 'fd00:10:224:0:0:0:0:4')).name).toBe(
        'aks-nodepool1-12345678-vmss000000',
      );
    });
  });

  describe('not found', () => {
    it('throws NodeNotFoundError listing names and IPs', async () => {
      const err = await resolveNode(await setup(), '10.224.0.99').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NodeNotFoundError);
      expect((err as Error).message).toContain('node "10.224.0.99" not found');
      expect((err as Error).message).toContain('aks-nodepool1-12345678-vmss000003 (10.224.0.7)');
      expect((err as NodeNotFoundError).known).toHaveLength(4);
    });
  });
});
