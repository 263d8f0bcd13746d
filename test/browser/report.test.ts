/**
 * The HTML report and the Teams card in a real Chromium (playwright-core + Debian's chromium). Assertions are
 * about structure and content, not pixels; screenshots go to test-output/browser/ for people to look at.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTeamsPayload } from '../../src/report/card/teamsCard.js';
import { renderHtml } from '../../src/report/html/renderHtml.js';
import type { Report } from '../../src/report/model.js';
import {
  buildCompleteReport,
  buildDegradedReport,
  buildHostileReport,
  buildLargeReport,
} from '../support/reportFixtures.js';
import { BROWSER_REQUIRED, tryLaunchChromium } from './chromium.js';

const OUT = resolve('test-output/browser');

/** The browser globals used inside `page.evaluate` (the test tsconfig has no DOM lib). */
interface PageGlobals {
  document: {
    documentElement: { scrollWidth: number };
    body: { scrollWidth: number };
    scripts: { length: number };
    images: { length: number };
    getElementById(id: string): { appendChild(el: unknown): void } | null;
  };
  innerWidth: number;
  AdaptiveCards: {
    AdaptiveCard: new () => { hostConfig: unknown; parse(json: unknown): void; render(): unknown };
    HostConfig: new (config: unknown) => unknown;
  };
}
const launched = await tryLaunchChromium();
if (!launched.browser && !BROWSER_REQUIRED) {
  console.warn(`SKIPPING browser tests: ${launched.error}`);
}

afterAll(async () => {
  await launched.browser?.close();
});

/** Console errors, page errors, dialogs and any request that is not the report itself. */
interface PageProblems {
  errors: string[];
  dialogs: string[];
  requests: string[];
}

function watch(page: Page): PageProblems {
  const p: PageProblems = { errors: [], dialogs: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') p.errors.push(m.text());
  });
  page.on('pageerror', (e) => p.errors.push(e.message));
  page.on('dialog', (d) => {
    p.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:') && r.url() !== 'about:blank')
      p.requests.push(r.url());
  });
  return p;
}

async function writeReport(name: string, report: Report): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, name);
  writeFileSync(file, await renderHtml(report, { reportUrl: 'https://streports.blob.core.windows.net/r/report.html' }));
  return pathToFileURL(file).href;
}

describe.skipIf(!launched.browser && !BROWSER_REQUIRED)('HTML report in Chromium', () => {
  let browser: Browser;

  beforeAll(() => {
    if (!launched.browser) throw new Error(`CI=true requires Chromium for the browser tests: ${launched.error}`);
    browser = launched.browser;
  });

  describe('laptop', () => {
    it('shows the verdict and every chart with a non-zero size, with no console errors or network requests', async () => {
      const report = buildCompleteReport();
      const url = await writeReport('report-complete.html', report);
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems = watch(page);
      await page.goto(url);
      const verdict = page.locator('#verdict .summary');
      expect(await verdict.isVisible()).toBe(true);
      expect(await verdict.textContent()).toBe(report.verdict.summary);
      const charts = page.locator('figure.chart svg');
      expect(await charts.count()).toBe(5);
      for (const svg of await charts.all()) {
        await svg.scrollIntoViewIfNeeded();
        expect(await svg.isVisible()).toBe(true);
        const box = await svg.boundingBox();
        expect(box!.width).toBeGreaterThan(200);
        expect(box!.height).toBeGreaterThan(50);
        expect(await svg.getAttribute('role')).toBe('img');
      }
      // The chart's accessible name is its <title>; the desc carries the numbers.
      const name = await page
        .locator('#chart-top-destinations')
        .evaluate((el) => el.querySelector('title')?.textContent);
      expect(name).toBe('Destinations of payments/checkout-api-7d9f8b6c5-x2k4q');
      expect(await page.locator('h1').count()).toBe(1);
      expect(await page.locator('#ranking tbody th[scope="row"]').first().textContent()).toContain(
        'payments/checkout-api-7d9f8b6c5-x2k4q',
      );
      await page.screenshot({ path: join(OUT, 'report-laptop.png'), fullPage: true });
      expect(problems).toEqual({ errors: [], dialogs: [], requests: [] });
      await page.close();
    });

    it('prints to PDF with the print stylesheet', async () => {
      const url = await writeReport('report-print.html', buildCompleteReport());
      const page = await browser.newPage();
      await page.goto(url);
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('nav.toc').isVisible()).toBe(false);
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      writeFileSync(join(OUT, 'report.pdf'), pdf);
      await page.close();
    });
  });

  describe('phone', () => {
    it('fits a 390x844 viewport without horizontal page overflow, also with thousands of pods', async () => {
      for (const [file, report] of [
        ['report-phone.html', buildDegradedReport()],
        ['report-large.html', buildLargeReport({ pods: 2000, nameLength: 90 })],
      ] as const) {
        const url = await writeReport(file, report);
        const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
        const problems = watch(page);
        await page.goto(url);
        const overflow = await page.evaluate(() => {
          const g = globalThis as unknown as PageGlobals;
          return {
            doc: g.document.documentElement.scrollWidth,
            body: g.document.body.scrollWidth,
            viewport: g.innerWidth,
          };
        });
        expect(overflow.doc, file).toBeLessThanOrEqual(overflow.viewport);
        expect(overflow.body, file).toBeLessThanOrEqual(overflow.viewport);
        expect(await page.locator('#verdict .summary').isVisible()).toBe(true);
        if (report.investigation.status === 'degraded') {
          expect(await page.locator('#status').textContent()).toContain('Investigation degraded');
        }
        await page.screenshot({ path: join(OUT, file.replace('.html', '.png')) });
        expect(problems).toEqual({ errors: [], dialogs: [], requests: [] });
        await page.close();
      }
    });
  });

  describe('untrusted strings', () => {
    it('runs no script and shows hostile names as text', async () => {
      const url = await writeReport('report-hostile.html', buildHostileReport());
      const page = await browser.newPage();
      const problems = watch(page);
      await page.goto(url);
      const embedded = await page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        return g.document.scripts.length + g.document.images.length;
      });
      expect(embedded).toBe(0);
      expect(await page.locator('#verdict .summary').textContent()).toContain('<script>alert("x")</script>');
      expect(problems.dialogs).toEqual([]);
      expect(problems.errors).toEqual([]);
      await page.close();
    });
  });
});

describe.skipIf(!launched.browser && !BROWSER_REQUIRED)(
  'Teams card rendered by the adaptivecards HTML renderer',
  () => {
    let browser: Browser;

    beforeAll(() => {
      if (!launched.browser) throw new Error(`CI=true requires Chromium for the browser tests: ${launched.error}`);
      browser = launched.browser;
    });

    /** Renders a card into #host with a Teams-like host config; returns the page. */
    async function renderCard(card: unknown): Promise<{ page: Page; problems: PageProblems }> {
      const require = createRequire(import.meta.url);
      const bundle = readFileSync(require.resolve('adaptivecards/dist/adaptivecards.js'), 'utf8');
      const page = await browser.newPage({ viewport: { width: 420, height: 900 } });
      const problems = watch(page);
      await page.setContent(
        '<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0;background:#f5f5f5;font-family:system-ui,sans-serif"><div id="host" style="width:400px;margin:10px;background:#fff;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.2)"></div></body></html>',
      );
      await page.addScriptTag({ content: bundle });
      await page.evaluate((json) => {
        const g = globalThis as unknown as PageGlobals;
        const AC = g.AdaptiveCards;
        const card = new AC.AdaptiveCard();
        card.hostConfig = new AC.HostConfig({
          fontFamily: 'system-ui, "Segoe UI", sans-serif',
          spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 24, padding: 12 },
          fontSizes: { small: 12, default: 14, medium: 16, large: 19, extraLarge: 22 },
          containerStyles: {
            default: {
              backgroundColor: '#ffffff',
              foregroundColors: { default: { default: '#242424', subtle: '#616161' } },
            },
            emphasis: { backgroundColor: '#f5f5f5' },
            accent: { backgroundColor: '#e8ebfa' },
            good: { backgroundColor: '#e7f2da' },
            attention: { backgroundColor: '#fde7e9' },
            warning: { backgroundColor: '#fff4ce' },
          },
        });
        card.parse(json);
        const el = card.render();
        g.document.getElementById('host')!.appendChild(el);
      }, card);
      return { page, problems };
    }

    it('renders the verdict, facts and the top-pods table, and the report button', async () => {
      const report = buildCompleteReport();
      const payload = buildTeamsPayload(report, {
        reportUrl: 'https://streports.blob.core.windows.net/r/report.html',
        history: { k: 3, n: 5 },
      });
      const { page, problems } = await renderCard(payload.attachments[0].content);
      const text = await page.locator('#host').textContent();
      expect(text).toContain(report.verdict.summary);
      expect(text).toContain('SNAT ports');
      expect(text).toContain('1,010 used of 1,024 allocated at peak (99%)');
      expect(text).toContain('Open full report');
      const table = page.locator('#host [role="table"]');
      expect(await table.count()).toBe(1);
      expect(await table.locator('[role="row"]').count()).toBe(4); // header + 3 pods
      const tableText = await table.textContent();
      expect(tableText).toContain('ESTAB');
      expect(tableText).toContain('1. payments/checkout-api-7d9f8b6c5-x2k4q');
      const box = await page.locator('#host').boundingBox();
      expect(box!.height).toBeGreaterThan(300);
      await page.locator('#host').screenshot({ path: join(OUT, 'card-complete.png') });
      expect(problems).toEqual({ errors: [], dialogs: [], requests: [] });
      await page.close();
    });

    it('renders a degraded card saying so plainly', async () => {
      const { page, problems } = await renderCard(buildTeamsPayload(buildDegradedReport()).attachments[0].content);
      expect(await page.locator('#host').textContent()).toContain('Investigation DEGRADED: some evidence is missing.');
      await page.locator('#host').screenshot({ path: join(OUT, 'card-degraded.png') });
      expect(problems.errors).toEqual([]);
      await page.close();
    });
  },
);
