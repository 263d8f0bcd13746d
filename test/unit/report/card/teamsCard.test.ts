import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AdaptiveCard15, Table, TeamsPayload } from '../../../../src/report/card/adaptiveCard.js';
import { CardTooLargeError } from '../../../../src/report/card/errors.js';
import {
  buildTeamsPayload,
  buildTeamsPayloadWithinLimit,
  cardText,
  payloadBytes,
  TEAMS_MAX_BYTES,
} from '../../../../src/report/card/teamsCard.js';
import type { Report } from '../../../../src/report/model.js';
import {
  buildCompleteReport,
  buildDegradedReport,
  buildFailedReport,
  buildHostileReport,
  buildLargeReport,
  buildOfflineReport,
} from '../../../support/reportFixtures.js';
import { validateAdaptiveCard } from './validateAdaptiveCard.js';

const URL = 'https://streportsprod.blob.core.windows.net/reports/aks-prod-weu/2026-11-26T1305/report.html';

function card(p: TeamsPayload): AdaptiveCard15 {
  return p.attachments[0].content;
}

/** All TextBlock texts and fact titles/values of a card, in order. */
function texts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(texts);
  if (node === null || typeof node !== 'object') return [];
  const o = node as Record<string, unknown>;
  const own = o.type === 'TextBlock' ? [String(o.text)] : [];
  const facts = Array.isArray(o.facts)
    ? (o.facts as Array<{ title: string; value: string }>).map((f) => `${f.title}: ${f.value}`)
    : [];
  return [
    ...own,
    ...facts,
    ...Object.entries(o)
      .filter(([k]) => k !== 'facts')
      .flatMap(([, v]) => texts(v)),
  ];
}

function table(c: AdaptiveCard15): Table | undefined {
  return c.body.find((e): e is Table => e.type === 'Table');
}

/** Every card produced here must pass the adaptivecards parser with zero errors and warnings. */
function expectValid(p: TeamsPayload): void {
  expect(validateAdaptiveCard(card(p))).toEqual([]);
}

describe('validateAdaptiveCard (test helper)', () => {
  it('reports unknown elements, bad enum values and unknown properties', () => {
    const problems = validateAdaptiveCard({
      type: 'AdaptiveCard',
      version: '1.5',
      body: [
        { type: 'Bogus' },
        { type: 'TextBlock', text: 'x', size: 'huge' },
        { type: 'TextBlock', text: 'y', colour: 'good' },
      ],
    });
    expect(problems.some((p) => p.includes('UnknownElementType'))).toBe(true);
    expect(problems.some((p) => p.includes('InvalidPropertyValue'))).toBe(true);
    expect(problems.some((p) => p.includes('$.body[2].colour'))).toBe(true);
  });
});

describe('buildTeamsPayload', () => {
  describe('payload shape', () => {
    it('is a Teams Workflows message with one Adaptive Card 1.5 attachment', () => {
      const p = buildTeamsPayload(buildCompleteReport(), { reportUrl: URL });
      expect(p.type).toBe('message');
      expect(p.attachments).toHaveLength(1);
      expect(p.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(p.attachments[0].contentUrl).toBeNull();
      expect(card(p)).toMatchObject({ type: 'AdaptiveCard', version: '1.5', msteams: { width: 'Full' } });
      expectValid(p);
      mkdirSync('test-output', { recursive: true });
      writeFileSync('test-output/card-complete.json', JSON.stringify(p, null, 2));
    });
  });

  describe('content', () => {
    it('leads with the verdict, then cluster, node, SNAT usage, failures and the top destination', () => {
      const report = buildCompleteReport();
      const p = buildTeamsPayload(report, { reportUrl: URL, history: { k: 3, n: 5 } });
      const t = texts(card(p));
      expect(t[0]).toBe('SNAT port exhaustion · Sev2 · aks-prod-weu');
      expect(t[1]).toBe('payments/checkout-api-7d9f8b6c5-x2k4q');
      expect(t[2]).toBe(report.verdict.summary);
      expect(t).toContain('Cluster: aks-prod-weu');
      expect(t).toContain('Node: aks-nodepool1-38112649-vmss000003');
      expect(t).toContain('SNAT ports: 1,010 used of 1,024 allocated at peak (99%)');
      expect(t.find((x) => x.startsWith('Failed connections: '))).toMatch(
        /^Failed connections: [\d,]+ in the window \(up to 50\/min\)$/,
      );
      expect(t).toContain(
        'Top destination: 20.60.1.12:443 (3,980 connects from payments/checkout-api-7d9f8b6c5-x2k4q)',
      );
      expect(t).toContain(
        'What it does: opens 410 new connections/min to 20.60.1.12:443, 380 ESTABLISHED to public IPs, 2,900 in TIME_WAIT',
      );
      expect(t).toContain('Recurrence: 3 of the last 5 incidents on this cluster');
      expect(t).toContain('Recommended: Reuse connections to 20.60.1.12:443 (connection pooling / HTTP keep-alive)');
      expect(card(p).actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open full report', url: URL }]);
      expectValid(p);
    });

    it('shows the top pods as a Table with a header row', () => {
      const tbl = table(card(buildTeamsPayload(buildLargeReport({ pods: 40 }))))!;
      expect(tbl.firstRowAsHeader).toBe(true);
      expect(tbl.rows).toHaveLength(6);
      expect(texts(tbl.rows[0])).toEqual(['Workload', 'ESTAB', 'Connects']);
      expect(texts(tbl.rows[1])).toEqual(['1. team-0/worker-0000-7d9f8b6c5-x2k4q', '2,000', '6,000 (600/min)']);
      expect(texts(card(buildTeamsPayload(buildLargeReport({ pods: 40 }))))).toContain(
        'Top 5 of 40 pods, public destinations only (ESTAB = ESTABLISHED sockets)',
      );
    });

    it('says a degraded or failed investigation plainly, with its problems', () => {
      const degraded = buildTeamsPayload(buildDegradedReport());
      expect(texts(card(degraded))).toContain('Investigation DEGRADED: some evidence is missing.');
      expect(texts(card(degraded)).join('\n')).toContain(
        '- load balancer metrics query failed (403 AuthorizationFailed)',
      );
      expectValid(degraded);
      const failed = buildTeamsPayload(buildFailedReport());
      const t = texts(card(failed));
      expect(t).toContain('Investigation FAILED: the verdict is missing or incomplete.');
      expect(t[1]).toBe('No culprit identified');
      expect(table(card(failed))).toBeUndefined();
      expect(card(failed).body[0]).toMatchObject({ type: 'Container', style: 'attention' });
      expectValid(failed);
    });

    it('has no button without an http(s) report URL and no SNAT facts without metrics', () => {
      for (const reportUrl of [null, undefined, 'javascript:alert(1)', 'not a url']) {
        const p = buildTeamsPayload(buildOfflineReport(), { reportUrl });
        expect(card(p).actions).toBeUndefined();
        expect(texts(card(p)).some((x) => x.startsWith('SNAT ports'))).toBe(false);
        expectValid(p);
      }
    });

    it('defuses Markdown links and control characters in report strings', () => {
      const report: Report = buildHostileReport();
      report.verdict.summary = 'Pod [click me](https://evil.example) \u0007 does\n\nthings';
      const p = buildTeamsPayload(report);
      const all = texts(card(p)).join('\n');
      expect(all).not.toContain('](');
      expect(all).toContain('Pod [click me] (https://evil.example) does things');
      expectValid(p);
    });
  });

  describe('budgets', () => {
    it('compact and minimal cards are smaller and still valid', () => {
      const report = buildCompleteReport();
      const sizes = (['full', 'compact', 'minimal'] as const).map((budget) => {
        const p = buildTeamsPayload(report, { budget, reportUrl: URL });
        expectValid(p);
        expect(texts(card(p))[2]).toBe(
          report.verdict.summary.length > 160 && budget === 'minimal'
            ? cardText(report.verdict.summary, 160)
            : report.verdict.summary,
        );
        return payloadBytes(p);
      });
      expect(sizes[0]).toBeGreaterThan(sizes[1]!);
      expect(sizes[1]).toBeGreaterThan(sizes[2]!);
      expect(table(card(buildTeamsPayload(report, { budget: 'minimal' })))).toBeUndefined();
      expect(table(card(buildTeamsPayload(report, { budget: 'compact' })))!.rows).toHaveLength(4);
    });
  });
});

describe('buildTeamsPayloadWithinLimit', () => {
  it('keeps a report with thousands of pods and very long names under 28 KB', () => {
    const report = buildLargeReport({ pods: 5000, nameLength: 2000 });
    const p = buildTeamsPayloadWithinLimit(report, { reportUrl: URL, history: { k: 1, n: 1 } });
    const bytes = payloadBytes(p);
    expect(bytes).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    expect(texts(card(p))).toContain('Top 5 of 5,000 pods, public destinations only (ESTAB = ESTABLISHED sockets)');
    expect(texts(card(p))[2]!.endsWith('…')).toBe(true);
    expectValid(p);
    const plain = buildTeamsPayloadWithinLimit(buildLargeReport({ pods: 5000 }), { reportUrl: URL });
    console.log(`card bytes: 5,000 pods ${payloadBytes(plain)}, 5,000 pods with 2,000-char names ${bytes}`);
    writeFileSync('test-output/card-large.json', JSON.stringify(p, null, 2));
  });

  it('trims step by step (shorter text, then fewer rows) to meet a tighter limit', () => {
    const report = buildLargeReport({ pods: 5000, nameLength: 300 });
    const full = payloadBytes(buildTeamsPayload(report, { reportUrl: URL }));
    const limits = [full, full - 200, Math.round(full * 0.6), Math.round(full * 0.45)];
    let previousRows = Number.POSITIVE_INFINITY;
    for (const limit of limits) {
      const p = buildTeamsPayloadWithinLimit(report, { reportUrl: URL }, limit);
      expect(payloadBytes(p)).toBeLessThanOrEqual(limit);
      const rows = table(card(p))?.rows.length ?? 0;
      expect(rows).toBeLessThanOrEqual(previousRows);
      previousRows = rows;
      expect(texts(card(p))[1]).toMatch(/^team-0-x+…$/);
      expect(card(p).actions).toHaveLength(1);
      expectValid(p);
    }
    expect(previousRows).toBeLessThan(6);
  });

  it('throws CardTooLargeError when even the leanest card does not fit', () => {
    expect(() => buildTeamsPayloadWithinLimit(buildCompleteReport(), {}, 500)).toThrow(CardTooLargeError);
  });
});
