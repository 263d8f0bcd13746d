import { describe, expect, it } from 'vitest';
import { defaultPortsPerNode, PORTS_PER_FRONTEND_IP, portMath } from '../../../src/analysis/portAllocation.js';

describe('defaultPortsPerNode', () => {
  it('follows the automatic allocation table at every boundary', () => {
    const cases: Array<[number, number | null]> = [
      [1, 1024],
      [50, 1024],
      [51, 512],
      [100, 512],
      [101, 256],
      [200, 256],
      [201, 128],
      [400, 128],
      [401, 64],
      [800, 64],
      [801, 32],
      [1000, 32],
    ];
    for (const [nodes, ports] of cases) expect(defaultPortsPerNode(nodes), `${nodes} nodes`).toBe(ports);
  });

  it('returns null outside 1..1000 nodes', () => {
    expect(defaultPortsPerNode(0)).toBeNull();
    expect(defaultPortsPerNode(-3)).toBeNull();
    expect(defaultPortsPerNode(1001)).toBeNull();
    expect(defaultPortsPerNode(Number.NaN)).toBeNull();
  });
});

describe('portMath', () => {
  describe('allocation and headroom', () => {
    it('uses the default table when nothing is configured', () => {
      const r = portMath({
        backendPoolSize: 12,
        frontendIpCount: 2,
        configuredOutboundPorts: null,
        peakUsedPorts: 300,
      });
      expect(r.allocatedPerNode).toBe(1024);
      expect(r.totalAvailable).toBe(2 * PORTS_PER_FRONTEND_IP);
      expect(r.headroom).toBe(724);
      expect(r.suggestions).toEqual([]);
    });

    it('treats 0 configured ports as automatic and honours an explicit value', () => {
      expect(
        portMath({ backendPoolSize: 60, frontendIpCount: 1, configuredOutboundPorts: 0, peakUsedPorts: null })
          .allocatedPerNode,
      ).toBe(512);
      const r = portMath({
        backendPoolSize: 60,
        frontendIpCount: 1,
        configuredOutboundPorts: 1000,
        peakUsedPorts: null,
      });
      expect(r.allocatedPerNode).toBe(1000);
      expect(r.headroom).toBeNull();
    });

    it('has unknown allocation beyond the table without configuration', () => {
      const r = portMath({
        backendPoolSize: 1200,
        frontendIpCount: 1,
        configuredOutboundPorts: null,
        peakUsedPorts: null,
      });
      expect(r.allocatedPerNode).toBeNull();
    });
  });

  describe('suggestions', () => {
    it('suggests ports per node as a multiple of 8 that fits one IP for a small pool', () => {
      const r = portMath({
        backendPoolSize: 12,
        frontendIpCount: 1,
        configuredOutboundPorts: null,
        peakUsedPorts: 1010,
      });
      expect(r.headroom).toBe(14);
      expect(r.suggestions).toHaveLength(1);
      const s = r.suggestions[0]!;
      expect(s.knob).toBe('--load-balancer-outbound-ports');
      expect(s.value).toBe(1520); // ceil(1010 * 1.5 / 8) * 8
      expect(s.value! % 8).toBe(0);
      expect(12 * s.value!).toBeLessThanOrEqual(64_000);
      expect(s.why).toContain('1,010');
    });

    it('adds the managed outbound IP count when nodes x ports exceeds the frontend IPs', () => {
      const r = portMath({
        backendPoolSize: 90,
        frontendIpCount: 1,
        configuredOutboundPorts: null,
        peakUsedPorts: 512,
      });
      const ports = r.suggestions.find((s) => s.knob === '--load-balancer-outbound-ports')!;
      const ips = r.suggestions.find((s) => s.knob === '--load-balancer-managed-outbound-ip-count')!;
      expect(ports.value).toBe(768);
      expect(ips.value).toBe(Math.ceil((90 * 768) / 64_000));
      expect(90 * ports.value!).toBeLessThanOrEqual(64_000 * ips.value!);
      expect(90 * ports.value!).toBeGreaterThan(64_000 * (ips.value! - 1));
    });

    it('suggests a NAT gateway when the load balancer cannot offer enough', () => {
      const r = portMath({
        backendPoolSize: 900,
        frontendIpCount: 4,
        configuredOutboundPorts: null,
        peakUsedPorts: 8000,
      });
      expect(r.suggestions.map((s) => s.knob)).toEqual(['nat-gateway']);
      expect(r.suggestions[0]!.value).toBe(1); // 12,000 ports for this node fit one NAT IP
      expect(r.suggestions[0]!.why).toContain('900 nodes x 12,000 = 10,800,000 ports');
      const smaller = portMath({
        backendPoolSize: 600,
        frontendIpCount: 1,
        configuredOutboundPorts: 64,
        peakUsedPorts: 60,
      });
      expect(smaller.suggestions.map((s) => s.knob)).toEqual(['--load-balancer-outbound-ports']);
      const huge = portMath({
        backendPoolSize: 10,
        frontendIpCount: 1,
        configuredOutboundPorts: 50_000,
        peakUsedPorts: 49_000,
      });
      expect(huge.suggestions[0]).toMatchObject({ knob: 'nat-gateway', value: 2 }); // 73,504 ports > 64,000 per node
      const impossible = portMath({
        backendPoolSize: 10,
        frontendIpCount: 1,
        configuredOutboundPorts: 64_000,
        peakUsedPorts: 700_000,
      });
      expect(impossible.suggestions[0]).toMatchObject({ knob: 'nat-gateway', value: null });
    });

    it('stays quiet below 80% usage or without a peak', () => {
      expect(
        portMath({ backendPoolSize: 12, frontendIpCount: 1, configuredOutboundPorts: null, peakUsedPorts: 818 })
          .suggestions,
      ).toEqual([]);
      expect(
        portMath({ backendPoolSize: 12, frontendIpCount: 1, configuredOutboundPorts: null, peakUsedPorts: null })
          .suggestions,
      ).toEqual([]);
    });
  });
});
