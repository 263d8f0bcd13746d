import { describe, expect, it } from 'vitest';
import { decideOnDemand } from '../../../src/intake/onDemand.js';
import { decideProactive } from '../../../src/intake/proactive.js';
import { subscriptionRefusal } from '../../../src/intake/subscriptionAllowlist.js';

const SUB = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const LB = `/subscriptions/${SUB}/resourceGroups/MC_rg/providers/Microsoft.Network/loadBalancers/kubernetes`;
const settings = (allowed: string[]) => ({
  cooldownMinutes: 15,
  allowedSubscriptionIds: allowed,
  allowedAlertRuleIds: [],
  maxInvestigationsPerClusterPerHour: 5,
});

describe('subscriptionRefusal', () => {
  it('allows every subscription when the list is empty or blank', () => {
    expect(subscriptionRefusal(LB, settings([]))).toBeNull();
    expect(subscriptionRefusal(LB, settings(['  ']))).toBeNull();
  });

  it('allows a listed subscription whatever its case and spacing', () => {
    expect(subscriptionRefusal(LB, settings([` ${SUB.toUpperCase()} `]))).toBeNull();
  });

  it('refuses with 403 a subscription not in the list, and an id without one', () => {
    const refusal = subscriptionRefusal(LB, settings(['11111111-2222-3333-4444-555555555555']));
    expect(refusal).toMatchObject({ action: 'reject', status: 403 });
    expect(refusal?.reason).toContain('ALLOWED_SUBSCRIPTION_IDS');
    expect(subscriptionRefusal('/resourceGroups/x', settings([SUB]))?.status).toBe(403);
  });

  it('is the check both the on-demand and the proactive intake apply', () => {
    const other = settings(['11111111-2222-3333-4444-555555555555']);
    const now = new Date('2026-01-01T00:00:00Z');
    const expected = subscriptionRefusal(LB, other);
    expect(decideOnDemand(JSON.stringify({ loadBalancerId: LB }), other, now)).toEqual(expected);
    expect(
      decideProactive({ loadBalancerId: LB, backendIp: '10.224.0.7', cluster: 'aks', reason: 'r' }, other, now),
    ).toEqual(expected);
  });
});
