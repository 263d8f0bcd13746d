/**
 * The adapter's one retry of a transient API failure (src/kube/retry.ts, used by every client call), against the
 * loopback API server failing requests on purpose, and against a raw HTTP server that cuts the connection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { kubeConfigFromString } from '../../../src/kube/access.js';
import { CaptureManager } from '../../../src/kube/captureRunner.js';
import { KubeApiError, KubeForbiddenError } from '../../../src/kube/errors.js';
import { resolveNode } from '../../../src/kube/nodes.js';
import { RETRY_AFTER_MAX_MS, retryPause, TRANSIENT_RETRY_MAX_DELAY_MS } from '../../../src/kube/retry.js';
import { DEMO_NODE, demoScenario } from '../../../src/sim/kube/demoScenario.js';
import { failEveryNth, type HookedRequest } from '../../../src/sim/kube/faultHooks.js';
import type { KubeFaults } from '../../../src/sim/kube/faults.js';
import type { KubeApiServer } from '../../../src/sim/kube/server.js';
import { startWithRbac } from './helpers.js';

let api: KubeApiServer | null = null;
let raw: Server | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
  await new Promise<void>((resolve) => (raw ? raw.close(() => resolve()) : resolve()));
  raw = null;
});

/** Counts the requests the server sees (after RBAC), optionally failing some. */
function recorder(fail: (r: HookedRequest, index: number) => number | null = () => null) {
  const seen: HookedRequest[] = [];
  const hook = (r: HookedRequest) => {
    seen.push(r);
    return fail(r, seen.length);
  };
  return { seen, hook };
}

async function setup(faults: KubeFaults) {
  const s = await startWithRbac({ scenario: demoScenario(), faults });
  api = s.api;
  return s;
}

describe('transient API failures: one retry in the adapter', () => {
  it('a flaky API server (every 2nd request 500) never reaches the caller: each call retries once', async () => {
    const flaky = failEveryNth(2);
    const { kc } = await setup({ requestHook: flaky });
    for (let i = 0; i < 4; i++) {
      const node = await resolveNode(kc, DEMO_NODE);
      expect(node.name).toBe(DEMO_NODE);
    }
    // Requests 2, 4 and 6 failed; each was the first try of a call whose retry (3, 5, 7) went through.
    expect(flaky.failed).toBe(3);
  });

  it.each([429, 500, 502, 503, 504])('HTTP %i once: retried, the call succeeds with two requests', async (status) => {
    const rec = recorder((_r, i) => (i === 1 ? status : null));
    const { kc } = await setup({ requestHook: rec.hook });
    await expect(resolveNode(kc, DEMO_NODE)).resolves.toMatchObject({ name: DEMO_NODE });
    expect(rec.seen.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/nodes', 'GET /api/v1/nodes']);
  });

  it('a second transient failure in a row is thrown: at most one retry', async () => {
    const rec = recorder(() => 503);
    const { kc } = await setup({ requestHook: rec.hook });
    const err = await resolveNode(kc, DEMO_NODE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(503);
    expect(rec.seen).toHaveLength(2);
  });

  it.each([400, 403, 404, 409, 501])('HTTP %i is final: no retry', async (status) => {
    const rec = recorder(() => status);
    const { kc } = await setup({ requestHook: rec.hook });
    const err = await resolveNode(kc, DEMO_NODE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(status);
    if (status === 403) expect(err).toBeInstanceOf(KubeForbiddenError);
    expect(rec.seen).toHaveLength(1);
  });

  it('a Job create answered 500 once is retried: exactly one Job, this run its creator', async () => {
    const rec = recorder((r) =>
      r.method === 'POST' && r.path.endsWith('/jobs') && rec.seen.filter((s) => s.method === 'POST').length === 1
        ? 500
        : null,
    );
    const { api: a, kc } = await setup({ requestHook: rec.hook });
    const mgr = new CaptureManager(kc, { traceSeconds: 60 });
    const { jobName, reused } = await mgr.start(DEMO_NODE, 'inv-retry');
    expect(reused).toBe(false);
    expect(rec.seen.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(a.state.jobs().map((j) => (j.metadata as { name: string }).name)).toEqual([jobName]);
    await mgr.delete(jobName, 'inv-retry');
    expect(a.state.jobs()).toHaveLength(0);
  });

  it("a repeated create of this run's Job (as after a lost answer) adopts it via 409; another owner's never", async () => {
    // What the retried create meets when the first try went through but its answer was lost: a 409 for a Job whose
    // owner annotation is this run's. It is adopted (one Job), while another owner gets its own Job, never this one.
    const { api: a, kc } = await setup({});
    const mgr = new CaptureManager(kc, { traceSeconds: 60 });
    const first = await mgr.start(DEMO_NODE, 'inv-lost');
    // Same owner, same name (names are derived from node + owner): the repeat meets the existing Job.
    const again = await mgr.start(DEMO_NODE, 'inv-lost');
    expect(again).toEqual({ jobName: first.jobName, reused: true });
    expect(a.state.jobs()).toHaveLength(1);
    // Another owner's start never adopts it.
    const other = await mgr.start(DEMO_NODE, 'inv-other');
    expect(other.jobName).not.toBe(first.jobName);
    await mgr.delete(first.jobName, 'inv-lost');
    await mgr.delete(other.jobName, 'inv-other');
    expect(a.state.jobs()).toHaveLength(0);
  });

  it('a connection reset once is retried; the second answer is used', async () => {
    const { kc, requests } = await rawApiServer((n, req) => {
      if (n === 1) {
        req.socket.destroy();
        return 'handled';
      }
      return null;
    });
    await expect(resolveNode(kc, '10.0.0.9')).resolves.toMatchObject({ name: 'n1' });
    expect(requests).toHaveLength(2);
  });
});

/** One node, as `GET /api/v1/nodes` answers it. */
const NODE_LIST = {
  apiVersion: 'v1',
  kind: 'NodeList',
  metadata: {},
  items: [
    {
      metadata: { name: 'n1' },
      status: {
        addresses: [{ type: 'InternalIP', address: '10.0.0.9' }],
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    },
  ],
};

/**
 * A raw loopback server speaking the node list of the Kubernetes API. `answer` may handle request `n` itself
 * (return 'handled') or leave it to the node list (null). Records when each request arrived.
 */
async function rawApiServer(answer: (n: number, req: IncomingMessage, res: ServerResponse) => 'handled' | null) {
  const requests: number[] = [];
  raw = createServer((req, res) => {
    requests.push(performance.now());
    if (answer(requests.length, req, res) === 'handled') return;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(NODE_LIST));
  });
  await new Promise<void>((resolve) => raw?.listen(0, '127.0.0.1', resolve));
  const port = (raw.address() as AddressInfo).port;
  const kc = kubeConfigFromString(
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {insecure-skip-tls-verify: true, server: "http://127.0.0.1:${port}"}}]`,
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
  );
  return { kc, requests };
}

/** The API server's throttling answer: a Status object with `details.retryAfterSeconds`, plus the header. */
function tooManyRequests(res: ServerResponse, opts: { header?: string; detailSeconds?: number }): 'handled' {
  res.statusCode = 429;
  res.setHeader('content-type', 'application/json');
  if (opts.header !== undefined) res.setHeader('retry-after', opts.header);
  res.end(
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Too many requests, please try again later.',
      reason: 'TooManyRequests',
      ...(opts.detailSeconds === undefined ? {} : { details: { retryAfterSeconds: opts.detailSeconds } }),
      code: 429,
    }),
  );
  return 'handled';
}

describe('HTTP 429 with Retry-After (API priority and fairness)', () => {
  it('waits the Retry-After the server names before the one retry', async () => {
    const { kc, requests } = await rawApiServer((n, _req, res) =>
      n === 1 ? tooManyRequests(res, { header: '1', detailSeconds: 1 }) : null,
    );
    await expect(resolveNode(kc, '10.0.0.9')).resolves.toMatchObject({ name: 'n1' });
    expect(requests).toHaveLength(2);
    // The retry came no sooner than asked (1 s, not the adapter's own 250 ms): a lower bound, never a race.
    expect((requests[1] as number) - (requests[0] as number)).toBeGreaterThanOrEqual(950);
  });

  it("honours the Status's details.retryAfterSeconds when the header is missing", async () => {
    const { kc, requests } = await rawApiServer((n, _req, res) =>
      n === 1 ? tooManyRequests(res, { detailSeconds: 1 }) : null,
    );
    await expect(resolveNode(kc, '10.0.0.9')).resolves.toMatchObject({ name: 'n1' });
    expect(requests).toHaveLength(2);
    expect((requests[1] as number) - (requests[0] as number)).toBeGreaterThanOrEqual(950);
  });

  it(`asked to wait longer than ${RETRY_AFTER_MAX_MS / 1000} s, it does not retry: the 429 goes to the caller at once`, async () => {
    const { kc, requests } = await rawApiServer((_n, _req, res) => tooManyRequests(res, { header: '120' }));
    const err = await resolveNode(kc, '10.0.0.9').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(429);
    expect((err as KubeApiError).retryAfterMs).toBe(120_000);
    expect(requests).toHaveLength(1);
  });

  it('a second 429 in a row is thrown: still at most one retry', async () => {
    const { kc, requests } = await rawApiServer((_n, _req, res) => tooManyRequests(res, { header: '0' }));
    const err = await resolveNode(kc, '10.0.0.9').catch((e: unknown) => e);
    expect((err as KubeApiError).status).toBe(429);
    expect(requests).toHaveLength(2);
  });
});

describe('retryPause', () => {
  it('uses the named wait, refuses one over the bound, and caps its own pause', () => {
    const throttled = (ms: number | null) => new KubeApiError('x', 429, 'TooManyRequests', { retryAfterMs: ms });
    expect(retryPause(throttled(1_000), 250)).toBe(1_000);
    expect(retryPause(throttled(RETRY_AFTER_MAX_MS), 250)).toBe(RETRY_AFTER_MAX_MS);
    expect(retryPause(throttled(RETRY_AFTER_MAX_MS + 1), 250)).toBeNull();
    expect(retryPause(throttled(null), 250)).toBe(250);
    expect(retryPause(new Error('reset'), 60_000)).toBe(TRANSIENT_RETRY_MAX_DELAY_MS);
  });
});
