/**
 * On-demand investigation: `POST /api/investigations` with `{"loadBalancerId": "...", "node": "<name or IP>"}`
 * (function key). Thin: the intake service applies the same allowlists, dedupe, cooldown and rate as alerts and
 * never overwrites an existing instance; the answer carries the instance id and a status URL only.
 */
import type { HttpFunctionOptions, HttpHandler } from '@azure/functions';
import functions from '@azure/functions';
import { ON_DEMAND_MAX_BODY_BYTES } from '../src/intake/onDemand.js';
import type { IntakeEndpointDeps } from './intakeHttp.js';
import { intakeHandlerFactory, intakeRegistration, liveIntakeDeps } from './intakeHttp.js';

/** Builds the on-demand handler over injectable dependencies (tests, the simulated world). */
export const createInvestigateNodeHandler: (deps: IntakeEndpointDeps) => HttpHandler = intakeHandlerFactory(
  'on-demand',
  ON_DEMAND_MAX_BODY_BYTES,
  (intake, body, receivedAt) => intake.submitOnDemand(body, receivedAt),
);

/** Handler wired to the real Durable client, the settings and the clock. */
export const investigateNode: HttpHandler = createInvestigateNodeHandler(liveIntakeDeps);

/** Registration options, exported so tests can assert the trigger needs a function key. */
export const investigateNodeRegistration: HttpFunctionOptions = intakeRegistration('investigations', investigateNode);

functions.app.http('investigateNode', investigateNodeRegistration);
