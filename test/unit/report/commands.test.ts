/** Commands and workloads in every rendering: code in Markdown, <pre><code> in HTML, monospace in the card. */
import { describe, expect, it } from 'vitest';
import { buildTeamsPayload } from '../../../src/report/card/teamsCard.js';
import { renderHtml } from '../../../src/report/html/renderHtml.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import type { Report } from '../../../src/report/model.js';
import { buildCompleteReport } from '../../support/reportFixtures.js';
import { validateAdaptiveCard } from './card/validateAdaptiveCard.js';

const CMD = 'az aks update -g rg-prod -n aks-prod-weu --load-balancer-outbound-ports 1520';

function withCommand(commands: string[]): Report {
  const r = buildCompleteReport();
  const [first, ...rest] = r.recommendations;
  const top = r.rankedPods[0]!;
  const workload = {
    kind: 'Deployment',
    namespace: top.namespace,
    name: 'checkout-api',
    resolvedBy: 'ownerReferences' as const,
  };
  return {
    ...r,
    verdict: { ...r.verdict, workload },
    rankedPods: [{ ...top, workload }, ...r.rankedPods.slice(1)],
    history: { pod: `${top.namespace}/${top.pod}`, workload: 'Deployment payments/checkout-api', k: 3, n: 5 },
    recommendations: [
      {
        ...first!,
        detail: `Run \`${CMD}\` after the change window <b>.`,
        commands,
        arithmetic: ['12 nodes x 1,520 ports = 18,240 -> ceil(18,240 / 64,000) = 1 frontend IP (now 1)'],
      },
      ...rest,
    ],
  };
}

describe('commands in the advice', () => {
  it('Markdown: code spans stay code, commands are a fenced sh block, no escaped backticks', () => {
    const md = renderMarkdown(withCommand([CMD]));
    expect(md).toContain(`Run \`${CMD}\` after the change window \\<b>.`);
    expect(md).toContain(`  \`\`\`sh\n  ${CMD}\n  \`\`\``);
    expect(md).toContain('  ```text\n  12 nodes x 1,520 ports');
    expect(md).not.toContain('\\`');
  });

  it('Markdown: a command holding backticks gets a longer fence', () => {
    const md = renderMarkdown(withCommand(['echo ```x```']));
    expect(md).toContain('  ````sh\n  echo ```x```\n  ````');
  });

  it('Markdown and HTML name the workload first and count history by it', async () => {
    const r = withCommand([CMD]);
    const md = renderMarkdown(r);
    expect(md).toContain('| 1 | Deployment payments/checkout-api<br>pod checkout-api-7d9f8b6c5-x2k4q |');
    expect(md).toContain('Deployment payments/checkout-api was the top talker in 3 of the last 5 incidents');
    expect(md).toContain('### Deployment payments/checkout-api: pod checkout-api-7d9f8b6c5-x2k4q');
    const html = await renderHtml(r);
    expect(html).toContain('<dt>Workload</dt><dd>Deployment payments/checkout-api</dd>');
    expect(html).toContain('Deployment payments/checkout-api was the top talker in 3 of the last 5 incidents');
  });

  it('HTML: commands in an escaped <pre><code> block, the page still script-free', async () => {
    const html = await renderHtml(withCommand([CMD, "echo '<script>alert(1)</script>'"]));
    expect(html).toContain(
      `<pre class="cmd" aria-label="Commands"><code>${CMD}\necho &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39;</code></pre>`,
    );
    expect(html).toContain(`Run <code>${CMD}</code> after the change window &lt;b&gt;.`);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("default-src 'none'");
  });

  it('card: the workload as headline and the command in monospace, valid Adaptive Card 1.5', () => {
    const p = buildTeamsPayload(withCommand([CMD]));
    const body = JSON.stringify(p.attachments[0].content.body);
    expect(body).toContain('"text":"Deployment payments/checkout-api"');
    expect(body).toContain(`{"type":"TextBlock","text":"${CMD}","wrap":true,"fontType":"monospace","spacing":"small"}`);
    expect(validateAdaptiveCard(p.attachments[0].content)).toEqual([]);
  });

  it('card: a command too long for the card is left out rather than cut', () => {
    const long = `${CMD} ${'--x y '.repeat(100)}`;
    const body = JSON.stringify(buildTeamsPayload(withCommand([long])).attachments[0].content.body);
    expect(body).not.toContain('"fontType":"monospace"');
  });
});
