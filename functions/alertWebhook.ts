/**
 * Alert intake: the HTTP endpoint an Azure Monitor action group calls (function key, never a host key). Thin:
 * read the body with a bound and hand it to the intake service (`src/intake`), which decides, deduplicates and
 * starts. Answers: 202 investigate, 200 ignore (not a SNAT alert, Resolved, stale, rate-limited), 400/403/413
 * reject, 503 when Durable could not be reached (action groups retry; retries are deduplicated), 500 for broken
 * configuration. The body carries the instance ids and status URLs only.
 */
import type { HttpFunctionOptions, HttpHandler } from '@azure/functions';
import functions from '@azure/functions';
import { ALERT_INTAKE_DEFAULTS } from '../src/alert/types.js';
import type { IntakeEndpointDeps } from './intakeHttp.js';
import { intakeHandlerFactory, intakeRegistration, liveIntakeDeps } from './intakeHttp.js';

/** Builds the webhook handler over injectable dependencies (tests, the simulated world). */
export const createAlertWebhookHandler: (deps: IntakeEndpointDeps) => HttpHandler = intakeHandlerFactory(
  'alert',
  ALERT_INTAKE_DEFAULTS.maxBodyBytes,
  (intake, body, receivedAt) => intake.submitAlert(body, receivedAt),
);

/** Handler wired to the real Durable client, the settings and the clock. */
export const alertWebhook: HttpHandler = createAlertWebhookHandler(liveIntakeDeps);

/** Registration options, exported so tests can assert the trigger needs a function key. */
export const alertWebhookRegistration: HttpFunctionOptions = intakeRegistration('alerts', alertWebhook);

functions.app.http('alertWebhook', alertWebhookRegistration);
