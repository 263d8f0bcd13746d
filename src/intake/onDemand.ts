import { z } from 'zod';
import { instanceIdFor } from '../alert/instanceId.js';
import { isLoadBalancerId, normaliseIp } from '../alert/targets.js';
import type { InvestigationRequest } from '../alert/types.js';
import { subscriptionRefusal } from './subscriptionAllowlist.js';
import type { IntakeSettings } from './types.js';

/** Largest on-demand body accepted. */
export const ON_DEMAND_MAX_BODY_BYTES = 16 * 1024;

/** The on-demand request body: the load balancer, and optionally the node (name or InternalIP, v4 or v6). */
export const onDemandSchema = z
  .object({
    loadBalancerId: z.string().trim().refine(isLoadBalancerId, {
      message:
        'loadBalancerId must be a load balancer resource id: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/loadBalancers/<name>',
    }),
    node: z
      .string()
      .trim()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.:-]+$/, 'node must be a node name or an IP address')
      .optional(),
  })
  .strict();

/** What an on-demand body asks for, or why it is refused. */
export type OnDemandDecision =
  | { action: 'investigate'; request: InvestigationRequest }
  | { action: 'reject'; status: 400 | 403; reason: string };

/**
 * Parses and checks an on-demand request (pure; `receivedAt` anchors the cooldown window). The subscription
 * allowlist applies exactly as to alerts: the load balancer must live in an allowed subscription.
 *
 * @example
 * decideOnDemand('{"loadBalancerId":"/subscriptions/…/loadBalancers/kubernetes","node":"aks-np-1"}', settings, new Date())
 */
export function decideOnDemand(text: string, settings: IntakeSettings, receivedAt: Date): OnDemandDecision {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      action: 'reject',
      status: 400,
      reason: 'The body must be JSON: {"loadBalancerId": "...", "node": "<name or IP>"}.',
    };
  }
  const parsed = onDemandSchema.safeParse(json);
  if (!parsed.success) {
    return {
      action: 'reject',
      status: 400,
      reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    };
  }
  const { loadBalancerId, node } = parsed.data;
  const refused = subscriptionRefusal(loadBalancerId, settings);
  if (refused) return refused;
  const ip = node ? normaliseIp(node) : null;
  const name = node && !ip ? node.toLowerCase() : null;
  const instanceId = instanceIdFor(
    { loadBalancerId, backendIp: ip ?? name ?? null },
    receivedAt,
    settings.cooldownMinutes,
  );
  return {
    action: 'investigate',
    request: {
      instanceId,
      target: { loadBalancerId, backendIp: ip },
      alert: null,
      requestedBy: 'on-demand',
      ...(name ? { nodeHint: name } : {}),
    },
  };
}
