import { describe, expect, it } from 'vitest';
import { withIncident } from '../../../../src/report/fleet/fleetModel.js';
import { renderFleetHtml } from '../../../../src/report/fleet/renderFleetHtml.js';
import { describeSparkline, renderSparklineSvg } from '../../../../src/report/fleet/sparkline.js';
import { fleetIndex, incident, scan } from '../../../support/fleetFixtures.js';

describe('renderFleetHtml', () => {
  it('shows the nodes with decisions and sparklines, incidents with report links, and repeat offenders', async () => {
    const html = await renderFleetHtml(fleetIndex(), { clusterHref: (c) => `${c}/index.html` });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<h1>SNAT health: all clusters</h1>');
    expect(html).toContain('<a href="aks-prod-weu/index.html">aks-prod-weu</a>');
    expect(html.match(/<svg class="spark"/g)).toHaveLength(4);
    expect(html).toContain('<span class="badge d-investigate">Investigate</span>');
    expect(html).toContain('drift: 1,024 allocated, 4,000 configured');
    expect(html).toContain(
      '<a href="https://streports.blob.core.windows.net/reports/aks-prod-weu/n/11/report.html">report</a>',
    );
    expect(html).toContain('nodes cannot be told apart');
    expect(html).toContain('NAT gateway dropped packets');
    expect(html).toMatch(/<section class="card" id="offenders"[\s\S]*payments\/checkout-api-7d9f8b6c5-x2x9q/);
    expect(html).not.toMatch(/<script/i);
  });

  it('draws the per-cluster trend chart through Vega-Lite on a cluster page', async () => {
    const doc = { ...fleetIndex(2), scope: 'aks-prod-weu', scans: { 'aks-prod-weu': scan('aks-prod-weu') } };
    const html = await renderFleetHtml(doc);
    expect(html).toContain('<h1>SNAT health: aks-prod-weu</h1>');
    expect(html).toMatch(/<figure class="chart"><figcaption>SNAT usage of the 4 most urgent nodes in aks-prod-weu/);
    expect(html).toContain('id="c0-trend"');
  });

  it('escapes names from the cluster and never links a non-http report', async () => {
    const doc = withIncident(
      fleetIndex(0),
      incident(1, { topPod: 'x/<img src=x onerror=alert(1)>', link: 'javascript:alert(1)', node: '"><b>n' }),
      '2026-12-04T10:30:00.000Z',
    );
    const html = await renderFleetHtml(doc);
    expect(html).toContain('x/&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&quot;&gt;&lt;b&gt;n');
    expect(html).not.toContain('javascript:');
  });

  it('says when older incidents are only reachable by listing the container', async () => {
    const doc = { ...fleetIndex(1), olderIncidents: 42 };
    expect(await renderFleetHtml(doc)).toContain('42 older incidents are not listed here');
  });
});

describe('renderSparklineSvg', () => {
  it('breaks the line at missing minutes and draws the threshold', () => {
    const svg = renderSparklineSvg({
      id: 's',
      title: 'SNAT usage of 10.0.0.1',
      values: [10, 20, null, 40, 50],
      percent: true,
      thresholdPercent: 90,
    });
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray="3 3"');
    expect(svg).toContain('<title id="s-title">SNAT usage of 10.0.0.1</title>');
  });

  it('describes the line in words', () => {
    expect(describeSparkline([10, null, 35.5, 20], true)).toBe('From 10% to 20% over 4 minutes (peak 35.5%).');
    expect(describeSparkline([null], false)).toBe('No data in the last scan.');
    expect(describeSparkline([5, 9], false)).toBe('From 5 ports to 9 ports over 2 minutes (peak 9 ports).');
  });
});
