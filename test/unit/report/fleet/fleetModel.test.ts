import { describe, expect, it } from 'vitest';
import {
  emptyFleetIndex,
  normaliseFleetIndex,
  repeatOffenders,
  withIncident,
  withScan,
} from '../../../../src/report/fleet/fleetModel.js';
import { incident, scan } from '../../../support/fleetFixtures.js';

const NOW = '2026-12-04T10:30:00.000Z';

describe('fleet index model', () => {
  describe('withIncident', () => {
    it('keeps incidents newest first and bounded, counting the ones dropped', () => {
      let doc = emptyFleetIndex(null, NOW);
      for (let i = 0; i < 8; i++) doc = withIncident(doc, incident(i), NOW, 5);
      expect(doc.incidents.map((i) => i.instanceId)).toEqual([
        'inst-0007',
        'inst-0006',
        'inst-0005',
        'inst-0004',
        'inst-0003',
      ]);
      expect(doc.olderIncidents).toBe(3);
    });

    it('replaces an incident recorded twice (an activity retry) instead of adding it', () => {
      let doc = withIncident(emptyFleetIndex(null, NOW), incident(1), NOW);
      doc = withIncident(doc, incident(1, { status: 'degraded' }), NOW);
      expect(doc.incidents).toHaveLength(1);
      expect(doc.incidents[0]?.status).toBe('degraded');
      expect(doc.olderIncidents).toBe(0);
    });
  });

  describe('repeatOffenders', () => {
    it('lists pods that were top talker twice or more per cluster, most first', () => {
      const list = [
        incident(0),
        incident(3),
        incident(6),
        incident(1, { topPod: 'a/b' }),
        incident(2, { topPod: 'a/b', cluster: 'other' }),
        incident(4, { topPod: null }),
      ];
      expect(repeatOffenders(list)).toEqual([
        {
          pod: 'payments/checkout-api-7d9f8b6c5-x2x9q',
          cluster: 'aks-prod-weu',
          incidents: 3,
          lastSeen: incident(6).timestamp,
        },
      ]);
    });

    it('counts a workload across rollouts (its pods renamed), pods only for incidents without a workload', () => {
      const w = 'Deployment payments/checkout-api';
      const list = [
        incident(1, { topPod: 'payments/checkout-api-7d9f8b6c5-x2x9q', topWorkload: w }),
        incident(2, { topPod: 'payments/checkout-api-6c4b9d7f8-q7w2e', topWorkload: w }),
        incident(5, { topPod: 'payments/checkout-api-5f8d7c6b9-m3n4p', topWorkload: w }),
        incident(7, { topPod: 'a/b' }),
        incident(8, { topPod: 'a/b' }),
      ];
      expect(repeatOffenders(list).map((o) => [o.pod, o.incidents])).toEqual([
        [w, 3],
        ['a/b', 2],
      ]);
    });
  });

  it('withScan replaces a cluster scan and keeps the others', () => {
    let doc = withScan(emptyFleetIndex(null, NOW), scan('a'), NOW);
    doc = withScan(doc, scan('b'), NOW);
    doc = withScan(doc, scan('a', 1), NOW);
    expect(Object.keys(doc.scans).sort()).toEqual(['a', 'b']);
    expect(doc.scans.a?.nodes).toHaveLength(1);
  });

  it('normaliseFleetIndex turns garbage into an empty index and keeps valid parts', () => {
    expect(normaliseFleetIndex('nope', 'c', NOW)).toEqual(emptyFleetIndex('c', NOW));
    const doc = normaliseFleetIndex(
      { incidents: [incident(0), incident(3), { bad: true }], olderIncidents: -4 },
      null,
      NOW,
    );
    expect(doc.incidents).toHaveLength(2);
    expect(doc.olderIncidents).toBe(0);
    expect(doc.repeatOffenders[0]?.incidents).toBe(2);
  });
});
