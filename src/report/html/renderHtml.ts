/**
 * The HTML report: one self-contained file (inline CSS and SVG, no scripts, fonts or images), readable on a laptop
 * and a phone, printable. Every string from the report is escaped: pod names, process names and warnings come
 * from the node being investigated.
 */

import type { ReportChart } from '../charts/reportCharts.js';
import { renderReportCharts } from '../charts/reportCharts.js';
import { escapeMarkup as e } from '../escapeMarkup.js';
import { isHttpUrl } from '../links.js';
import type { AttributionStep, Recommendation, Report, TrafficCounters } from '../model.js';
import { snatUsage } from '../snatUsage.js';
import { podSubject, workloadRef } from '../workloadName.js';
import { fmtCount, fmtRate, fmtTime, fmtWindow, historyLine, podRef, verdictTalker, whatItDoes } from './format.js';
import { REPORT_CSS } from './styles.js';

/** Where the rendered report will live, for its footer and evidence links; all optional. */
export interface RenderHtmlOptions {
  /** Where this report lives (shown in the footer); only http(s) URLs are linked. */
  reportUrl?: string;
  /** When `reportUrl` stops working (ISO-8601; signed links expire), shown next to it. */
  reportUrlExpiresOn?: string;
  /** Prefix of raw-evidence links, relative to the report. Default `evidence/`. */
  evidenceBaseHref?: string;
}

/** Ranked pods shown in the table; the rest are counted (the JSON report has them all). */
export const HTML_MAX_TABLE_ROWS = 200;
/** Pods whose attribution chain is shown step by step. */
export const HTML_EVIDENCE_CHAIN_PODS = 3;
/** Unattributed talkers shown. */
export const HTML_MAX_UNATTRIBUTED = 100;

const KIND_LABEL: Record<Recommendation['kind'], string> = {
  'connection-pooling': 'Connection pooling',
  'private-endpoint': 'Private endpoint',
  'port-allocation': 'Port allocation',
  'nat-gateway': 'NAT gateway',
  'port-capacity': 'Port capacity at maximum scale',
  'idle-timeout': 'Idle timeout',
  'investigate-host': 'Host traffic',
};

const PATH_LABEL: Record<string, string> = {
  'netns-chain': 'netns chain',
  'pod-ip': 'pod IP',
  'socket-table': 'socket table',
  'container-map': 'tcptracer containers map',
  'gadget-k8s': 'Inspektor Gadget pod',
};

function severityClass(sev: string | null): { cls: string; badge: string } {
  const n = sev ? /([0-4])/.exec(sev)?.[1] : undefined;
  if (n === undefined) return { cls: 'sev-none', badge: 'b-info' };
  return { cls: `sev-${n}`, badge: Number(n) <= 1 ? 'b-crit' : Number(n) === 2 ? 'b-warn' : 'b-info' };
}

/** Relative link to an evidence file, or null for names that could leave the evidence folder or carry a scheme. */
function evidenceHref(base: string, file: string): string | null {
  const segments = file.split('/');
  if (
    file.startsWith('/') ||
    segments.some((s) => s === '' || s === '.' || s === '..') ||
    /^[a-z][a-z0-9+.-]*:/i.test(file)
  ) {
    return null;
  }
  return base + segments.map(encodeURIComponent).join('/');
}

function fileLink(base: string, file: string): string {
  const href = evidenceHref(base, file);
  return href ? `<a href="${e(href)}"><code>${e(file)}</code></a>` : `<code>${e(file)}</code>`;
}

function table(caption: string, headers: Array<{ label: string; num?: boolean }>, rows: string[], cls = ''): string {
  const head = headers.map((h) => `<th scope="col"${h.num ? ' class="num"' : ''}>${h.label}</th>`).join('');
  return (
    `<div class="table-wrap" role="region" tabindex="0" aria-label="${e(caption)}"><table${cls ? ` class="${cls}"` : ''}>` +
    `<caption>${e(caption)}</caption><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`
  );
}

function section(id: string, title: string, body: string, extraClass = ''): string {
  return `<section class="card${extraClass ? ` ${extraClass}` : ''}" id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${title}</h2>${body}</section>`;
}

function figure(chart: ReportChart): string {
  const rows = chart.table.rows.map(
    (r) =>
      `<tr><th scope="row" class="name">${e(r[0])}</th>${r
        .slice(1)
        .map((c) => `<td class="num">${e(c)}</td>`)
        .join('')}</tr>`,
  );
  const head = chart.table.headers.map((h, i) => `<th scope="col"${i > 0 ? ' class="num"' : ''}>${e(h)}</th>`).join('');
  return (
    `<figure class="chart" id="fig-${chart.id}"><figcaption>${e(chart.title)}</figcaption>${chart.svg}` +
    `<details><summary>Data behind this chart</summary><div class="table-wrap"><table><thead><tr>${head}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div></details></figure>`
  );
}

function headerHtml(report: Report): string {
  const inv = report.investigation;
  const sev = severityClass(inv.severity);
  const does = whatItDoes(report);
  const talker = verdictTalker(report);
  const node = report.node.name ?? report.node.ip;
  const statusBadge =
    inv.status === 'complete'
      ? '<li class="badge b-ok">Investigation complete</li>'
      : inv.status === 'degraded'
        ? '<li class="badge b-warn">Investigation degraded</li>'
        : '<li class="badge b-crit">Investigation failed</li>';
  const w = report.verdict.workload;
  const facts: Array<[string, string | null]> = [
    [
      'Workload',
      w && !(w.kind === 'Pod' && w.name === report.verdict.pod)
        ? `${workloadRef(w)}${w.resolvedBy === 'inferred' ? ' (inferred from names and labels)' : ''}`
        : null,
    ],
    ['Pod', report.verdict.pod],
    ['Namespace', report.verdict.namespace],
    ['Node', node ? `${node}${report.node.ip && report.node.name ? ` (${report.node.ip})` : ''}` : null],
    ['Cluster', report.cluster?.clusterName ?? null],
    ['Time window', inv.windowStart || inv.windowEnd ? fmtWindow(inv.windowStart, inv.windowEnd) : null],
    ['Alert rule', inv.alertRule],
    ['Trigger', inv.trigger ?? null],
    ['Generated', report.generatedAt ? fmtTime(report.generatedAt) : null],
    ['Investigation', inv.id],
    ...(inv.notes ?? []).map((note): [string, string] => ['Note', note]),
  ];
  const dl = facts
    .filter((f): f is [string, string] => f[1] !== null && f[1] !== '')
    .map(([k, v]) => `<div><dt>${k}</dt><dd>${e(v)}</dd></div>`)
    .join('');
  return (
    `<header class="top"><p class="eyebrow">snat-responder · SNAT port exhaustion report</p>` +
    `<h1>SNAT port exhaustion${node ? ` on ${e(node)}` : ''}</h1>` +
    `<section class="card verdict ${sev.cls}" id="verdict" aria-labelledby="verdict-h"><h2 id="verdict-h">Verdict</h2>` +
    `<p class="summary">${e(report.verdict.summary)}</p>` +
    (does && talker ? `<p class="does"><strong>What it does:</strong> ${e(talker.label)} ${e(does)}.</p>` : '') +
    (report.history && report.history.n > 1
      ? `<p class="does"><strong>History:</strong> ${e(historyLine(report.history))}</p>`
      : '') +
    `<ul class="badges" aria-label="Status">` +
    (inv.severity ? `<li class="badge ${sev.badge}">Severity ${e(inv.severity)}</li>` : '') +
    statusBadge +
    `</ul><dl class="facts">${dl}</dl></section></header>`
  );
}

function problemsHtml(report: Report): string {
  const inv = report.investigation;
  if (inv.status === 'complete') return '';
  const failed = inv.status === 'failed';
  const lead = failed
    ? 'The investigation failed: the verdict below is missing or incomplete. What went wrong:'
    : 'The investigation is degraded: some evidence is missing, so numbers below may be incomplete. What is missing:';
  const items = inv.problems.length > 0 ? inv.problems : ['no details were recorded'];
  return section(
    'status',
    failed ? 'Investigation failed' : 'Investigation degraded',
    `<p>${lead}</p><ul>${items.map((p) => `<li>${e(p)}</li>`).join('')}</ul>`,
    `problems${failed ? ' failed' : ''}`,
  );
}

function snatHtml(report: Report, charts: ReportChart[]): string {
  const m = report.metrics;
  if (m.length === 0 && !report.cluster) return '';
  const { peakUsed, allocated, failedTotal: failed } = snatUsage(m);
  const c = report.cluster;
  const stats: Array<[string, string]> = [];
  if (peakUsed !== null) stats.push([fmtCount(peakUsed), 'peak SNAT ports used']);
  if (allocated !== null) stats.push([fmtCount(allocated), 'SNAT ports allocated to the node']);
  if (peakUsed !== null && allocated)
    stats.push([`${Math.round((peakUsed / allocated) * 100)}%`, 'peak usage of the allocation']);
  if (failed !== null) stats.push([fmtCount(failed), 'failed SNAT connections in the window']);
  if (c?.backendPoolSize != null) stats.push([fmtCount(c.backendPoolSize), 'nodes in the backend pool']);
  if (c?.frontendIpCount != null) stats.push([fmtCount(c.frontendIpCount), 'frontend (outbound) IPs']);
  const statsHtml = stats.length
    ? `<ul class="stats">${stats.map(([n, l]) => `<li><span class="n">${e(n)}</span><span class="l">${e(l)}</span></li>`).join('')}</ul>`
    : '';
  const extra: string[] = [];
  if (c?.outboundType) extra.push(`outbound type <code>${e(c.outboundType)}</code>`);
  extra.push(
    c?.configuredOutboundPorts
      ? `${fmtCount(c.configuredOutboundPorts)} outbound ports per node configured`
      : 'automatic port allocation',
  );
  if (c?.idleTimeoutMinutes != null) extra.push(`idle timeout ${fmtCount(c.idleTimeoutMinutes)} min`);
  const snatCharts = charts.filter((ch) => ch.id === 'snat-ports' || ch.id === 'snat-failed');
  const noMetrics =
    m.length === 0 ? '<p class="note">No load balancer SNAT metrics are available for this node.</p>' : '';
  return section(
    'snat',
    'SNAT usage on the node',
    `${statsHtml}${c ? `<p class="note">Load balancer: ${extra.join(', ')}.</p>` : ''}${noMetrics}` +
      (snatCharts.length ? `<div class="charts">${snatCharts.map(figure).join('')}</div>` : ''),
  );
}

/** Escapes, then turns Markdown-style `code` spans (recommendation texts use them) into <code>. */
function codeSpans(text: string): string {
  return e(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function recommendationsHtml(report: Report): string {
  if (report.recommendations.length === 0) {
    return section(
      'recommendations',
      'Recommendations',
      '<p class="note">No measurement crossed a recommendation threshold.</p>',
    );
  }
  const items = report.recommendations.map(
    (r) =>
      `<li><span class="kind"><b>${e(KIND_LABEL[r.kind] ?? r.kind)}</b>${r.target ? ` · ${e(podRef(r.target))}` : ''}</span>` +
      `<h3>${codeSpans(r.title)}</h3><p>${codeSpans(r.detail)}</p>` +
      // Commands in their own block: one selection copies them whole, no script needed.
      (r.commands && r.commands.length > 0
        ? `<pre class="cmd" aria-label="Commands"><code>${r.commands.map((c) => e(c)).join('\n')}</code></pre>`
        : '') +
      (r.arithmetic && r.arithmetic.length > 0
        ? `<pre class="math" aria-label="Arithmetic">${r.arithmetic.map((c) => e(c)).join('\n')}</pre>`
        : '') +
      `<p class="evidence"><strong>Measured:</strong> ${codeSpans(r.evidence)}</p></li>`,
  );
  return section('recommendations', 'Recommendations', `<ol class="recs">${items.join('')}</ol>`);
}

function chartsHtml(charts: ReportChart[]): string {
  const talkers = charts.filter((c) => c.id.startsWith('top-'));
  if (talkers.length === 0) return '';
  return section('charts', 'Top talkers', `<div class="charts">${talkers.map(figure).join('')}</div>`);
}

function topDest(c: TrafficCounters): string {
  const d = c.topDestinations[0];
  return d
    ? `<code class="ep">${e(`${d.ip}:${d.port}`)}</code> <span class="sub">${fmtCount(d.count)} connects</span>`
    : '—';
}

function rankingHtml(report: Report): string {
  const pods = report.rankedPods;
  const rule = `<p><strong>Ranking rule:</strong> ${e(report.rankingRule)}</p>`;
  if (pods.length === 0)
    return section('ranking', 'Ranked pods', `${rule}<p class="note">No pod could be tied to the traffic.</p>`);
  const shown = pods.slice(0, HTML_MAX_TABLE_ROWS);
  const rows = shown.map((p, i) => {
    // Workload first (what gets fixed), the pod and how the workload was found as detail.
    const subject = podSubject(p);
    const podLine = subject === podRef(p) ? '' : `pod ${p.pod}`;
    const how = p.workload?.resolvedBy === 'inferred' && podLine ? ' (inferred)' : '';
    const detail = [podLine + how, p.hostNetwork ? 'hostNetwork' : ''].filter(Boolean).join(' · ');
    const owner = detail ? `<span class="sub">${e(detail)}</span>` : '';
    const method = p.socketMethod ? `<span class="sub">${e(p.socketMethod)}</span>` : '';
    const paths = p.attribution.paths.map((x) => e(PATH_LABEL[x] ?? x)).join(', ') || '—';
    const n = p.attribution.conflicts.length;
    const conflicts = n ? ` <span class="conflict">(${n} conflict${n === 1 ? '' : 's'})</span>` : '';
    const d = p.topDestinations[0];
    const dest = d
      ? `<code class="ep">${e(`${d.ip}:${d.port}`)}</code>${d.serviceTag ? ` <span class="tag">${e(d.serviceTag)}</span>` : ''}<span class="sub">${fmtCount(d.count)} connects · ${fmtCount(p.distinctPublicDestinations)} public destination${p.distinctPublicDestinations === 1 ? '' : 's'}</span>`
      : '—';
    return (
      `<tr${i === 0 ? ' class="top"' : ''}><td class="num">${fmtCount(p.rank)}</td><th scope="row" class="name wide">${e(subject)}${owner}</th>` +
      `<td class="num">${fmtCount(p.establishedPublic)}${method}</td><td class="num">${fmtCount(p.timeWaitPublic)}</td>` +
      `<td class="num">${fmtCount(p.connectsPublic)}</td><td class="num">${fmtRate(p.connectRatePerMinute)}</td>` +
      `<td>${dest}</td><td>${paths}${conflicts}</td></tr>`
    );
  });
  const more =
    pods.length > shown.length
      ? `<p class="note">${fmtCount(pods.length - shown.length)} more pods are not shown here; the JSON report lists all ${fmtCount(pods.length)}.</p>`
      : '';
  return section(
    'ranking',
    'Ranked pods',
    rule +
      table(
        `Pods on the node, most suspect first (${fmtCount(pods.length)})`,
        [
          { label: '#', num: true },
          { label: 'Pod' },
          { label: 'ESTABLISHED public', num: true },
          { label: 'TIME_WAIT public', num: true },
          { label: 'Connects public', num: true },
          { label: 'Connects /min', num: true },
          { label: 'Top destination' },
          { label: 'Attributed by' },
        ],
        rows,
      ) +
      more,
  );
}

function stepHtml(base: string, s: AttributionStep): string {
  return `<li><strong>${e(s.kind)}</strong>: ${e(s.detail)} <span class="sub">proved by ${fileLink(base, s.source)}</span></li>`;
}

function evidenceChainHtml(report: Report, base: string): string {
  const pods = report.rankedPods.slice(0, HTML_EVIDENCE_CHAIN_PODS);
  if (pods.length === 0) return '';
  const blocks = pods.map((p) => {
    const a = p.attribution;
    const paths = a.paths.length ? a.paths.map((x) => e(PATH_LABEL[x] ?? x)).join('; ') : 'none';
    const conflicts = a.conflicts.length
      ? `<p class="conflict"><strong>Conflicts:</strong></p><ul>${a.conflicts.map((c) => `<li class="conflict">${e(c)}</li>`).join('')}</ul>`
      : '';
    const procs = p.processes.length
      ? `<p>Processes seen in the trace: ${p.processes.map((x) => `<code>${e(x)}</code>`).join(', ')}</p>`
      : '';
    const sockets = p.socketMethod
      ? `<p>Socket numbers (${fmtCount(p.establishedPublic)} ESTABLISHED public) from <code>${e(p.socketMethod)}</code>${p.socketSource ? ` in ${fileLink(base, p.socketSource)}` : ''}.</p>`
      : '<p>No socket table for this pod: ESTABLISHED counts are unknown.</p>';
    const ips = p.podIPs.length ? `<p>Pod IPs: ${p.podIPs.map((x) => `<code>${e(x)}</code>`).join(', ')}</p>` : '';
    const dests = p.topDestinations.length
      ? table(
          `Public destinations of ${podRef(p)}`,
          [{ label: 'Destination' }, { label: 'Connects', num: true }],
          p.topDestinations.map(
            (d) =>
              `<tr><th scope="row"><code>${e(`${d.ip}:${d.port}`)}</code></th><td class="num">${fmtCount(d.count)}</td></tr>`,
          ),
        )
      : '';
    return (
      `<h3>#${fmtCount(p.rank)} ${e(podRef(p))}</h3><p>Matched paths: ${paths}.</p>` +
      `<ol class="chain">${a.steps.map((s) => stepHtml(base, s)).join('')}</ol>${conflicts}${sockets}${ips}${procs}${dests}`
    );
  });
  return section('evidence-chain', 'Evidence chain for the top pods', blocks.join(''));
}

/** Header of the tables whose rows come from countersRow (its `extra` cells start with the processes). */
const COUNTERS_COLUMNS = [
  { label: 'Source' },
  { label: 'Connects public', num: true },
  { label: 'Connects private', num: true },
  { label: 'Connects/min', num: true },
  { label: 'Top destination' },
  { label: 'Processes' },
];

function countersRow(label: string, c: TrafficCounters, extra: string): string {
  return (
    `<tr><th scope="row" class="name">${label}</th><td class="num">${fmtCount(c.connectsPublic)}</td><td class="num">${fmtCount(c.connectsPrivate)}</td>` +
    `<td class="num">${fmtRate(c.connectRatePerMinute)}</td><td>${topDest(c)}</td>${extra}</tr>`
  );
}

function hostHtml(report: Report): string {
  const h = report.hostTraffic;
  if (!h) return '';
  const procs = h.processes.length ? h.processes.map((x) => `<code>${e(x)}</code>`).join(', ') : '—';
  const sockets =
    h.establishedPublic != null
      ? `<p>${fmtCount(h.establishedPublic)} ESTABLISHED to public IPs from the host's socket table.</p>`
      : '';
  return section(
    'host',
    'Host traffic',
    `<p>Connections from the node's own network namespace${h.netns !== null ? ` (netns ${e(h.netns)})` : ''} that no hostNetwork pod is proven to own. They are not pinned on any pod.</p>${sockets}` +
      table('Traffic from the node network namespace', COUNTERS_COLUMNS, [
        countersRow(`<code>${e(h.saddr)}</code>`, h, `<td>${procs}</td>`),
      ]),
  );
}

function unattributedHtml(report: Report): string {
  const u = report.unattributed;
  if (u.length === 0) return '';
  const rows = u
    .slice(0, HTML_MAX_UNATTRIBUTED)
    .map((t) =>
      countersRow(
        `<code>${e(t.saddr)}</code>${t.netns !== null ? `<span class="sub">netns ${e(t.netns)}</span>` : ''}`,
        t,
        `<td>${t.processes.map((x) => `<code>${e(x)}</code>`).join(', ') || '—'}</td><td class="name">${e(t.reason)}</td>`,
      ),
    );
  const more =
    u.length > HTML_MAX_UNATTRIBUTED
      ? `<p class="note">${fmtCount(u.length - HTML_MAX_UNATTRIBUTED)} more in the JSON report.</p>`
      : '';
  return section(
    'unattributed',
    'Unattributed talkers',
    '<p>Trace keys (source IP + network namespace) that map to no pod. Listed so nothing is silently dropped.</p>' +
      table(
        `Unattributed talkers (${fmtCount(u.length)})`,
        [...COUNTERS_COLUMNS, { label: 'Why unattributed' }],
        rows,
      ) +
      more,
  );
}

function traceHtml(report: Report, base: string): string {
  const t = report.trace;
  const facts: Array<[string, string]> = [
    ['Events', fmtCount(t.events)],
    ['Connects', fmtCount(t.connects)],
    ['Accepts', fmtCount(t.accepts)],
    ['Closes', fmtCount(t.closes)],
    ['Trace span', t.spanSeconds === null ? 'no timestamps' : `${fmtRate(t.spanSeconds / 60)} min`],
    ['Lost samples (BCC)', fmtCount(t.lostSamples)],
    ['Trace format', t.format ?? '—'],
    ['Parse warnings', fmtCount(report.parseWarnings)],
    ...(report.serviceTags
      ? ([
          [
            'Service tags',
            `${report.serviceTags.source}, ${report.serviceTags.cloud ?? 'cloud unknown'}, change number ${report.serviceTags.changeNumber ?? 'unknown'}`,
          ],
        ] as Array<[string, string]>)
      : []),
  ];
  const dl = `<dl class="facts">${facts.map(([k, v]) => `<div><dt>${k}</dt><dd>${e(v)}</dd></div>`).join('')}</dl>`;
  const samples = report.warningSamples.length
    ? `<h3>Parse warnings</h3><p>${fmtCount(report.parseWarnings)} line${report.parseWarnings === 1 ? '' : 's'} could not be used; the first ${fmtCount(report.warningSamples.length)}:</p>` +
      table(
        'Parse warning samples',
        [{ label: 'File' }, { label: 'Line', num: true }, { label: 'Problem' }],
        report.warningSamples.map(
          (w) =>
            `<tr><th scope="row" class="name">${fileLink(base, w.file)}</th><td class="num">${fmtCount(w.line)}</td><td class="name">${e(w.message)}</td></tr>`,
        ),
      )
    : report.parseWarnings > 0
      ? `<p>${fmtCount(report.parseWarnings)} lines could not be used.</p>`
      : '<p class="note">Every line was understood.</p>';
  const cidrs = report.privateCidrs.length
    ? `<p class="note">Extra private ranges (not counted as public): ${report.privateCidrs.map((c) => `<code>${e(c)}</code>`).join(', ')}.</p>`
    : '';
  return section('trace', 'Trace and parsing', dl + samples + cidrs);
}

function filesHtml(report: Report, base: string): string {
  const files = report.evidenceFiles;
  const body = files.length
    ? `<p>Raw outputs this report was derived from, relative to the report.</p><ul class="files">${files.map((f) => `<li>${fileLink(base, f)}</li>`).join('')}</ul>`
    : '<p class="note">No evidence files were collected.</p>';
  return section('files', 'Raw evidence', body);
}

function tocHtml(ids: Array<[string, string]>): string {
  return `<nav class="toc card" aria-label="Contents"><ol>${ids.map(([id, label]) => `<li><a href="#${id}">${label}</a></li>`).join('')}</ol></nav>`;
}

/**
 * Renders the report as one self-contained HTML document (charts as inline SVG).
 *
 * @example const html = await renderHtml(report, { reportUrl: 'https://acct.blob.core.windows.net/reports/x/report.html' });
 */
export async function renderHtml(report: Report, opts: RenderHtmlOptions = {}): Promise<string> {
  const base = opts.evidenceBaseHref ?? 'evidence/';
  const charts = await renderReportCharts(report);
  const node = report.node.name ?? report.node.ip;
  const vw = report.verdict.workload;
  const subject = vw
    ? workloadRef(vw)
    : report.verdict.pod
      ? `${report.verdict.namespace}/${report.verdict.pod}`
      : report.verdict.kind;
  const title = `SNAT report: ${subject}${node ? ` on ${node}` : ''}`;
  const parts: Array<[string, string, string]> = [
    ['charts', 'Top talkers', chartsHtml(charts)],
    ['snat', 'SNAT usage', snatHtml(report, charts)],
    ['recommendations', 'Recommendations', recommendationsHtml(report)],
    ['ranking', 'Ranked pods', rankingHtml(report)],
    ['evidence-chain', 'Evidence chain', evidenceChainHtml(report, base)],
    ['host', 'Host traffic', hostHtml(report)],
    ['unattributed', 'Unattributed', unattributedHtml(report)],
    ['trace', 'Trace and parsing', traceHtml(report, base)],
    ['files', 'Raw evidence', filesHtml(report, base)],
  ];
  const present = parts.filter((p) => p[2] !== '');
  const url = isHttpUrl(opts.reportUrl) ? `<a href="${e(opts.reportUrl)}">link to this report</a>` : null;
  const until = url && opts.reportUrlExpiresOn ? ` (valid until ${e(fmtTime(opts.reportUrlExpiresOn))})` : '';
  const footer =
    `<footer><p>Generated by snat-responder${report.generatedAt ? ` at ${e(fmtTime(report.generatedAt))}` : ''} · report schema ${e(report.schemaVersion)}` +
    `${url ? ` · ${url}${until}` : ''}</p></footer>`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="color-scheme" content="light"><meta name="generator" content="snat-responder">` +
    // No scripts: a CSP that forbids them makes an escaped-but-missed injection inert too.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    `<title>${e(title)}</title><style>${REPORT_CSS}</style></head><body><a class="skip" href="#ranking">Skip to the ranked pods</a>` +
    `<div class="page">${headerHtml(report)}<main>${problemsHtml(report)}${tocHtml(present.map(([id, label]) => [id, label]))}` +
    `${present.map((p) => p[2]).join('')}</main>${footer}</div></body></html>`
  );
}
