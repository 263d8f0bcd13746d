/**
 * On-demand investigation: `POST /api/investigations` with `{"loadBalancerId": "...", "node": "<name or IP>"}`
 * (function key). Thin: the intake service applies the same allowlists, dedupe, cooldown and rate as alerts and
 * never overwrites an existing instance; the answer carries the instance id and a status URL only.
 */
import type { HttpFunctionOptions, HttpHandler } from '@azure/functions';
import functions from '@azure/functions';
import * as df from 'durable-functions';
import { KeyedMutex } from '../src/alert/keyedLock.js';
import { ON_DEMAND_MAX_BODY_BYTES } from '../src/intake/onDemand.js';
import { handleIntake, type IntakeEndpointDeps, liveIntakeDeps } from './intakeHttp.js';

/** Builds the on-demand handler over injectable dependencies (tests, the simulated world). */
export function createInvestigateNodeHandler(deps: IntakeEndpointDeps): HttpHandler {
  const wired = { ...deps, locks: deps.locks ?? new KeyedMutex() };
  return (request, context) =>
    handleIntake('on-demand', ON_DEMAND_MAX_BODY_BYTES, wired, request, context, (intake, body, receivedAt) =>
      intake.submitOnDemand(body, receivedAt),
    );
}

/** Handler wired to the real Durable client, the settings and the clock. */
export const investigateNode: HttpHandler = createInvestigateNodeHandler(liveIntakeDeps);

/** Registration options, exported so tests can assert the trigger needs a function key. */
export const investigateNodeRegistration: HttpFunctionOptions = {
  methods: ['POST'],
  authLevel: 'function',
  route: 'investigations',
  extraInputs: [df.input.durableClient()],
  handler: investigateNode,
};

functions.app.http('investigateNode', investigateNodeRegistration);
