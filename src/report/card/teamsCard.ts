/**
 * The Teams card: a pure builder from a report to the Teams Workflows payload (Adaptive Card 1.5), made for a
 * phone screen: the verdict first, the facts people ask for, the top pods as a table, a button to the full report.
 */
import { fmtCount, fmtRate, fmtWindow, whatItDoes } from '../html/format.js';
import { isHttpUrl } from '../links.js';
import type { Report } from '../model.js';
import { snatUsage } from '../snatUsage.js';
import { podSubject, workloadRef } from '../workloadName.js';
import type {
  AdaptiveCard15,
  CardElement,
  ContainerStyle,
  OpenUrlAction,
  Table,
  TeamsPayload,
  TextBlock,
} from './adaptiveCard.js';
import { CardTooLargeError } from './errors.js';

/**
 * How much a card may carry, largest first: `full` (5 pod rows, a recommendation, every fact), `compact` (3 rows,
 * shorter text), `minimal` (no table). Smaller budgets exist for Teams' message size limit (HTTP 413).
 */
export type CardBudget = 'full' | 'compact' | 'minimal';

/** What the card builder needs besides the report. */
export interface TeamsCardOptions {
  /** Link to the full HTML report; the button appears only for an http(s) URL. */
  reportUrl?: string | null;
  /** How much to include; `buildTeamsPayloadWithinLimit` starts here and trims further when needed. */
  budget?: CardBudget;
  /** This node alerted in `k` of the last `n` investigations. */
  history?: { k: number; n: number } | null;
}

/** Teams rejects messages above about 28 KB (HTTP 413). */
export const TEAMS_MAX_BYTES = 28_000;

/** One trimming step: table rows and text lengths (in characters). */
interface Level {
  rows: number;
  name: number;
  summary: number;
  problems: number;
  problem: number;
  recommendation: boolean;
  extraFacts: boolean;
}

/** From richest to leanest; `buildTeamsPayloadWithinLimit` walks down until the payload fits. */
const LEVELS: readonly Level[] = [
  { rows: 5, name: 80, summary: 400, problems: 3, problem: 200, recommendation: true, extraFacts: true },
  { rows: 5, name: 60, summary: 300, problems: 3, problem: 140, recommendation: false, extraFacts: true },
  { rows: 3, name: 48, summary: 240, problems: 2, problem: 120, recommendation: false, extraFacts: false },
  { rows: 1, name: 40, summary: 200, problems: 1, problem: 100, recommendation: false, extraFacts: false },
  { rows: 0, name: 32, summary: 160, problems: 1, problem: 80, recommendation: false, extraFacts: false },
];

const BUDGET_LEVEL: Record<CardBudget, number> = { full: 0, compact: 2, minimal: 4 };

/**
 * Card text from report strings: control characters removed, whitespace collapsed, Markdown links defused
 * (`](` becomes `] (`: names come from the investigated node), cut to `max` characters with an ellipsis.
 */
export function cardText(text: string, max: number): string {
  const clean = text
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, ' ') // control, zero-width and bidi-override characters
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\]\(/g, '] (');
  const chars = Array.from(clean);
  return chars.length <= max ? clean : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

function headerStyle(report: Report): ContainerStyle {
  if (report.investigation.status === 'failed') return 'attention';
  const n = /([0-4])/.exec(report.investigation.severity ?? '')?.[1];
  if (n === '0' || n === '1') return 'attention';
  if (n === '2') return 'warning';
  return 'accent';
}

function text(t: string, extra: Omit<TextBlock, 'type' | 'text'> = {}): TextBlock {
  return { type: 'TextBlock', text: t, wrap: true, ...extra };
}

function snatFacts(report: Report): Array<{ title: string; value: string }> {
  const facts: Array<{ title: string; value: string }> = [];
  const { peakUsed: peak, allocated: alloc, failedTotal, failedPeakPerMinute } = snatUsage(report.metrics);
  if (peak !== null) {
    const share = alloc ? ` (${Math.round((peak / alloc) * 100)}%)` : '';
    facts.push({
      title: 'SNAT ports',
      value: `${fmtCount(peak)} used of ${alloc !== null ? fmtCount(alloc) : '?'} allocated at peak${share}`,
    });
  }
  if (failedTotal !== null) {
    facts.push({
      title: 'Failed connections',
      value:
        failedTotal === 0
          ? 'none'
          : `${fmtCount(failedTotal)} in the window (up to ${fmtCount(failedPeakPerMinute ?? 0)}/min)`,
    });
  }
  return facts;
}

function topDestination(report: Report, level: Level): string | null {
  const v = report.verdict;
  const source =
    v.kind === 'host'
      ? report.hostTraffic
      : v.kind === 'unattributed'
        ? (report.unattributed[0] ?? null)
        : (report.rankedPods[0] ?? null);
  const d = source?.topDestinations[0];
  if (!source || !d) return null;
  const who = 'pod' in source ? cardText(podSubject(source), level.name) : cardText(source.saddr, level.name);
  const tag = d.serviceTag ? `, ${cardText(d.serviceTag, level.name)}` : '';
  return `${d.ip}:${d.port} (${fmtCount(d.count)} connects from ${who}${tag})`;
}

function podsTable(report: Report, level: Level): Table | null {
  const pods = report.rankedPods.slice(0, level.rows);
  if (pods.length === 0) return null;
  const cell = (t: string, extra: Omit<TextBlock, 'type' | 'text'> = {}) => ({
    type: 'TableCell' as const,
    items: [text(t, extra)],
  });
  const header = {
    type: 'TableRow' as const,
    cells: [
      cell('Workload', { weight: 'bolder' }),
      cell('ESTAB', { weight: 'bolder' }),
      cell('Connects', { weight: 'bolder' }),
    ],
  };
  const rows = pods.map((p) => ({
    type: 'TableRow' as const,
    cells: [
      cell(`${p.rank}. ${cardText(podSubject(p), level.name)}`),
      cell(fmtCount(p.establishedPublic)),
      cell(
        p.connectRatePerMinute !== null
          ? `${fmtCount(p.connectsPublic)} (${fmtRate(p.connectRatePerMinute)}/min)`
          : fmtCount(p.connectsPublic),
      ),
    ],
  }));
  return {
    type: 'Table',
    columns: [{ width: 3 }, { width: 2 }, { width: 2 }],
    rows: [header, ...rows],
    firstRowAsHeader: true,
    showGridLines: true,
    gridStyle: 'accent',
    spacing: 'small',
  };
}

function buildCard(report: Report, opts: TeamsCardOptions, level: Level): AdaptiveCard15 {
  const inv = report.investigation;
  const v = report.verdict;
  const node = report.node.name ?? report.node.ip;
  const headline =
    v.kind === 'pod' && v.workload
      ? cardText(workloadRef(v.workload), level.name)
      : v.kind === 'pod' && v.pod
        ? cardText(`${v.namespace ?? ''}/${v.pod}`, level.name)
        : v.kind === 'host'
          ? "Node's own traffic (host network)"
          : v.kind === 'unattributed'
            ? 'Unattributed traffic'
            : 'No culprit identified';
  const context = ['SNAT port exhaustion', inv.severity, report.cluster?.clusterName]
    .filter((x): x is string => Boolean(x))
    .map((x) => cardText(x, level.name))
    .join(' · ');
  const body: CardElement[] = [
    {
      type: 'Container',
      style: headerStyle(report),
      bleed: true,
      items: [
        text(context, { size: 'small', weight: 'bolder', spacing: 'none' }),
        text(headline, { size: 'large', weight: 'bolder', style: 'heading', spacing: 'small' }),
        text(cardText(v.summary, level.summary), { spacing: 'small' }),
      ],
    },
  ];
  if (inv.status !== 'complete') {
    const failed = inv.status === 'failed';
    const problems = inv.problems.slice(0, level.problems).map((p) => `- ${cardText(p, level.problem)}`);
    const more = inv.problems.length > level.problems ? [`- and ${inv.problems.length - level.problems} more`] : [];
    body.push({
      type: 'Container',
      style: failed ? 'attention' : 'warning',
      items: [
        text(
          failed
            ? 'Investigation FAILED: the verdict is missing or incomplete.'
            : 'Investigation DEGRADED: some evidence is missing.',
          {
            weight: 'bolder',
          },
        ),
        ...(problems.length > 0 ? [text([...problems, ...more].join('\n'), { spacing: 'small' })] : []),
      ],
    });
  }
  const facts: Array<{ title: string; value: string }> = [];
  if (report.cluster?.clusterName)
    facts.push({ title: 'Cluster', value: cardText(report.cluster.clusterName, level.name) });
  if (node) facts.push({ title: 'Node', value: cardText(node, level.name) });
  const does = whatItDoes(report);
  if (does && level.extraFacts) facts.push({ title: 'What it does', value: cardText(does, level.summary) });
  facts.push(...snatFacts(report));
  const dest = topDestination(report, level);
  if (dest) facts.push({ title: 'Top destination', value: dest });
  if (level.extraFacts && (inv.windowStart || inv.windowEnd))
    facts.push({ title: 'Window', value: fmtWindow(inv.windowStart, inv.windowEnd) });
  if (opts.history && opts.history.n > 0) {
    facts.push({
      title: 'Recurrence',
      value: `${fmtCount(opts.history.k)} of the last ${fmtCount(opts.history.n)} incidents on this cluster`,
    });
  }
  if (facts.length > 0) body.push({ type: 'FactSet', facts, spacing: 'medium' });
  const table = podsTable(report, level);
  if (table) {
    const total = report.rankedPods.length;
    const shown = table.rows.length - 1;
    const heading = total > shown ? `Top ${shown} of ${fmtCount(total)} pods` : `Pods (${fmtCount(total)})`;
    body.push(
      text(`${heading}, public destinations only (ESTAB = ESTABLISHED sockets)`, {
        weight: 'bolder',
        spacing: 'medium',
      }),
    );
    body.push(table);
  }
  const rec = report.recommendations[0];
  if (rec && level.recommendation) {
    body.push(text(`Recommended: ${cardText(rec.title, level.summary)}`, { spacing: 'medium', isSubtle: true }));
    // The command in monospace, so it reads (and copies) as code. A command too long for the card is left to the
    // report rather than cut: a shortened command is a wrong command.
    const commands = (rec.commands ?? [])
      .slice(0, 2)
      .map((c) => cardText(c, Number.MAX_SAFE_INTEGER))
      .filter((c) => c.length <= level.summary);
    if (commands.length > 0) body.push(text(commands.join('\n\n'), { fontType: 'monospace', spacing: 'small' }));
  }
  const actions: OpenUrlAction[] = isHttpUrl(opts.reportUrl)
    ? [{ type: 'Action.OpenUrl', title: 'Open full report', url: opts.reportUrl }]
    : [];
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body,
    ...(actions.length > 0 ? { actions } : {}),
    msteams: { width: 'Full' },
    fallbackText: cardText(v.summary, level.summary),
  };
}

function wrap(content: AdaptiveCard15): TeamsPayload {
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }],
  };
}

/** UTF-8 size of the payload as it is posted. */
export function payloadBytes(payload: TeamsPayload): number {
  return Buffer.byteLength(JSON.stringify(payload), 'utf8');
}

/**
 * Teams Workflows payload for a report, at the given budget (default `full`).
 *
 * @example await fetch(webhookUrl, { method: 'POST', body: JSON.stringify(buildTeamsPayload(report, { reportUrl })) })
 */
export function buildTeamsPayload(report: Report, opts: TeamsCardOptions = {}): TeamsPayload {
  const level = LEVELS[BUDGET_LEVEL[opts.budget ?? 'full']]!;
  return wrap(buildCard(report, opts, level));
}

/**
 * Like {@link buildTeamsPayload}, trimmed until the JSON is at most `maxBytes`: shorter texts, no recommendation,
 * then fewer table rows (5, 3, 1, none). Starts at `opts.budget`.
 *
 * @throws CardTooLargeError when even the leanest card is larger than `maxBytes`.
 */
export function buildTeamsPayloadWithinLimit(
  report: Report,
  opts: TeamsCardOptions = {},
  maxBytes = TEAMS_MAX_BYTES,
): TeamsPayload {
  let smallest = Number.POSITIVE_INFINITY;
  for (let i = BUDGET_LEVEL[opts.budget ?? 'full']; i < LEVELS.length; i++) {
    const payload = wrap(buildCard(report, opts, LEVELS[i]!));
    const bytes = payloadBytes(payload);
    if (bytes <= maxBytes) return payload;
    smallest = Math.min(smallest, bytes);
  }
  throw new CardTooLargeError(`Teams card is ${smallest} bytes at its leanest, above the ${maxBytes}-byte limit`, {
    bytes: smallest,
    maxBytes,
  });
}
