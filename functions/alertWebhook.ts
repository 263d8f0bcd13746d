/**
 * Alert intake: the HTTP endpoint an Azure Monitor action group calls. Thin: read the body (bounded), let
 * `decideAlert` judge it, then start at most one investigation per target and cooldown window.
 *
 * Dedup happens in three layers, because action groups retry and one incident fires repeatedly:
 * 1. the instance id is derived from target + cooldown window, so every delivery of an alert names the same id;
 * 2. inside this process, check-then-start runs under a lock per instance id;
 * 3. across processes, the Durable extension refuses a second start of a running id when host.json sets
 *    `extensions.durableTask.overridableExistingInstanceStates: "NonRunningStates"`; that refusal is read as dedup.
 */

import type {
  HttpFunctionOptions,
  HttpHandler,
  HttpRequest,
  HttpResponse,
  HttpResponseInit,
  InvocationContext,
} from '@azure/functions';
import functions from '@azure/functions';
import * as df from 'durable-functions';
import { decideAlert } from '../src/alert/decide.js';
import { AlertConfigError, AlertIntakeError } from '../src/alert/errors.js';
import { cooldownWindow, instanceIdFor } from '../src/alert/instanceId.js';
import { KeyedMutex } from '../src/alert/keyedLock.js';
import { ALERT_RESOLVED_EVENT, type AlertResolvedEvent, SNAT_INVESTIGATION_ORCHESTRATOR } from '../src/alert/names.js';
import {
  ALERT_INTAKE_DEFAULTS,
  type AlertIntakeOptions,
  type InvestigationRequest,
  type InvestigationTarget,
} from '../src/alert/types.js';
import { SettingsError } from '../src/config/errors.js';
import { loadSlice, type SettingsSlice } from '../src/config/settings.js';
import { readBody } from './httpBody.js';

/** What the intake needs to know about an existing orchestration (a subset of DurableOrchestrationStatus). */
export interface OrchestrationStatusLike {
  runtimeStatus?: string;
  createdTime?: Date | string;
  lastUpdatedTime?: Date | string;
}

/** The subset of the durable-functions v3 `DurableClient` the intake uses. */
export interface DurableStarter {
  /** Throws on 404 (durable-functions v3); older versions resolved undefined. Both mean "no such instance". */
  getStatus(instanceId: string): Promise<OrchestrationStatusLike | undefined>;
  startNew(orchestratorName: string, options: { instanceId: string; input: InvestigationRequest }): Promise<string>;
  createCheckStatusResponse(request: HttpRequest | undefined, instanceId: string): HttpResponse;
  raiseEvent(instanceId: string, eventName: string, eventData: AlertResolvedEvent): Promise<void>;
}

/** Everything the handler depends on, injectable for tests and for the central configuration. */
export interface AlertWebhookDeps {
  getStarter(context: InvocationContext): DurableStarter;
  options(): AlertIntakeOptions;
  now(): Date;
}

/** Runtime statuses of an orchestration that is still going (a second start must not replace it). */
const ACTIVE_STATUSES = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

/** One instance in the response: started now, or an existing one this delivery was folded into. */
export interface InstanceOutcome {
  instanceId: string;
  target: InvestigationTarget;
  started: boolean;
  runtimeStatus: string;
  /** Why nothing was started (absent when started). */
  dedup?: 'same-window' | 'previous-window-in-cooldown' | 'start-refused-existing';
  statusQueryGetUri?: string;
  sendEventPostUri?: string;
  terminatePostUri?: string;
  purgeHistoryDeleteUri?: string;
}

/**
 * Reads the intake slice of the settings: `COOLDOWN_MINUTES` (default 15), `ALLOWED_SUBSCRIPTION_IDS`,
 * `ALLOWED_ALERT_RULE_IDS` (comma-separated, empty = allow all). Only the intake's own settings can stop intake:
 * a bad Teams or storage setting does not.
 *
 * @throws AlertConfigError naming the setting when a value is invalid (its cause says whether it is transient).
 */
export function readAlertIntakeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): AlertIntakeOptions {
  let settings: SettingsSlice<'intake'>;
  try {
    settings = loadSlice('intake', env);
  } catch (err) {
    // Bad settings are the operator's to fix: a 500 naming the setting, never a crash.
    if (err instanceof SettingsError) throw new AlertConfigError(err.message, { cause: err });
    throw err;
  }
  return {
    cooldownMinutes: settings.cooldownMinutes,
    allowedSubscriptionIds: settings.allowedSubscriptionIds,
    allowedAlertRuleIds: settings.allowedAlertRuleIds,
  };
}

/** Durable management URLs carry the task hub key as `code=`; never let one reach a log line. */
export function redactSecrets(text: string): string {
  return text.replace(/([?&](?:code|sig|key)=)[^&\s"']+/gi, '$1***');
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return redactSecrets(message).slice(0, 500);
}

/** `getStatus` that answers null for "no such instance" and throws for anything else. */
async function statusOrNull(starter: DurableStarter, instanceId: string): Promise<OrchestrationStatusLike | null> {
  try {
    const status = await starter.getStatus(instanceId);
    return status ?? null;
  } catch (error) {
    if (error instanceof Error && /\b404\b/.test(error.message)) return null;
    throw new AlertIntakeError(`could not read the status of ${instanceId}`, { cause: error });
  }
}

function timeMs(value: Date | string | undefined): number {
  if (value === undefined) return Number.NaN;
  return value instanceof Date ? value.getTime() : Date.parse(value);
}

function json(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'Content-Type': 'application/json', ...headers } };
}

function rejection(status: number, reason: string): HttpResponseInit {
  return json(status, { action: 'reject', reason, targets: [], instances: [] });
}

/**
 * Builds the alert webhook handler. Answers: 202 investigate (started or deduplicated, with status URLs),
 * 200 ignore (not a SNAT alert, or Resolved), 400/403/413 reject, 503 when Durable could not be reached
 * (the action group retries; retries are deduplicated), 500 only for broken configuration.
 */
export function createAlertWebhookHandler(deps: AlertWebhookDeps): HttpHandler {
  const locks = new KeyedMutex();

  /** Starts the investigation unless one exists for this id, or one from the previous window is still cooling down. */
  async function ensureInvestigation(
    starter: DurableStarter,
    request: InvestigationRequest,
    cooldownMinutes: number,
    now: Date,
  ): Promise<InstanceOutcome> {
    return locks.run(request.instanceId, async () => {
      const base = { instanceId: request.instanceId, target: request.target };
      const existing = await statusOrNull(starter, request.instanceId);
      if (existing) {
        return {
          ...base,
          started: false,
          runtimeStatus: existing.runtimeStatus ?? 'Unknown',
          dedup: 'same-window' as const,
        };
      }
      // Fixed windows split an incident at a boundary; an investigation from the previous window that is
      // still running, or began less than one cooldown before this alert fired, covers this alert too.
      const firedMs = Date.parse(request.alert?.firedDateTime ?? '') || now.getTime();
      const previousStart = cooldownWindow(firedMs, cooldownMinutes).startMs - cooldownMinutes * 60_000;
      const previousId = instanceIdFor(request.target, previousStart, cooldownMinutes);
      const previous = await statusOrNull(starter, previousId);
      if (previous) {
        const created = timeMs(previous.createdTime);
        const active = ACTIVE_STATUSES.has(previous.runtimeStatus ?? '');
        if (active || (Number.isFinite(created) && created + cooldownMinutes * 60_000 > firedMs)) {
          return {
            instanceId: previousId,
            target: request.target,
            started: false,
            runtimeStatus: previous.runtimeStatus ?? 'Unknown',
            dedup: 'previous-window-in-cooldown' as const,
          };
        }
      }
      try {
        await starter.startNew(SNAT_INVESTIGATION_ORCHESTRATOR, { instanceId: request.instanceId, input: request });
        return { ...base, started: true, runtimeStatus: 'Pending' };
      } catch (error) {
        // Another process started it between our check and our start (the extension refuses the duplicate).
        const raced = await statusOrNull(starter, request.instanceId);
        if (raced) {
          return {
            ...base,
            started: false,
            runtimeStatus: raced.runtimeStatus ?? 'Unknown',
            dedup: 'start-refused-existing' as const,
          };
        }
        throw new AlertIntakeError(`could not start ${request.instanceId}`, { cause: error });
      }
    });
  }

  async function withStatusUrls(
    starter: DurableStarter,
    request: HttpRequest,
    outcome: InstanceOutcome,
  ): Promise<InstanceOutcome> {
    const links = (await starter.createCheckStatusResponse(request, outcome.instanceId).json()) as Record<
      string,
      unknown
    >;
    const pick = (key: string) => (typeof links[key] === 'string' ? (links[key] as string) : undefined);
    return {
      ...outcome,
      statusQueryGetUri: pick('statusQueryGetUri'),
      sendEventPostUri: pick('sendEventPostUri'),
      terminatePostUri: pick('terminatePostUri'),
      purgeHistoryDeleteUri: pick('purgeHistoryDeleteUri'),
    };
  }

  /** Resolved alerts: report which investigations of that window exist, and tell the running ones. */
  async function recordResolved(
    starter: DurableStarter,
    context: InvocationContext,
    ids: readonly string[],
    event: AlertResolvedEvent,
  ): Promise<{ existing: string[]; notified: string[] }> {
    const existing: string[] = [];
    const notified: string[] = [];
    for (const id of ids) {
      try {
        const status = await statusOrNull(starter, id);
        if (!status) continue;
        existing.push(id);
        if (ACTIVE_STATUSES.has(status.runtimeStatus ?? '')) {
          await starter.raiseEvent(id, ALERT_RESOLVED_EVENT, event);
          notified.push(id);
        }
      } catch (error) {
        context.warn(`alert resolved: could not record on ${id}: ${errorText(error)}`);
      }
    }
    return { existing, notified };
  }

  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    let options: AlertIntakeOptions;
    let now: Date;
    try {
      options = deps.options();
      now = deps.now();
    } catch (error) {
      context.error(`alert intake misconfigured: ${errorText(error)}`);
      if (error instanceof Error && error.cause instanceof SettingsError && error.cause.transient) {
        // An unresolved Key Vault reference heals by itself (access propagating, vault back): the action group
        // retries a 503, never a 500.
        return json(
          503,
          { action: 'error', reason: 'The alert intake is not configured yet; the action group will retry.' },
          { 'Retry-After': '60' },
        );
      }
      return json(500, { action: 'error', reason: 'The alert intake is misconfigured; see the function logs.' });
    }
    const maxBodyBytes = options.maxBodyBytes ?? ALERT_INTAKE_DEFAULTS.maxBodyBytes;

    const declared = request.headers.get('content-length');
    if (declared && /^\d+$/.test(declared.trim()) && Number(declared) > maxBodyBytes) {
      context.warn(`alert rejected (413): content-length ${declared} > ${maxBodyBytes}`);
      return rejection(413, `The body is ${declared} bytes; alerts larger than ${maxBodyBytes} bytes are refused.`);
    }
    const body = await readBody(request, maxBodyBytes);
    if (body.kind === 'too-large') {
      context.warn(`alert rejected (413): body over ${maxBodyBytes} bytes`);
      return rejection(413, `The body is larger than ${maxBodyBytes} bytes; alerts that large are refused.`);
    }
    if (body.kind === 'not-utf8') {
      context.warn('alert rejected (400): body is not UTF-8');
      return rejection(400, 'The body is not UTF-8 text; Azure Monitor sends JSON in UTF-8.');
    }

    let decision: ReturnType<typeof decideAlert>;
    try {
      decision = decideAlert(body.text, options, now);
    } catch (error) {
      context.error(`alert intake failed to decide: ${errorText(error)}`);
      return json(500, { action: 'error', reason: 'The alert intake is misconfigured; see the function logs.' });
    }

    if (decision.action === 'reject') {
      context.warn(`alert rejected (${decision.status}): ${decision.reason}`);
      return rejection(decision.status, decision.reason);
    }

    try {
      const starter = deps.getStarter(context);
      if (decision.action === 'ignore') {
        let resolved = { existing: [] as string[], notified: [] as string[] };
        if (decision.resolvedInstanceIds.length > 0) {
          const essentials = alertEssentials(body.text);
          resolved = await recordResolved(starter, context, decision.resolvedInstanceIds, essentials);
        }
        context.log(
          `alert ignored: ${decision.reason}${resolved.existing.length ? ` instanceIds=${resolved.existing.join(',')} notified=${resolved.notified.length}` : ''}`,
        );
        return json(200, {
          action: 'ignore',
          reason: decision.reason,
          resolvedInstanceIds: resolved.existing,
          notifiedInstanceIds: resolved.notified,
        });
      }

      const outcomes = await Promise.all(
        decision.requests.map((r) => ensureInvestigation(starter, r, options.cooldownMinutes, now)),
      );
      const instances = await Promise.all(outcomes.map((o) => withStatusUrls(starter, request, o)));
      for (const o of instances) {
        context.log(
          `alert investigate: instanceId=${o.instanceId} started=${o.started} status=${o.runtimeStatus}${o.dedup ? ` dedup=${o.dedup}` : ''} backendIp=${o.target.backendIp ?? 'none'}`,
        );
      }
      const first = instances[0];
      return json(
        202,
        { action: 'investigate', reason: decision.reason, targets: decision.targets, instances },
        first?.statusQueryGetUri ? { Location: first.statusQueryGetUri, 'Retry-After': '10' } : {},
      );
    } catch (error) {
      context.error(
        `alert intake could not reach Durable Functions: ${errorText(error)}${error instanceof Error && error.cause ? ` (cause: ${errorText(error.cause)})` : ''}`,
      );
      return json(
        503,
        {
          action: 'error',
          reason:
            'Could not start or look up the investigation; the action group will retry and retries are deduplicated.',
        },
        { 'Retry-After': '30' },
      );
    }
  };
}

/** alertId and resolvedDateTime for the resolved event (the body was already validated by decideAlert). */
function alertEssentials(text: string): AlertResolvedEvent {
  const essentials = (
    JSON.parse(text) as { data: { essentials: { alertId: string; resolvedDateTime?: string | null } } }
  ).data.essentials;
  return { alertId: essentials.alertId, resolvedDateTime: essentials.resolvedDateTime ?? null };
}

/** Handler wired to the real Durable client, the environment and the clock. */
export const alertWebhook: HttpHandler = createAlertWebhookHandler({
  getStarter: (context) => df.getClient(context),
  options: () => readAlertIntakeOptionsFromEnv(),
  now: () => new Date(),
});

/** Registration options, exported so tests can assert the trigger is protected by a function key. */
export const alertWebhookRegistration: HttpFunctionOptions = {
  methods: ['POST'],
  authLevel: 'function',
  route: 'alerts',
  extraInputs: [df.input.durableClient()],
  handler: alertWebhook,
};

functions.app.http('alertWebhook', alertWebhookRegistration);
