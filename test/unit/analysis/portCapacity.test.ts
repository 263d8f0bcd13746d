import { describe, expect, it } from 'vitest';
import {
  AUTOMATIC_PORT_ALLOCATION,
  capacityCheck,
  clusterMaximum,
  defaultPortsPerNode,
  surgeNodes,
} from '../../../src/analysis/portAllocation.js';
import { computeRecommendations } from '../../../src/analysis/recommendations.js';
import type { AgentPoolContext, Report } from '../../../src/report/model.js';
import { buildCompleteReportBase, buildMetricsSeries } from '../../support/reportFixtures.js';

const pool = (p: Partial<AgentPoolContext> & { name: string }): AgentPoolContext => ({
  count: 3,
  enableAutoScaling: false,
  maxCount: null,
  maxSurge: null,
  usesLoadBalancer: true,
  ...p,
});

describe('surgeNodes', () => {
  it('reads a number, a percentage rounded up, and the AKS default when unset', () => {
    expect(surgeNodes('2', 10).nodes).toBe(2);
    expect(surgeNodes('33%', 10).nodes).toBe(4);
    expect(surgeNodes('100%', 7).nodes).toBe(7);
    expect(surgeNodes('0', 7).nodes).toBe(0);
    // Unset: max(1 node, 10% rounded up), which covers both AKS defaults (1 on older pools, 10% on newer).
    expect(surgeNodes(null, 5)).toMatchObject({ nodes: 1 });
    expect(surgeNodes(null, 45)).toMatchObject({ nodes: 5 });
    expect(surgeNodes('', 45).basis).toContain('AKS default');
  });
});

describe('clusterMaximum', () => {
  it('sums autoscaling pools at maxCount, fixed pools at count, each with its surge', () => {
    const max = clusterMaximum([
      pool({ name: 'system', count: 3, enableAutoScaling: true, maxCount: 5, maxSurge: '1' }),
      pool({ name: 'apps', count: 10, enableAutoScaling: true, maxCount: 40, maxSurge: '33%' }),
      pool({ name: 'batch', count: 6, maxSurge: null }),
    ]);
    expect(max.pools.map((p) => [p.name, p.size, p.surge, p.total])).toEqual([
      ['system', 5, 1, 6],
      ['apps', 40, 14, 54],
      ['batch', 6, 1, 7],
    ]);
    expect(max.maxNodes).toBe(67);
    expect(max.pools[1]!.basis).toBe('autoscaler max 40 + surge 14 (maxSurge 33%)');
  });

  it('leaves out pools whose nodes have their own public IPs', () => {
    const max = clusterMaximum([
      pool({ name: 'a', count: 4 }),
      pool({ name: 'edge', count: 9, usesLoadBalancer: false }),
    ]);
    expect(max.maxNodes).toBe(5);
    expect(max.excluded).toEqual(['edge']);
  });

  it('counts the current size when the autoscaler maximum is below it', () => {
    expect(
      clusterMaximum([pool({ name: 'a', count: 12, enableAutoScaling: true, maxCount: 10, maxSurge: '0' })]).maxNodes,
    ).toBe(12);
  });
});

describe('capacityCheck', () => {
  it('flags explicit ports that cannot serve the maximum and says how many IPs would', () => {
    const c = capacityCheck({
      maxNodes: 67,
      currentNodes: 19,
      frontendIps: 1,
      frontendIpv6: null,
      configuredPorts: 2048,
      peakUsedPorts: 900,
    });
    expect(c.fits).toBe(false);
    expect(c.neededIps).toBe(3); // 67 x 2,048 = 137,216 > 64,000: ceil(137,216 / 64,000) = 3
    expect(c.lines[0]).toBe('67 nodes x 2,048 ports = 137,216 > 64,000 x 1 IPv4 frontend IP = 64,000');
    expect(c.problem).toContain('grows past 31 nodes');
  });

  it('checks IPv6 frontends too on a dual-stack cluster', () => {
    const c = capacityCheck({
      maxNodes: 60,
      currentNodes: 20,
      frontendIps: 2,
      frontendIpv6: 1,
      configuredPorts: 2000,
      peakUsedPorts: null,
    });
    expect(c.fits).toBe(false);
    expect(c.neededIps).toBeNull();
    expect(c.neededIpv6).toBe(2);
    expect(c.lines[1]).toContain('IPv6');
  });

  it('passes explicit ports that fit, and automatic allocation that still covers the peak at the maximum', () => {
    expect(
      capacityCheck({
        maxNodes: 30,
        currentNodes: 10,
        frontendIps: 1,
        frontendIpv6: null,
        configuredPorts: 2048,
        peakUsedPorts: 1500,
      }).fits,
    ).toBe(true);
    expect(
      capacityCheck({
        maxNodes: 48,
        currentNodes: 10,
        frontendIps: 1,
        frontendIpv6: null,
        configuredPorts: null,
        peakUsedPorts: 900,
      }).fits,
    ).toBe(true);
  });

  it('flags automatic allocation that halves below the peak at the maximum, and pools past 1,000 nodes', () => {
    const c = capacityCheck({
      maxNodes: 60,
      currentNodes: 20,
      frontendIps: 1,
      frontendIpv6: null,
      configuredPorts: null,
      peakUsedPorts: 900,
    });
    expect(c).toMatchObject({ fits: false, perNodeAtMax: 512 });
    expect(c.lines[0]).toBe('automatic allocation: 20 nodes -> 1,024 ports per node; 60 nodes -> 512 ports per node');
    expect(
      capacityCheck({
        maxNodes: 1200,
        currentNodes: 900,
        frontendIps: 4,
        frontendIpv6: null,
        configuredPorts: null,
        peakUsedPorts: 10,
      }).perNodeAtMax,
    ).toBeNull();
  });

  it('uses the one exported allocation table', () => {
    for (const [nodes, ports] of AUTOMATIC_PORT_ALLOCATION) expect(defaultPortsPerNode(nodes)).toBe(ports);
  });
});

function withPools(
  pools: AgentPoolContext[],
  cluster: Partial<NonNullable<Report['cluster']>> = {},
  peak = 1010,
): Report {
  const base = buildCompleteReportBase();
  return {
    ...base,
    cluster: { ...base.cluster!, agentPools: pools, ...cluster },
    metrics: buildMetricsSeries(30, cluster.configuredOutboundPorts ?? 1024, peak),
  };
}

describe('port advice over the cluster maximum', () => {
  const pools: AgentPoolContext[] = [
    { name: 'nodepool1', count: 12, enableAutoScaling: true, maxCount: 30, maxSurge: null, usesLoadBalancer: true },
    { name: 'spot', count: 4, enableAutoScaling: true, maxCount: 20, maxSurge: '50%', usesLoadBalancer: true },
  ];

  it('sizes ports and IPs for autoscaling pools plus surge, and shows the arithmetic', () => {
    const recs = computeRecommendations(withPools(pools, { backendPoolSize: 16 }));
    const port = recs.find((r) => r.kind === 'port-allocation')!;
    // nodepool1 30 + 3 = 33, spot 20 + 10 = 30: 63 nodes; 1,520 ports x 63 = 95,760 -> 2 IPs.
    expect(port.commands).toEqual([
      'az aks update -g rg-prod -n aks-prod-weu --load-balancer-outbound-ports 1520 --load-balancer-managed-outbound-ip-count 2',
    ]);
    expect(port.arithmetic).toEqual([
      'nodepool1: autoscaler max 30 + surge 3 (maxSurge unset: AKS default, assumed max(1, 10%)) = 33 nodes',
      'spot: autoscaler max 20 + surge 10 (maxSurge 50%) = 30 nodes',
      'maximum on the load balancer: 33 + 30 = 63 nodes (today 16)',
      'ports per node: ceil(peak 1,010 x 1.5 / 8) x 8 = 1,520',
      '63 nodes x 1,520 ports = 95,760 -> ceil(95,760 / 64,000) = 2 frontend IPs (now 1)',
      'IPv4 only: no IPv6 frontends to size',
    ]);
    // Today's 16 nodes would have fit one IP: the advice would have broken the next scale-out.
    expect(16 * 1520).toBeLessThanOrEqual(64_000);
  });

  it('adds IPv6 frontends on a dual-stack cluster', () => {
    const recs = computeRecommendations(
      withPools(pools, { backendPoolSize: 16, ipFamilies: ['IPv4', 'IPv6'], frontendIpv6Count: 1 }),
    );
    const port = recs.find((r) => r.kind === 'port-allocation')!;
    expect(port.commands?.[0]).toContain('--load-balancer-managed-outbound-ipv6-count 2');
    expect(port.arithmetic).toContain(
      'dual-stack: the same ports per node are allocated on the 1 IPv6 frontend IP too',
    );
  });

  it('reports a cluster already over its limit even without port pressure', () => {
    const report = withPools(
      [
        {
          name: 'nodepool1',
          count: 20,
          enableAutoScaling: true,
          maxCount: 50,
          maxSurge: '10%',
          usesLoadBalancer: true,
        },
      ],
      { backendPoolSize: 20, configuredOutboundPorts: 4000, frontendIpCount: 2 },
      300,
    );
    const recs = computeRecommendations(report);
    expect(recs.some((r) => r.kind === 'port-allocation')).toBe(false);
    const cap = recs.find((r) => r.kind === 'port-capacity')!;
    expect(cap.title).toBe('SNAT settings cannot serve the cluster at its maximum of 55 nodes');
    expect(cap.detail).toContain('Latent misconfiguration');
    expect(cap.arithmetic).toContain('55 nodes x 4,000 ports = 220,000 > 64,000 x 2 IPv4 frontend IPs = 128,000');
    expect(cap.commands).toEqual([
      'az aks update -g rg-prod -n aks-prod-weu --load-balancer-managed-outbound-ip-count 4',
    ]);
  });

  it('says nothing about capacity when the maximum fits', () => {
    const report = withPools(
      [{ name: 'nodepool1', count: 10, enableAutoScaling: true, maxCount: 20, maxSurge: '1', usesLoadBalancer: true }],
      { backendPoolSize: 10, configuredOutboundPorts: 2000 },
      300,
    );
    expect(computeRecommendations(report).filter((r) => r.kind.startsWith('port'))).toEqual([]);
  });
});
