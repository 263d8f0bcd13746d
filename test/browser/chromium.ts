/**
 * Launches Debian's Chromium through playwright-core for the browser tests. Offline-friendly flags: no
 * background networking, updates, sync or first-run pages.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type LaunchResult = { browser: Browser; error: null } | { browser: null; error: string };

/** Starts Chromium, or explains why it could not (never throws). */
export async function tryLaunchChromium(): Promise<LaunchResult> {
  if (!existsSync(CHROMIUM_PATH)) {
    return { browser: null, error: `${CHROMIUM_PATH} not found (install with: apt-get install -y chromium)` };
  }
  try {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
    return { browser, error: null };
  } catch (err) {
    return {
      browser: null,
      error: `Chromium at ${CHROMIUM_PATH} did not start: ${(err as Error).message.split('\n')[0]}`,
    };
  }
}

/** On CI a missing browser is a failure; locally the tests skip and say why. */
export const BROWSER_REQUIRED = process.env.CI === 'true';
