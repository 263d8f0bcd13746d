import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fmtWindow, whatItDoes } from '../../../../src/report/html/format.js';
import { HTML_MAX_TABLE_ROWS, renderHtml } from '../../../../src/report/html/renderHtml.js';
import {
  buildCompleteReport,
  buildDegradedReport,
  buildFailedReport,
  buildHostileReport,
  buildLargeReport,
  buildOfflineReport,
} from '../../../support/reportFixtures.js';

/** Text content roughly as a reader sees it (tags dropped, entities decoded). */
function text(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<svg[\s\S]*?<\/svg>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('renderHtml', () => {
  describe('self-contained document', () => {
    it('has no scripts, external resources or fonts, and forbids scripts by CSP', async () => {
      const html = await renderHtml(buildCompleteReport());
      expect(html.startsWith('<!doctype html><html lang="en">')).toBe(true);
      expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|@font-face|src="http|url\((?!#)/i);
      expect(html).toContain("default-src 'none'");
      expect(html).toContain('@media print');
      expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      mkdirSync('test-output', { recursive: true });
      writeFileSync('test-output/report-complete.html', html);
    });
  });

  describe('verdict', () => {
    it('puts the verdict, what the pod does, severity, window, node and cluster at the top', async () => {
      const report = buildCompleteReport();
      const html = await renderHtml(report);
      const header = text(html.slice(0, html.indexOf('<main>')));
      expect(header).toContain(report.verdict.summary);
      expect(header).toContain(
        'What it does: payments/checkout-api-7d9f8b6c5-x2k4q opens 410 new connections/min to 20.60.1.12:443, 380 ESTABLISHED to public IPs, 2,900 in TIME_WAIT.',
      );
      expect(header).toContain('Severity Sev2');
      expect(header).toContain('Investigation complete');
      expect(header).toContain('Time window 2026-11-26 13:00–13:10 UTC');
      expect(header).toContain('Node aks-nodepool1-38112649-vmss000003 (10.224.0.4)');
      expect(header).toContain('Cluster aks-prod-weu');
      expect(header).toContain('Namespace payments');
    });

    it('states a degraded or failed investigation plainly with its problems', async () => {
      const degraded = text(await renderHtml(buildDegradedReport()));
      expect(degraded).toContain('Investigation degraded');
      expect(degraded).toContain('some evidence is missing');
      expect(degraded).toContain('load balancer metrics query failed (403 AuthorizationFailed)');
      const failed = await renderHtml(buildFailedReport());
      expect(text(failed)).toContain('The investigation failed');
      expect(text(failed)).toContain('ImagePullBackOff');
      expect(failed).toContain('No pod could be tied to the traffic.');
    });
  });

  describe('sections', () => {
    it('renders charts with text alternatives and data tables', async () => {
      const html = await renderHtml(buildCompleteReport());
      expect(html.match(/<figure class="chart"/g)).toHaveLength(5);
      expect(html.match(/<svg[^>]* role="img" aria-labelledby="chart-[a-z-]+-title chart-[a-z-]+-desc"/g)).toHaveLength(
        5,
      );
      expect(html).toContain(
        '<title id="chart-top-destinations-title">Destinations of payments/checkout-api-7d9f8b6c5-x2k4q</title>',
      );
      expect(html.match(/<summary>Data behind this chart<\/summary>/g)).toHaveLength(5);
    });

    it('prints the ranking rule and a table with header scopes, the top pod first', async () => {
      const report = buildCompleteReport();
      const html = await renderHtml(report);
      expect(text(html)).toContain(`Ranking rule: ${report.rankingRule}`);
      const ranking = html.slice(html.indexOf('id="ranking"'), html.indexOf('id="evidence-chain"'));
      expect(ranking).toContain('<th scope="col" class="num">ESTABLISHED public</th>');
      const rowHeads = [...ranking.matchAll(/<th scope="row" class="name wide">([^<]+)/g)].map((m) => m[1]);
      expect(rowHeads).toEqual([
        'payments/checkout-api-7d9f8b6c5-x2k4q',
        'orders/order-archiver-5c7b9d4f8-m9p2z',
        'monitoring/metrics-agent-ds-7hx4v',
      ]);
      expect(ranking).toContain('<tr class="top">');
    });

    it("names every attribution path in words, the tracers' own pod names included", async () => {
      const report = buildCompleteReport();
      report.rankedPods[0]!.attribution.paths = ['gadget-k8s'];
      report.rankedPods[1]!.attribution.paths = ['container-map', 'pod-ip'];
      const page = text(await renderHtml(report));
      expect(page).toContain('Inspektor Gadget pod');
      expect(page).toContain('tcptracer containers map, pod IP');
      expect(page).not.toMatch(/gadget-k8s|container-map/);
    });

    it('shows the evidence chain with links to the files that proved it, and conflicts', async () => {
      const html = await renderHtml(buildCompleteReport());
      const chain = html.slice(html.indexOf('id="evidence-chain"'), html.indexOf('id="host"'));
      expect(chain).toContain('<a href="evidence/pstree/19832.txt"><code>pstree/19832.txt</code></a>');
      expect(text(chain)).toContain('netns 4026532785 -> PID 19832');
      expect(text(chain)).toContain('maps to no sandbox in crictl-pods.json');
      expect(chain).toContain('Processes seen in the trace: <code>node</code>, <code>php-fpm: pool www</code>');
    });

    it('lists host traffic, unattributed talkers, warnings, recommendations and raw evidence', async () => {
      const html = await renderHtml(buildCompleteReport(), { evidenceBaseHref: 'raw/' });
      const t = text(html);
      expect(t).toContain("Connections from the node's own network namespace (netns 4026531992)");
      expect(t).toContain('10.244.1.99 netns 4026533100 55');
      expect(t).toContain('pod deleted during the capture?');
      expect(t).toContain('3 lines could not be used; the first 3');
      expect(t).toContain('truncated last line');
      expect(t).toContain('Reuse connections to 20.60.1.12:443');
      expect(t).toContain('Measured: payments/checkout-api-7d9f8b6c5-x2k4q: 3,980 connects to 20.60.1.12:443');
      expect(t).toContain('Raise SNAT ports per node to 1,520');
      expect(html).toContain('<a href="raw/netstat/payments_checkout-api-7d9f8b6c5-x2k4q.txt">');
      expect(t).toContain('1,010 peak SNAT ports used');
      expect(t).toContain('99% peak usage of the allocation');
    });

    it('works for an offline trace-only report', async () => {
      const html = await renderHtml(buildOfflineReport());
      expect(html).not.toContain('id="snat"');
      expect(html.match(/<figure class="chart"/g)).toHaveLength(2);
      expect(text(html)).toContain('opens 410 new connections/min to 20.60.1.12:443.');
    });
  });

  describe('untrusted strings', () => {
    it('escapes every report string and never links a scheme or a path outside the evidence folder', async () => {
      const html = await renderHtml(buildHostileReport(), { reportUrl: 'javascript:alert(1)' });
      expect(html).not.toMatch(/<script|<img/i);
      expect(html).toContain('evil&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(html).not.toContain('href="javascript:');
      expect(html).toContain('<code>javascript:alert(1)</code>');
      expect(html).toContain('href="evidence/netstat/%3Cscript%3E');
    });

    it('links the permanent report URL only when it is http(s)', async () => {
      const html = await renderHtml(buildCompleteReport(), {
        reportUrl: 'https://acct.blob.core.windows.net/r/a&b.html',
      });
      expect(html).toContain('<a href="https://acct.blob.core.windows.net/r/a&amp;b.html">');
    });
  });

  describe('size', () => {
    it('caps the ranked table for thousands of pods and says how many are left out', async () => {
      const report = buildLargeReport({ pods: 3000 });
      const html = await renderHtml(report);
      const ranking = html.slice(html.indexOf('id="ranking"'), html.indexOf('id="evidence-chain"'));
      expect(ranking.match(/<tr[ >]/g)!.length - 1).toBe(HTML_MAX_TABLE_ROWS);
      expect(text(ranking)).toContain('2,800 more pods are not shown here; the JSON report lists all 3,000.');
      writeFileSync('test-output/report-large.html', html);
      console.log(
        `HTML bytes: complete ${Buffer.byteLength(await renderHtml(buildCompleteReport()))}, 3,000 pods ${Buffer.byteLength(html)}`,
      );
    });
  });
});

describe('format helpers', () => {
  it('formats windows and what-it-does phrases', () => {
    expect(fmtWindow('2026-11-26T23:50:00Z', '2026-11-27T00:05:00Z')).toBe(
      '2026-11-26 23:50 UTC – 2026-11-27 00:05 UTC',
    );
    expect(fmtWindow(null, null)).toBe('—');
    expect(whatItDoes(buildFailedReport())).toBeNull();
    const spread = buildCompleteReport();
    spread.rankedPods[0]!.topDestinations[0]!.count = 100;
    expect(whatItDoes(spread)).toContain('to 3 public destinations (most to 20.60.1.12:443)');
  });
});
