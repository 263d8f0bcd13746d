import { instanceIdFor } from '../alert/instanceId.js';
import { isLoadBalancerId, normaliseIp } from '../alert/targets.js';
import type { InvestigationRequest } from '../alert/types.js';
import { subscriptionRefusal } from './subscriptionAllowlist.js';
import type { IntakeSettings } from './types.js';

/** What the proactive watch asks for: one node its forecast marks `investigate`. */
export interface ProactiveRequest {
  /** The cluster's outbound load balancer (the intake's cluster key). */
  loadBalancerId: string;
  /** The node's backend IP, as the metrics name it. */
  backendIp: string;
  /** The cluster's name, for the reason and the logs. */
  cluster: string;
  /** The forecast's reason, for the logs. */
  reason: string;
}

/** What a proactive request asks for, or why it is refused. */
export type ProactiveDecision =
  | { action: 'investigate'; request: InvestigationRequest; reason: string }
  | { action: 'reject'; status: 400 | 403; reason: string };

/**
 * Checks a proactive request (pure; `receivedAt` anchors the cooldown window). The ids come from ARM, but they
 * are checked as strictly as an alert's: a load balancer id, an IP address, a subscription in the allowlist. The
 * instance id is the one an alert split by `BackendIPAddress` for the same node and window gets, so a forecast
 * and the alert that follows it name one investigation.
 *
 * @example decideProactive({ loadBalancerId, backendIp: '10.224.0.7', cluster: 'aks-prod', reason }, settings, now)
 */
export function decideProactive(
  request: ProactiveRequest,
  settings: IntakeSettings,
  receivedAt: Date,
): ProactiveDecision {
  const loadBalancerId = request.loadBalancerId.trim();
  if (!isLoadBalancerId(loadBalancerId)) {
    return { action: 'reject', status: 400, reason: 'loadBalancerId: not a load balancer resource id.' };
  }
  const ip = normaliseIp(request.backendIp);
  if (!ip) return { action: 'reject', status: 400, reason: 'backendIp: not an IP address.' };
  const refused = subscriptionRefusal(loadBalancerId, settings);
  if (refused) return refused;
  const target = { loadBalancerId, backendIp: ip };
  const cluster = request.cluster.replace(/[^\w.-]/g, '').slice(0, 63) || 'the cluster';
  return {
    action: 'investigate',
    request: {
      instanceId: instanceIdFor(target, receivedAt, settings.cooldownMinutes),
      target,
      alert: null,
      requestedBy: 'proactive',
    },
    reason: `Proactive investigation of ${ip} in ${cluster} (forecast: ${request.reason.slice(0, 300)}); cooldown window of ${settings.cooldownMinutes} min from ${receivedAt.toISOString()}.`,
  };
}
