/**
 * `snat-responder alert --dry-run` as a user runs it (the built CLI in a child process): the allowlist is
 * checked for every target AFTER classification, including a log alert's LoadBalancerResourceId dimension,
 * and load balancer ids are strictly validated. The webhook runs the same decision (decideAlert).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../../support/cli.js';

const FIXTURES = new URL('../../fixtures/alerts/', import.meta.url);
const OURS = '00000000-1111-2222-3333-444444444444';
const OTHER = '99999999-8888-7777-6666-555555555555';
const LB = (sub: string, name = 'kubernetes') =>
  `/subscriptions/${sub}/resourceGroups/MC_shop-rg_aks-shop_westeurope/providers/Microsoft.Network/loadBalancers/${name}`;

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'snat-alert-allowlist-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Alert = {
  data: {
    essentials: { alertTargetIDs: string[]; configurationItems?: string[] };
    alertContext: { condition: { allOf: Array<{ dimensions: Array<{ name: string; value: string }> }> } };
  };
};

function fixture(name: string): Alert {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Alert;
}

/** The ALBHealthEvent log alert, its LoadBalancerResourceId dimension replaced by `lbId`. */
function logAlertNaming(lbId: string): Alert {
  const alert = fixture('log-v2-albhealthevent-snat.json');
  for (const criterion of alert.data.alertContext.condition.allOf) {
    for (const d of criterion.dimensions) if (d.name === 'LoadBalancerResourceId') d.value = lbId;
  }
  return alert;
}

function dryRun(alert: Alert, ...flags: string[]) {
  const file = join(dir, `alert-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(alert));
  // --now a few minutes after the fixtures' firedDateTime: the intake ignores stale alerts (freshness rule).
  const run = runCli('alert', file, '--dry-run', '--now', '2026-11-04T12:20:00Z', ...flags);
  return {
    ...run,
    output: run.stdout
      ? (JSON.parse(run.stdout) as { action: string; reason: string; httpStatus: number; targets: unknown[] })
      : null,
  };
}

describe('alert --dry-run: allowlist after classification', () => {
  it('rejects (exit 2, 403) a log alert whose LoadBalancerResourceId names another subscription', () => {
    const alert = logAlertNaming(LB(OTHER));
    // The alert's own ids (alertId, the workspace target) are all in the allowed subscription.
    const run = dryRun(alert, '--allowed-subscription-ids', OURS);
    expect(run.code).toBe(2);
    expect(run.output).toMatchObject({ action: 'reject', httpStatus: 403, targets: [] });
    expect(run.output?.reason).toContain(`subscription ${OTHER}`);
    expect(run.output?.reason).toContain('ALLOWED_SUBSCRIPTION_IDS');
  });

  it('investigates the same alert when its load balancer is in the allowed subscription', () => {
    const run = dryRun(logAlertNaming(LB(OURS)), '--allowed-subscription-ids', OURS);
    expect(run.code).toBe(0);
    expect(run.output).toMatchObject({ action: 'investigate', httpStatus: 202 });
  });

  it('with no allowlist (the default), no subscription and no rule filter applies', () => {
    const run = dryRun(logAlertNaming(LB(OTHER)));
    expect(run.code).toBe(0);
    expect(run.output).toMatchObject({
      action: 'investigate',
      targets: [{ loadBalancerId: LB(OTHER), backendIp: '10.224.0.5' }],
    });
  });

  it('rejects a metric alert whose target load balancer is in another subscription', () => {
    const alert = fixture('metric-static-snat.json');
    alert.data.essentials.alertTargetIDs = [LB(OTHER)];
    const run = dryRun(alert, '--allowed-subscription-ids', OURS);
    expect(run.code).toBe(2);
    expect(run.output).toMatchObject({ action: 'reject', httpStatus: 403 });
  });
});

describe('alert --dry-run: strict load balancer ids', () => {
  const bad: Array<[string, string, RegExp]> = [
    [
      'a ".." segment',
      `/subscriptions/${OURS}/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/..`,
      /"\.\." segment/,
    ],
    [
      'a ".." walking out of the resource group',
      `/subscriptions/${OURS}/resourceGroups/rg/../../subscriptions/${OTHER}/resourceGroups/x/providers/Microsoft.Network/loadBalancers/kubernetes`,
      /"\.\." segment/,
    ],
    [
      'an empty segment',
      `/subscriptions/${OURS}//resourceGroups/rg/providers/Microsoft.Network/loadBalancers/kubernetes`,
      /empty segment/,
    ],
    ['a trailing slash', `${LB(OURS)}/`, /empty segment/],
    [
      'a subscription that is not a GUID',
      '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/k',
      /not a GUID/,
    ],
  ];

  it.each(bad)('rejects (exit 2, 400) a LoadBalancerResourceId dimension with %s', (_what, id, message) => {
    const run = dryRun(logAlertNaming(id));
    expect(run.code).toBe(2);
    expect(run.output).toMatchObject({ action: 'reject', httpStatus: 400 });
    expect(run.output?.reason).toMatch(message);
  });

  it.each(bad)('rejects (exit 2, 400) a metric alert target with %s', (_what, id, message) => {
    const alert = fixture('metric-static-snat.json');
    alert.data.essentials.alertTargetIDs = [id];
    const run = dryRun(alert);
    expect(run.code).toBe(2);
    expect(run.output).toMatchObject({ action: 'reject', httpStatus: 400 });
    expect(run.output?.reason).toMatch(message);
  });
});
