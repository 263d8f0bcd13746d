import { subscriptionIdOf } from '../alert/allowlist.js';
import type { IntakeSettings } from './types.js';

/** The refusal of a request whose load balancer lives outside the allowed subscriptions. */
export interface SubscriptionRefusal {
  action: 'reject';
  status: 403;
  reason: string;
}

/**
 * The subscription allowlist as the on-demand and proactive intakes apply it: the load balancer must live in an
 * allowed subscription (an empty list allows every subscription). Returns the 403 refusal, or null when allowed.
 *
 * @example subscriptionRefusal('/subscriptions/…/loadBalancers/kubernetes', settings) // null or { status: 403, … }
 */
export function subscriptionRefusal(
  loadBalancerId: string,
  settings: Pick<IntakeSettings, 'allowedSubscriptionIds'>,
): SubscriptionRefusal | null {
  const allowed = settings.allowedSubscriptionIds.map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (allowed.length === 0 || allowed.includes(subscriptionIdOf(loadBalancerId) ?? '')) return null;
  return {
    action: 'reject',
    status: 403,
    reason:
      'loadBalancerId: the load balancer is in a subscription that is not in the allowlist (ALLOWED_SUBSCRIPTION_IDS).',
  };
}
