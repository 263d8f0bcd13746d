/**
 * What both intake endpoints share: the body read with a bound, the answer written as JSON with status URLs only,
 * and the one log line per request. The decisions live in `src/intake`.
 */
import type {
  HttpFunctionOptions,
  HttpHandler,
  HttpRequest,
  HttpResponseInit,
  InvocationContext,
} from '@azure/functions';
import * as df from 'durable-functions';
import { KeyedMutex } from '../src/alert/keyedLock.js';
import { loadSlice } from '../src/config/settings.js';
import { durableStarter } from '../src/intake/durableStarter.js';
import { answerBody, answerHeaders } from '../src/intake/http.js';
import { IntakeService } from '../src/intake/service.js';
import { intakeSettings } from '../src/intake/settings.js';
import type { IntakeAnswer, IntakeLogEntry, InvestigationStarter } from '../src/intake/types.js';
import { readBody } from './httpBody.js';
import { functionLogger } from './telemetry.js';

/** Everything an intake endpoint depends on, injectable for tests. */
export interface IntakeEndpointDeps {
  /** The orchestration store for this invocation (the Durable client in Azure). */
  getStarter(context: InvocationContext): InvestigationStarter;
  /** The intake settings slice; may throw (a 500 naming nothing secret). */
  settings(): ReturnType<typeof intakeSettings>;
  /** The receipt time every time rule is measured from. */
  now(): Date;
  /** Check-then-start locks shared by the endpoints of one process (default: one set per handler). */
  locks?: KeyedMutex;
}

let overrides: Partial<Pick<IntakeEndpointDeps, 'now' | 'settings'>> | null = null;

/**
 * Lets the simulated world measure receipt times on its virtual clock and hand in its own settings. Production
 * never calls it. `null` restores the defaults.
 */
export function setIntakeOverrides(value: Partial<Pick<IntakeEndpointDeps, 'now' | 'settings'>> | null): void {
  overrides = value;
}

/** The production wiring: Durable client, process settings, wall clock. */
export const liveIntakeDeps: IntakeEndpointDeps = {
  getStarter: (context) => durableStarter(df.getClient(context)),
  settings: () => (overrides?.settings ?? (() => intakeSettings(loadSlice('intake', process.env))))(),
  now: () => (overrides?.now ?? (() => new Date()))(),
  locks: new KeyedMutex(),
};

/** Writes the intake's log entry through the invocation's logger, at its level (its fields as dimensions). */
export function logTo(context: InvocationContext): (entry: IntakeLogEntry) => void {
  return ({ level, message, ...fields }) => {
    const logger = functionLogger(context, { instanceId: fields.instanceIds[0] });
    logger[level](message, fields);
  };
}

/** Turns an intake answer into the HTTP response (status URLs only; no management URL or key). */
export function toResponse(answer: IntakeAnswer, request: HttpRequest): HttpResponseInit {
  const origin = new URL(request.url).origin;
  return { status: answer.httpStatus, jsonBody: answerBody(answer, origin), headers: answerHeaders(answer, origin) };
}

/** A refusal decided before the intake runs (size, encoding), in the same answer shape and log shape. */
export function refuse(
  source: IntakeAnswer['source'],
  status: 400 | 413,
  reason: string,
  request: HttpRequest,
  context: InvocationContext,
  receivedAt: Date,
): HttpResponseInit {
  const answer: IntakeAnswer = { source, httpStatus: status, action: 'reject', reason, targets: [], instances: [] };
  logTo(context)({
    level: 'warn',
    message: 'intake',
    source,
    action: 'reject',
    httpStatus: status,
    reason,
    rule: null,
    receivedAt: receivedAt.toISOString(),
    instanceIds: [],
    started: [],
    dedup: [],
    loadBalancerIds: [],
  });
  return toResponse(answer, request);
}

/** Reads the body (bounded, UTF-8) and hands it to `submit`; the shared flow of both endpoints. */
export async function handleIntake(
  source: IntakeAnswer['source'],
  maxBodyBytes: number,
  deps: IntakeEndpointDeps & { locks: KeyedMutex },
  request: HttpRequest,
  context: InvocationContext,
  submit: (intake: IntakeService, body: string, receivedAt: Date) => Promise<IntakeAnswer>,
): Promise<HttpResponseInit> {
  const receivedAt = deps.now();
  const declared = request.headers.get('content-length');
  if (declared && /^\d+$/.test(declared.trim()) && Number(declared) > maxBodyBytes) {
    return refuse(
      source,
      413,
      `The body is ${declared} bytes; more than ${maxBodyBytes} bytes is refused.`,
      request,
      context,
      receivedAt,
    );
  }
  const body = await readBody(request, maxBodyBytes);
  if (body.kind === 'too-large') {
    return refuse(
      source,
      413,
      `The body is larger than ${maxBodyBytes} bytes; that is refused.`,
      request,
      context,
      receivedAt,
    );
  }
  if (body.kind === 'not-utf8') {
    return refuse(source, 400, 'The body is not UTF-8 text; send JSON in UTF-8.', request, context, receivedAt);
  }
  const intake = new IntakeService({
    settings: deps.settings,
    starter: lazyStarter(() => deps.getStarter(context)),
    log: logTo(context),
    locks: deps.locks,
  });
  return toResponse(await submit(intake, body.text, receivedAt), request);
}

/**
 * An intake endpoint's handler factory: what it accepts (source, body bound) and which intake call it makes.
 * The factory takes injectable dependencies (tests, the simulated world); each handler built gets its own
 * check-then-start locks unless the dependencies share a set.
 *
 * @example const create = intakeHandlerFactory('alert', 256 * 1024, (intake, body, at) => intake.submitAlert(body, at));
 */
export function intakeHandlerFactory(
  source: IntakeAnswer['source'],
  maxBodyBytes: number,
  submit: (intake: IntakeService, body: string, receivedAt: Date) => Promise<IntakeAnswer>,
): (deps: IntakeEndpointDeps) => HttpHandler {
  return (deps) => {
    const wired = { ...deps, locks: deps.locks ?? new KeyedMutex() };
    return (request, context) => handleIntake(source, maxBodyBytes, wired, request, context, submit);
  };
}

/** Registration of an intake endpoint: `POST /api/<route>`, a function key (never anonymous), the Durable client. */
export function intakeRegistration(route: string, handler: HttpHandler): HttpFunctionOptions {
  return { methods: ['POST'], authLevel: 'function', route, extraInputs: [df.input.durableClient()], handler };
}

/** Builds the Durable client only when the intake needs the store (rejections never touch it). */
function lazyStarter(make: () => InvestigationStarter): InvestigationStarter {
  let starter: InvestigationStarter | undefined;
  const get = () => {
    starter ??= make();
    return starter;
  };
  return {
    getStatus: (id) => get().getStatus(id),
    start: (id, input) => get().start(id, input),
    raiseEvent: (id, name, data) => get().raiseEvent(id, name, data),
    startedSince: (lb, since) => get().startedSince(lb, since),
  };
}
