import { readFileSync } from 'node:fs';
import type { HttpResponseInit } from '@azure/functions';
import functions from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertWebhookRegistration, createAlertWebhookHandler } from '../../../functions/alertWebhook.js';
import { decideAlert } from '../../../src/alert/decide.js';
import { instanceIdFor } from '../../../src/alert/instanceId.js';
import type { InvestigationRequest } from '../../../src/alert/types.js';
import { loadSettings, loadSlice } from '../../../src/config/settings.js';
import { durableStarter } from '../../../src/intake/durableStarter.js';
import { redactSecrets } from '../../../src/intake/redact.js';
import { intakeSettings } from '../../../src/intake/settings.js';
import type { IntakeSettings } from '../../../src/intake/types.js';
import { ALERT_RESOLVED_EVENT, SNAT_INVESTIGATION_ORCHESTRATOR } from '../../../src/investigation/orchestratorNames.js';

const { HttpRequest, HttpResponse, InvocationContext } = functions;

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/alerts/${name}`, import.meta.url), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON, mutated freely by the tests
type Json = any;
const json = (name: string): Json => JSON.parse(fixture(name));

const SECRET = 'SYSTEMKEY-must-not-leak';
const OPTIONS: IntakeSettings = {
  cooldownMinutes: 15,
  allowedSubscriptionIds: [],
  allowedAlertRuleIds: [],
  maxInvestigationsPerClusterPerHour: 1000,
};
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Instance {
  runtimeStatus: string;
  createdTime: Date;
  input: InvestigationRequest;
}

/**
 * Test double of the Durable client with the extension's observable behaviour: getStatus throws on 404
 * (durable-functions v3 message), startNew of an id that is running fails with the HTTP 500 the extension
 * answers under `overridableExistingInstanceStates: NonRunningStates`, or overwrites it under `AnyState`.
 * Every call yields to the event loop so concurrent deliveries really interleave.
 */
class FakeDurable {
  readonly instances = new Map<string, Instance>();
  readonly starts: Array<{ name: string; instanceId: string; input: InvestigationRequest }> = [];
  readonly events: Array<{ instanceId: string; name: string; data: unknown }> = [];
  overridable: 'NonRunningStates' | 'AnyState' = 'NonRunningStates';
  failGetStatus: Error | null = null;
  clock: () => Date = () => new Date('2026-11-04T12:18:00Z');

  async getStatus(instanceId: string): Promise<{ runtimeStatus: string; createdTime: Date; lastUpdatedTime: Date }> {
    await tick();
    if (this.failGetStatus) throw this.failGetStatus;
    const found = this.instances.get(instanceId);
    if (!found) {
      throw new Error(
        `DurableClient error: Durable Functions extension replied with HTTP 404 response. This usually means we could not find any data associated with the instanceId provided: ${instanceId}.`,
      );
    }
    return { runtimeStatus: found.runtimeStatus, createdTime: found.createdTime, lastUpdatedTime: found.createdTime };
  }

  async startNew(name: string, options: { instanceId: string; input: InvestigationRequest }): Promise<string> {
    await tick();
    const existing = this.instances.get(options.instanceId);
    if (
      existing &&
      this.overridable === 'NonRunningStates' &&
      ['Running', 'Pending', 'ContinuedAsNew'].includes(existing.runtimeStatus)
    ) {
      throw new Error(
        `The operation failed with an unexpected status code: 500. Details: {"Message":"Something went wrong while processing your request","ExceptionMessage":"An Orchestration instance with the status ${existing.runtimeStatus} already exists."}`,
      );
    }
    // Check and insert are one atomic step, like the storage provider's conditional insert.
    this.instances.set(options.instanceId, {
      runtimeStatus: 'Running',
      createdTime: this.clock(),
      input: options.input,
    });
    this.starts.push({ name, ...options });
    return options.instanceId;
  }

  createCheckStatusResponse(_request: unknown, instanceId: string) {
    const base = `http://localhost:7071/runtime/webhooks/durabletask/instances/${instanceId}`;
    const query = `taskHub=TestHubName&connection=Storage&code=${SECRET}`;
    return new HttpResponse({
      status: 202,
      jsonBody: {
        id: instanceId,
        statusQueryGetUri: `${base}?${query}`,
        sendEventPostUri: `${base}/raiseEvent/{eventName}?${query}`,
        terminatePostUri: `${base}/terminate?reason={text}&${query}`,
        purgeHistoryDeleteUri: `${base}?${query}`,
      },
      headers: { Location: `${base}?${query}` },
    });
  }

  async getStatusBy(filter: { createdTimeFrom?: Date }) {
    await tick();
    if (this.failGetStatus) throw this.failGetStatus;
    return [...this.instances.values()]
      .filter((i) => !filter.createdTimeFrom || i.createdTime >= filter.createdTimeFrom)
      .map((i) => ({ name: SNAT_INVESTIGATION_ORCHESTRATOR, input: i.input, createdTime: i.createdTime }));
  }

  async raiseEvent(instanceId: string, name: string, data: unknown): Promise<void> {
    await tick();
    this.events.push({ instanceId, name, data });
  }

  complete(instanceId: string): void {
    const found = this.instances.get(instanceId);
    if (found) found.runtimeStatus = 'Completed';
  }
}

interface LogLine {
  level: string;
  text: string;
}

/** The production adapter over the fake client: the intake talks to it exactly as to the real one. */
const starterOver = (durable: FakeDurable) => durableStarter(durable as unknown as DurableClient);

function harness(options: Partial<IntakeSettings> = {}, now = new Date('2026-11-04T12:18:00Z')) {
  const durable = new FakeDurable();
  const logs: LogLine[] = [];
  const clock = { now };
  durable.clock = () => clock.now;
  const handler = createAlertWebhookHandler({
    getStarter: () => starterOver(durable),
    settings: () => ({ ...OPTIONS, ...options }),
    now: () => clock.now,
  });
  const context = () =>
    new InvocationContext({
      invocationId: 'test-invocation',
      functionName: 'alertWebhook',
      logHandler: (level, ...args) => logs.push({ level, text: args.map(String).join(' ') }),
    });
  const post = async (body: string | Uint8Array, headers: Record<string, string> = {}) => {
    const request = new HttpRequest({
      method: 'POST',
      url: 'https://snat-responder.example/api/alerts',
      body: typeof body === 'string' ? { string: body } : { bytes: body },
      headers: { 'content-type': 'application/json', ...headers },
    });
    const response = (await handler(request, context())) as HttpResponseInit;
    return {
      status: response.status ?? 200,
      body: response.jsonBody as Json,
      headers: response.headers as Record<string, string>,
    };
  };
  return { durable, logs, post, clock, handler, context };
}

describe('alertWebhook registration', () => {
  it('requires a function key, accepts only POST on /api/alerts and binds the durable client', () => {
    expect(alertWebhookRegistration.authLevel).toBe('function');
    expect(alertWebhookRegistration.methods).toEqual(['POST']);
    expect(alertWebhookRegistration.route).toBe('alerts');
    expect(alertWebhookRegistration.extraInputs?.map((input) => input.type)).toContain('durableClient');
  });
});

describe('intake settings', () => {
  const read = (env: Record<string, string>) => intakeSettings(loadSettings(env));
  it('defaults to a 15 minute cooldown, open allowlists, 60/5 min freshness and 12 per cluster and hour', () => {
    expect(read({})).toEqual({
      cooldownMinutes: 15,
      allowedSubscriptionIds: [],
      allowedAlertRuleIds: [],
      maxAlertAgeMinutes: 60,
      maxFutureSkewMinutes: 5,
      maxInvestigationsPerClusterPerHour: 12,
    });
  });

  it('reads comma-separated allowlists and the cooldown', () => {
    expect(
      read({
        COOLDOWN_MINUTES: ' 30 ',
        ALLOWED_SUBSCRIPTION_IDS: '11111111-2222-3333-4444-555555555555, 66666666-7777-8888-9999-AAAAAAAAAAAA,,',
        ALLOWED_ALERT_RULE_IDS: 'r1',
      }),
    ).toMatchObject({
      cooldownMinutes: 30,
      allowedSubscriptionIds: ['11111111-2222-3333-4444-555555555555', '66666666-7777-8888-9999-aaaaaaaaaaaa'],
      allowedAlertRuleIds: ['r1'],
    });
  });

  it('names the setting when an allowlist entry is not a subscription id', () => {
    expect(() => read({ ALLOWED_SUBSCRIPTION_IDS: 'a' })).toThrow(/ALLOWED_SUBSCRIPTION_IDS/);
  });

  it('names the setting when the cooldown or a time rule is invalid', () => {
    expect(() => read({ COOLDOWN_MINUTES: '15m' })).toThrow(/COOLDOWN_MINUTES/);
    expect(() => read({ COOLDOWN_MINUTES: '0' })).toThrow(/COOLDOWN_MINUTES/);
    expect(() => read({ ALERT_MAX_AGE_MINUTES: '0' })).toThrow(/ALERT_MAX_AGE_MINUTES/);
    expect(() => read({ MAX_INVESTIGATIONS_PER_CLUSTER_PER_HOUR: 'many' })).toThrow(
      /MAX_INVESTIGATIONS_PER_CLUSTER_PER_HOUR/,
    );
  });
});

describe('createAlertWebhookHandler', () => {
  describe('SNAT alerts', () => {
    it('starts one investigation for a static-threshold metric alert and answers 202 with a status URL only', async () => {
      const h = harness();
      const res = await h.post(fixture('metric-static-snat.json'));
      expect(res.status).toBe(202);
      expect(h.durable.starts).toHaveLength(1);
      const start = h.durable.starts[0]!;
      expect(start.name).toBe(SNAT_INVESTIGATION_ORCHESTRATOR);
      expect(start.input.target.backendIp).toBe('10.224.0.5');
      expect(start.input.requestedBy).toBe('alert');
      expect(res.body.action).toBe('investigate');
      expect(res.body.instances).toEqual([
        expect.objectContaining({ instanceId: start.instanceId, started: true, runtimeStatus: 'Pending' }),
      ]);
      expect(res.body.instances[0].statusUrl).toBe(
        `https://snat-responder.example/api/investigations/${start.instanceId}`,
      );
      expect(res.headers.Location).toBe(res.body.instances[0].statusUrl);
      // No Durable management URL (terminate, purge, raise event) and no key ever leaves.
      const text = JSON.stringify(res);
      expect(text).not.toContain(SECRET);
      expect(text).not.toMatch(/runtime\/webhooks|terminate|purge|raiseEvent|code=/);
    });

    it.each([
      ['metric-dynamic-snat.json', ['10.224.0.7']],
      ['metric-multi-resource-snat.json', ['10.224.0.9']],
      ['metric-two-backend-ips.json', ['10.224.0.5', '10.224.0.6']],
      ['metric-snat-unsplit.json', [null]],
      ['log-v2-albhealthevent-snat.json', ['10.224.0.5']],
    ])('starts investigations for %s', async (name, ips) => {
      const h = harness();
      const res = await h.post(fixture(name));
      expect(res.status).toBe(202);
      expect(h.durable.starts.map((s) => s.input.target.backendIp)).toEqual(ips);
      expect(res.body.instances.every((i: { started: boolean }) => i.started)).toBe(true);
    });

    it('starts nothing for a second delivery in the same window and answers 202 with the existing instance', async () => {
      const h = harness();
      const first = await h.post(fixture('metric-static-snat.json'));
      h.clock.now = new Date('2026-11-04T12:21:00Z');
      const second = await h.post(fixture('metric-static-snat.json'));
      expect(h.durable.starts).toHaveLength(1);
      expect(second.status).toBe(202);
      expect(second.body.instances[0]).toMatchObject({
        instanceId: first.body.instances[0].instanceId,
        started: false,
        runtimeStatus: 'Running',
        dedup: 'same-window',
      });
      expect(second.body.instances[0].statusUrl).toBe(first.body.instances[0].statusUrl);
    });

    it('still deduplicates after the instance completed within the same window', async () => {
      const h = harness();
      const first = await h.post(fixture('metric-static-snat.json'));
      h.durable.complete(first.body.instances[0].instanceId);
      const second = await h.post(fixture('metric-static-snat.json'));
      expect(h.durable.starts).toHaveLength(1);
      expect(second.body.instances[0]).toMatchObject({ started: false, runtimeStatus: 'Completed' });
    });

    it('folds an alert fired just after a window boundary into the investigation that is still cooling down', async () => {
      const h = harness();
      const early = json('metric-static-snat.json');
      early.data.essentials.firedDateTime = '2026-11-04T12:29:00Z';
      h.clock.now = new Date('2026-11-04T12:29:05Z');
      const first = await h.post(JSON.stringify(early));
      h.durable.complete(first.body.instances[0].instanceId);
      const late = json('metric-static-snat.json');
      late.data.essentials.firedDateTime = '2026-11-04T12:31:00Z';
      h.clock.now = new Date('2026-11-04T12:31:05Z');
      const second = await h.post(JSON.stringify(late));
      expect(h.durable.starts).toHaveLength(1);
      expect(second.body.instances[0]).toMatchObject({
        instanceId: first.body.instances[0].instanceId,
        started: false,
        dedup: 'previous-window-in-cooldown',
      });
    });

    it('starts a new investigation in a new window once the cooldown is over', async () => {
      const h = harness();
      const first = await h.post(fixture('metric-static-snat.json'));
      h.durable.complete(first.body.instances[0].instanceId);
      const again = json('metric-static-snat.json');
      again.data.essentials.firedDateTime = '2026-11-04T12:47:10Z';
      h.clock.now = new Date('2026-11-04T12:47:12Z');
      const second = await h.post(JSON.stringify(again));
      expect(second.status).toBe(202);
      expect(h.durable.starts).toHaveLength(2);
      expect(second.body.instances[0].instanceId).not.toBe(first.body.instances[0].instanceId);
      expect(second.body.instances[0].instanceId).toMatch(/-20261104T1245Z$/);
    });
  });

  describe('concurrent deliveries', () => {
    it('ten concurrent deliveries of one alert start exactly one instance (one process)', async () => {
      const h = harness();
      h.durable.overridable = 'AnyState'; // worst case: the extension would overwrite; the in-process lock must hold
      const responses = await Promise.all(Array.from({ length: 10 }, () => h.post(fixture('metric-static-snat.json'))));
      expect(h.durable.starts).toHaveLength(1);
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(202));
      const ids = new Set(responses.map((r) => r.body.instances[0].instanceId));
      expect(ids).toEqual(new Set([h.durable.starts[0]!.instanceId]));
      expect(responses.filter((r) => r.body.instances[0].started)).toHaveLength(1);
    });

    it('ten concurrent deliveries across ten processes start exactly one instance when the extension refuses duplicates', async () => {
      const durable = new FakeDurable();
      const handlers = Array.from({ length: 10 }, () =>
        createAlertWebhookHandler({
          getStarter: () => starterOver(durable),
          settings: () => OPTIONS,
          now: () => new Date('2026-11-04T12:18:00Z'),
        }),
      );
      const responses = (await Promise.all(
        handlers.map((handler) =>
          handler(
            new HttpRequest({
              method: 'POST',
              url: 'https://x.example/api/alerts',
              body: { string: fixture('metric-static-snat.json') },
            }),
            new InvocationContext({ logHandler: () => {} }),
          ),
        ),
      )) as HttpResponseInit[];
      expect(durable.starts).toHaveLength(1);
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(202));
      const outcomes = responses.map(
        (r) => (r.jsonBody as { instances: Array<{ started: boolean; dedup?: string }> }).instances[0]!,
      );
      expect(outcomes.filter((o) => o.started)).toHaveLength(1);
      expect(outcomes.some((o) => o.dedup === 'start-refused-existing')).toBe(true);
    });
  });

  describe('ignored alerts', () => {
    it.each([
      'sample-metric-cpu-static.json',
      'sample-metric-dynamic-storage.json',
      'sample-log-v2-heartbeat.json',
      'sample-activity-log-common.json',
      'sample-budget-common.json',
    ])('answers 200 ignore for %s and starts nothing', async (name) => {
      const h = harness();
      const res = await h.post(fixture(name));
      expect(res.status).toBe(200);
      expect(res.body.action).toBe('ignore');
      expect(res.body.reason).toMatch(/Not a SNAT alert|not a SNAT metric|ALBHealthEvent/);
      expect(h.durable.starts).toHaveLength(0);
    });

    it('records a Resolved alert on the running investigation of its window', async () => {
      const h = harness();
      const fired = await h.post(fixture('metric-static-snat.json'));
      h.clock.now = new Date('2026-11-04T12:41:10Z');
      const res = await h.post(fixture('metric-snat-resolved.json'));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ action: 'ignore', resolvedInstanceIds: [fired.body.instances[0].instanceId] });
      expect(h.durable.events).toEqual([
        {
          instanceId: fired.body.instances[0].instanceId,
          name: ALERT_RESOLVED_EVENT,
          data: {
            alertId: json('metric-snat-resolved.json').data.essentials.alertId,
            resolvedDateTime: '2026-11-04T12:41:03.5512345Z',
          },
        },
      ]);
      expect(h.durable.starts).toHaveLength(1);
    });

    it('answers 200 for a Resolved alert with no investigation, and notifies nothing finished', async () => {
      const h = harness();
      const none = await h.post(fixture('metric-snat-resolved.json'));
      expect(none.body).toMatchObject({ action: 'ignore', resolvedInstanceIds: [], notifiedInstanceIds: [] });
      const fired = await h.post(fixture('metric-static-snat.json'));
      h.durable.complete(fired.body.instances[0].instanceId);
      const done = await h.post(fixture('metric-snat-resolved.json'));
      expect(done.body).toMatchObject({
        resolvedInstanceIds: [fired.body.instances[0].instanceId],
        notifiedInstanceIds: [],
      });
      expect(h.durable.events).toHaveLength(0);
    });
  });

  describe('rejected payloads', () => {
    it.each([
      ['legacy-metric-alert.json', 'AzureMonitorMetricAlert'],
      ['classic-metric-alert.json', 'classic metric alert'],
      ['legacy-activity-log.json', 'activity log'],
      ['legacy-log-alert-v1.json', 'legacy log search alert'],
    ])('answers 400 for %s with the fix', async (name, mention) => {
      const h = harness();
      const res = await h.post(fixture(name));
      expect(res.status).toBe(400);
      expect(res.body.action).toBe('reject');
      expect(res.body.reason).toContain(mention);
      expect(res.body.reason).toContain('Enable the common alert schema');
      expect(h.durable.starts).toHaveLength(0);
    });

    it('answers 400 for truncated JSON, non-objects and non-UTF-8 bodies', async () => {
      const h = harness();
      const text = fixture('metric-static-snat.json');
      expect((await h.post(text.slice(0, 500))).status).toBe(400);
      expect((await h.post('[1,2,3]')).body.reason).toContain('got an array');
      expect((await h.post('')).status).toBe(400);
      const bad = await h.post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
      expect(bad.status).toBe(400);
      expect(bad.body.reason).toContain('UTF-8');
      expect(h.durable.starts).toHaveLength(0);
    });

    it('answers 403 for a subscription or rule outside the allowlists', async () => {
      const sub = harness({ allowedSubscriptionIds: ['ffffffff-0000-0000-0000-000000000000'] });
      expect((await sub.post(fixture('metric-static-snat.json'))).status).toBe(403);
      const rule = harness({ allowedAlertRuleIds: ['another-rule'] });
      expect((await rule.post(fixture('metric-static-snat.json'))).status).toBe(403);
      expect(sub.durable.starts.length + rule.durable.starts.length).toBe(0);
    });

    it('answers 413 from the Content-Length header without reading the body', async () => {
      const h = harness();
      const res = await h.post('{}', { 'content-length': String(300 * 1024) });
      expect(res.status).toBe(413);
    });

    it('answers 413 when the actual body is larger than 256 KB, whatever the header says', async () => {
      const h = harness();
      const body = JSON.stringify({ ...json('metric-static-snat.json'), pad: 'x'.repeat(256 * 1024) });
      const res = await h.post(body, { 'content-length': '100' });
      expect(res.status).toBe(413);
      expect(h.durable.starts).toHaveLength(0);
    });
  });

  describe('failures and logging', () => {
    it('answers 503 (so the action group retries) when Durable cannot be reached, and redacts keys in logs', async () => {
      const h = harness();
      h.durable.failGetStatus = new Error(`connect ECONNREFUSED 127.0.0.1:7071 http://localhost:7071/x?code=${SECRET}`);
      const res = await h.post(fixture('metric-static-snat.json'));
      expect(res.status).toBe(503);
      expect(res.headers['Retry-After']).toBe('30');
      expect(h.durable.starts).toHaveLength(0);
      const errors = h.logs.filter((l) => l.level === 'error');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.map((l) => l.text).join('\n')).toContain('ECONNREFUSED');
      expect(h.logs.map((l) => l.text).join('\n')).not.toContain(SECRET);
    });

    it('answers 500 without details when the configuration is broken', async () => {
      const durable = new FakeDurable();
      const handler = createAlertWebhookHandler({
        getStarter: () => starterOver(durable),
        settings: () => intakeSettings(loadSettings({ COOLDOWN_MINUTES: 'soon' })),
        now: () => new Date(),
      });
      const res = (await handler(
        new HttpRequest({
          method: 'POST',
          url: 'https://x.example/api/alerts',
          body: { string: fixture('metric-static-snat.json') },
        }),
        new InvocationContext({ logHandler: () => {} }),
      )) as HttpResponseInit;
      expect(res.status).toBe(500);
      expect(JSON.stringify(res.jsonBody)).not.toContain('soon');
    });

    it('answers 503 (retried by the action group) while an intake setting is an unresolved Key Vault reference', async () => {
      const durable = new FakeDurable();
      const reference = '@Microsoft.KeyVault(SecretUri=https://kv-snat.vault.azure.net/secrets/subs/)';
      const handler = createAlertWebhookHandler({
        getStarter: () => starterOver(durable),
        settings: () => intakeSettings(loadSlice('intake', { ALLOWED_SUBSCRIPTION_IDS: reference })),
        now: () => new Date(),
      });
      const res = (await handler(
        new HttpRequest({
          method: 'POST',
          url: 'https://x.example/api/alerts',
          body: { string: fixture('metric-static-snat.json') },
        }),
        new InvocationContext({ logHandler: () => {} }),
      )) as HttpResponseInit;
      expect(res.status).toBe(503);
      expect((res.headers as Record<string, string>)['Retry-After']).toBe('60');
      expect(JSON.stringify(res.jsonBody)).not.toContain('kv-snat');
      expect(durable.starts).toHaveLength(0);
    });

    it('is not stopped by a bad Teams or storage setting: only the intake slice is read', () => {
      expect(
        intakeSettings(
          loadSlice('intake', {
            TEAMS_WEBHOOK_URL: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/t/)',
            REPORTS_CONTAINER: 'X',
            COOLDOWN_MINUTES: '20',
          }),
        ),
      ).toMatchObject({ cooldownMinutes: 20, allowedSubscriptionIds: [], allowedAlertRuleIds: [] });
    });

    it('never logs the payload, its ids or the status URL keys at information level', async () => {
      const h = harness();
      await h.post(fixture('metric-static-snat.json'));
      await h.post(fixture('metric-static-snat.json'));
      await h.post(fixture('sample-budget-common.json'));
      const info = h.logs.filter((l) => l.level === 'information').map((l) => l.text);
      expect(info.length).toBeGreaterThanOrEqual(3);
      const all = info.join('\n');
      expect(all).toContain('"instanceIds":["snat-');
      for (const line of info) expect(JSON.parse(line)).toMatchObject({ message: 'intake', source: 'alert' });
      expect(all).not.toContain('schemaId');
      expect(all).not.toContain('5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f');
      expect(all).not.toContain(SECRET);
    });

    it('echoes at most a bounded excerpt of a hostile payload', async () => {
      const h = harness();
      const hostile = `{"schemaId":"azureMonitorCommonAlertSchema","data":{"essentials":{"alertId":"${'A'.repeat(50_000)}"`;
      const res = await h.post(hostile);
      expect(res.status).toBe(400);
      expect(res.body.reason.length).toBeLessThan(800);
      const longestRun = Math.max(...(res.body.reason.match(/A+/g) ?? ['']).map((s: string) => s.length));
      expect(longestRun).toBeLessThanOrEqual(200);
      for (const line of h.logs) expect(line.text.length).toBeLessThan(1200);
    });
  });
});

describe('redactSecrets', () => {
  it('masks code, sig and key query parameters', () => {
    expect(redactSecrets('https://h/x?taskHub=a&code=abc123&sig=zz')).toBe('https://h/x?taskHub=a&code=***&sig=***');
  });
});

/** Random changes to a valid alert: the shapes an attacker or a broken integration could send. */

const FIXTURES = [
  'metric-static-snat.json',
  'metric-dynamic-snat.json',
  'metric-two-backend-ips.json',
  'log-v2-albhealthevent-snat.json',
  'metric-snat-resolved.json',
  'sample-budget-common.json',
  'legacy-metric-alert.json',
];

function paths(value: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  out.push(prefix);
  if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) paths(value[key], [...prefix, Array.isArray(value) ? Number(key) : key], out);
  }
  return out;
}

function setAt(root: Json, path: Array<string | number>, update: (old: Json) => Json | undefined): Json {
  if (path.length === 0) return update(root);
  let node = root;
  for (const key of path.slice(0, -1)) node = node[key];
  const last = path[path.length - 1]!;
  const next = update(node[last]);
  if (next === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = next;
  return root;
}

const replacement = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constant(''),
  fc.constant([]),
  fc.constant({}),
  fc.constant('x'.repeat(270_000)),
  fc.constant('\u0000\u202e<script>\ud83d'),
  fc.integer({ min: 1, max: 3000 }).map((depth) => {
    let nested: Json = 'deep';
    for (let i = 0; i < depth; i += 1) nested = i % 2 ? [nested] : { n: nested };
    return nested;
  }),
);

const mutation = fc.record({
  kind: fc.constantFrom('drop', 'replace', 'replace', 'truncate', 'garbage', 'stack'),
  pick: fc.nat(),
  value: replacement,
  cut: fc.double({ min: 0, max: 1, noNaN: true }),
});

const mutatedPayload = fc
  .record({ fixture: fc.constantFrom(...FIXTURES), mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }) })
  .map(({ fixture: name, mutations }) => {
    let doc: Json = json(name);
    let text: string | null = null;
    for (const m of mutations) {
      const all = paths(doc);
      const path = all[m.pick % all.length]!;
      if (m.kind === 'drop') doc = setAt(doc, path, () => undefined) ?? {};
      else if (m.kind === 'replace') doc = setAt(doc, path, () => m.value);
      else if (m.kind === 'stack') doc = setAt(doc, path, (old) => [old, old]);
      else if (m.kind === 'truncate')
        text = JSON.stringify(doc).slice(0, Math.floor(JSON.stringify(doc).length * m.cut));
      else text = `${JSON.stringify(doc)}${String(m.value).slice(0, 50)}`;
    }
    return text ?? JSON.stringify(doc) ?? '';
  });

describe('mutated payloads (property-based)', () => {
  it('never answers 5xx and starts nothing unless the same payload decides to investigate', async () => {
    const h = harness();
    let runs = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(mutatedPayload, async (body) => {
        runs += 1;
        const before = h.durable.starts.length;
        h.durable.instances.clear();
        const res = await h.post(body);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect([200, 202, 400, 403, 413]).toContain(res.status);
        const decision = decideAlert(body, OPTIONS, h.clock.now);
        if (decision.action !== 'investigate') {
          expect(h.durable.starts.length).toBe(before);
          expect(res.status).not.toBe(202);
        } else {
          expect(res.status).toBe(202);
          for (const r of decision.requests)
            expect(r.instanceId).toBe(instanceIdFor(r.target, Date.parse(r.alert!.firedDateTime), 15));
        }
        if (res.status >= 400) expect(String(res.body.reason).length).toBeLessThan(2000);
      }),
      { numRuns: 300, seed: 20261104 },
    );
    expect(runs).toBeGreaterThanOrEqual(200);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(50);
  });
});
