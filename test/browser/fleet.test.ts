/**
 * The fleet view (index.html) in a real Chromium on desktop and phone widths: structure and content, no console
 * errors, no requests, no horizontal page overflow on a phone. Screenshots go to test-output/browser/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetIndex } from '../../src/report/fleet/fleetModel.js';
import { withIncident } from '../../src/report/fleet/fleetModel.js';
import { renderFleetHtml } from '../../src/report/fleet/renderFleetHtml.js';
import { fleetIndex, incident, scan } from '../support/fleetFixtures.js';
import { BROWSER_REQUIRED, tryLaunchChromium } from './chromium.js';

const OUT = resolve('test-output/browser');

interface PageGlobals {
  document: { documentElement: { scrollWidth: number }; body: { scrollWidth: number }; scripts: { length: number } };
  innerWidth: number;
}

const launched = await tryLaunchChromium();
if (!launched.browser && !BROWSER_REQUIRED) console.warn(`SKIPPING fleet browser tests: ${launched.error}`);

afterAll(async () => {
  await launched.browser?.close();
});

function watch(page: Page): { errors: string[]; requests: string[] } {
  const p = { errors: [] as string[], requests: [] as string[] };
  page.on('console', (m) => {
    if (m.type() === 'error') p.errors.push(m.text());
  });
  page.on('pageerror', (e) => p.errors.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) p.requests.push(r.url());
  });
  return p;
}

async function write(name: string, doc: FleetIndex, root: boolean): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, name);
  writeFileSync(file, await renderFleetHtml(doc, root ? { clusterHref: (c) => `${c}/index.html` } : {}));
  return pathToFileURL(file).href;
}

/** A large fleet: 150 nodes in one cluster with long names, 200 incidents with long pod names. */
function bigFleet(): FleetIndex {
  let doc = fleetIndex(0);
  for (let i = 0; i < 200; i++) {
    doc = withIncident(
      doc,
      incident(i, { topPod: `namespace-with-a-long-name-${i}/deployment-with-an-even-longer-name-7d9f8b6c5-${i}` }),
      doc.updatedAt,
    );
  }
  return { ...doc, scans: { ...doc.scans, 'aks-prod-weu': scan('aks-prod-weu', 150) } };
}

describe.skipIf(!launched.browser && !BROWSER_REQUIRED)('fleet view in Chromium', () => {
  let browser: Browser;

  beforeAll(() => {
    if (!launched.browser) throw new Error(`CI=true requires Chromium for the browser tests: ${launched.error}`);
    browser = launched.browser;
  });

  it('desktop: shows nodes, sparklines, incidents and offenders with no console errors or requests', async () => {
    const url = await write('fleet-root.html', fleetIndex(), true);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watch(page);
    await page.goto(url);
    expect(await page.locator('h1').textContent()).toBe('SNAT health: all clusters');
    const sparks = page.locator('svg.spark');
    expect(await sparks.count()).toBe(4);
    for (const svg of await sparks.all()) {
      const box = await svg.boundingBox();
      expect(box!.width).toBeGreaterThanOrEqual(100);
      expect(box!.height).toBeGreaterThanOrEqual(20);
      expect(await svg.getAttribute('role')).toBe('img');
    }
    expect(await page.locator('#nodes tbody tr.top th').first().textContent()).toBe('10.224.0.4');
    expect(await page.locator('#incidents tbody tr').count()).toBe(12);
    expect(await page.locator('#incidents a', { hasText: 'report' }).first().getAttribute('href')).toMatch(
      /^https:\/\//,
    );
    expect(await page.locator('#offenders tbody th').first().textContent()).toBe(
      'payments/checkout-api-7d9f8b6c5-x2x9q',
    );
    expect(await page.locator('#nodes').textContent()).toContain('nodes cannot be told apart');
    await page.screenshot({ path: join(OUT, 'fleet-desktop.png'), fullPage: true });
    expect(problems).toEqual({ errors: [], requests: [] });
    await page.close();
  });

  it('desktop: a cluster page draws its trend chart', async () => {
    const doc = { ...fleetIndex(3), scope: 'aks-prod-weu', scans: { 'aks-prod-weu': scan('aks-prod-weu') } };
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watch(page);
    await page.goto(await write('fleet-cluster.html', doc, false));
    const chart = page.locator('figure.chart svg');
    expect(await chart.count()).toBe(1);
    const box = await chart.boundingBox();
    expect(box!.width).toBeGreaterThan(200);
    expect(box!.height).toBeGreaterThan(100);
    expect(problems).toEqual({ errors: [], requests: [] });
    await page.close();
  });

  it('phone: fits 390 px without horizontal page overflow, also for a large fleet', async () => {
    for (const [name, doc] of [
      ['fleet-phone.html', fleetIndex()],
      ['fleet-large.html', bigFleet()],
    ] as const) {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      const problems = watch(page);
      await page.goto(await write(name, doc, true));
      const m = await page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        return {
          doc: g.document.documentElement.scrollWidth,
          body: g.document.body.scrollWidth,
          viewport: g.innerWidth,
          scripts: g.document.scripts.length,
        };
      });
      expect(m.doc, name).toBeLessThanOrEqual(m.viewport);
      expect(m.body, name).toBeLessThanOrEqual(m.viewport);
      expect(m.scripts).toBe(0);
      expect(await page.locator('h1').isVisible()).toBe(true);
      await page.screenshot({ path: join(OUT, name.replace('.html', '.png')) });
      expect(problems).toEqual({ errors: [], requests: [] });
      await page.close();
    }
  });
});
