import { allowlistViolation, targetAllowlistViolation } from './allowlist.js';
import { AlertConfigError } from './errors.js';
import { freshnessViolation } from './freshness.js';
import { assertCooldownMinutes, instanceIdFor } from './instanceId.js';
import {
  type CommonAlert,
  commonAlertSchema,
  describeIssues,
  describeNonCommonSchema,
  ENABLE_COMMON_SCHEMA_FIX,
} from './schema.js';
import { classifyAlert, type FoundTarget } from './targets.js';
import { excerpt, isPlainObject, jsonKind } from './text.js';
import {
  ALERT_INTAKE_DEFAULTS,
  type AlertDecision,
  type AlertIntakeOptions,
  type AlertSummary,
  type InvestigationRequest,
} from './types.js';

function reject(status: 400 | 403 | 413, reason: string): AlertDecision {
  return { action: 'reject', status, reason };
}

function checkedMaxBodyBytes(options: AlertIntakeOptions): number {
  const max = options.maxBodyBytes ?? ALERT_INTAKE_DEFAULTS.maxBodyBytes;
  if (!Number.isInteger(max) || max < 1) {
    throw new AlertConfigError(`maxBodyBytes must be a positive whole number of bytes, got ${String(max)}`);
  }
  return max;
}

/** Parses the body and checks it is a common-schema alert; returns the alert or a rejection. */
function parseCommonAlert(rawBody: string): CommonAlert | AlertDecision {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch (error) {
    const detail = error instanceof Error ? excerpt(error.message, 120) : 'parse error';
    const start = rawBody.trim().length === 0 ? 'The body is empty.' : `The body starts with ${excerpt(rawBody, 200)}.`;
    return reject(400, `The body is not valid JSON (${detail}). ${start} ${ENABLE_COMMON_SCHEMA_FIX}`);
  }
  if (!isPlainObject(body)) {
    return reject(
      400,
      `The body must be a JSON object (an Azure Monitor alert), got ${jsonKind(body)}. ${ENABLE_COMMON_SCHEMA_FIX}`,
    );
  }
  const legacy = describeNonCommonSchema(body);
  if (legacy) return reject(400, legacy);
  const parsed = commonAlertSchema.safeParse(body);
  if (!parsed.success) {
    return reject(
      400,
      `Not a valid common alert schema payload: ${describeIssues(parsed.error, '')}. ${ENABLE_COMMON_SCHEMA_FIX}`,
    );
  }
  return parsed.data;
}

function summaryOf(alert: CommonAlert, found: FoundTarget, anchorIso: string): AlertSummary {
  const essentials = alert.data.essentials;
  return {
    alertId: essentials.alertId,
    alertRule: essentials.alertRule ?? essentials.alertRuleID ?? essentials.alertRuleId ?? 'unknown',
    severity: essentials.severity ?? 'unknown',
    firedDateTime: anchorIso,
    signal: found.signal,
    metricValue: found.metricValue,
    threshold: found.threshold,
  };
}

function describeTargets(found: readonly FoundTarget[]): string {
  return found
    .map(
      (f) =>
        `${f.target.loadBalancerId.split('/').pop() ?? 'load balancer'} ${f.target.backendIp ? `backend ${f.target.backendIp}` : '(worst nodes, no BackendIPAddress dimension)'}`,
    )
    .join(', ');
}

/**
 * Decides what to do with one Azure Monitor alert delivery: investigate (with deterministic instance ids),
 * ignore (not a SNAT alert, Resolved, or not fresh), or reject (400 schema, 403 allowlist, 413 size). Pure: the
 * caller passes `now`, the receipt time: the freshness rule measures `firedDateTime` against it (fired more than
 * `maxAlertAgeMinutes` before, or `maxFutureSkewMinutes` after, is ignored), and it anchors the window when the
 * alert carries no `firedDateTime`.
 *
 * The cooldown window is `floor(firedDateTime / cooldown)`: every retry and every re-delivery of one alert
 * maps to the same instance ids.
 *
 * @throws AlertConfigError when `options` are invalid (never because of the payload).
 * @example
 * const decision = decideAlert(body, { cooldownMinutes: 15, allowedSubscriptionIds: [], allowedAlertRuleIds: [] }, new Date());
 * if (decision.action === 'investigate') for (const r of decision.requests) await client.startNew(SNAT_INVESTIGATION_ORCHESTRATOR, { instanceId: r.instanceId, input: r });
 */
export function decideAlert(rawBody: string, options: AlertIntakeOptions, now: Date): AlertDecision {
  assertCooldownMinutes(options.cooldownMinutes);
  const maxBodyBytes = checkedMaxBodyBytes(options);
  const size = Buffer.byteLength(rawBody, 'utf8');
  if (size > maxBodyBytes) {
    return reject(
      413,
      `The body is ${size} bytes; alerts larger than ${maxBodyBytes} bytes are refused (the common alert schema caps alerts at 256 KB).`,
    );
  }
  const alert = parseCommonAlert(rawBody);
  if ('action' in alert) return alert;
  const essentials = alert.data.essentials;

  const denied = allowlistViolation(essentials, options.allowedSubscriptionIds, options.allowedAlertRuleIds);
  if (denied) return reject(403, denied);

  const classification = classifyAlert(alert);
  if (classification.kind === 'reject') return reject(400, classification.reason);
  if (classification.kind === 'ignore')
    return { action: 'ignore', reason: classification.reason, resolvedInstanceIds: [] };

  const found = classification.found;
  const outside = targetAllowlistViolation(
    found.map((f) => f.target.loadBalancerId),
    options.allowedSubscriptionIds,
  );
  if (outside) return reject(403, outside);
  if (found.length > ALERT_INTAKE_DEFAULTS.maxTargetsPerAlert) {
    return reject(
      400,
      `The alert names ${found.length} load balancer / backend IP pairs; at most ${ALERT_INTAKE_DEFAULTS.maxTargetsPerAlert} are investigated per alert. Split the alert rule by BackendIPAddress so each node fires its own alert.`,
    );
  }
  if (Number.isNaN(now.getTime())) throw new AlertConfigError('now must be a valid date');
  const anchorMs = essentials.firedDateTime ? Date.parse(essentials.firedDateTime) : now.getTime();
  const anchorIso = new Date(anchorMs).toISOString();
  const requests: InvestigationRequest[] = found.map((f) => ({
    instanceId: instanceIdFor(f.target, anchorMs, options.cooldownMinutes),
    target: f.target,
    alert: summaryOf(alert, f, anchorIso),
    requestedBy: 'alert',
  }));
  const anchorNote = essentials.firedDateTime ? '' : ' (no firedDateTime: window taken from receipt time)';
  if (essentials.monitorCondition !== 'Resolved' && essentials.firedDateTime) {
    const stale = freshnessViolation(anchorMs, now, options);
    if (stale) return { action: 'ignore', reason: stale.reason, resolvedInstanceIds: [], rule: stale.rule };
  }

  if (essentials.monitorCondition === 'Resolved') {
    return {
      action: 'ignore',
      reason: `${classification.description} is Resolved: nothing new to investigate; investigations of this alert's window${anchorNote} are listed in resolvedInstanceIds.`,
      resolvedInstanceIds: requests.map((r) => r.instanceId),
    };
  }
  return {
    action: 'investigate',
    reason: `${classification.description}: ${describeTargets(found)}; cooldown window of ${options.cooldownMinutes} min from ${anchorIso}${anchorNote}.`,
    targets: found.map((f) => f.target),
    requests,
  };
}
