/**
 * The card sent when a report could not be stored: text only (no link, no table, nothing read from Blob), so the
 * on-call still learns the verdict, when one was reached, and what went wrong.
 */
import type { AdaptiveCard15, TeamsPayload, TextBlock } from './adaptiveCard.js';
import { cardText } from './teamsCard.js';

/** What the orchestration still knows when storage is gone. */
export interface UnstoredReportSummary {
  instanceId: string;
  cluster: string | null;
  node: string | null;
  /** The verdict sentence, when the analysis got that far; null otherwise. */
  verdict: string | null;
  problems: string[];
}

const MAX_PROBLEMS = 8;

/**
 * Builds the text-only Workflows payload.
 *
 * @example buildTextOnlyPayload({ instanceId, cluster: 'aks-prod', node, verdict: null, problems });
 */
export function buildTextOnlyPayload(summary: UnstoredReportSummary): TeamsPayload {
  const where = [summary.node, summary.cluster].filter((s): s is string => Boolean(s)).join(' on ') || 'unknown node';
  const text = (t: string, extra: Partial<TextBlock> = {}): TextBlock => ({
    type: 'TextBlock',
    text: t,
    wrap: true,
    ...extra,
  });
  const problems = summary.problems.slice(0, MAX_PROBLEMS).map((p) => text(`• ${cardText(p, 300)}`, { size: 'small' }));
  if (summary.problems.length > MAX_PROBLEMS) {
    problems.push(text(`… and ${summary.problems.length - MAX_PROBLEMS} more`, { size: 'small', isSubtle: true }));
  }
  const content: AdaptiveCard15 = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      text(cardText(`SNAT investigation of ${where}: the report could not be stored`, 200), {
        weight: 'bolder',
        size: 'medium',
        color: 'attention',
      }),
      text(cardText(summary.verdict ?? 'No verdict: the evidence could not be stored or read.', 600)),
      ...problems,
      text(cardText(`Investigation ${summary.instanceId}`, 200), { size: 'small', isSubtle: true }),
    ],
    fallbackText: cardText(`SNAT investigation of ${where}: the report could not be stored`, 200),
  };
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }],
  };
}
