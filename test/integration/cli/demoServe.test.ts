/**
 * `snat-responder demo --serve --state-dir DIR` as a user runs it: the state directory appears with `ready`
 * last, the kubeconfigs reach an HTTPS API server that enforces infra/k8s for the responder, `investigate`
 * works against it, and SIGTERM closes everything with exit 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFromFile } from '../../../src/kube/access.js';
import { ensureBuilt, PROJECT_ROOT, runCli } from '../../support/cli.js';
import { findKubectl, Kubectl } from '../kubectl/kubectl.js';

const BIN = join(PROJECT_ROOT, 'bin/snat-responder.js');

let work: string;
let dir: string;
let child: ChildProcess;
let stdout = '';
let stderr = '';
let exited: Promise<number | null>;

beforeAll(async () => {
  ensureBuilt();
  work = await mkdtemp(join(tmpdir(), 'snat-serve-'));
  dir = join(work, 'state');
  child = spawn(process.execPath, [BIN, 'demo', '--serve', '--state-dir', dir], { cwd: PROJECT_ROOT });
  child.stdout?.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  // Poll for `ready` (start-up includes Azurite); fail early if the process dies.
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  for (let i = 0; i < 600 && !existsSync(join(dir, 'ready')); i++) {
    if (dead) throw new Error(`demo --serve exited early: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!existsSync(join(dir, 'ready'))) throw new Error(`demo --serve never wrote ready: ${stderr}`);
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await rm(work, { recursive: true, force: true });
});

function portOpen(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(u.port), u.hostname);
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

describe('snat-responder demo --serve', () => {
  it('writes the kubeconfigs, capture-namespace and a short endpoints.json, with ready last', async () => {
    expect((await readdir(dir)).sort()).toEqual([
      'admin.kubeconfig',
      'capture-namespace',
      'endpoints.json',
      'ready',
      'responder.kubeconfig',
    ]);
    const times = await Promise.all(
      ['admin.kubeconfig', 'responder.kubeconfig', 'capture-namespace', 'endpoints.json', 'ready'].map(
        async (f) => (await stat(join(dir, f))).mtimeMs,
      ),
    );
    expect(Math.max(...times)).toBe(times[4]);
    expect((await stat(join(dir, 'ready'))).size).toBe(0);
    expect((await stat(join(dir, 'responder.kubeconfig'))).mode & 0o077).toBe(0);
    expect((await readFile(join(dir, 'capture-namespace'), 'utf8')).trim()).toBe('snat-responder');
    const endpoints = JSON.parse(await readFile(join(dir, 'endpoints.json'), 'utf8')) as Record<string, string>;
    expect(endpoints.kubernetes).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.arm).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.blob).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    // URLs only: no account key, signature or token.
    expect(JSON.stringify(endpoints)).not.toMatch(/AccountKey|sig=|token|[A-Za-z0-9+/]{40,}={0,2}/);
    for (const f of ['admin.kubeconfig', 'responder.kubeconfig']) {
      const text = await readFile(join(dir, f), 'utf8');
      expect(text).toContain('certificate-authority-data:');
      expect(text).not.toContain('insecure-skip-tls-verify');
    }
  });

  it('the responder kubeconfig is the ServiceAccount bound by infra/k8s; the admin may do anything', async () => {
    const responder = kubeConfigFromFile(join(dir, 'responder.kubeconfig'));
    const admin = kubeConfigFromFile(join(dir, 'admin.kubeconfig'));
    expect((await responder.makeApiClient(CoreV1Api).listNode()).items.length).toBe(4);
    const job = { metadata: { name: 'not-allowed' }, spec: { template: { spec: { containers: [] } } } };
    const refused = await responder
      .makeApiClient(BatchV1Api)
      .createNamespacedJob({ namespace: 'default', body: job })
      .catch((e: { code?: number; body?: string }) => e);
    expect((refused as { code?: number }).code).toBe(403);
    expect((refused as { body?: string }).body).toContain('system:serviceaccount:snat-responder:snat-responder');
    const listed = await admin.makeApiClient(BatchV1Api).listJobForAllNamespaces();
    expect(listed.items).toEqual([]);
  });

  it('kubectl answers auth can-i for the responder from the served state directory', async () => {
    const found = findKubectl();
    if (!found.path) {
      process.stderr.write(`SKIPPED kubectl check: ${found.reason}\n`);
      return;
    }
    const ns = (await readFile(join(dir, 'capture-namespace'), 'utf8')).trim();
    const k = new Kubectl(found.path, await readFile(join(dir, 'responder.kubeconfig'), 'utf8'));
    expect((await k.run(['auth', 'can-i', 'create', 'jobs', '-n', ns])).stdout.trim()).toBe('yes');
    expect((await k.run(['auth', 'can-i', 'create', 'jobs', '-n', 'default'])).stdout.trim()).toBe('no');
  });

  it('investigate runs against it with the responder kubeconfig', async () => {
    const out = join(work, 'investigation');
    const res = runCli(
      'investigate',
      '--kubeconfig',
      join(dir, 'responder.kubeconfig'),
      '--node',
      '10.224.0.7',
      '--out',
      out,
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Verdict: Deployment payments/checkout-api (pod checkout-api-7d9f8b6c5-x2x9q)');
  });

  it('SIGTERM closes every server, removes ready and exits 0', async () => {
    const endpoints = JSON.parse(await readFile(join(dir, 'endpoints.json'), 'utf8')) as Record<string, string>;
    const urls = [endpoints.kubernetes, endpoints.arm, endpoints.blob, endpoints.teams] as string[];
    for (const u of urls) expect(await portOpen(u), u).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('SIGTERM, closing every server');
    expect(stdout).toContain('Ctrl-C stops it.');
    expect(existsSync(join(dir, 'ready'))).toBe(false);
    for (const u of urls) expect(await portOpen(u), u).toBe(false);
  });

  it('refuses --serve without --state-dir and --state-dir without --serve (exit 2, nothing started)', () => {
    const a = runCli('demo', '--serve');
    expect(a.code).toBe(2);
    expect(a.stderr.trim().split('\n')).toHaveLength(1);
    expect(a.stderr).toContain('--serve needs --state-dir');
    const b = runCli('demo', '--state-dir', join(work, 'unused'));
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('--state-dir is only used with --serve');
    expect(existsSync(join(work, 'unused'))).toBe(false);
  });
});
