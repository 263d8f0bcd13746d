import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINK_CLOCK_SKEW_MS, linkWindow, MAX_LINK_HOURS } from '../../../src/azure/blob/readLinks.js';
import { BlobReportStore } from '../../../src/azure/blob/reportStore.js';
import { type AzuriteBlob, startAzurite } from '../../../src/sim/azurite.js';
import { loopbackCertificate } from '../../../src/sim/tls.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
const HTML = '<!doctype html><html><body><h1>SNAT port exhaustion report</h1></body></html>';
const PREFIX = 'aks-prod/aks-np-0/20261204T100000Z-abc/';

describe('report links (src/azure/blob/readLinks.ts) opened against Azurite', () => {
  describe('linkWindow', () => {
    it('starts a few minutes early and lasts the hours asked, 7 days at most', () => {
      const now = new Date('2026-12-04T10:00:00Z');
      expect(linkWindow(now, 72)).toEqual({
        startsOn: new Date(now.getTime() - LINK_CLOCK_SKEW_MS),
        expiresOn: new Date('2026-12-07T10:00:00Z'),
      });
      expect(linkWindow(now, MAX_LINK_HOURS).expiresOn).toEqual(new Date('2026-12-11T10:00:00Z'));
      expect(() => linkWindow(now, 169)).toThrow(/1 to 168 hours/);
      expect(() => linkWindow(now, 0)).toThrow(/1 to 168 hours/);
    });
  });

  describe('account-key links (connection string: local development and the demo)', () => {
    let azurite: AzuriteBlob;
    let store: BlobReportStore;

    beforeAll(async () => {
      azurite = await startAzurite();
      store = await BlobReportStore.fromConnectionString(azurite.connectionString, 'reports');
      await store.ensureContainer();
      await store.putFile(PREFIX, 'report.html', HTML);
    });
    afterAll(async () => {
      await azurite?.stop();
    });

    it('opens the HTML report with a plain GET, read-only', async () => {
      const link = await store.readLink(PREFIX, 'report.html', linkWindow(new Date(), 72));
      const url = new URL(link);
      expect(url.searchParams.get('sp')).toBe('r');
      expect(url.searchParams.get('sr')).toBe('b');
      expect(url.searchParams.get('sig')).toBeTruthy();
      const res = await fetch(link);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toBe(HTML);
      // Read-only: the same signature cannot overwrite the report.
      const put = await fetch(link, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'defaced' });
      expect(put.status).toBe(403);
      expect(await (await fetch(link)).text()).toBe(HTML);
    });

    it('is refused once expired, and without its signature', async () => {
      const past = new Date(Date.now() - 3 * 3_600_000);
      const expired = await store.readLink(PREFIX, 'report.html', linkWindow(past, 1));
      expect((await fetch(expired)).status).toBe(403);
      const unsigned = new URL(expired);
      unsigned.search = '';
      expect([401, 403, 404]).toContain((await fetch(unsigned)).status);
    });

    it('names one blob only: the signature does not open another file of the folder', async () => {
      await store.putFile(PREFIX, 'report.json', '{}');
      const link = new URL(await store.readLink(PREFIX, 'report.html', linkWindow(new Date(), 1)));
      link.pathname = link.pathname.replace(/report\.html$/, 'report.json');
      expect((await fetch(link)).status).toBe(403);
    });
  });

  describe('user-delegation links (Entra ID credential, as in Azure)', () => {
    // Azurite issues user delegation keys and verifies user-delegation SAS with `--oauth basic`, which requires
    // HTTPS. The signing runs in a child Node that trusts the loopback certificate (NODE_EXTRA_CA_CERTS).
    const dir = mkdtempSync(path.join(tmpdir(), 'snat-udk-'));
    let azurite: ChildProcess | null = null;
    let endpoint = '';

    beforeAll(async () => {
      const tls = await loopbackCertificate();
      writeFileSync(path.join(dir, 'cert.pem'), tls.cert);
      writeFileSync(path.join(dir, 'key.pem'), tls.key);
      const main = path.join(
        path.dirname(createRequire(import.meta.url).resolve('azurite/package.json')),
        'dist/src/blob/main.js',
      );
      const child = spawn(
        process.execPath,
        [
          main,
          ...['--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', '--disableTelemetry'],
          ...['--skipApiVersionCheck', '--oauth', 'basic'],
          ...['--cert', path.join(dir, 'cert.pem'), '--key', path.join(dir, 'key.pem')],
        ],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      azurite = child;
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`Azurite (https) did not start: ${out}`)), 30_000);
        child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          const m = /listens on https:\/\/127\.0\.0\.1:(\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
        child.once('exit', (code) => reject(new Error(`Azurite (https) exited with ${code}: ${out}`)));
      });
      endpoint = `https://127.0.0.1:${port}/devstoreaccount1`;
    }, 60_000);

    afterAll(() => {
      azurite?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    it('signs with a user delegation key (never an account key) and the link opens the HTML', () => {
      const store = pathToFileURL(path.join(REPO, 'dist/src/azure/blob/reportStore.js')).href;
      const links = pathToFileURL(path.join(REPO, 'dist/src/azure/blob/readLinks.js')).href;
      const script = path.join(dir, 'sign.mjs');
      // An Entra ID access token as Azurite's basic OAuth checks it (issuer, audience, lifetime; no signature).
      writeFileSync(
        script,
        `
const { BlobReportStore } = await import(${JSON.stringify(store)});
const { linkWindow } = await import(${JSON.stringify(links)});
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const token = [b64({ alg: 'RS256', typ: 'JWT' }), b64({
  aud: 'https://storage.azure.com', iss: 'https://sts.windows.net/00000000-0000-0000-0000-0000000000aa/',
  iat: now - 60, nbf: now - 60, exp: now + 3600,
  oid: '00000000-0000-0000-0000-00000000000b', tid: '00000000-0000-0000-0000-0000000000aa',
}), 'sig'].join('.');
const credential = { getToken: async () => ({ token, expiresOnTimestamp: (now + 3600) * 1000 }) };
const reports = await BlobReportStore.fromAccountUrl(${JSON.stringify(endpoint)}, credential, 'reports');
await reports.ensureContainer();
await reports.putFile(${JSON.stringify(PREFIX)}, 'report.html', ${JSON.stringify(HTML)});
const link = await reports.readLink(${JSON.stringify(PREFIX)}, 'report.html', linkWindow(new Date(), 72));
const opened = await fetch(link);
const anonymous = new URL(link); anonymous.search = '';
process.stdout.write(JSON.stringify({
  link, status: opened.status, type: opened.headers.get("content-type"), body: await opened.text(),
  anonymous: (await fetch(anonymous)).status,
}));
`,
      );
      const result = spawnSync(process.execPath, [script], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { PATH: process.env.PATH ?? '', HOME: dir, NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') },
      });
      expect(result.stderr).toBe('');
      const out = JSON.parse(result.stdout) as Record<string, string | number>;
      const url = new URL(String(out.link));
      // skoid/sktid: signed with the identity's delegation key; sp=r: read only (http is allowed on loopback only).
      expect(url.searchParams.get('skoid')).toBe('00000000-0000-0000-0000-00000000000b');
      expect(url.searchParams.get('sktid')).toBe('00000000-0000-0000-0000-0000000000aa');
      expect(url.searchParams.get('sp')).toBe('r');
      expect(url.searchParams.get('spr')).toBe('https,http');
      expect(url.searchParams.get('sv')).toBe('2025-07-05');
      expect(out.status, String(out.body)).toBe(200);
      expect(out.type).toBe('text/html; charset=utf-8');
      expect(out.body).toBe(HTML);
      expect([401, 403, 404]).toContain(out.anonymous);
    }, 90_000);
  });
});
