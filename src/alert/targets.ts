import ipaddr from 'ipaddr.js';
import type { z } from 'zod';
import { LOAD_BALANCER_ID_FORMAT, loadBalancerIdProblem, looksLikeLoadBalancerId } from './loadBalancerId.js';
import {
  type CommonAlert,
  describeIssues,
  type LogCriterion,
  logAlertContextSchema,
  METRIC_CONDITION_TYPES,
  type MetricCriterion,
  metricAlertContextSchema,
} from './schema.js';
import { excerpt, isPlainObject, jsonKind } from './text.js';
import type { InvestigationTarget } from './types.js';

/** Load balancer metrics that mean "outbound SNAT ports". */
export const SNAT_METRICS = ['UsedSnatPorts', 'AllocatedSnatPorts', 'SnatConnectionCount'] as const;

/** `ALBHealthEvent.HealthEventType` values that mean SNAT trouble on a backend instance. */
export const SNAT_HEALTH_EVENTS = ['SnatPortExhaustion', 'HighSnatPortUsage'] as const;

const LOAD_BALANCER_NAMESPACE = 'microsoft.network/loadbalancers';
/** Dimension names that carry the node IP: the metric's own name, and what people call the column they extract. */
const BACKEND_IP_DIMENSIONS = new Set(['backendipaddress', 'backendip']);
/** Dimension names a log search alert may split by that carry the load balancer id. */
const LOAD_BALANCER_DIMENSIONS = new Set(['loadbalancerresourceid', '_resourceid', 'resourceid']);

/** A target found in the alert, with what the alert said about it. */
export interface FoundTarget {
  target: InvestigationTarget;
  signal: string;
  metricValue: number | null;
  threshold: string | null;
}

/** Result of reading an alert's context: not ours, broken, or SNAT targets to investigate. */
export type Classification =
  | { kind: 'ignore'; reason: string }
  | { kind: 'reject'; reason: string }
  | { kind: 'snat'; description: string; found: FoundTarget[] };

/**
 * True for a valid ARM id of a load balancer (`/subscriptions/<GUID>/resourceGroups/RG/providers/Microsoft.Network/loadBalancers/N`,
 * strictly: see {@link loadBalancerIdProblem}).
 */
export function isLoadBalancerId(value: string): boolean {
  const trimmed = value.trim();
  return trimmed.startsWith('/') && loadBalancerIdProblem(trimmed) === null;
}

function dimensionKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_]/g, '');
}

/** Canonical text of an IPv4 (dotted decimal) or IPv6 address; null when `value` is not one. */
export function normaliseIp(value: string): string | null {
  const text = value.trim();
  if (text.includes('%')) return null;
  if (ipaddr.IPv4.isValidFourPartDecimal(text) || (text.includes(':') && ipaddr.IPv6.isValid(text))) {
    return ipaddr.process(text).toString();
  }
  return null;
}

function thresholdText(value: string | number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}

type LoadBalancers = { ok: true; ids: string[] } | { ok: false; reason: string };

/**
 * The distinct valid load balancer ids among `ids`; other resource ids are skipped, but an id that names a load
 * balancer and is not a valid one (`..`, empty segments, a different provider path) refuses the whole alert.
 */
function uniqueLoadBalancers(ids: readonly string[], path: string): LoadBalancers {
  const seen = new Map<string, string>();
  for (const id of ids) {
    const trimmed = id.trim();
    if (isLoadBalancerId(trimmed)) {
      if (!seen.has(trimmed.toLowerCase())) seen.set(trimmed.toLowerCase(), trimmed);
      continue;
    }
    if (looksLikeLoadBalancerId(trimmed)) {
      const problem = trimmed.startsWith('/') ? loadBalancerIdProblem(trimmed) : 'does not start with "/"';
      return {
        ok: false,
        reason: `${path}: ${excerpt(trimmed, 160)} ${problem ?? 'is not a load balancer id'}; expected ${LOAD_BALANCER_ID_FORMAT}.`,
      };
    }
  }
  return { ok: true, ids: [...seen.values()] };
}

type IpResult = { ok: true; ips: string[] } | { ok: false; reason: string };

function backendIps(
  dimensions: MetricCriterion['dimensions'] | LogCriterion['dimensions'],
  criterionPath: string,
): IpResult {
  const ips: string[] = [];
  for (const [index, dimension] of (dimensions ?? []).entries()) {
    if (!BACKEND_IP_DIMENSIONS.has(dimensionKey(dimension.name))) continue;
    const ip = normaliseIp(dimension.value);
    if (ip === null) {
      return {
        ok: false,
        reason: `${criterionPath}.dimensions[${index}].value: ${excerpt(dimension.value, 64)} is not an IP address (dimension ${excerpt(dimension.name, 40)} must hold the node IP).`,
      };
    }
    if (!ips.includes(ip)) ips.push(ip);
  }
  return { ok: true, ips };
}

/** Pairs load balancers with IPs: one LB gets each IP; several LBs cannot be paired, so each gets `null`. */
function pair(loadBalancers: readonly string[], ips: readonly string[]): InvestigationTarget[] {
  if (loadBalancers.length === 1 && ips.length > 0) {
    return ips.map((ip) => ({ loadBalancerId: loadBalancers[0] as string, backendIp: ip }));
  }
  return loadBalancers.map((lb) => ({ loadBalancerId: lb, backendIp: null }));
}

function addFound(into: FoundTarget[], item: FoundTarget): void {
  const key = `${item.target.loadBalancerId.toLowerCase()}|${item.target.backendIp ?? ''}`;
  if (!into.some((f) => `${f.target.loadBalancerId.toLowerCase()}|${f.target.backendIp ?? ''}` === key)) {
    into.push(item);
  }
}

function isSnatMetric(criterion: MetricCriterion): boolean {
  const name = criterion.metricName.toLowerCase();
  const namespaceOk =
    criterion.metricNamespace === null ||
    criterion.metricNamespace === undefined ||
    criterion.metricNamespace.toLowerCase() === LOAD_BALANCER_NAMESPACE;
  return namespaceOk && SNAT_METRICS.some((metric) => metric.toLowerCase() === name);
}

function schemaReject(error: z.ZodError): Classification {
  return { kind: 'reject', reason: `${describeIssues(error, 'data.alertContext')}.` };
}

function classifyMetric(alert: CommonAlert, context: unknown): Classification {
  const parsed = metricAlertContextSchema.safeParse(context);
  if (!parsed.success) return schemaReject(parsed.error);
  const { conditionType, condition } = parsed.data;
  const snat = condition.allOf
    .map((criterion, index) => ({ criterion, index }))
    .filter(({ criterion }) => isSnatMetric(criterion));
  if (snat.length === 0) {
    const names = condition.allOf
      .slice(0, 3)
      .map(
        (c) => `${excerpt(c.metricName, 64)} (${c.metricNamespace ? excerpt(c.metricNamespace, 64) : 'no namespace'})`,
      )
      .join(', ');
    return {
      kind: 'ignore',
      reason: `Metric alert on ${names}: not a SNAT metric of a load balancer (${SNAT_METRICS.join(', ')} on Microsoft.Network/loadBalancers).`,
    };
  }
  const targetIds = alert.data.essentials.alertTargetIDs ?? [];
  const checked = uniqueLoadBalancers(targetIds, 'data.essentials.alertTargetIDs');
  if (!checked.ok) return { kind: 'reject', reason: checked.reason };
  const loadBalancers = checked.ids;
  if (loadBalancers.length === 0) {
    if (targetIds.length === 0) {
      return {
        kind: 'reject',
        reason:
          'data.essentials.alertTargetIDs is missing or empty: a SNAT metric alert must name the load balancer it fired on.',
      };
    }
    return {
      kind: 'ignore',
      reason: `SNAT metric alert, but data.essentials.alertTargetIDs names no load balancer (first target ${excerpt(targetIds[0] ?? '', 120)}).`,
    };
  }
  const found: FoundTarget[] = [];
  for (const { criterion, index } of snat) {
    const ips = backendIps(criterion.dimensions, `data.alertContext.condition.allOf[${index}]`);
    if (!ips.ok) return { kind: 'reject', reason: ips.reason };
    for (const target of pair(loadBalancers, ips.ips)) {
      addFound(found, {
        target,
        signal:
          SNAT_METRICS.find((m) => m.toLowerCase() === criterion.metricName.toLowerCase()) ?? criterion.metricName,
        metricValue: criterion.metricValue ?? null,
        threshold: thresholdText(criterion.threshold),
      });
    }
  }
  // A target without an IP is covered by the same load balancer with IPs: drop the vaguer one.
  const withIp = new Set(found.filter((f) => f.target.backendIp).map((f) => f.target.loadBalancerId.toLowerCase()));
  const kept = found.filter((f) => f.target.backendIp !== null || !withIp.has(f.target.loadBalancerId.toLowerCase()));
  const kind = conditionType === 'DynamicThresholdCriteria' ? 'dynamic threshold' : 'static threshold';
  const several =
    loadBalancers.length > 1
      ? ' (several load balancers in one alert: backend IPs cannot be paired, each is investigated without one)'
      : '';
  return { kind: 'snat', description: `SNAT metric alert (${kind}, ${conditionType})${several}`, found: kept };
}

function snatEventIn(query: string): string | null {
  if (!/\bALBHealthEvent\b/i.test(query)) return null;
  return SNAT_HEALTH_EVENTS.find((event) => query.toLowerCase().includes(event.toLowerCase())) ?? null;
}

function classifyLog(alert: CommonAlert, context: unknown): Classification {
  const parsed = logAlertContextSchema.safeParse(context);
  if (!parsed.success) return schemaReject(parsed.error);
  const criteria = parsed.data.condition.allOf.map((criterion, index) => ({ criterion, index }));
  const onTable = criteria.filter(({ criterion }) => /\bALBHealthEvent\b/i.test(criterion.searchQuery ?? ''));
  if (onTable.length === 0) {
    return { kind: 'ignore', reason: 'Log search alert whose query does not read the ALBHealthEvent table.' };
  }
  const snat = onTable
    .map((entry) => ({ ...entry, event: snatEventIn(entry.criterion.searchQuery ?? '') }))
    .filter((entry): entry is typeof entry & { event: string } => entry.event !== null);
  if (snat.length === 0) {
    return {
      kind: 'ignore',
      reason: `Log search alert on ALBHealthEvent that does not select a SNAT health event (${SNAT_HEALTH_EVENTS.join(' or ')}).`,
    };
  }
  const scope = uniqueLoadBalancers(alert.data.essentials.alertTargetIDs ?? [], 'data.essentials.alertTargetIDs');
  if (!scope.ok) return { kind: 'reject', reason: scope.reason };
  const found: FoundTarget[] = [];
  for (const { criterion, index, event } of snat) {
    const path = `data.alertContext.condition.allOf[${index}]`;
    const dimensions = uniqueLoadBalancers(
      (criterion.dimensions ?? [])
        .filter((d) => LOAD_BALANCER_DIMENSIONS.has(dimensionKey(d.name)))
        .map((d) => d.value),
      `${path}.dimensions`,
    );
    if (!dimensions.ok) return { kind: 'reject', reason: dimensions.reason };
    const loadBalancers = dimensions.ids.length > 0 ? dimensions.ids : scope.ids;
    if (loadBalancers.length === 0) {
      return {
        kind: 'reject',
        reason: `${path}: cannot tell which load balancer exhausted its SNAT ports. Split the log search alert by the LoadBalancerResourceId column (a dimension), or scope the rule to the load balancer.`,
      };
    }
    const ips = backendIps(criterion.dimensions, path);
    if (!ips.ok) return { kind: 'reject', reason: ips.reason };
    for (const target of pair(loadBalancers, ips.ips)) {
      addFound(found, {
        target,
        signal: `ALBHealthEvent ${event}`,
        metricValue: criterion.metricValue ?? null,
        threshold: thresholdText(criterion.threshold),
      });
    }
  }
  return { kind: 'snat', description: 'ALBHealthEvent log search alert (LogQueryCriteria)', found };
}

/**
 * Reads a validated common-schema alert and decides whether it is a SNAT alert, and on what.
 * Metric alerts: SNAT metrics on `Microsoft.Network/loadBalancers`; the load balancer from `alertTargetIDs`,
 * one target per distinct `BackendIPAddress` dimension value (none: one target with `backendIp: null`).
 * Log search alerts v2: queries on `ALBHealthEvent` selecting a SNAT health event; the load balancer from a
 * `LoadBalancerResourceId` dimension or the rule scope, the node from a `BackendIP`/`BackendIPAddress` dimension.
 */
export function classifyAlert(alert: CommonAlert): Classification {
  const essentials = alert.data.essentials;
  const context = alert.data.alertContext;
  const signal = `signalType ${essentials.signalType ? excerpt(essentials.signalType, 40) : 'unknown'}, monitoringService ${essentials.monitoringService ? excerpt(essentials.monitoringService, 60) : 'unknown'}`;
  if (!isPlainObject(context)) {
    return { kind: 'ignore', reason: `Not a SNAT alert: data.alertContext is ${jsonKind(context)} (${signal}).` };
  }
  const conditionType = context.conditionType;
  if (conditionType === undefined || conditionType === null) {
    return {
      kind: 'ignore',
      reason: `Not a SNAT alert (${signal}): only metric alerts on load balancer SNAT metrics and ALBHealthEvent log search alerts start investigations.`,
    };
  }
  if (typeof conditionType !== 'string') {
    return {
      kind: 'reject',
      reason: `data.alertContext.conditionType: expected a string, got ${jsonKind(conditionType)}.`,
    };
  }
  if ((METRIC_CONDITION_TYPES as readonly string[]).includes(conditionType)) return classifyMetric(alert, context);
  if (conditionType === 'LogQueryCriteria') return classifyLog(alert, context);
  return {
    kind: 'ignore',
    reason: `Not a SNAT alert: conditionType ${excerpt(conditionType, 64)} (${signal}) is not a metric threshold or log search condition.`,
  };
}
