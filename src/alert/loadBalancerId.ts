/**
 * Strict validation of load balancer resource ids: an alert is outside input, and its ids end up in ARM URLs,
 * report paths and allowlist decisions. One rule for the alert intake and the ARM adapters. Pure.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Resource group: 1-90 of letters, digits, `-_.()`, not ending in `.` (ASCII; what AKS and people use). */
const RESOURCE_GROUP = /^[A-Za-z0-9_().-]{1,90}$/;
/** Load balancer name: 1-80, starts with a letter or digit, ends with one or `_`, `-_.` inside. */
const LOAD_BALANCER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;
/** The fixed segments, compared case-insensitively, as ARM does. */
const FIXED = ['subscriptions', 'resourcegroups', 'providers', 'microsoft.network', 'loadbalancers'] as const;
/** Longest id accepted (ARM ids are far shorter; the bound keeps error texts and work small). */
export const MAX_RESOURCE_ID_LENGTH = 1024;

/** The expected shape, for error messages. */
export const LOAD_BALANCER_ID_FORMAT =
  '/subscriptions/<subscription GUID>/resourceGroups/<resource group>/providers/Microsoft.Network/loadBalancers/<name>';

/** The parts of a valid load balancer id. */
export interface LoadBalancerIdParts {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

/**
 * Why `value` is not a load balancer id, or null when it is one: exactly
 * `/subscriptions/<GUID>/resourceGroups/<rg>/providers/Microsoft.Network/loadBalancers/<name>` (fixed segments
 * case-insensitive, the leading `/` optional), no empty, `.` or `..` segment, no whitespace, no trailing `/`.
 *
 * @example loadBalancerIdProblem('/subscriptions/0000.../resourceGroups/rg/providers/Microsoft.Network/loadBalancers/../x')
 * // 'has a "." or ".." segment'
 */
export function loadBalancerIdProblem(value: string): string | null {
  const checked = checkLoadBalancerId(value);
  return typeof checked === 'string' ? checked : null;
}

/** The parts of a valid id, or the reason it is not one. */
export function checkLoadBalancerId(value: string): LoadBalancerIdParts | string {
  if (value.length > MAX_RESOURCE_ID_LENGTH) return `is longer than ${MAX_RESOURCE_ID_LENGTH} characters`;
  if (/[\s\p{Cc}]/u.test(value)) return 'contains whitespace or control characters';
  const segments = (value.startsWith('/') ? value.slice(1) : value).split('/');
  if (segments.some((s) => s === '.' || s === '..')) return 'has a "." or ".." segment';
  if (segments.some((s) => s === '')) return 'has an empty segment (a doubled or trailing "/")';
  if (segments.length !== 8) return `is not a load balancer id (expected ${LOAD_BALANCER_ID_FORMAT})`;
  const [sub, subscriptionId, rg, resourceGroup, providers, namespace, type, name] = segments as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const fixed = [sub, rg, providers, namespace, type].map((s) => s.toLowerCase());
  if (fixed.some((s, i) => s !== FIXED[i])) return `is not a load balancer id (expected ${LOAD_BALANCER_ID_FORMAT})`;
  if (!GUID.test(subscriptionId)) return 'has a subscription segment that is not a GUID';
  if (!RESOURCE_GROUP.test(resourceGroup) || resourceGroup.endsWith('.')) {
    return 'has a resource group segment with unexpected characters';
  }
  if (!LOAD_BALANCER_NAME.test(name)) return 'has a load balancer name with unexpected characters';
  return { subscriptionId, resourceGroup, name };
}

/** True when `value` names a load balancer at all (even an invalid one): such a value must be valid or refused. */
export function looksLikeLoadBalancerId(value: string): boolean {
  return /\/providers\/microsoft\.network\/loadbalancers(\/|$)/i.test(value);
}
