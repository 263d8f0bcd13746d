import { z } from 'zod';
import { excerpt, isPlainObject, jsonKind } from './text.js';

/** The only schemaId the intake accepts. */
export const COMMON_ALERT_SCHEMA_ID = 'azureMonitorCommonAlertSchema';

/** Appended to every schema complaint: what the person who wired the alert should change. */
export const ENABLE_COMMON_SCHEMA_FIX =
  "Fix: in the action group, edit this webhook (or Azure Function) action and set 'Enable the common alert schema' to Yes; see docs/alerts.md.";

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** ISO 8601 date-time with a zone, as Azure Monitor writes it (up to 7 fractional digits). */
const isoDateTime = z.string().refine((value) => ISO_DATE_TIME.test(value) && Number.isFinite(Date.parse(value)), {
  message: 'expected an ISO 8601 date-time with a zone, such as 2026-11-04T12:15:00Z',
});

const nullableString = z.string().nullish();

/** `data.essentials` of the common alert schema. Only alertId and monitorCondition are required. */
export const essentialsSchema = z.object({
  alertId: z.string().min(1),
  alertRule: nullableString,
  alertRuleID: nullableString,
  alertRuleId: nullableString,
  severity: nullableString,
  signalType: nullableString,
  monitorCondition: z.enum(['Fired', 'Resolved']),
  monitoringService: nullableString,
  alertTargetIDs: z.array(z.string()).nullish(),
  configurationItems: z.array(z.string()).nullish(),
  originAlertId: nullableString,
  firedDateTime: isoDateTime.nullish(),
  resolvedDateTime: isoDateTime.nullish(),
  description: nullableString,
});

/** Parsed `data.essentials`. */
export type AlertEssentials = z.infer<typeof essentialsSchema>;

/** The common alert schema envelope; `alertContext` is checked per alert type afterwards. */
export const commonAlertSchema = z.object({
  schemaId: z.literal(COMMON_ALERT_SCHEMA_ID),
  data: z.object({
    essentials: essentialsSchema,
    alertContext: z.unknown().optional(),
    customProperties: z.record(z.string(), z.unknown()).nullish(),
  }),
});

/** Parsed common alert schema payload. */
export type CommonAlert = z.infer<typeof commonAlertSchema>;

/** `{name, value}` dimension of a metric or log search criterion. */
export const dimensionSchema = z.object({ name: z.string(), value: z.string() });

/** Threshold is a string in the samples, a number in some log payloads, and null for some dynamic thresholds. */
const thresholdSchema = z.union([z.string(), z.number()]).nullish();

/** One `condition.allOf[]` entry of a metric alert (static, dynamic or multi-resource). */
export const metricCriterionSchema = z.object({
  metricName: z.string().min(1),
  metricNamespace: nullableString,
  operator: nullableString,
  threshold: thresholdSchema,
  timeAggregation: nullableString,
  dimensions: z.array(dimensionSchema).nullish(),
  metricValue: z.number().nullish(),
  alertSensitivity: nullableString,
});

/** Parsed metric criterion. */
export type MetricCriterion = z.infer<typeof metricCriterionSchema>;

/** Metric alert `conditionType` values this intake understands. */
export const METRIC_CONDITION_TYPES = [
  'SingleResourceMultipleMetricCriteria',
  'MultipleResourceMultipleMetricCriteria',
  'DynamicThresholdCriteria',
] as const;

/** `alertContext` of a metric alert. */
export const metricAlertContextSchema = z.object({
  conditionType: z.enum(METRIC_CONDITION_TYPES),
  condition: z.object({
    windowSize: nullableString,
    allOf: z.array(metricCriterionSchema).min(1),
    windowStartTime: isoDateTime.nullish(),
    windowEndTime: isoDateTime.nullish(),
  }),
});

/** One `condition.allOf[]` entry of a log search alert (scheduled query rules v2, `LogQueryCriteria`). */
export const logCriterionSchema = z.object({
  searchQuery: nullableString,
  metricMeasureColumn: nullableString,
  targetResourceTypes: nullableString,
  operator: nullableString,
  threshold: thresholdSchema,
  timeAggregation: nullableString,
  dimensions: z.array(dimensionSchema).nullish(),
  metricValue: z.number().nullish(),
});

/** Parsed log search criterion. */
export type LogCriterion = z.infer<typeof logCriterionSchema>;

/** `alertContext` of a log search alert v2. */
export const logAlertContextSchema = z.object({
  conditionType: z.literal('LogQueryCriteria'),
  condition: z.object({
    windowSize: nullableString,
    allOf: z.array(logCriterionSchema).min(1),
    windowStartTime: isoDateTime.nullish(),
    windowEndTime: isoDateTime.nullish(),
  }),
});

/** Path as the alert spells it: `data.alertContext.condition.allOf[0].dimensions[1].value`. */
export function formatPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(body)';
}

const MAX_ISSUES = 5;

/**
 * Turns schema issues into one sentence per field, named the way the alert names it.
 * Messages never contain the offending values, only the expectation.
 */
export function describeIssues(error: z.ZodError, prefix: string): string {
  const lines = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    const message = missing ? `is missing (expected ${issue.expected})` : issue.message;
    return `${formatPath(prefix, issue.path)}: ${message}`;
  });
  const more = error.issues.length > MAX_ISSUES ? ` (and ${error.issues.length - MAX_ISSUES} more)` : '';
  return `${lines.join('; ')}${more}`;
}

/**
 * Recognises the payload shapes Azure Monitor sends when the action does not use the common alert schema,
 * and says how to fix the action group. Returns null for a payload that claims the common schema.
 */
export function describeNonCommonSchema(body: Record<string, unknown>): string | null {
  const schemaId = body.schemaId;
  if (schemaId === COMMON_ALERT_SCHEMA_ID) return null;
  if (schemaId === 'AzureMonitorMetricAlert') {
    return `This is the legacy metric alert schema (schemaId "AzureMonitorMetricAlert"), not the common alert schema. ${ENABLE_COMMON_SCHEMA_FIX}`;
  }
  if (schemaId === 'Microsoft.Insights/activityLogs') {
    return `This is the legacy activity log alert schema (schemaId "Microsoft.Insights/activityLogs"); SNAT exhaustion is not an activity log event, and only the common alert schema is accepted. ${ENABLE_COMMON_SCHEMA_FIX}`;
  }
  if (schemaId === undefined) {
    if (isPlainObject(body.context) && 'status' in body) {
      return `This looks like a classic metric alert (no schemaId, "status" and "context" at the top level). Classic alerts are retired: create a metric alert rule on the load balancer's SNAT metrics and use the common alert schema. ${ENABLE_COMMON_SCHEMA_FIX}`;
    }
    if ('SearchQuery' in body || 'AlertRuleName' in body) {
      return `This looks like a legacy log search alert (no schemaId, "SearchQuery" at the top level). Use a log search alert rule (scheduled query rules API 2021-08-01 or later) with the common alert schema. ${ENABLE_COMMON_SCHEMA_FIX}`;
    }
    return `schemaId is missing: this is not an Azure Monitor common alert schema payload. ${ENABLE_COMMON_SCHEMA_FIX}`;
  }
  if (typeof schemaId !== 'string') {
    return `schemaId must be the string "${COMMON_ALERT_SCHEMA_ID}", got ${jsonKind(schemaId)}. ${ENABLE_COMMON_SCHEMA_FIX}`;
  }
  return `schemaId ${excerpt(schemaId, 64)} is not supported; expected "${COMMON_ALERT_SCHEMA_ID}". ${ENABLE_COMMON_SCHEMA_FIX}`;
}
