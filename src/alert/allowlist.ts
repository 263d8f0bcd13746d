import type { AlertEssentials } from './schema.js';

const SUBSCRIPTION_IN_ID = /^\/subscriptions\/([^/]+)(\/|$)/i;

/** Subscription id from an ARM id (`/subscriptions/<id>/...`), lower-cased; null if the id has none. */
export function subscriptionIdOf(resourceId: string): string | null {
  const match = SUBSCRIPTION_IN_ID.exec(resourceId.trim());
  return match?.[1] ? match[1].toLowerCase() : null;
}

function normalise(list: readonly string[]): Set<string> {
  return new Set(list.map((item) => item.trim().toLowerCase()).filter((item) => item.length > 0));
}

/**
 * The allowlist check every classified target must pass: its load balancer's subscription must be allowed.
 * Runs AFTER classification, so ids the alert carries anywhere (alertTargetIDs, a log alert's
 * LoadBalancerResourceId dimension) are covered. Returns the reason for a 403, or null when allowed.
 */
export function targetAllowlistViolation(
  loadBalancerIds: readonly string[],
  allowedSubscriptionIds: readonly string[],
): string | null {
  const subscriptions = normalise(allowedSubscriptionIds);
  if (subscriptions.size === 0) return null;
  for (const id of loadBalancerIds) {
    const sub = subscriptionIdOf(id);
    if (sub === null || !subscriptions.has(sub)) {
      return `load balancer ${id.split('/').pop() ?? id} is in subscription ${sub ?? '(none)'}, which is not in the allowlist (ALLOWED_SUBSCRIPTION_IDS).`;
    }
  }
  return null;
}

/**
 * Checks the optional allowlists on the alert's own ids (before classification); returns the reason for a
 * 403, or null when allowed. {@link targetAllowlistViolation} then checks every classified target.
 * Subscriptions: the alert's own id and every `alertTargetIDs` entry must be in an allowed subscription.
 * Rules: `alertRuleID` (full resource id) or the rule name `alertRule` must be listed (case-insensitive).
 */
export function allowlistViolation(
  essentials: AlertEssentials,
  allowedSubscriptionIds: readonly string[],
  allowedAlertRuleIds: readonly string[],
): string | null {
  const subscriptions = normalise(allowedSubscriptionIds);
  if (subscriptions.size > 0) {
    const ids = [essentials.alertId, ...(essentials.alertTargetIDs ?? [])];
    const found = ids.map(subscriptionIdOf);
    if (found.every((sub) => sub === null)) {
      return 'data.essentials: no subscription id found in alertId or alertTargetIDs, and only allowlisted subscriptions may send alerts (ALLOWED_SUBSCRIPTION_IDS).';
    }
    if (found.some((sub) => sub !== null && !subscriptions.has(sub))) {
      return 'data.essentials: the alert comes from a subscription that is not in the allowlist (ALLOWED_SUBSCRIPTION_IDS).';
    }
  }
  const rules = normalise(allowedAlertRuleIds);
  if (rules.size > 0) {
    const candidates = [essentials.alertRuleID, essentials.alertRuleId, essentials.alertRule]
      .filter((value): value is string => typeof value === 'string' && value.trim().length > 0)
      .map((value) => value.trim().toLowerCase());
    if (!candidates.some((candidate) => rules.has(candidate))) {
      return 'data.essentials.alertRuleID / alertRule: the alert rule is not in the allowlist (ALLOWED_ALERT_RULE_IDS).';
    }
  }
  return null;
}
