import { describe, expect, it } from 'vitest';
import { renderBarChartSvg, renderTimeSeriesSvg } from '../../../../src/report/charts/charts.js';
import { renderReportCharts } from '../../../../src/report/charts/reportCharts.js';
import {
  buildCompleteReport,
  buildFailedReport,
  buildOfflineReport,
  HOSTILE,
} from '../../../support/reportFixtures.js';

describe('renderBarChartSvg', () => {
  it('renders an SVG with a title/desc text alternative and every label and value', async () => {
    const svg = await renderBarChartSvg({
      id: 'c1',
      title: 'Top pods',
      description: 'Bar chart of connects',
      valueTitle: 'connects',
      data: [
        { label: 'payments/checkout', value: 4100 },
        { label: 'orders/archiver', value: 640 },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/<svg[^>]* id="c1" role="img" aria-labelledby="c1-title c1-desc"/);
    expect(svg).toContain('<title id="c1-title">Top pods</title><desc id="c1-desc">Bar chart of connects</desc>');
    expect(svg).toContain('>payments/checkout</text>');
    expect(svg).toContain('>4,100</text>');
    expect(svg).not.toMatch(/<image|href="http|@import|url\((?!#)/);
  });

  it('keeps duplicate labels as separate bars and escapes markup in labels and titles', async () => {
    const svg = await renderBarChartSvg({
      id: 'x"><script>',
      title: HOSTILE,
      description: HOSTILE,
      valueTitle: 'n',
      data: [
        { label: HOSTILE, value: 2 },
        { label: HOSTILE, value: 1 },
      ],
    });
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<img');
    expect(svg.match(/aria-roledescription="bar"/g)).toHaveLength(2);
    expect(svg).toContain('id="x---script-"');
  });
});

describe('renderTimeSeriesSvg', () => {
  it('draws one line per series with UTC time labels and a legend', async () => {
    const svg = await renderTimeSeriesSvg({
      id: 'ts',
      title: 'SNAT',
      description: 'ports',
      valueTitle: 'ports',
      series: [
        {
          name: 'Used',
          color: '#c2410c',
          points: [
            { timestamp: '2026-11-26T13:00:00Z', value: 10 },
            { timestamp: '2026-11-26T13:05:00Z', value: 900 },
          ],
        },
        {
          name: 'Allocated',
          color: '#374151',
          dashed: true,
          points: [
            { timestamp: '2026-11-26T13:00:00Z', value: 1024 },
            { timestamp: '2026-11-26T13:05:00Z', value: null },
          ],
        },
      ],
    });
    expect(svg).toContain('>13:00</text>');
    expect(svg).toContain('>Used</text>');
    expect(svg).toContain('>Allocated</text>');
    expect(svg).toContain('stroke-dasharray="6,4"');
  });
});

describe('renderReportCharts', () => {
  it('renders the five charts of a complete incident, in reading order, with data tables', async () => {
    const charts = await renderReportCharts(buildCompleteReport());
    expect(charts.map((c) => c.id)).toEqual([
      'top-established',
      'top-connects',
      'top-destinations',
      'snat-ports',
      'snat-failed',
    ]);
    const dest = charts.find((c) => c.id === 'top-destinations')!;
    expect(dest.title).toBe('Destinations of payments/checkout-api-7d9f8b6c5-x2k4q');
    expect(dest.table.rows[0]).toEqual(['20.60.1.12:443', '3,980']);
    expect(dest.description).toContain('Highest: 20.60.1.12:443 with 3,980');
    expect(charts.find((c) => c.id === 'snat-ports')!.description).toContain('Peak used 1,010 of 1,024 allocated');
  });

  it('leaves out charts without data', async () => {
    expect((await renderReportCharts(buildOfflineReport())).map((c) => c.id)).toEqual([
      'top-connects',
      'top-destinations',
    ]);
    expect(await renderReportCharts(buildFailedReport())).toHaveLength(2); // metrics only
  });
});
