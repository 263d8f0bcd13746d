/** Name of the Durable orchestrator that runs one SNAT investigation. The orchestrator registers under this name. */
export const SNAT_INVESTIGATION_ORCHESTRATOR = 'snatInvestigation';

/**
 * External event raised on a running investigation when Azure Monitor reports the alert as Resolved.
 * Event data: {@link AlertResolvedEvent}. An orchestrator that never waits for it is unaffected.
 */
export const ALERT_RESOLVED_EVENT = 'alertResolved';

/** Payload of the {@link ALERT_RESOLVED_EVENT} external event. */
export interface AlertResolvedEvent {
  alertId: string;
  resolvedDateTime: string | null;
}
