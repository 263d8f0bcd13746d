/**
 * Alert intake: the HTTP endpoint an Azure Monitor action group calls (function key, never a host key). Thin:
 * read the body with a bound and hand it to the intake service (`src/intake`), which decides, deduplicates and
 * starts. Answers: 202 investigate, 200 ignore (not a SNAT alert, Resolved, stale, rate-limited), 400/403/413
 * reject, 503 when Durable could not be reached (action groups retry; retries are deduplicated), 500 for broken
 * configuration. The body carries the instance ids and status URLs only.
 */
import type { HttpFunctionOptions, HttpHandler } from '@azure/functions';
import functions from '@azure/functions';
import * as df from 'durable-functions';
import { KeyedMutex } from '../src/alert/keyedLock.js';
import { ALERT_INTAKE_DEFAULTS } from '../src/alert/types.js';
import { handleIntake, type IntakeEndpointDeps, liveIntakeDeps } from './intakeHttp.js';

/** Builds the webhook handler over injectable dependencies (tests, the simulated world). */
export function createAlertWebhookHandler(deps: IntakeEndpointDeps): HttpHandler {
  const wired = { ...deps, locks: deps.locks ?? new KeyedMutex() };
  return (request, context) =>
    handleIntake('alert', ALERT_INTAKE_DEFAULTS.maxBodyBytes, wired, request, context, (intake, body, receivedAt) =>
      intake.submitAlert(body, receivedAt),
    );
}

/** Handler wired to the real Durable client, the settings and the clock. */
export const alertWebhook: HttpHandler = createAlertWebhookHandler(liveIntakeDeps);

/** Registration options, exported so tests can assert the trigger needs a function key. */
export const alertWebhookRegistration: HttpFunctionOptions = {
  methods: ['POST'],
  authLevel: 'function',
  route: 'alerts',
  extraInputs: [df.input.durableClient()],
  handler: alertWebhook,
};

functions.app.http('alertWebhook', alertWebhookRegistration);
