import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryStarter } from '../../../src/intake/memoryStarter.js';
import { IntakeService } from '../../../src/intake/service.js';
import type { IntakeLogEntry, IntakeSettings, InvestigationStarter } from '../../../src/intake/types.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/alerts/${name}`, import.meta.url), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: fixtures are mutated freely
const json = (name: string): any => JSON.parse(fixture(name));

const LB =
  '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/mc_rg/providers/Microsoft.Network/loadBalancers/kubernetes';
const SETTINGS: IntakeSettings = {
  cooldownMinutes: 15,
  allowedSubscriptionIds: [],
  allowedAlertRuleIds: [],
  maxInvestigationsPerClusterPerHour: 3,
};

function intake(settings: Partial<IntakeSettings> = {}, starter?: InvestigationStarter) {
  let now = new Date('2026-11-04T12:18:00Z');
  const store = new MemoryStarter(() => now);
  const logs: IntakeLogEntry[] = [];
  const service = new IntakeService({
    settings: () => ({ ...SETTINGS, ...settings }),
    starter: starter ?? store,
    log: (e) => logs.push(e),
  });
  return {
    service,
    store,
    logs,
    at: (iso: string) => {
      now = new Date(iso);
      return now;
    },
  };
}

describe('IntakeService', () => {
  describe('alerts', () => {
    it('ignores a stale alert with the reason and starts nothing', async () => {
      const t = intake();
      const answer = await t.service.submitAlert(fixture('metric-static-snat.json'), t.at('2026-11-06T12:18:00Z'));
      expect(answer).toMatchObject({ httpStatus: 200, action: 'ignore', rule: 'stale', instances: [] });
      expect(t.store.started).toHaveLength(0);
      expect(t.logs).toEqual([
        expect.objectContaining({ message: 'intake', source: 'alert', action: 'ignore', rule: 'stale', started: [] }),
      ]);
    });

    it('starts at most maxInvestigationsPerClusterPerHour per cluster, then ignores with the rule', async () => {
      const t = intake();
      const statuses: string[] = [];
      for (const [i, ip] of ['10.224.0.4', '10.224.0.5', '10.224.0.6', '10.224.0.7'].entries()) {
        const alert = json('metric-static-snat.json');
        alert.data.alertContext.condition.allOf[0].dimensions.find(
          (d: { name: string }) => d.name === 'BackendIPAddress',
        ).value = ip;
        const answer = await t.service.submitAlert(JSON.stringify(alert), t.at(`2026-11-04T12:${18 + i}:00Z`));
        statuses.push(`${answer.httpStatus} ${answer.action}${answer.rule ? ` ${answer.rule}` : ''}`);
      }
      expect(statuses).toEqual([
        '202 investigate',
        '202 investigate',
        '202 investigate',
        '200 ignore cluster-rate-limit',
      ]);
      expect(t.store.started).toHaveLength(3);
      // An hour later the window has rolled on.
      const alert = json('metric-static-snat.json');
      alert.data.essentials.firedDateTime = '2026-11-04T13:25:00Z';
      const later = await t.service.submitAlert(JSON.stringify(alert), t.at('2026-11-04T13:25:30Z'));
      expect(later).toMatchObject({ httpStatus: 202, action: 'investigate' });
    });

    it('answers 503 when the store cannot be reached, and the log carries the redacted error', async () => {
      const failing: InvestigationStarter = {
        getStatus: () => Promise.reject(new Error('ECONNREFUSED http://x/instances/y?code=SECRET-KEY')),
        start: () => Promise.reject(new Error('unreachable')),
        raiseEvent: () => Promise.resolve(),
        startedSince: () => Promise.resolve(0),
      };
      const t = intake({}, failing);
      const answer = await t.service.submitAlert(fixture('metric-static-snat.json'), t.at('2026-11-04T12:18:00Z'));
      expect(answer).toMatchObject({ httpStatus: 503, action: 'error' });
      expect(t.logs[0]?.error).toContain('ECONNREFUSED');
      expect(JSON.stringify(t.logs)).not.toContain('SECRET-KEY');
    });

    it('answers 500 without details when the settings cannot be read', async () => {
      const logs: IntakeLogEntry[] = [];
      const service = new IntakeService({
        settings: () => {
          throw new Error('COOLDOWN_MINUTES: must be a whole number');
        },
        starter: new MemoryStarter(() => new Date()),
        log: (e) => logs.push(e),
      });
      const answer = await service.submitAlert(fixture('metric-static-snat.json'), new Date('2026-11-04T12:18:00Z'));
      expect(answer).toMatchObject({ httpStatus: 500, action: 'error' });
      expect(answer.reason).not.toContain('COOLDOWN');
      expect(logs[0]?.error).toContain('COOLDOWN_MINUTES');
    });
  });

  describe('on demand', () => {
    const body = (node?: string) => JSON.stringify({ loadBalancerId: LB, ...(node ? { node } : {}) });

    it('starts by node name (hint) or IP, in the same answer shape as alerts', async () => {
      const t = intake();
      const byName = await t.service.submitOnDemand(body('AKS-Nodepool1-0'), t.at('2026-11-04T12:18:00Z'));
      expect(byName).toMatchObject({ source: 'on-demand', httpStatus: 202, action: 'investigate' });
      expect(t.store.started[0]?.input).toMatchObject({
        requestedBy: 'on-demand',
        nodeHint: 'aks-nodepool1-0',
        target: { loadBalancerId: LB, backendIp: null },
      });
      const byIp = await t.service.submitOnDemand(body('fd00::7'), t.at('2026-11-04T12:19:00Z'));
      expect(byIp.instances[0]?.started).toBe(true);
      expect(t.store.started[1]?.input.target.backendIp).toBe('fd00::7');
    });

    it('never starts an id that exists, in any state: a completed run is not overwritten', async () => {
      const completed: InvestigationStarter & { starts: number } = {
        starts: 0,
        getStatus: async () => ({ runtimeStatus: 'Completed', createdTime: '2026-11-04T12:16:00.000Z' }),
        start: async () => {
          completed.starts += 1;
        },
        raiseEvent: async () => {},
        startedSince: async () => 0,
      };
      const t = intake({}, completed);
      const answer = await t.service.submitOnDemand(body('aks-nodepool1-0'), t.at('2026-11-04T12:18:00Z'));
      expect(answer.instances[0]).toMatchObject({ started: false, runtimeStatus: 'Completed', dedup: 'same-window' });
      expect(completed.starts).toBe(0);
    });

    it('treats a Suspended investigation of the previous window as active', async () => {
      const t = intake();
      const first = await t.service.submitOnDemand(body('10.224.0.7'), t.at('2026-11-04T12:14:00Z'));
      const previous = first.instances[0]?.instanceId as string;
      const suspended: InvestigationStarter = {
        ...t.store,
        getStatus: async (id) =>
          id === previous ? { runtimeStatus: 'Suspended', createdTime: '2026-11-04T11:00:00.000Z' } : null,
        start: (id, input) => t.store.start(id, input),
        raiseEvent: async () => {},
        startedSince: (lb, since) => t.store.startedSince(lb, since),
      };
      const again = new IntakeService({ settings: () => SETTINGS, starter: suspended });
      const answer = await again.submitOnDemand(body('10.224.0.7'), new Date('2026-11-04T12:16:00Z'));
      expect(answer.instances[0]).toMatchObject({ instanceId: previous, dedup: 'previous-window-in-cooldown' });
    });

    it('applies the subscription allowlist (403) and rejects bad bodies (400) without touching the store', async () => {
      const t = intake({ allowedSubscriptionIds: ['ffffffff-0000-0000-0000-000000000000'] });
      const denied = await t.service.submitOnDemand(body('aks-nodepool1-0'), t.at('2026-11-04T12:18:00Z'));
      expect(denied).toMatchObject({ httpStatus: 403, action: 'reject' });
      expect(denied.reason).toContain('ALLOWED_SUBSCRIPTION_IDS');
      const bad = await t.service.submitOnDemand(JSON.stringify({ loadBalancerId: `${LB}/../x` }), new Date());
      expect(bad).toMatchObject({ httpStatus: 400, action: 'reject' });
      const shell = await t.service.submitOnDemand(body('node; rm -rf /'), new Date());
      expect(shell.reason).toMatch(/^node: /);
      expect(t.store.started).toHaveLength(0);
    });
  });

  describe('proactive', () => {
    const ALERT_LB = json('metric-static-snat.json').data.essentials.alertTargetIDs[0] as string;
    const forecast = (backendIp: string, loadBalancerId = ALERT_LB) => ({
      loadBalancerId,
      backendIp,
      cluster: 'aks-shop',
      reason: 'projected to exhaust in 9.9 min',
    });

    it('starts an investigation marked proactive, in the same answer and log shape as alerts', async () => {
      const t = intake();
      const answer = await t.service.submitProactive(forecast('10.224.0.5'), t.at('2026-11-04T12:16:00Z'));
      expect(answer).toMatchObject({ source: 'proactive', httpStatus: 202, action: 'investigate' });
      expect(answer.reason).toContain('projected to exhaust in 9.9 min');
      expect(t.store.started).toHaveLength(1);
      expect(t.store.started[0]?.input).toMatchObject({
        requestedBy: 'proactive',
        alert: null,
        target: { loadBalancerId: ALERT_LB, backendIp: '10.224.0.5' },
      });
      expect(t.logs).toEqual([
        expect.objectContaining({
          message: 'intake',
          source: 'proactive',
          action: 'investigate',
          started: [answer.instances[0]?.instanceId],
        }),
      ]);
    });

    it('names the same investigation as the alert that follows it for that node: one start, not two', async () => {
      const t = intake();
      const early = await t.service.submitProactive(forecast('10.224.0.5'), t.at('2026-11-04T12:16:00Z'));
      // The alert the forecast predicted fires a minute later (BackendIPAddress 10.224.0.5, same window).
      const alert = await t.service.submitAlert(fixture('metric-static-snat.json'), t.at('2026-11-04T12:18:00Z'));
      expect(alert.instances).toEqual([
        expect.objectContaining({ instanceId: early.instances[0]?.instanceId, started: false, dedup: 'same-window' }),
      ]);
      // And a second scan five minutes later is folded the same way.
      const again = await t.service.submitProactive(forecast('10.224.0.5'), t.at('2026-11-04T12:21:00Z'));
      expect(again.instances[0]).toMatchObject({ started: false, dedup: 'same-window' });
      expect(t.store.started).toHaveLength(1);
    });

    it('counts against the same per-cluster hourly rate as alerts', async () => {
      const t = intake({ maxInvestigationsPerClusterPerHour: 2 });
      await t.service.submitAlert(fixture('metric-static-snat.json'), t.at('2026-11-04T12:18:00Z'));
      const second = await t.service.submitProactive(forecast('10.224.0.6'), t.at('2026-11-04T12:19:00Z'));
      const third = await t.service.submitProactive(forecast('10.224.0.7'), t.at('2026-11-04T12:20:00Z'));
      expect(second).toMatchObject({ httpStatus: 202, action: 'investigate' });
      expect(third).toMatchObject({ httpStatus: 200, action: 'ignore', rule: 'cluster-rate-limit' });
      expect(t.store.started).toHaveLength(2);
    });

    it('refuses what is not a load balancer and an IP, or lies outside the subscription allowlist; starts nothing', async () => {
      const t = intake();
      const notLb = await t.service.submitProactive(
        forecast('10.224.0.5', '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm'),
        t.at('2026-11-04T12:16:00Z'),
      );
      expect(notLb).toMatchObject({ action: 'reject', httpStatus: 400 });
      const notIp = await t.service.submitProactive(forecast('10.224.0.5; rm -rf /'), t.at('2026-11-04T12:16:00Z'));
      expect(notIp).toMatchObject({ action: 'reject', httpStatus: 400, reason: 'backendIp: not an IP address.' });
      const other = intake({ allowedSubscriptionIds: ['99999999-1111-2222-3333-444444444444'] });
      const outside = await other.service.submitProactive(forecast('10.224.0.5'), other.at('2026-11-04T12:16:00Z'));
      expect(outside).toMatchObject({ action: 'reject', httpStatus: 403 });
      expect(t.store.started).toHaveLength(0);
      expect(other.store.started).toHaveLength(0);
    });
  });
});
