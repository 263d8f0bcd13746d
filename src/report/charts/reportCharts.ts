/**
 * Which charts a report gets, with their data as a table too (the accessible fallback printed under each chart).
 */
import type { Report } from '../model.js';
import { renderBarChartSvg, renderTimeSeriesSvg } from './charts.js';

/** One chart of the HTML report, with the text and the data table that make it accessible. */
export interface ReportChart {
  /** Stable id per chart kind; the HTML figure is `fig-<id>`. */
  id: 'top-established' | 'top-connects' | 'top-destinations' | 'snat-ports' | 'snat-failed';
  /** Caption of the figure and the SVG `<title>`. */
  title: string;
  /** What the chart shows with its key numbers, for screen readers (the SVG `<desc>`). */
  description: string;
  /** The chart as an inline SVG document. */
  svg: string;
  /** The plotted numbers, for a data table next to the chart. */
  table: { headers: string[]; rows: string[][] };
}

/** Bars per chart: enough to see the outlier, few enough to read on a phone. */
export const CHART_TOP_N = 10;

const fmt = (n: number): string => n.toLocaleString('en-US');

function topList(items: Array<{ label: string; value: number }>): Array<{ label: string; value: number }> {
  return items
    .filter((d) => d.value > 0)
    .sort((a, b) => b.value - a.value)
    .slice(0, CHART_TOP_N);
}

function describeBars(what: string, data: Array<{ label: string; value: number }>): string {
  const first = data[0];
  if (!first) return `${what}: no data.`;
  const rest = data
    .slice(1, 4)
    .map((d) => `${d.label} ${fmt(d.value)}`)
    .join(', ');
  return `${what}. Highest: ${first.label} with ${fmt(first.value)}${rest ? `; then ${rest}` : ''}.`;
}

/**
 * Renders every chart the report's data supports, in reading order. Charts without data are left out.
 *
 * @example const charts = await renderReportCharts(report); // charts[0].svg is an inline <svg>
 */
export async function renderReportCharts(report: Report): Promise<ReportChart[]> {
  const charts: ReportChart[] = [];
  const podLabel = (p: { namespace: string; pod: string }): string => `${p.namespace}/${p.pod}`;

  const established = topList(report.rankedPods.map((p) => ({ label: podLabel(p), value: p.establishedPublic ?? 0 })));
  if (established.length > 0) {
    const title = 'Top pods by ESTABLISHED connections to public IPs';
    const description = describeBars(
      'Bar chart of ESTABLISHED public connections per pod from the socket tables',
      established,
    );
    charts.push({
      id: 'top-established',
      title,
      description,
      svg: await renderBarChartSvg({
        id: 'chart-top-established',
        title,
        description,
        data: established,
        valueTitle: 'ESTABLISHED to public IPs',
        color: '#1d4ed8',
      }),
      table: { headers: ['Pod', 'ESTABLISHED public'], rows: established.map((d) => [d.label, fmt(d.value)]) },
    });
  }

  const connects = topList(report.rankedPods.map((p) => ({ label: podLabel(p), value: p.connectsPublic })));
  if (connects.length > 0) {
    const title = 'Top pods by new connections to public IPs';
    const description = describeBars('Bar chart of public connect events per pod in the trace', connects);
    charts.push({
      id: 'top-connects',
      title,
      description,
      svg: await renderBarChartSvg({
        id: 'chart-top-connects',
        title,
        description,
        data: connects,
        valueTitle: 'connects to public IPs (trace)',
        color: '#7c3aed',
      }),
      table: { headers: ['Pod', 'Public connects'], rows: connects.map((d) => [d.label, fmt(d.value)]) },
    });
  }

  const top = report.rankedPods[0];
  const destinations = top
    ? topList(top.topDestinations.map((d) => ({ label: `${d.ip}:${d.port}`, value: d.count })))
    : [];
  if (top && destinations.length > 0) {
    const title = `Destinations of ${podLabel(top)}`;
    const description = describeBars(
      `Bar chart of public connects from ${podLabel(top)} by destination IP:port`,
      destinations,
    );
    charts.push({
      id: 'top-destinations',
      title,
      description,
      svg: await renderBarChartSvg({
        id: 'chart-top-destinations',
        title,
        description,
        data: destinations,
        valueTitle: 'connects',
        color: '#b45309',
      }),
      table: { headers: ['Destination', 'Connects'], rows: destinations.map((d) => [d.label, fmt(d.value)]) },
    });
  }

  const metrics = report.metrics;
  const hasUsed = metrics.some((m) => m.usedPorts !== null);
  if (hasUsed) {
    const used = metrics.map((m) => ({ timestamp: m.timestamp, value: m.usedPorts }));
    const allocated = metrics.map((m) => ({ timestamp: m.timestamp, value: m.allocatedPorts }));
    const peak = metrics.reduce((max, m) => Math.max(max, m.usedPorts ?? 0), 0);
    const alloc = metrics.reduce((max, m) => Math.max(max, m.allocatedPorts ?? 0), 0);
    const title = 'SNAT ports used vs allocated';
    const description = `Line chart of the node's UsedSnatPorts and AllocatedSnatPorts per minute from ${metrics[0]?.timestamp} to ${metrics.at(-1)?.timestamp}. Peak used ${fmt(peak)}${alloc > 0 ? ` of ${fmt(alloc)} allocated` : ''}.`;
    charts.push({
      id: 'snat-ports',
      title,
      description,
      svg: await renderTimeSeriesSvg({
        id: 'chart-snat-ports',
        title,
        description,
        valueTitle: 'SNAT ports',
        series: [
          { name: 'Used', points: used, color: '#c2410c' },
          { name: 'Allocated', points: allocated, color: '#374151', dashed: true },
        ],
      }),
      table: {
        headers: ['Time (UTC)', 'Used', 'Allocated', 'Failed/min'],
        rows: metrics.map((m) => [
          m.timestamp,
          m.usedPorts === null ? '—' : fmt(m.usedPorts),
          m.allocatedPorts === null ? '—' : fmt(m.allocatedPorts),
          m.failedConnections === null ? '—' : fmt(m.failedConnections),
        ]),
      },
    });
  }
  if (metrics.some((m) => (m.failedConnections ?? 0) > 0)) {
    const peak = metrics.reduce((max, m) => Math.max(max, m.failedConnections ?? 0), 0);
    const title = 'Failed SNAT connections per minute';
    const description = `Line chart of SnatConnectionCount with state failed, per minute. Peak ${fmt(peak)} per minute.`;
    charts.push({
      id: 'snat-failed',
      title,
      description,
      svg: await renderTimeSeriesSvg({
        id: 'chart-snat-failed',
        title,
        description,
        valueTitle: 'failed connections / min',
        series: [
          {
            name: 'Failed',
            points: metrics.map((m) => ({ timestamp: m.timestamp, value: m.failedConnections })),
            color: '#b91c1c',
          },
        ],
      }),
      table: {
        headers: ['Time (UTC)', 'Failed/min'],
        rows: metrics.map((m) => [m.timestamp, m.failedConnections === null ? '—' : fmt(m.failedConnections)]),
      },
    });
  }
  return charts;
}
