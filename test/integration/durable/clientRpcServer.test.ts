import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientRpcServer, startClientRpcServer } from '../../../src/sim/durable/clientRpcServer.js';
import { installFunctionsHostStandIn } from '../../../src/sim/durable/hostStandIn.js';
import { ReplayDriver } from '../../../src/sim/durable/replayDriver.js';
import { ManualClock } from '../../../src/sim/durable/virtualClock.js';

const registry = installFunctionsHostStandIn();
const driver = new ReplayDriver(registry, { clock: new ManualClock({ start: Date.parse('2026-03-01T12:00:00Z') }) });
let rpc: ClientRpcServer;
let app: typeof import('../../support/durable/sampleApp.js');

beforeAll(async () => {
  app = await import('../../support/durable/sampleApp.js');
  rpc = await startClientRpcServer(driver, registry);
});

afterAll(async () => {
  await rpc.close();
});

function startViaHttp(orchestrator: string, body: unknown, instanceId?: string) {
  const path = `/api/orchestrators/${orchestrator}${instanceId ? `/${instanceId}` : ''}`;
  return registry.invokeHttp(app.sample.httpStart, { method: 'POST', url: path, body });
}

describe('startClientRpcServer', () => {
  describe('HTTP starter through df.getClient()', () => {
    it('starts an instance and answers with the 202 check-status response and its status URLs', async () => {
      const res = await startViaHttp(app.sample.helloSequence, null);

      expect(res.status).toBe(202);
      const body = res.json() as Record<string, string>;
      const id = body.id as string;
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(body.statusQueryGetUri).toBe(
        `http://localhost:7071/runtime/webhooks/durabletask/instances/${id}?taskHub=TestHubName&connection=Storage&code=sim-system-key`,
      );
      expect(body.terminatePostUri).toContain(`/instances/${id}/terminate?reason={text}&`);
      expect(res.headers.location).toBe(body.statusQueryGetUri);
      expect(res.headers['retry-after']).toBe('10');
      expect(driver.getStatus(id)?.runtimeStatus).toBe('Pending');

      const result = await driver.runToCompletion(id);
      expect(result.output).toEqual(['Hello Tokyo', 'Hello Seattle', 'Hello London']);
    });

    it('reads status through client.getStatus, and gets the 404 error for unknown ids', async () => {
      const started = (await startViaHttp(app.sample.fanOut, { values: [1, 2] })).json() as { id: string };
      await driver.runToCompletion(started.id);

      const ok = await registry.invokeHttp(app.sample.httpStatus, { method: 'GET', url: `/api/status/${started.id}` });
      expect(ok.status).toBe(200);
      expect(ok.json()).toMatchObject({
        name: app.sample.fanOut,
        instanceId: started.id,
        runtimeStatus: 'Completed',
        input: { values: [1, 2] },
        output: { doubled: [2, 4], sum: 6 },
      });

      const missing = await registry.invokeHttp(app.sample.httpStatus, { method: 'GET', url: '/api/status/nope' });
      expect(missing.status).toBe(404);
      expect((missing.json() as { error: string }).error).toContain('replied with HTTP 404');
    });

    it('honours an explicit instance id and answers 409 to a second start while it is still pending', async () => {
      const first = await startViaHttp(app.sample.timerWindow, { seconds: 30 }, 'explicit-id-1');
      expect((first.json() as { id: string }).id).toBe('explicit-id-1');

      const second = await startViaHttp(app.sample.timerWindow, { seconds: 30 }, 'explicit-id-1');
      expect(second.status).toBe(409);
      const error = (second.json() as { error: string }).error;
      expect(error).toContain('unexpected status code: 409');
      expect(error).toContain('An Orchestration instance with the status Pending already exists.');

      await driver.runToCompletion('explicit-id-1');
      const third = await startViaHttp(app.sample.timerWindow, { seconds: 30 }, 'explicit-id-1');
      expect(third.status).toBe(202);
    });
  });

  describe('RPC endpoint', () => {
    it('answers instance status with 202 while running and 200 once completed, like the extension', async () => {
      const createdAt = new Date(driver.clock.now()).toISOString();
      const { instanceId } = await driver.start(app.sample.helloSequence, null);
      const url = new URL(`instances/${instanceId}`, rpc.rpcBaseUrl);

      const pending = await fetch(url);
      expect(pending.status).toBe(202);
      expect(pending.headers.get('retry-after')).toBe('5');
      expect(await pending.json()).toMatchObject({
        runtimeStatus: 'Pending',
        // The extension's status times are whole seconds, UTC.
        createdTime: `${createdAt.slice(0, 19)}Z`,
      });

      await driver.runToCompletion(instanceId);
      const done = await fetch(`${url.href}?showHistory=true`);
      expect(done.status).toBe(200);
      const body = (await done.json()) as { runtimeStatus: string; historyEvents: unknown[] };
      expect(body.runtimeStatus).toBe('Completed');
      expect(body.historyEvents.length).toBeGreaterThan(0);
    });

    it('terminates a pending instance and refuses to terminate it twice', async () => {
      const { instanceId } = await driver.start(app.sample.helloSequence, null);
      const terminate = new URL(`instances/${instanceId}/terminate?reason=stop`, rpc.rpcBaseUrl);

      expect((await fetch(terminate, { method: 'POST' })).status).toBe(202);
      expect(driver.getStatus(instanceId)).toMatchObject({ runtimeStatus: 'Terminated', output: 'stop' });
      expect((await fetch(terminate, { method: 'POST' })).status).toBe(410);
    });

    it('answers 400 to a start of an unknown orchestrator and 404 to unknown routes', async () => {
      const bad = await fetch(new URL('orchestrators/doesNotExist', rpc.rpcBaseUrl), { method: 'POST' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { Message: string }).Message).toContain("'doesNotExist' doesn't exist");
      expect((await fetch(new URL('nowhere', rpc.rpcBaseUrl))).status).toBe(404);
    });
  });
});
