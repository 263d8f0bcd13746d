import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decideAlert } from '../../../src/alert/decide.js';
import { AlertConfigError } from '../../../src/alert/errors.js';
import { instanceIdFor } from '../../../src/alert/instanceId.js';
import type { AlertDecision, AlertIntakeOptions } from '../../../src/alert/types.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/alerts/${name}`, import.meta.url), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: tests mutate fixture payloads freely, any shape is fair game
const json = (name: string): any => JSON.parse(fixture(name));

const SUB = '00000000-1111-2222-3333-444444444444';
const LB = `/subscriptions/${SUB}/resourcegroups/mc_shop-rg_aks-shop_westeurope/providers/microsoft.network/loadbalancers/kubernetes`;
const OPTIONS: AlertIntakeOptions = { cooldownMinutes: 15, allowedSubscriptionIds: [], allowedAlertRuleIds: [] };
const NOW = new Date('2026-11-04T12:18:00Z');

function decide(body: string | object, options: Partial<AlertIntakeOptions> = {}, now = NOW): AlertDecision {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return decideAlert(raw, { ...OPTIONS, ...options }, now);
}

function expectReject(decision: AlertDecision, status: number): string {
  expect(decision.action).toBe('reject');
  if (decision.action !== 'reject') throw new Error('unreachable');
  expect(decision.status).toBe(status);
  return decision.reason;
}

function expectInvestigate(decision: AlertDecision) {
  expect(decision.action).toBe('investigate');
  if (decision.action !== 'investigate') throw new Error(`expected investigate, got ${JSON.stringify(decision)}`);
  return decision;
}

function expectIgnore(decision: AlertDecision) {
  expect(decision.action).toBe('ignore');
  if (decision.action !== 'ignore') throw new Error(`expected ignore, got ${JSON.stringify(decision)}`);
  return decision;
}

describe('decideAlert', () => {
  describe('metric alerts on load balancer SNAT metrics', () => {
    it('investigates the backend IP of a static-threshold alert, with the alert summary', () => {
      const d = expectInvestigate(decide(fixture('metric-static-snat.json')));
      expect(d.targets).toEqual([{ loadBalancerId: LB, backendIp: '10.224.0.5' }]);
      expect(d.requests).toHaveLength(1);
      const request = d.requests[0]!;
      expect(request.instanceId).toBe(instanceIdFor(d.targets[0]!, Date.parse('2026-11-04T12:17:42Z'), 15));
      expect(request.instanceId).toMatch(/^snat-[0-9a-f]{32}-20261104T1215Z$/);
      expect(request.requestedBy).toBe('alert');
      expect(request.alert).toEqual({
        alertId: `/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f`,
        alertRule: 'aks-shop-snat-used',
        severity: 'Sev2',
        firedDateTime: '2026-11-04T12:17:42.123Z',
        signal: 'UsedSnatPorts',
        metricValue: 1016.4,
        threshold: '900',
      });
      expect(d.reason).toContain('static threshold');
      expect(JSON.parse(JSON.stringify(request))).toEqual(request);
    });

    it('investigates a dynamic-threshold alert on SnatConnectionCount', () => {
      const d = expectInvestigate(decide(fixture('metric-dynamic-snat.json')));
      expect(d.targets).toEqual([{ loadBalancerId: LB, backendIp: '10.224.0.7' }]);
      expect(d.requests[0]!.alert).toMatchObject({
        signal: 'SnatConnectionCount',
        threshold: '312.5',
        metricValue: 4411,
      });
      expect(d.reason).toContain('dynamic threshold');
    });

    it('accepts a dynamic threshold whose threshold, operator and metricValue are null', () => {
      const body = json('metric-dynamic-snat.json');
      Object.assign(body.data.alertContext.condition.allOf[0], {
        threshold: null,
        operator: null,
        metricValue: null,
        failingPeriods: null,
      });
      const d = expectInvestigate(decide(body));
      expect(d.requests[0]!.alert).toMatchObject({ threshold: null, metricValue: null });
    });

    it('investigates a multi-resource alert', () => {
      const d = expectInvestigate(decide(fixture('metric-multi-resource-snat.json')));
      expect(d.targets).toEqual([{ loadBalancerId: LB, backendIp: '10.224.0.9' }]);
    });

    it('makes one target per distinct backend IP', () => {
      const d = expectInvestigate(decide(fixture('metric-two-backend-ips.json')));
      expect(d.targets.map((t) => t.backendIp)).toEqual(['10.224.0.5', '10.224.0.6']);
      expect(new Set(d.requests.map((r) => r.instanceId)).size).toBe(2);
    });

    it('deduplicates the same IP written twice and normalises IPv6', () => {
      const body = json('metric-two-backend-ips.json');
      body.data.alertContext.condition.allOf[1].dimensions[1].value = '10.224.0.5';
      body.data.alertContext.condition.allOf[0].dimensions.push({ name: 'backendipaddress', value: 'FD00:0:0::5' });
      const d = expectInvestigate(decide(body));
      expect(d.targets.map((t) => t.backendIp)).toEqual(['10.224.0.5', 'fd00::5']);
    });

    it('investigates an alert not split by BackendIPAddress with backendIp null', () => {
      const d = expectInvestigate(decide(fixture('metric-snat-unsplit.json')));
      expect(d.targets).toEqual([{ loadBalancerId: LB, backendIp: null }]);
      expect(d.reason).toContain('worst nodes');
    });

    it('accepts SNAT metrics whose namespace is null and matches names case-insensitively', () => {
      const body = json('metric-static-snat.json');
      Object.assign(body.data.alertContext.condition.allOf[0], { metricNamespace: null, metricName: 'usedsnatports' });
      expect(expectInvestigate(decide(body)).requests[0]!.alert!.signal).toBe('UsedSnatPorts');
    });

    it('investigates each load balancer without an IP when one alert names several', () => {
      const body = json('metric-static-snat.json');
      const other = LB.replace('/kubernetes', '/kubernetes-internal');
      body.data.essentials.alertTargetIDs = [LB, other];
      const d = expectInvestigate(decide(body));
      expect(d.targets).toEqual([
        { loadBalancerId: LB, backendIp: null },
        { loadBalancerId: other, backendIp: null },
      ]);
      expect(d.reason).toContain('cannot be paired');
    });

    it('uses the receipt time when firedDateTime is absent', () => {
      const body = json('metric-static-snat.json');
      delete body.data.essentials.firedDateTime;
      const d = expectInvestigate(decide(body, {}, new Date('2026-11-04T13:02:00Z')));
      expect(d.requests[0]!.instanceId).toMatch(/-20261104T1300Z$/);
      expect(d.reason).toContain('no firedDateTime');
    });

    it('refuses more targets than one alert can reasonably hold', () => {
      const body = json('metric-static-snat.json');
      body.data.alertContext.condition.allOf[0].dimensions = Array.from({ length: 17 }, (_, i) => ({
        name: 'BackendIPAddress',
        value: `10.224.1.${i + 1}`,
      }));
      expect(expectReject(decide(body), 400)).toContain('Split the alert rule by BackendIPAddress');
    });
  });

  describe('log search alerts on ALBHealthEvent', () => {
    it('investigates the load balancer and backend IP from the dimensions', () => {
      const d = expectInvestigate(decide(fixture('log-v2-albhealthevent-snat.json')));
      expect(d.targets).toEqual([
        {
          loadBalancerId: `/subscriptions/${SUB}/resourceGroups/MC_shop-rg_aks-shop_westeurope/providers/Microsoft.Network/loadBalancers/kubernetes`,
          backendIp: '10.224.0.5',
        },
      ]);
      expect(d.requests[0]!.alert).toMatchObject({ signal: 'ALBHealthEvent SnatPortExhaustion', severity: 'Sev1' });
    });

    it('gives the same instance id as the metric alert for the same node and window (case-insensitive LB id)', () => {
      const log = expectInvestigate(decide(fixture('log-v2-albhealthevent-snat.json')));
      const metric = expectInvestigate(decide(fixture('metric-static-snat.json')));
      expect(log.requests[0]!.instanceId).toBe(metric.requests[0]!.instanceId);
    });

    it('uses the rule scope when the rule is scoped to the load balancer', () => {
      const body = json('log-v2-albhealthevent-snat.json');
      body.data.essentials.alertTargetIDs = [LB];
      body.data.alertContext.condition.allOf[0].dimensions = [{ name: 'BackendIPAddress', value: '10.224.0.8' }];
      expect(expectInvestigate(decide(body)).targets).toEqual([{ loadBalancerId: LB, backendIp: '10.224.0.8' }]);
    });

    it('rejects with a fix when the load balancer cannot be known', () => {
      const body = json('log-v2-albhealthevent-snat.json');
      body.data.alertContext.condition.allOf[0].dimensions = [{ name: 'BackendIP', value: '10.224.0.5' }];
      const reason = expectReject(decide(body), 400);
      expect(reason).toContain('data.alertContext.condition.allOf[0]');
      expect(reason).toContain('LoadBalancerResourceId');
    });

    it('ignores ALBHealthEvent queries about other health events', () => {
      const body = json('log-v2-albhealthevent-snat.json');
      body.data.alertContext.condition.allOf[0].searchQuery =
        'ALBHealthEvent | where HealthEventType == "NoHealthyBackends"';
      expect(expectIgnore(decide(body)).reason).toContain('SnatPortExhaustion');
    });

    it('ignores the documented Heartbeat log search alert', () => {
      expect(expectIgnore(decide(fixture('sample-log-v2-heartbeat.json'))).reason).toContain('ALBHealthEvent');
    });
  });

  describe('other common-schema alerts', () => {
    it.each([
      ['sample-metric-cpu-static.json', 'Percentage CPU'],
      ['sample-metric-dynamic-storage.json', 'Egress'],
      ['sample-availability-test.json', 'WebtestLocationAvailabilityCriteria'],
      ['sample-activity-log-common.json', 'Activity Log'],
      ['sample-budget-common.json', 'CostAlerts'],
    ])('ignores %s with a reason', (name, mention) => {
      const d = expectIgnore(decide(fixture(name)));
      expect(d.reason).toContain(mention);
      expect(d.resolvedInstanceIds).toEqual([]);
    });

    it('ignores a SNAT metric on something that is not a load balancer', () => {
      const body = json('metric-static-snat.json');
      body.data.essentials.alertTargetIDs = [
        `/subscriptions/${SUB}/resourcegroups/x/providers/microsoft.compute/virtualmachines/vm`,
      ];
      expect(expectIgnore(decide(body)).reason).toContain('names no load balancer');
    });
  });

  describe('resolved alerts', () => {
    it('ignores them and names the instance ids of the window they fired in', () => {
      const fired = expectInvestigate(decide(fixture('metric-static-snat.json')));
      const resolved = expectIgnore(decide(fixture('metric-snat-resolved.json'), {}, new Date('2026-11-04T12:41:10Z')));
      expect(resolved.reason).toContain('Resolved');
      expect(resolved.resolvedInstanceIds).toEqual(fired.requests.map((r) => r.instanceId));
    });
  });

  describe('legacy and malformed payloads', () => {
    it.each([
      ['legacy-metric-alert.json', 'AzureMonitorMetricAlert'],
      ['legacy-activity-log.json', 'Microsoft.Insights/activityLogs'],
      ['classic-metric-alert.json', 'classic metric alert'],
      ['legacy-log-alert-v1.json', 'legacy log search alert'],
    ])('rejects %s and says how to enable the common schema', (name, mention) => {
      const reason = expectReject(decide(fixture(name)), 400);
      expect(reason).toContain(mention);
      expect(reason).toContain('Enable the common alert schema');
    });

    it('rejects truncated JSON with a bounded excerpt', () => {
      const text = fixture('metric-static-snat.json');
      const reason = expectReject(decide(text.slice(0, text.length / 2)), 400);
      expect(reason).toContain('not valid JSON');
      expect(reason).toContain('"{\\n  \\"schemaId\\"');
      expect(reason.length).toBeLessThan(800);
    });

    it('rejects an empty body', () => {
      expect(expectReject(decide(''), 400)).toContain('The body is empty');
    });

    it.each([
      ['[]', 'an array'],
      ['null', 'null'],
      ['"alert"', 'a string'],
      ['42', 'a number'],
    ])('rejects the non-object %s', (body, kind) => {
      expect(expectReject(decide(body), 400)).toContain(`got ${kind}`);
    });

    it('rejects a payload without schemaId', () => {
      expect(expectReject(decide({ data: {} }), 400)).toContain('schemaId is missing');
    });

    it('rejects an unknown or mistyped schemaId without echoing much of it', () => {
      expect(expectReject(decide({ schemaId: 7 }), 400)).toContain('got a number');
      const reason = expectReject(decide({ schemaId: 'x'.repeat(5000) }), 400);
      expect(reason).toContain('is not supported');
      expect(reason.length).toBeLessThan(600);
    });

    it('names missing and mistyped fields the way the alert spells them', () => {
      const body = json('metric-static-snat.json');
      delete body.data.essentials.alertId;
      body.data.essentials.monitorCondition = 'Open';
      body.data.essentials.alertTargetIDs = [42];
      body.data.essentials.firedDateTime = 'yesterday';
      const reason = expectReject(decide(body), 400);
      expect(reason).toContain('data.essentials.alertId: is missing (expected string)');
      expect(reason).toContain('data.essentials.monitorCondition');
      expect(reason).toContain('data.essentials.alertTargetIDs[0]');
      expect(reason).toContain('data.essentials.firedDateTime: expected an ISO 8601 date-time');
    });

    it('rejects a mistyped metric criterion with its path', () => {
      const body = json('metric-static-snat.json');
      body.data.alertContext.condition.allOf[0].metricValue = 'lots';
      expect(expectReject(decide(body), 400)).toContain('data.alertContext.condition.allOf[0].metricValue');
    });

    it('rejects a SNAT alert without alertTargetIDs', () => {
      const body = json('metric-static-snat.json');
      body.data.essentials.alertTargetIDs = [];
      expect(expectReject(decide(body), 400)).toContain('data.essentials.alertTargetIDs is missing or empty');
    });

    it('rejects a BackendIPAddress that is not an IP, quoting a bounded excerpt', () => {
      const body = json('metric-static-snat.json');
      body.data.alertContext.condition.allOf[0].dimensions[1].value = `node-1${'x'.repeat(1000)}`;
      const reason = expectReject(decide(body), 400);
      expect(reason).toContain('data.alertContext.condition.allOf[0].dimensions[1].value');
      expect(reason.length).toBeLessThan(400);
    });

    it('rejects a conditionType that is not a string', () => {
      const body = json('metric-static-snat.json');
      body.data.alertContext.conditionType = ['SingleResourceMultipleMetricCriteria'];
      expect(expectReject(decide(body), 400)).toContain('data.alertContext.conditionType');
    });
  });

  describe('allowlists', () => {
    it('allows listed subscriptions and rules (case-insensitive, by rule id or name)', () => {
      expectInvestigate(decide(fixture('metric-static-snat.json'), { allowedSubscriptionIds: [SUB.toUpperCase()] }));
      expectInvestigate(
        decide(fixture('metric-static-snat.json'), {
          allowedAlertRuleIds: [
            `/subscriptions/${SUB}/resourceGroups/shop-rg/providers/Microsoft.Insights/metricAlerts/aks-shop-snat-used`,
          ],
        }),
      );
      expectInvestigate(
        decide(fixture('metric-dynamic-snat.json'), { allowedAlertRuleIds: ['aks-shop-snat-failed-dynamic'] }),
      );
    });

    it('refuses other subscriptions with 403, even for alerts it would ignore', () => {
      expect(
        expectReject(
          decide(fixture('metric-static-snat.json'), {
            allowedSubscriptionIds: ['ffffffff-0000-0000-0000-000000000000'],
          }),
          403,
        ),
      ).toContain('ALLOWED_SUBSCRIPTION_IDS');
      expectReject(
        decide(fixture('sample-metric-cpu-static.json'), {
          allowedSubscriptionIds: ['ffffffff-0000-0000-0000-000000000000'],
        }),
        403,
      );
    });

    it('refuses when one target lies in another subscription', () => {
      const body = json('metric-static-snat.json');
      body.data.essentials.alertTargetIDs.push(LB.replace(SUB, 'ffffffff-0000-0000-0000-000000000000'));
      expectReject(decide(body, { allowedSubscriptionIds: [SUB] }), 403);
    });

    it('refuses other alert rules with 403', () => {
      expect(
        expectReject(decide(fixture('metric-static-snat.json'), { allowedAlertRuleIds: ['some-other-rule'] }), 403),
      ).toContain('ALLOWED_ALERT_RULE_IDS');
    });
  });

  describe('body size', () => {
    it('refuses bodies over the limit with 413 before parsing', () => {
      const big = `{"schemaId":"azureMonitorCommonAlertSchema","pad":"${'a'.repeat(256 * 1024)}"}`;
      expect(expectReject(decide(big), 413)).toContain('262144');
    });

    it('counts bytes, not characters', () => {
      const body = `"${'é'.repeat(600)}"`;
      expectReject(decide(body, { maxBodyBytes: 1000 }), 413);
      expectReject(decide(body, { maxBodyBytes: 1300 }), 400);
    });
  });

  describe('options', () => {
    it('throws AlertConfigError on a bad cooldown or body limit, never a decision', () => {
      expect(() => decide('{}', { cooldownMinutes: 0 })).toThrow(AlertConfigError);
      expect(() => decide('{}', { cooldownMinutes: 2.5 })).toThrow(/cooldownMinutes/);
      expect(() => decide('{}', { maxBodyBytes: -1 })).toThrow(/maxBodyBytes/);
    });
  });
});
