/**
 * The webhook with the real durable-functions v3 `DurableClient` (from `df.getClient(context)`) talking HTTP to a
 * loopback stand-in for the Durable extension's RPC endpoint. Proves the intake reads the real client's
 * behaviour right: getStatus throws on 404, a refused duplicate start is an HTTP 500 with an "already exists"
 * message, the rate count lists instances by creation time, events go to `instances/{id}/raiseEvent/{name}`, and
 * the system key in the binding data never reaches an answer.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpResponseInit } from '@azure/functions';
import functions from '@azure/functions';
import * as df from 'durable-functions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAlertWebhookHandler } from '../../../functions/alertWebhook.js';
import { durableStarter } from '../../../src/intake/durableStarter.js';
import { ALERT_RESOLVED_EVENT, SNAT_INVESTIGATION_ORCHESTRATOR } from '../../../src/investigation/orchestratorNames.js';

const { HttpRequest, InvocationContext } = functions;

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/alerts/${name}`, import.meta.url), 'utf8');
const SYSTEM_KEY = 'sim-system-key-123';

interface StoredInstance {
  name: string;
  input: unknown;
  runtimeStatus: string;
  createdTime: string;
}

/** Minimal extension RPC endpoint: start, status and raiseEvent, with NonRunningStates dedupe. */
class ExtensionStandIn {
  readonly instances = new Map<string, StoredInstance>();
  readonly requests: string[] = [];
  readonly events: Array<{ id: string; name: string; body: unknown }> = [];
  private server: Server | null = null;
  rpcBaseUrl = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // Yield a little so concurrent requests interleave as they would against storage.
        setTimeout(() => this.route(req.method ?? '', req.url ?? '', Buffer.concat(chunks).toString('utf8'), res), 2);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.rpcBaseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/durabletask/`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private route(method: string, url: string, body: string, res: import('node:http').ServerResponse): undefined {
    const path = new URL(url, 'http://x').pathname;
    this.requests.push(`${method} ${path}`);
    const send = (status: number, payload?: unknown): undefined => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
      return undefined;
    };
    let m = /^\/durabletask\/orchestrators\/([^/]+)\/([^/]+)$/.exec(path);
    if (method === 'POST' && m) {
      const [, name, id] = m as unknown as [string, string, string];
      const existing = this.instances.get(id);
      if (existing && ['Running', 'Pending', 'ContinuedAsNew'].includes(existing.runtimeStatus)) {
        return send(500, {
          Message: 'Something went wrong while processing your request',
          ExceptionMessage: `An Orchestration instance with the status ${existing.runtimeStatus} already exists.`,
          ExceptionType: 'System.InvalidOperationException',
        });
      }
      const now = new Date().toISOString();
      this.instances.set(id, {
        name,
        input: body ? JSON.parse(body) : null,
        runtimeStatus: 'Running',
        createdTime: now,
      });
      return send(202, { id });
    }
    m = /^\/durabletask\/instances\/([^/]+)\/raiseEvent\/([^/]+)$/.exec(path);
    if (method === 'POST' && m) {
      const [, id, name] = m as unknown as [string, string, string];
      this.events.push({ id, name, body: JSON.parse(body) });
      return send(this.instances.has(id) ? 202 : 404);
    }
    if (method === 'GET' && path === '/durabletask/instances/') {
      // List (getStatusBy): the extension filters by creation time; the intake filters by load balancer.
      const from = new URL(url, 'http://x').searchParams.get('createdTimeFrom');
      return send(
        200,
        [...this.instances.entries()]
          .filter(([, i]) => !from || i.createdTime >= from)
          .map(([id, i]) => ({
            ...i,
            instanceId: id,
            lastUpdatedTime: i.createdTime,
            output: null,
            customStatus: null,
          })),
      );
    }
    m = /^\/durabletask\/instances\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) {
      const found = this.instances.get(m[1] as string);
      if (!found) return send(404);
      return send(200, {
        name: found.name,
        instanceId: m[1],
        createdTime: found.createdTime,
        lastUpdatedTime: found.createdTime,
        input: found.input,
        output: null,
        runtimeStatus: found.runtimeStatus,
        customStatus: null,
      });
    }
    return send(501);
  }

  /** The binding data the Functions host passes to a `durableClient` input. */
  clientInputData() {
    const webhook = 'http://localhost:7071/runtime/webhooks/durabletask';
    const query = `taskHub=TestHubName&connection=Storage&code=${SYSTEM_KEY}`;
    return {
      taskHubName: 'TestHubName',
      connectionName: 'Storage',
      creationUrls: {
        createNewInstancePostUri: `${webhook}/orchestrators/{functionName}[/{instanceId}]?${query}`,
        createAndWaitOnNewInstancePostUri: `${webhook}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${query}`,
      },
      managementUrls: {
        id: 'INSTANCEID',
        statusQueryGetUri: `${webhook}/instances/INSTANCEID?${query}`,
        sendEventPostUri: `${webhook}/instances/INSTANCEID/raiseEvent/{eventName}?${query}`,
        terminatePostUri: `${webhook}/instances/INSTANCEID/terminate?reason={text}&${query}`,
        rewindPostUri: `${webhook}/instances/INSTANCEID/rewind?reason={text}&${query}`,
        purgeHistoryDeleteUri: `${webhook}/instances/INSTANCEID?${query}`,
        restartPostUri: `${webhook}/instances/INSTANCEID/restart?${query}`,
        suspendPostUri: `${webhook}/instances/INSTANCEID/suspend?reason={text}&${query}`,
        resumePostUri: `${webhook}/instances/INSTANCEID/resume?reason={text}&${query}`,
      },
      baseUrl: webhook,
      requiredQueryStringParameters: query,
      rpcBaseUrl: this.rpcBaseUrl,
    };
  }
}

const extension = new ExtensionStandIn();
const clientInput = df.input.durableClient();

beforeAll(() => extension.start());
afterAll(() => extension.stop());
beforeEach(() => {
  extension.instances.clear();
  extension.events.length = 0;
  extension.requests.length = 0;
});

function invocation(logs: string[]) {
  const context = new InvocationContext({
    functionName: 'alertWebhook',
    options: { extraInputs: [clientInput] },
    logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')),
  });
  context.extraInputs.set(clientInput, extension.clientInputData());
  return context;
}

/** One handler per "process": separate in-process locks, shared extension. */
function newProcess(now = new Date('2026-11-04T12:18:00Z')) {
  return createAlertWebhookHandler({
    getStarter: (context) => durableStarter(df.getClient(context)),
    settings: () => ({
      cooldownMinutes: 15,
      allowedSubscriptionIds: [],
      allowedAlertRuleIds: [],
      maxInvestigationsPerClusterPerHour: 12,
    }),
    now: () => now,
  });
}

async function deliver(handler: ReturnType<typeof newProcess>, body: string, logs: string[] = []) {
  const request = new HttpRequest({ method: 'POST', url: 'https://snat.example/api/alerts', body: { string: body } });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely
  return (await handler(request, invocation(logs))) as HttpResponseInit & { jsonBody: Record<string, any> };
}

describe('alertWebhook with the real DurableClient', () => {
  it('starts the orchestrator by name with the request as input and answers with a status URL, never the system key', async () => {
    const res = await deliver(newProcess(), fixture('metric-static-snat.json'));
    expect(res.status).toBe(202);
    const [id, stored] = [...extension.instances.entries()][0]!;
    expect(stored.name).toBe(SNAT_INVESTIGATION_ORCHESTRATOR);
    expect(stored.input).toMatchObject({ instanceId: id, requestedBy: 'alert', target: { backendIp: '10.224.0.5' } });
    const instance = res.jsonBody.instances[0];
    expect(instance).toMatchObject({ instanceId: id, started: true });
    expect(instance.statusUrl).toBe(`https://snat.example/api/investigations/${id}`);
    expect(JSON.stringify(res)).not.toContain(SYSTEM_KEY);
    expect(JSON.stringify(res)).not.toMatch(/runtime\/webhooks|terminate|purge/);
    expect(extension.requests).toContain(`GET /durabletask/instances/${id}`);
  });

  it('ten concurrent deliveries in ten processes start exactly one instance', async () => {
    const processes = Array.from({ length: 10 }, () => newProcess());
    const logs: string[] = [];
    const responses = await Promise.all(processes.map((p) => deliver(p, fixture('metric-static-snat.json'), logs)));
    const starts = extension.requests.filter((r) => r.startsWith('POST /durabletask/orchestrators/'));
    expect(extension.instances.size).toBe(1);
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(202));
    expect(responses.filter((r) => r.jsonBody.instances[0].started)).toHaveLength(1);
    // Every duplicate start that reached the extension was refused and read as dedup, not as an error.
    const refused = responses.filter((r) => r.jsonBody.instances[0].dedup === 'start-refused-existing').length;
    expect(starts.length).toBe(1 + refused);
    expect(logs.join('\n')).not.toContain(SYSTEM_KEY);
  });

  it('ten concurrent deliveries in one process send one start to the extension', async () => {
    const handler = newProcess();
    await Promise.all(Array.from({ length: 10 }, () => deliver(handler, fixture('metric-static-snat.json'))));
    expect(extension.requests.filter((r) => r.startsWith('POST /durabletask/orchestrators/'))).toHaveLength(1);
  });

  it('raises alertResolved on the running investigation when the alert resolves', async () => {
    const handler = newProcess();
    const fired = await deliver(handler, fixture('metric-static-snat.json'));
    const resolved = await deliver(handler, fixture('metric-snat-resolved.json'));
    expect(resolved.status).toBe(200);
    expect(resolved.jsonBody.notifiedInstanceIds).toEqual([fired.jsonBody.instances[0].instanceId]);
    expect(extension.events).toEqual([
      {
        id: fired.jsonBody.instances[0].instanceId,
        name: ALERT_RESOLVED_EVENT,
        body: {
          alertId: expect.stringContaining('/alerts/5f1c2d3e'),
          resolvedDateTime: '2026-11-04T12:41:03.5512345Z',
        },
      },
    ]);
  });
});
