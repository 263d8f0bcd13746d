export { allowlistViolation, subscriptionIdOf } from './allowlist.js';
export { decideAlert } from './decide.js';
export { AlertConfigError, AlertIntakeError } from './errors.js';
export {
  assertCooldownMinutes,
  type CooldownWindow,
  cooldownWindow,
  instanceIdFor,
  isSnatInstanceId,
  targetKey,
} from './instanceId.js';
export { KeyedMutex } from './keyedLock.js';
export { ALERT_RESOLVED_EVENT, type AlertResolvedEvent, SNAT_INVESTIGATION_ORCHESTRATOR } from './names.js';
export {
  COMMON_ALERT_SCHEMA_ID,
  commonAlertSchema,
  describeNonCommonSchema,
  ENABLE_COMMON_SCHEMA_FIX,
} from './schema.js';
export { classifyAlert, isLoadBalancerId, normaliseIp, SNAT_HEALTH_EVENTS, SNAT_METRICS } from './targets.js';
export { excerpt } from './text.js';
export {
  ALERT_INTAKE_DEFAULTS,
  type AlertDecision,
  type AlertIntakeOptions,
  type AlertSummary,
  type InvestigationRequest,
  type InvestigationTarget,
} from './types.js';
