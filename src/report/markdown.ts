import { isHttpUrl } from './links.js';
import type { RankedPod, Recommendation, Report, TrafficCounters } from './model.js';
import { podSubject } from './workloadName.js';

/**
 * Escapes text for a Markdown table cell or inline context (pod names and COMMs come from the node): emphasis,
 * code, links, table pipes and HTML openers. `>` and `#` only matter at the start of a line, which this text never is.
 */
function md(text: string): string {
  return text.replace(/[\\`*_[\]|<]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}

/**
 * Escapes like {@link md} outside `code spans` and keeps the spans as code, so commands in the advice render as
 * code instead of showing escaped backticks. A span's text is printed as is (Markdown does not interpret it).
 */
function mdWithCode(text: string): string {
  return text
    .split(/(`[^`\r\n]+`)/)
    .map((part, i) => (i % 2 === 1 ? part : md(part)))
    .join('');
}

/** A fenced `sh` block; fences longer than any backtick run inside, so nothing can close it early. */
function shBlock(lines: readonly string[]): string[] {
  const body = lines.map((l) => l.replace(/[\r\n]+/g, ' '));
  const longest = Math.max(2, ...body.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((m) => m.length))));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}sh`, ...body, fence];
}

function recommendationMd(r: Recommendation): string[] {
  const out = [`- **${mdWithCode(r.title)}** ${mdWithCode(r.detail)} _Evidence: ${mdWithCode(r.evidence)}_`];
  const indent = (l: string) => `  ${l}`;
  if (r.commands && r.commands.length > 0) out.push('', ...shBlock(r.commands).map(indent));
  if (r.arithmetic && r.arithmetic.length > 0) {
    const fence = '```';
    out.push('', indent(`${fence}text`), ...r.arithmetic.map((l) => indent(l.replace(/`/g, "'"))), indent(fence));
  }
  return out;
}

function num(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : String(n);
}

function dest(d: { ip: string; port: number; count: number; serviceTag?: string }): string {
  return `${d.ip.includes(':') ? `[${d.ip}]` : d.ip}:${d.port} (${d.count}${d.serviceTag ? `, ${d.serviceTag}` : ''})`;
}

function topDest(t: TrafficCounters, n = 3): string {
  return t.topDestinations.length === 0 ? '–' : t.topDestinations.slice(0, n).map(dest).join(', ');
}

function podRow(p: RankedPod): string {
  return [
    p.rank,
    podSubject(p) === `${p.namespace}/${p.pod}`
      ? `${md(p.namespace)}/${md(p.pod)}`
      : `${md(podSubject(p))}${p.workload?.resolvedBy === 'inferred' ? ' (inferred)' : ''}<br>pod ${md(p.pod)}`,
    num(p.establishedPublic),
    p.connectsPublic,
    num(p.connectRatePerMinute),
    p.connectsPrivate,
    num(p.timeWaitPublic),
    md(topDest(p)),
    p.socketMethod ?? '–',
    p.attribution.paths.join(' + ') || '–',
  ].join(' | ');
}

/**
 * Renders the report as Markdown for people: verdict first, then the ranked table, then the evidence.
 *
 * @example
 * process.stdout.write(renderMarkdown(report));
 */
export function renderMarkdown(
  report: Report,
  opts: { maxPods?: number; reportUrl?: string | null; reportUrlExpiresOn?: string | null } = {},
): string {
  const maxPods = opts.maxPods ?? 25;
  const out: string[] = [];
  const inv = report.investigation;
  out.push('# SNAT port exhaustion report', '');
  out.push(`**Verdict:** ${md(report.verdict.summary)}`, '');
  if (isHttpUrl(opts.reportUrl)) {
    const until = opts.reportUrlExpiresOn ? ` (link valid until ${opts.reportUrlExpiresOn})` : '';
    out.push(`[Open the full report](<${opts.reportUrl.replace(/[<>]/g, encodeURIComponent)}>)${until}`, '');
  }
  if (report.history && report.history.n > 1) {
    out.push(
      `${md(report.history.workload ?? report.history.pod)} was the top talker in ${report.history.k} of the last ${report.history.n} incidents on this cluster.`,
      '',
    );
  }
  if (inv.status !== 'complete') {
    out.push(`> **Investigation ${inv.status}.** ${inv.problems.map(md).join(' ')}`, '');
  }
  const facts: string[] = [];
  if (report.cluster?.clusterName) facts.push(`Cluster: ${md(report.cluster.clusterName)}`);
  if (report.node.name || report.node.ip)
    facts.push(`Node: ${md([report.node.name, report.node.ip].filter(Boolean).join(' / '))}`);
  if (inv.severity) facts.push(`Severity: ${md(inv.severity)}`);
  if (inv.trigger) facts.push(`Trigger: ${inv.trigger}`);
  if (inv.windowStart || inv.windowEnd) facts.push(`Window: ${inv.windowStart ?? '?'} – ${inv.windowEnd ?? '?'}`);
  if (inv.id) facts.push(`Investigation: \`${inv.id}\``);
  if (report.generatedAt) facts.push(`Generated: ${report.generatedAt}`);
  for (const note of inv.notes ?? []) facts.push(`Note: ${md(note)}`);
  if (facts.length > 0) out.push(facts.map((f) => `- ${f}`).join('\n'), '');

  out.push('## Ranked pods', '');
  out.push(`_${report.rankingRule}_`, '');
  if (report.rankedPods.length === 0) {
    out.push('No pod could be tied to the evidence.', '');
  } else {
    out.push(
      '| # | Workload / pod | ESTABLISHED public | Public connects | Connects/min | Private connects | TIME_WAIT public | Top destinations | Sockets from | Attributed by |',
      '|---:|---|---:|---:|---:|---:|---:|---|---|---|',
    );
    for (const p of report.rankedPods.slice(0, maxPods)) out.push(`| ${podRow(p)} |`);
    if (report.rankedPods.length > maxPods)
      out.push('', `_…and ${report.rankedPods.length - maxPods} more pods (see report.json)._`);
    out.push('');
  }

  const host = report.hostTraffic;
  if (host) {
    out.push('## Host traffic', '');
    out.push(
      `From the node's own network namespace (${md(host.saddr)}${host.netns !== null ? `, netns ${host.netns}` : ''}), not proven to belong to a pod: ` +
        `${host.connectsPublic} public connects, ${host.connectsPrivate} private` +
        `${host.establishedPublic !== undefined && host.establishedPublic !== null ? `, ${host.establishedPublic} ESTABLISHED to public IPs` : ''}` +
        `. Processes: ${md(host.processes.join(', ') || 'unknown')}. Top destinations: ${md(topDest(host))}.`,
      '',
    );
  }

  if (report.unattributed.length > 0) {
    out.push('## Unattributed talkers', '');
    out.push(
      '| Source | Netns | Public connects | Private connects | Processes | Why unattributed |',
      '|---|---:|---:|---:|---|---|',
    );
    for (const u of report.unattributed.slice(0, maxPods)) {
      out.push(
        `| ${md(u.saddr)} | ${num(u.netns)} | ${u.connectsPublic} | ${u.connectsPrivate} | ${md(u.processes.join(', '))} | ${md(u.reason)} |`,
      );
    }
    out.push('');
  }

  if (report.recommendations.length > 0) {
    out.push('## Recommendations', '');
    for (const r of report.recommendations) out.push(...recommendationMd(r));
    out.push('');
  }

  const top = report.rankedPods.slice(0, 3);
  if (top.length > 0) {
    out.push('## Evidence chain', '');
    for (const p of top) {
      const subject = podSubject(p);
      out.push(
        subject === `${p.namespace}/${p.pod}` ? `### ${md(subject)}` : `### ${md(subject)}: pod ${md(p.pod)}`,
        '',
      );
      for (const s of p.attribution.steps) out.push(`- ${md(s.detail)} — \`${s.source}\``);
      for (const c of p.attribution.conflicts) out.push(`- ⚠ conflict: ${md(c)}`);
      out.push('');
    }
  }

  out.push('## Evidence', '');
  out.push(
    `Trace: ${report.trace.events} events (${report.trace.connects} connects, ${report.trace.accepts} accepts, ${report.trace.closes} closes)` +
      `${report.trace.spanSeconds !== null ? ` over ${report.trace.spanSeconds} s` : ''}` +
      `${report.trace.lostSamples > 0 ? `, ${report.trace.lostSamples} samples lost` : ''}.`,
    '',
  );
  out.push(`Parse warnings: ${report.parseWarnings}.`, '');
  for (const w of report.warningSamples.slice(0, 10)) out.push(`- \`${w.file}:${w.line}\` ${md(w.message)}`);
  if (report.warningSamples.length > 0) out.push('');
  if (report.evidenceFiles.length > 0) {
    out.push('Files:', '');
    for (const f of report.evidenceFiles) out.push(`- \`${f}\``);
    out.push('');
  }
  if (report.serviceTags) {
    const t = report.serviceTags;
    out.push(
      `Destinations named by Azure service tags (${md(t.source)}, ${md(t.cloud ?? 'cloud unknown')}, change number ${t.changeNumber ?? 'unknown'}).`,
      '',
    );
  }
  if (report.privateCidrs.length > 0) out.push(`Extra private ranges: ${report.privateCidrs.map(md).join(', ')}.`, '');
  return `${out.join('\n').trimEnd()}\n`;
}
