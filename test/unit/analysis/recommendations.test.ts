import { describe, expect, it } from 'vitest';
import { AzureServiceCidrError, computeRecommendations } from '../../../src/analysis/recommendations.js';
import type { Report } from '../../../src/report/model.js';
import {
  buildCompleteReportBase,
  buildFailedReport,
  buildMetricsSeries,
  buildOfflineReport,
  buildPod,
  STORAGE_IP,
  STORAGE_NAME,
} from '../../support/reportFixtures.js';

const names = { azureServiceNames: { [STORAGE_IP]: STORAGE_NAME } };

describe('computeRecommendations', () => {
  describe('connection churn', () => {
    it('recommends pooling for the culprit, naming the destination with its numbers', () => {
      const recs = computeRecommendations(buildCompleteReportBase(), names);
      const pooling = recs.filter((r) => r.kind === 'connection-pooling');
      const culprit = pooling.find((r) => r.target?.pod === 'checkout-api-7d9f8b6c5-x2k4q')!;
      expect(culprit.title).toContain('20.60.1.12:443');
      expect(culprit.evidence).toContain('3,980 connects to 20.60.1.12:443 (398/min)');
      expect(culprit.evidence).toContain('380 ESTABLISHED');
      expect(culprit.evidence).toContain('2,900 public sockets in TIME_WAIT');
      expect(recs[0]).toBe(culprit);
    });

    it('detects churn by connects per ESTABLISHED socket when the trace has no timestamps', () => {
      const base = buildCompleteReportBase();
      const report: Report = { ...base, trace: { ...base.trace, spanSeconds: null } };
      const recs = computeRecommendations(report).filter((r) => r.kind === 'connection-pooling');
      expect(recs.map((r) => r.target?.pod)).toEqual(['checkout-api-7d9f8b6c5-x2k4q']); // 3,980 >= 5 x 380
      expect(recs[0]!.evidence).not.toContain('/min');
    });

    it('does not flag a pod that keeps few connections open and connects rarely', () => {
      const base = buildCompleteReportBase();
      const pod = buildPod({
        namespace: 'web',
        pod: 'steady-1',
        connectsPublic: 90,
        topDestinations: [{ ip: '20.1.1.1', port: 443, count: 90 }],
        establishedPublic: 80,
      });
      const recs = computeRecommendations({ ...base, rankedPods: [pod], hostTraffic: null, metrics: [] });
      expect(recs).toEqual([]);
    });

    it('uses the count alone without timestamps and socket numbers', () => {
      const offline = buildOfflineReport();
      const report: Report = { ...offline, trace: { ...offline.trace, spanSeconds: null } };
      const pooling = computeRecommendations(report).filter((r) => r.kind === 'connection-pooling');
      expect(pooling.map((r) => r.target?.pod)).toEqual([
        'checkout-api-7d9f8b6c5-x2k4q',
        'order-archiver-5c7b9d4f8-m9p2z',
      ]);
    });
  });

  describe('Azure service endpoints', () => {
    it('recommends a private endpoint when reverse lookup names a storage account', () => {
      const recs = computeRecommendations(buildCompleteReportBase(), names);
      const pe = recs.find((r) => r.kind === 'private-endpoint')!;
      expect(pe.target).toEqual({ namespace: 'orders', pod: 'order-archiver-5c7b9d4f8-m9p2z' });
      expect(pe.title).toBe(`Reach Azure Storage (Blob) (${STORAGE_NAME}) through a private endpoint`);
      expect(pe.evidence).toContain(`610 to ${STORAGE_IP}:443 (${STORAGE_NAME})`);
      expect(pe.evidence).toContain('95% of its 640 public connects');
      expect(pe.evidence).toContain('240 ESTABLISHED');
    });

    it('recognises the user CIDRs, including IPv6 and IPv4-mapped destinations', () => {
      const base = buildCompleteReportBase();
      const pod = buildPod({
        namespace: 'data',
        pod: 'sql-client',
        connectsPublic: 300,
        topDestinations: [
          { ip: '::ffff:20.38.98.5', port: 1433, count: 200 },
          { ip: '2603:1000::10', port: 443, count: 100 },
        ],
        establishedPublic: 290,
      });
      const recs = computeRecommendations(
        { ...base, rankedPods: [pod] },
        { azureServiceCidrs: ['20.38.96.0/19', '2603:1000::/24'] },
      );
      const pe = recs.find((r) => r.kind === 'private-endpoint')!;
      expect(pe.evidence).toContain('300 public connects to Azure service endpoints (100% of its 300 public connects)');
      expect(pe.title).toContain('20.38.96.0/19');
    });

    it('ignores names that are not Azure service endpoints and throws on a bad CIDR', () => {
      const recs = computeRecommendations(buildCompleteReportBase(), {
        azureServiceNames: { [STORAGE_IP]: 'evil.blob.core.windows.net.example.com' },
      });
      expect(recs.some((r) => r.kind === 'private-endpoint')).toBe(false);
      expect(() => computeRecommendations(buildCompleteReportBase(), { azureServiceCidrs: ['20.0.0.0/99'] })).toThrow(
        AzureServiceCidrError,
      );
    });
  });

  describe('port allocation', () => {
    it('suggests outbound ports from the metrics peak and cluster size', () => {
      const recs = computeRecommendations(buildCompleteReportBase(), names);
      const port = recs.find((r) => r.kind === 'port-allocation')!;
      expect(port.title).toBe('Raise SNAT ports per node to 1,520');
      expect(port.commands).toEqual(['az aks update -g rg-prod -n aks-prod-weu --load-balancer-outbound-ports 1520']);
      expect(port.detail).toContain("Sized for today's 12 nodes: the agent pools are unknown here");
      expect(port.evidence).toContain('peak UsedSnatPorts 1,010 of 1,024 allocated (99%)');
      expect(port.evidence).toContain('failed SNAT connections per minute');
      expect(port.evidence).toContain('12 nodes in the backend pool, 1 frontend IP (64,000 ports)');
    });

    it('recommends a NAT gateway when the pool is too large for the load balancer', () => {
      const base = buildCompleteReportBase();
      const report: Report = {
        ...base,
        cluster: { ...base.cluster!, backendPoolSize: 700, frontendIpCount: 2 },
        metrics: buildMetricsSeries(10, 9200, 9000),
      };
      const nat = computeRecommendations(report).find((r) => r.kind === 'nat-gateway')!;
      expect(nat.title).toBe('Move outbound traffic to a NAT gateway with 1 public IP');
      expect(nat.evidence).toContain('9,000 of 9,200 allocated');
      expect(nat.detail).toContain('700 nodes x 13,504 = 9,452,800 ports');
    });

    it('says nothing about ports without cluster info, metrics, or for a NAT gateway cluster', () => {
      const base = buildCompleteReportBase();
      const kinds = (r: Omit<Report, 'recommendations'>) => computeRecommendations(r).map((x) => x.kind);
      expect(kinds({ ...base, cluster: null })).not.toContain('port-allocation');
      expect(kinds({ ...base, metrics: [] })).not.toContain('port-allocation');
      expect(kinds({ ...base, cluster: { ...base.cluster!, outboundType: 'managedNATGateway' } })).not.toContain(
        'port-allocation',
      );
    });
  });

  describe('host traffic', () => {
    it('recommends investigating the host when it dominates public connects', () => {
      const base = buildCompleteReportBase();
      const report: Report = {
        ...base,
        hostTraffic: {
          ...base.hostTraffic!,
          connectsPublic: 9000,
          topDestinations: [{ ip: '13.66.41.20', port: 443, count: 8000 }],
        },
      };
      const host = computeRecommendations(report).find((r) => r.kind === 'investigate-host')!;
      expect(host.evidence).toContain(
        'host 10.224.0.4 (netns 4026531992) opened 9,000 of 13,837 public connects (65%)',
      );
      expect(host.evidence).toContain('kubelet');
      expect(computeRecommendations(base).some((r) => r.kind === 'investigate-host')).toBe(false);
    });
  });

  it('returns only port math for a failed investigation that still has metrics', () => {
    expect(computeRecommendations(buildFailedReport()).map((r) => r.kind)).toEqual(['port-allocation']);
    expect(computeRecommendations({ ...buildFailedReport(), metrics: [] })).toEqual([]);
  });

  it('cites numbers in every recommendation', () => {
    for (const r of computeRecommendations(buildCompleteReportBase(), names)) expect(r.evidence).toMatch(/\d/);
  });
});

describe('advice from service tags and the idle timeout', () => {
  /** The complete report with the Storage destination tagged as the analysis does with service tags. */
  function tagged(): Report {
    const base = buildCompleteReportBase();
    return {
      ...base,
      rankedPods: base.rankedPods.map((p) => ({
        ...p,
        workload:
          p.pod === 'order-archiver-5c7b9d4f8-m9p2z'
            ? {
                kind: 'Deployment',
                namespace: 'orders',
                name: 'order-archiver',
                resolvedBy: 'ownerReferences' as const,
              }
            : undefined,
        topDestinations: p.topDestinations.map((d) =>
          d.ip === STORAGE_IP ? { ...d, serviceTag: 'Storage.WestEurope' } : d,
        ),
      })),
    };
  }

  it('names the service from its tag and gives the private-endpoint and service-endpoint steps', () => {
    const pe = computeRecommendations(tagged()).find((r) => r.kind === 'private-endpoint')!;
    expect(pe.title).toBe('Reach Azure Storage (Storage.WestEurope) through a private endpoint');
    expect(pe.detail).toContain('Deployment orders/order-archiver (pod order-archiver-5c7b9d4f8-m9p2z)');
    expect(pe.detail).toContain('`privatelink.blob.core.windows.net`');
    expect(pe.detail).toContain('enable `Microsoft.Storage` on the node subnet');
    expect(pe.evidence).toContain(`610 to ${STORAGE_IP}:443 (Storage.WestEurope)`);
    expect(pe.commands).toEqual([
      'az network vnet subnet update -g <vnet-resource-group> --vnet-name <vnet> -n <node-subnet> --service-endpoints Microsoft.Storage',
    ]);
  });

  it('gives no private-endpoint advice for a generic AzureCloud tag', () => {
    const report = tagged();
    for (const p of report.rankedPods) for (const d of p.topDestinations) if (d.serviceTag) d.serviceTag = 'AzureCloud';
    expect(computeRecommendations(report).some((r) => r.kind === 'private-endpoint')).toBe(false);
  });

  it('advises a shorter idle timeout from long-lived ESTABLISHED sockets, with the trade-off and the command', () => {
    const base = buildCompleteReportBase();
    const report: Report = { ...base, cluster: { ...base.cluster!, idleTimeoutMinutes: null } };
    const idle = computeRecommendations(report).find((r) => r.kind === 'idle-timeout')!;
    // order-archiver holds 240 ESTABLISHED after 640 connects: no lower bound; checkout-api 380 after 4,100: none.
    // So nothing is provably long-lived in the fixture...
    expect(idle).toBeUndefined();
    const longLived: Report = {
      ...report,
      rankedPods: report.rankedPods.map((p) =>
        p.rank === 2 ? { ...p, establishedPublic: 900, connectsPublic: 640 } : p,
      ),
    };
    const rec = computeRecommendations(longLived).find((r) => r.kind === 'idle-timeout')!;
    expect(rec.title).toBe('Shorten the load balancer idle timeout from 30 to 4 minutes, with keep-alive below it');
    expect(rec.detail).toContain('At least 260 ESTABLISHED public connections were opened before the trace window');
    expect(rec.detail).toContain('keep-alive');
    expect(rec.detail).toContain('TIME_WAIT sockets are closed connections');
    expect(rec.evidence).toContain('idle timeout unset (AKS default 30) minutes');
    expect(rec.commands).toEqual(['az aks update -g rg-prod -n aks-prod-weu --load-balancer-idle-timeout 4']);
  });

  it('gives no idle-timeout advice when the timeout is already the minimum', () => {
    const base = buildCompleteReportBase();
    const report: Report = {
      ...base,
      rankedPods: base.rankedPods.map((p) => (p.rank === 2 ? { ...p, establishedPublic: 900 } : p)),
    };
    expect(report.cluster?.idleTimeoutMinutes).toBe(4);
    expect(computeRecommendations(report).some((r) => r.kind === 'idle-timeout')).toBe(false);
  });

  it('quotes names in commands that a shell would interpret', () => {
    const base = buildCompleteReportBase();
    const report: Report = {
      ...base,
      cluster: {
        ...base.cluster!,
        clusterResourceId: '/subscriptions/s/resourceGroups/rg (prod);rm -rf ~/providers/x',
        idleTimeoutMinutes: 30,
      },
      rankedPods: base.rankedPods.map((p) => (p.rank === 2 ? { ...p, establishedPublic: 900 } : p)),
    };
    const idle = computeRecommendations(report).find((r) => r.kind === 'idle-timeout')!;
    expect(idle.commands?.[0]).toBe(
      "az aks update -g 'rg (prod);rm -rf ~' -n aks-prod-weu --load-balancer-idle-timeout 4",
    );
  });
});
