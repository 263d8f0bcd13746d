import { describe, expect, it } from 'vitest';
import {
  AllocationError,
  automaticPortsPerNode,
  outboundAllocation,
  reachablePoolSize,
  surgeNodes,
  usedPortsThreshold,
} from '../../infra/hooks/lib/outboundAllocation.mjs';
import { defaultPortsPerNode } from '../../src/analysis/portAllocation.js';

/** `az aks show` JSON for a cluster with one fixed-size pool of `nodes` nodes (no surge) and automatic allocation. */
function fixedCluster(nodes: number, allocatedOutboundPorts = 0) {
  return {
    name: `aks-${nodes}`,
    networkProfile: { outboundType: 'loadBalancer', loadBalancerProfile: { allocatedOutboundPorts } },
    agentPoolProfiles: [{ name: 'pool', count: nodes, enableAutoScaling: false, upgradeSettings: { maxSurge: '0' } }],
  };
}

describe('infra/hooks/lib/outboundAllocation.mjs', () => {
  describe('threshold math by reachable pool size (automatic allocation, 80%)', () => {
    // Ports per node from Azure's automatic allocation table; the alert fires at 80% of them, rounded down.
    const cases: Array<[number, number, number]> = [
      [1, 1024, 819],
      [50, 1024, 819],
      [51, 512, 409],
      [100, 512, 409],
      [300, 128, 102],
      [1000, 32, 25],
    ];
    for (const [nodes, ports, threshold] of cases) {
      it(`${nodes} node(s): ${ports} ports per node, alert above ${threshold}`, () => {
        const allocation = outboundAllocation(fixedCluster(nodes));
        expect(allocation).toMatchObject({ mode: 'automatic', portsPerNode: ports, reachableNodes: nodes });
        expect(usedPortsThreshold(allocation.portsPerNode)).toBe(threshold);
      });
    }

    it('has no automatic share above 1000 nodes and says which setting to use', () => {
      expect(() => outboundAllocation(fixedCluster(1001))).toThrow(AllocationError);
      expect(() => outboundAllocation(fixedCluster(1001))).toThrow(/--load-balancer-outbound-ports/);
    });

    it('reads the same table as src/analysis (one shared JSON, not a copy)', () => {
      for (const n of [1, 50, 51, 100, 101, 200, 201, 400, 401, 800, 801, 1000, 1001]) {
        expect(automaticPortsPerNode(n), String(n)).toBe(defaultPortsPerNode(n));
      }
    });
  });

  describe('configured allocation', () => {
    it('uses allocatedOutboundPorts whatever the pool size', () => {
      const allocation = outboundAllocation(fixedCluster(300, 4000));
      expect(allocation).toMatchObject({ mode: 'configured', portsPerNode: 4000 });
      expect(usedPortsThreshold(allocation.portsPerNode, 80)).toBe(3200);
      expect(usedPortsThreshold(allocation.portsPerNode, 50)).toBe(2000);
    });

    it('treats 0 as automatic (the AKS default)', () => {
      expect(outboundAllocation(fixedCluster(10, 0)).mode).toBe('automatic');
    });
  });

  describe('largest reachable backend pool', () => {
    it('counts each pool at its autoscaler maximum plus its upgrade surge, across pools', () => {
      const pools = [
        { name: 'system', count: 3, enableAutoScaling: false, upgradeSettings: { maxSurge: '1' } },
        { name: 'user', count: 10, enableAutoScaling: true, maxCount: 45, upgradeSettings: { maxSurge: '33%' } },
      ];
      // 3 + 1 surge, 45 + ceil(45 x 0.33) = 15 surge.
      expect(reachablePoolSize(pools)).toBe(64);
      // 64 reachable nodes: past 50, so 512 ports although only 13 nodes run today.
      const allocation = outboundAllocation({ networkProfile: {}, agentPoolProfiles: pools });
      expect(allocation.portsPerNode).toBe(512);
      expect(allocation.basis).toMatch(/64 nodes/);
    });

    it('assumes a 10% surge when a pool sets none, and skips virtual nodes', () => {
      expect(surgeNodes(45, undefined)).toBe(5);
      expect(surgeNodes(45, '')).toBe(5);
      expect(surgeNodes(10, '3')).toBe(3);
      expect(reachablePoolSize([{ count: 45 }, { type: 'VirtualNodes', count: 500 }])).toBe(50);
      expect(() => surgeNodes(10, 'many')).toThrow(/maxSurge "many"/);
    });

    it('needs maxNodes (or configured ports) with node auto-provisioning, which has no pool maximum', () => {
      const nap = { nodeProvisioningProfile: { mode: 'Auto' }, networkProfile: {}, agentPoolProfiles: [{ count: 3 }] };
      expect(() => outboundAllocation(nap)).toThrow(/maxNodes/);
      expect(outboundAllocation(nap, { maxNodes: 120 }).portsPerNode).toBe(256);
    });
  });

  describe('usedPortsThreshold', () => {
    it('refuses percentages outside 1..100', () => {
      expect(() => usedPortsThreshold(1024, 0)).toThrow(AllocationError);
      expect(() => usedPortsThreshold(1024, 101)).toThrow(AllocationError);
      expect(() => usedPortsThreshold(1024, 79.5)).toThrow(AllocationError);
      expect(usedPortsThreshold(1, 1)).toBe(1);
    });
  });
});
