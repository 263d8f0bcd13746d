/**
 * The fleet view as one self-contained HTML page (inline CSS and SVG, no scripts, fonts or images), in the
 * report's style: which nodes are heading for SNAT exhaustion now (last proactive scan, with sparklines), the
 * recent incidents with links to their reports, and the pods that keep coming back. Every string is escaped:
 * pod, node and cluster names come from the clusters.
 */
import { renderTimeSeriesSvg } from '../charts/charts.js';
import { escapeMarkup as e } from '../escapeMarkup.js';
import { fmtCount, fmtTime } from '../html/format.js';
import { REPORT_CSS } from '../html/styles.js';
import { isHttpUrl } from '../links.js';
import type { FleetClusterScan, FleetIndex, FleetNodeScan } from './fleetModel.js';
import { renderSparklineSvg } from './sparkline.js';

/** Rendering choices for the fleet page; the defaults suit the container-root page. */
export interface RenderFleetOptions {
  /** Usage threshold drawn on the sparklines (default 90). */
  thresholdPercent?: number;
  /** Relative link from this page to a cluster's page (root index only), e.g. `c => `${c}/index.html``. */
  clusterHref?: (cluster: string) => string | null;
}

/** Nodes listed per cluster (most urgent first); the JSON index has them all. */
export const FLEET_MAX_NODE_ROWS = 100;
/** Nodes drawn in a cluster's trend chart. */
export const FLEET_TREND_NODES = 5;

const FLEET_CSS = `
.spark{display:block}
td.spark-cell{min-width:128px}
.d-investigate{color:var(--crit);background:var(--crit-bg)}.d-watch{color:var(--warn);background:var(--warn-bg)}.d-ok{color:var(--ok);background:var(--ok-bg)}
.cluster-h{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:baseline}
.cluster-h .meta{color:var(--muted);font-size:14px}
`;

const DECISION_LABEL = { investigate: 'Investigate', watch: 'Watch', ok: 'OK' } as const;
const LINE_COLORS = ['#1d4ed8', '#b45309', '#047857', '#7c3aed', '#be123c'];

function badge(decision: FleetNodeScan['decision']): string {
  return `<span class="badge d-${decision}">${DECISION_LABEL[decision]}</span>`;
}

function table(caption: string, headers: Array<{ label: string; num?: boolean }>, rows: string[]): string {
  const head = headers.map((h) => `<th scope="col"${h.num ? ' class="num"' : ''}>${h.label}</th>`).join('');
  return (
    `<div class="table-wrap" role="region" tabindex="0" aria-label="${e(caption)}"><table>` +
    `<caption>${e(caption)}</caption><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`
  );
}

function section(id: string, title: string, body: string): string {
  return `<section class="card" id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${title}</h2>${body}</section>`;
}

const num = (v: number | null): string => (v === null ? '—' : fmtCount(v));
const pct = (v: number | null): string => (v === null ? '—' : `${v}%`);
const trend = (v: number | null): string => (v === null ? '—' : `${v > 0 ? '+' : ''}${v}`);

function nodeRows(scan: FleetClusterScan, threshold: number, idBase: string): string[] {
  return scan.nodes.slice(0, FLEET_MAX_NODE_ROWS).map((n, i) => {
    const percent = n.usagePercent !== null;
    const spark = renderSparklineSvg({
      id: `${idBase}-spark-${i}`,
      title: `SNAT usage of ${n.backendIp}`,
      values: n.spark,
      percent,
      thresholdPercent: threshold,
    });
    const drift = n.drift
      ? `<span class="sub">drift: ${fmtCount(n.drift.allocated)} allocated, ${fmtCount(n.drift.configured)} configured</span>`
      : '';
    return (
      `<tr${n.decision === 'investigate' ? ' class="top"' : ''}><th scope="row" class="name"><code>${e(n.backendIp)}</code></th>` +
      `<td>${badge(n.decision)}</td><td class="num">${pct(n.usagePercent)}</td><td class="num">${trend(n.trendPortsPerMinute)}</td>` +
      `<td class="num">${n.minutesToExhaustion === null ? '—' : `${n.minutesToExhaustion} min`}</td>` +
      `<td class="spark-cell">${spark}</td><td class="wide">${e(n.reason)}${drift}</td></tr>`
    );
  });
}

/** Up to five most urgent nodes' usage over the look-back, through the report's Vega-Lite time-series chart. */
async function trendChart(scan: FleetClusterScan, idBase: string): Promise<string> {
  const nodes = scan.nodes
    .filter((n) => n.usagePercent !== null && n.spark.some((v) => v !== null))
    .slice(0, FLEET_TREND_NODES);
  if (nodes.length === 0) return '';
  const end = Date.parse(scan.scannedAt);
  if (Number.isNaN(end)) return '';
  const series = nodes.map((n, i) => ({
    name: n.backendIp,
    color: LINE_COLORS[i % LINE_COLORS.length] as string,
    points: n.spark.map((v, j) => ({
      timestamp: new Date(end - (n.spark.length - 1 - j) * 60_000).toISOString(),
      value: v,
    })),
  }));
  const title = `SNAT usage of the ${nodes.length === 1 ? 'most urgent node' : `${nodes.length} most urgent nodes`} in ${scan.cluster}`;
  const description = `Line chart of used SNAT ports in percent of the allocation per minute. ${nodes
    .map((n) => `${n.backendIp}: ${pct(n.usagePercent)} now, ${n.decision}`)
    .join('; ')}.`;
  const svg = await renderTimeSeriesSvg({ id: `${idBase}-trend`, title, description, series, valueTitle: 'Usage (%)' });
  return `<figure class="chart"><figcaption>${e(title)}</figcaption>${svg}</figure>`;
}

async function clusterBlock(
  scan: FleetClusterScan,
  opts: Required<Pick<RenderFleetOptions, 'thresholdPercent'>> & RenderFleetOptions,
  i: number,
  withChart: boolean,
): Promise<string> {
  const idBase = `c${i}`;
  const href = opts.clusterHref?.(scan.cluster) ?? null;
  const name = href ? `<a href="${e(href)}">${e(scan.cluster)}</a>` : e(scan.cluster);
  const counts = (['investigate', 'watch', 'ok'] as const)
    .map((d) => `${scan.nodes.filter((n) => n.decision === d).length} ${d}`)
    .join(', ');
  let body =
    `<div class="cluster-h"><h3 id="${idBase}-h">${name}</h3><span class="meta">outbound ${e(scan.outboundType)} · ` +
    `scanned ${e(fmtTime(scan.scannedAt))} · ${scan.nodes.length} nodes (${counts})</span></div>`;
  if (scan.note) body += `<p class="note">${e(scan.note)}</p>`;
  if (scan.natGateway) {
    const g = scan.natGateway;
    body +=
      `<dl class="facts"><div><dt>NAT gateway SNAT connections (last minute)</dt><dd>${num(g.snatConnections)}</dd></div>` +
      `<div><dt>NAT gateway dropped packets (last minute)</dt><dd>${num(g.droppedPackets)}</dd></div>` +
      `<div><dt>Gateway</dt><dd>${e(g.gatewayId?.split('/').pop() ?? 'not found')}</dd></div></dl>`;
  }
  if (scan.nodes.length > 0) {
    if (withChart) body += await trendChart(scan, idBase);
    body += table(
      `Nodes of ${scan.cluster}, most urgent first`,
      [
        { label: 'Node IP' },
        { label: 'Decision' },
        { label: 'Usage', num: true },
        { label: 'Trend (ports/min)', num: true },
        { label: 'Exhausts in', num: true },
        { label: 'Last scan' },
        { label: 'Why' },
      ],
      nodeRows(scan, opts.thresholdPercent, idBase),
    );
    if (scan.nodes.length > FLEET_MAX_NODE_ROWS) {
      body += `<p class="note">${fmtCount(scan.nodes.length - FLEET_MAX_NODE_ROWS)} more nodes are in index.json.</p>`;
    }
  }
  return body;
}

/**
 * Renders `index.html` from an index document: the root page (every cluster, links to cluster pages) or a cluster
 * page (with its trend chart).
 *
 * @example await renderFleetHtml(doc, { clusterHref: (c) => `${c}/index.html` })
 */
export async function renderFleetHtml(doc: FleetIndex, options: RenderFleetOptions = {}): Promise<string> {
  const opts = { thresholdPercent: 90, ...options };
  const scans = Object.values(doc.scans).sort((a, b) => a.cluster.localeCompare(b.cluster));
  const allNodes = scans.flatMap((s) => s.nodes);
  const count = (d: FleetNodeScan['decision']) => allNodes.filter((n) => n.decision === d).length;
  const drift = allNodes.filter((n) => n.drift).length;
  const title = doc.scope === null ? 'SNAT health: all clusters' : `SNAT health: ${doc.scope}`;

  const stats =
    `<ul class="stats" aria-label="Summary">` +
    `<li><span class="n">${fmtCount(scans.length)}</span><span class="l">clusters scanned</span></li>` +
    `<li><span class="n">${fmtCount(count('investigate'))}</span><span class="l">nodes to investigate</span></li>` +
    `<li><span class="n">${fmtCount(count('watch'))}</span><span class="l">nodes to watch</span></li>` +
    `<li><span class="n">${fmtCount(count('ok'))}</span><span class="l">nodes OK</span></li>` +
    `<li><span class="n">${fmtCount(drift)}</span><span class="l">nodes with allocation drift</span></li>` +
    `<li><span class="n">${fmtCount(doc.incidents.length)}</span><span class="l">recent incidents</span></li></ul>`;

  const blocks: string[] = [];
  for (const [i, scan] of scans.entries()) blocks.push(await clusterBlock(scan, opts, i, doc.scope !== null));
  const nodesSection = section(
    'nodes',
    'Nodes now',
    blocks.length > 0 ? blocks.join('') : '<p>No proactive scan has run yet.</p>',
  );

  const incidentRows = doc.incidents.map((i) => {
    const link = isHttpUrl(i.link) ? `<a href="${e(i.link)}">report</a>` : '—';
    const status = i.status === 'complete' ? 'b-ok' : i.status === 'degraded' ? 'b-warn' : 'b-crit';
    return (
      `<tr><th scope="row">${e(fmtTime(i.timestamp))}</th>${doc.scope === null ? `<td class="name">${e(i.cluster)}</td>` : ''}` +
      `<td class="name">${e(i.node)}</td><td class="name">${i.topWorkload ? `${e(i.topWorkload)}${i.topPod ? `<span class="sub">pod <code>${e(i.topPod)}</code></span>` : ''}` : i.topPod ? `<code>${e(i.topPod)}</code>` : '—'}</td>` +
      `<td><span class="badge ${status}">${e(i.status)}</span></td><td>${e(i.trigger)}</td><td>${link}</td></tr>`
    );
  });
  const incidents = section(
    'incidents',
    'Incidents',
    (incidentRows.length > 0
      ? table(
          'Recent investigations, newest first',
          [
            { label: 'Time' },
            ...(doc.scope === null ? [{ label: 'Cluster' }] : []),
            { label: 'Node' },
            { label: 'Top pod' },
            { label: 'Status' },
            { label: 'Trigger' },
            { label: 'Report' },
          ],
          incidentRows,
        )
      : '<p>No investigation yet.</p>') +
      (doc.olderIncidents > 0
        ? `<p class="note">${fmtCount(doc.olderIncidents)} older incidents are not listed here; their reports stay in the container under <code>&lt;cluster&gt;/&lt;node&gt;/</code>.</p>`
        : ''),
  );

  const offenderRows = doc.repeatOffenders.map(
    (o) =>
      `<tr><th scope="row" class="name"><code>${e(o.pod)}</code></th>${doc.scope === null ? `<td class="name">${e(o.cluster)}</td>` : ''}` +
      `<td class="num">${fmtCount(o.incidents)}</td><td>${e(fmtTime(o.lastSeen))}</td></tr>`,
  );
  const offenders = section(
    'offenders',
    'Repeat offenders',
    offenderRows.length > 0
      ? table(
          'Pods that were the top talker in more than one listed incident',
          [
            { label: 'Pod' },
            ...(doc.scope === null ? [{ label: 'Cluster' }] : []),
            { label: 'Incidents', num: true },
            { label: 'Last seen' },
          ],
          offenderRows,
        )
      : '<p>No pod was the top talker more than once.</p>',
  );

  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    `<title>${e(title)}</title><style>${REPORT_CSS}${FLEET_CSS}</style></head><body><a class="skip" href="#nodes">Skip to the nodes</a>` +
    `<div class="page"><header class="top"><p class="eyebrow">snat-responder · fleet view</p><h1>${e(title)}</h1>${stats}</header>` +
    `<main>${nodesSection}${incidents}${offenders}</main>` +
    `<footer><p>Updated ${e(fmtTime(doc.updatedAt))} · fleet index schema ${doc.schemaVersion} · the same data is in index.json next to this page.</p></footer>` +
    `</div></body></html>\n`
  );
}
