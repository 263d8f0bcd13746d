/**
 * Names of the investigation orchestrator and of the external events raised on it: the strings the Durable host
 * registers and routes by. Kept beside activityNames.ts and entityNames.ts, so every Durable name lives next to
 * the orchestrator that uses it.
 */

/** Name of the Durable orchestrator that runs one SNAT investigation. The orchestrator registers under this name. */
export const SNAT_INVESTIGATION_ORCHESTRATOR = 'snatInvestigation';

/**
 * External event raised on a running investigation when Azure Monitor reports the alert as Resolved.
 * Event data: {@link AlertResolvedEvent}. An orchestrator that never waits for it is unaffected.
 */
export const ALERT_RESOLVED_EVENT = 'alertResolved';

/** Payload of the {@link ALERT_RESOLVED_EVENT} external event. */
export interface AlertResolvedEvent {
  /** Azure Monitor's alert id (`essentials.alertId`) of the alert that resolved. */
  alertId: string;
  /** When Azure Monitor resolved it (`essentials.resolvedDateTime`), null when the payload does not say. */
  resolvedDateTime: string | null;
}
