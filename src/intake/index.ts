export { durableStarter } from './durableStarter.js';
export { answerBody, answerHeaders, STATUS_ROUTE_PREFIX } from './http.js';
export { MemoryStarter, type RecordedStart } from './memoryStarter.js';
export { decideOnDemand, ON_DEMAND_MAX_BODY_BYTES, type OnDemandDecision, onDemandSchema } from './onDemand.js';
export { decideProactive, type ProactiveDecision, type ProactiveRequest } from './proactive.js';
export { errorText, redactSecrets } from './redact.js';
export { ACTIVE_STATUSES, IntakeService, type IntakeServiceDeps } from './service.js';
export { intakeSettings } from './settings.js';
export type * from './types.js';
