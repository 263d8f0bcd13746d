import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../src/report/markdown.js';
import {
  buildCompleteReport,
  buildDegradedReport,
  buildLargeReport,
  buildOfflineReport,
  buildPod,
} from '../../support/reportFixtures.js';

describe('renderMarkdown', () => {
  describe('order', () => {
    it('puts the verdict first, then the ranked table, then the evidence chain and the evidence', () => {
      const report = buildCompleteReport();
      const md = renderMarkdown(report);
      const at = (s: string) => md.indexOf(s);
      expect(md.startsWith('# SNAT port exhaustion report\n\n**Verdict:** ')).toBe(true);
      expect(md).toContain(report.verdict.summary);
      expect(at('## Ranked pods')).toBeGreaterThan(at('**Verdict:**'));
      expect(at('## Evidence chain')).toBeGreaterThan(at('## Ranked pods'));
      expect(at('\n## Evidence\n')).toBeGreaterThan(at('## Evidence chain'));
      expect(md).toContain(report.rankingRule);
    });

    it('lists every ranked pod in rank order with its socket method and attribution paths', () => {
      const report = buildCompleteReport();
      const md = renderMarkdown(report);
      const rows = md.split('\n').filter((l) => /^\| \d+ \|/.test(l));
      expect(rows).toHaveLength(Math.min(report.rankedPods.length, 25));
      expect(rows[0]).toContain(`${report.rankedPods[0]!.namespace}/${report.rankedPods[0]!.pod}`);
      expect(rows[0]).toContain(report.rankedPods[0]!.attribution.paths.join(' + '));
    });
  });

  describe('sections that appear only with data', () => {
    it('shows host traffic, unattributed talkers and recommendations when present', () => {
      const report = buildCompleteReport();
      const md = renderMarkdown(report);
      expect(md.includes('## Host traffic')).toBe(report.hostTraffic !== null);
      expect(md.includes('## Unattributed talkers')).toBe(report.unattributed.length > 0);
      expect(md.includes('## Recommendations')).toBe(report.recommendations.length > 0);
    });

    it('says a degraded investigation plainly, with its problems', () => {
      const report = buildDegradedReport();
      const md = renderMarkdown(report);
      expect(md).toContain(`> **Investigation ${report.investigation.status}.**`);
      for (const p of report.investigation.problems) expect(md).toContain(p.slice(0, 20));
    });

    it('states the top-talker history when the cluster has more than one incident', () => {
      const report = { ...buildCompleteReport(), history: { pod: 'payments/checkout-api', k: 3, n: 5 } };
      expect(renderMarkdown(report)).toContain(
        'payments/checkout-api was the top talker in 3 of the last 5 incidents on this cluster.',
      );
      expect(renderMarkdown(buildOfflineReport())).not.toContain('top talker in');
    });

    it('caps the table at 25 pods and points to report.json for the rest', () => {
      const md = renderMarkdown(buildLargeReport({ pods: 300 }));
      expect(md.split('\n').filter((l) => /^\| \d+ \|/.test(l))).toHaveLength(25);
      expect(md).toContain('…and 275 more pods (see report.json).');
    });
  });

  describe('escaping', () => {
    it('keeps names from the node from breaking the table or injecting markup', () => {
      const base = buildCompleteReport();
      const evil = buildPod({ namespace: 'ns', pod: 'a|b`c*d_e[f]<img src=x>', processes: ['x|y'] });
      const md = renderMarkdown({ ...base, rankedPods: [{ ...evil, rank: 1 }] });
      const row = md.split('\n').find((l) => l.startsWith('| 1 |'))!;
      expect(row).toContain('a\\|b\\`c\\*d\\_e\\[f\\]\\<img src=x>');
      // The row still has exactly the table's columns: no unescaped pipe split it.
      expect(row.split(/(?<!\\)\|/).length).toBe(12);
      expect(md).not.toMatch(/(?<!\\)<img/);
    });
  });
});
