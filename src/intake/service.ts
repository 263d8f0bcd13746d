/**
 * The one intake of the responder: every way an investigation can be asked for (the alert webhook, the on-demand
 * endpoint, the proactive watch, `alert --dry-run`, the demo) goes through {@link IntakeService}. It holds the one dedupe rule, the one
 * cooldown rule, the per-cluster hourly rate, one answer shape and one log shape. The pure decisions stay in
 * `src/alert` (they take the receipt time as an input); this module adds the state they need: which instances exist.
 */
import { decideAlert } from '../alert/decide.js';
import { AlertIntakeError } from '../alert/errors.js';
import { cooldownWindow, instanceIdFor } from '../alert/instanceId.js';
import { KeyedMutex } from '../alert/keyedLock.js';
import type { InvestigationRequest, InvestigationTarget } from '../alert/types.js';
import { SettingsError } from '../config/errors.js';
import { ALERT_RESOLVED_EVENT, type AlertResolvedEvent } from '../investigation/orchestratorNames.js';
import { decideOnDemand } from './onDemand.js';
import { decideProactive, type ProactiveRequest } from './proactive.js';
import { errorText } from './redact.js';
import type {
  ExistingInvestigation,
  InstanceOutcome,
  IntakeAnswer,
  IntakeLogEntry,
  IntakeSettings,
  IntakeSource,
  InvestigationStarter,
} from './types.js';

/** Runtime statuses of an investigation that is still going: a second start must never replace it. */
export const ACTIVE_STATUSES: ReadonlySet<string> = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

const HOUR_MS = 3_600_000;

/** What {@link IntakeService} is built from. */
export interface IntakeServiceDeps {
  /** The intake settings; read per request so a fixed setting takes effect without a restart. May throw. */
  settings(): IntakeSettings;
  starter: InvestigationStarter;
  /** Receives one {@link IntakeLogEntry} per request (default: none). */
  log?(entry: IntakeLogEntry): void;
  /** The process's check-then-start locks, shared by every intake of the process (default: this service's own). */
  locks?: KeyedMutex;
}

function answer(
  source: IntakeSource,
  fields: Omit<IntakeAnswer, 'source' | 'targets' | 'instances'> & Partial<IntakeAnswer>,
): IntakeAnswer {
  return { source, targets: [], instances: [], ...fields };
}

function timeMs(value: string | null): number {
  return value === null ? Number.NaN : Date.parse(value);
}

/**
 * Starts investigations at most once per target and cooldown window, and at most
 * `maxInvestigationsPerClusterPerHour` per cluster.
 *
 * Dedupe, in three layers (action groups retry, one incident fires repeatedly, several processes run the intake):
 * 1. the instance id is derived from the target and the cooldown window, so every delivery names the same id;
 * 2. an id that exists, in any state, is never started again (no history is ever overwritten), and an
 *    investigation of the previous window still running or younger than one cooldown covers this one too;
 * 3. in this process, check-then-start runs under a lock per cluster; across processes the Durable extension
 *    refuses a second start of a running id, which is read as dedupe.
 * A second request for a NODE already under investigation under another key (name vs IP, split vs unsplit alert)
 * is folded later, by the node's single-flight entity in the orchestration.
 *
 * @example
 * const intake = new IntakeService({ settings: () => intakeSettings, starter });
 * const answer = await intake.submitAlert(body, new Date());
 */
export class IntakeService {
  readonly #deps: IntakeServiceDeps;
  readonly #locks: KeyedMutex;

  constructor(deps: IntakeServiceDeps) {
    this.#deps = deps;
    this.#locks = deps.locks ?? new KeyedMutex();
  }

  /** An Azure Monitor alert delivery (the raw body text), received at `receivedAt`. */
  async submitAlert(body: string, receivedAt: Date): Promise<IntakeAnswer> {
    return this.#logged('alert', receivedAt, async (settings) => {
      const decision = decideAlert(body, settings, receivedAt);
      if (decision.action === 'reject') {
        return answer('alert', { httpStatus: decision.status, action: 'reject', reason: decision.reason });
      }
      if (decision.action === 'ignore') {
        const resolved =
          decision.resolvedInstanceIds.length > 0
            ? await this.#recordResolved(decision.resolvedInstanceIds, resolvedEvent(body))
            : { existing: [], notified: [] };
        return answer('alert', {
          httpStatus: 200,
          action: 'ignore',
          reason: decision.reason,
          ...(decision.rule ? { rule: decision.rule } : {}),
          ...(decision.resolvedInstanceIds.length > 0 ? { windowInstanceIds: decision.resolvedInstanceIds } : {}),
          resolvedInstanceIds: resolved.existing,
          notifiedInstanceIds: resolved.notified,
        });
      }
      return this.#investigate('alert', decision.reason, decision.targets, decision.requests, settings, receivedAt);
    });
  }

  /** An on-demand request (`{"loadBalancerId", "node"}` as text), received at `receivedAt`. */
  async submitOnDemand(body: string, receivedAt: Date): Promise<IntakeAnswer> {
    return this.#logged('on-demand', receivedAt, async (settings) => {
      const decision = decideOnDemand(body, settings, receivedAt);
      if (decision.action === 'reject') {
        return answer('on-demand', { httpStatus: decision.status, action: 'reject', reason: decision.reason });
      }
      const { request } = decision;
      const what = request.nodeHint ?? request.target.backendIp ?? 'the worst nodes';
      return this.#investigate(
        'on-demand',
        `On-demand investigation of ${what} behind ${request.target.loadBalancerId.split('/').pop()}; cooldown window of ${settings.cooldownMinutes} min from ${receivedAt.toISOString()}.`,
        [request.target],
        [request],
        settings,
        receivedAt,
      );
    });
  }

  /**
   * A node the proactive watch's forecast marks `investigate`, found by the scan at `receivedAt`. Same dedupe,
   * cooldown and per-cluster rate as an alert for that node (it names the same instance id as an alert split by
   * `BackendIPAddress`), so a forecast followed by the alert it predicted starts one investigation.
   */
  async submitProactive(request: ProactiveRequest, receivedAt: Date): Promise<IntakeAnswer> {
    return this.#logged('proactive', receivedAt, async (settings) => {
      const decision = decideProactive(request, settings, receivedAt);
      if (decision.action === 'reject') {
        return answer('proactive', { httpStatus: decision.status, action: 'reject', reason: decision.reason });
      }
      return this.#investigate(
        'proactive',
        decision.reason,
        [decision.request.target],
        [decision.request],
        settings,
        receivedAt,
      );
    });
  }

  async #logged(
    source: IntakeSource,
    receivedAt: Date,
    work: (settings: IntakeSettings) => Promise<IntakeAnswer>,
  ): Promise<IntakeAnswer> {
    let error: string | undefined;
    let settings: IntakeSettings | undefined;
    let result: IntakeAnswer = answer(source, {
      httpStatus: 500,
      action: 'error',
      reason: 'The intake is misconfigured; see the function logs.',
    });
    try {
      settings = this.#deps.settings();
    } catch (err) {
      error = errorText(err);
      if (isTransient(err)) {
        // An unresolved Key Vault reference heals by itself (access propagating, vault back): the action group
        // retries a 503, never a 500.
        result = answer(source, {
          httpStatus: 503,
          retryAfterSeconds: 60,
          action: 'error',
          reason: 'The intake is not configured yet; retry later (retries are deduplicated).',
        });
      }
    }
    if (settings) {
      try {
        result = await work(settings);
      } catch (err) {
        error = errorText(err);
        const store = err instanceof AlertIntakeError;
        result = answer(source, {
          httpStatus: store ? 503 : 500,
          ...(store ? { retryAfterSeconds: 30 } : {}),
          action: 'error',
          reason: store
            ? 'Could not start or look up the investigation; retries are deduplicated, so sending it again is safe.'
            : 'The intake is misconfigured; see the function logs.',
        });
      }
    }
    this.#deps.log?.(logEntry(result, receivedAt, error));
    return result;
  }

  async #investigate(
    source: IntakeSource,
    reason: string,
    targets: InvestigationTarget[],
    requests: InvestigationRequest[],
    settings: IntakeSettings,
    receivedAt: Date,
  ): Promise<IntakeAnswer> {
    const instances: InstanceOutcome[] = [];
    for (const request of requests) instances.push(await this.#ensure(request, settings, receivedAt));
    const limited = instances.filter((i) => i.dedup === 'cluster-rate-limit');
    if (limited.length === instances.length) {
      return answer(source, {
        httpStatus: 200,
        action: 'ignore',
        rule: 'cluster-rate-limit',
        reason: `${settings.maxInvestigationsPerClusterPerHour} investigations of this cluster already started in the last hour; no more start until the hour rolls on (MAX_INVESTIGATIONS_PER_CLUSTER_PER_HOUR).`,
        targets,
        instances,
      });
    }
    const note = limited.length > 0 ? ` ${limited.length} target(s) not started: cluster rate limit reached.` : '';
    return answer(source, { httpStatus: 202, action: 'investigate', reason: `${reason}${note}`, targets, instances });
  }

  /** Starts the request's investigation unless the dedupe, cooldown or rate rule says otherwise. */
  #ensure(request: InvestigationRequest, settings: IntakeSettings, receivedAt: Date): Promise<InstanceOutcome> {
    const clusterKey = request.target.loadBalancerId.trim().toLowerCase();
    return this.#locks.run(clusterKey, async () => {
      const base = { instanceId: request.instanceId, target: request.target };
      const existing = await this.#status(request.instanceId);
      if (existing) return { ...base, started: false, runtimeStatus: existing.runtimeStatus, dedup: 'same-window' };

      // Fixed windows split an incident at a boundary: an investigation of the previous window that is still
      // running, or began less than one cooldown before this request's anchor, covers this one too.
      const anchorMs = Date.parse(request.alert?.firedDateTime ?? '') || receivedAt.getTime();
      const cooldownMs = settings.cooldownMinutes * 60_000;
      const previousStart = cooldownWindow(anchorMs, settings.cooldownMinutes).startMs - cooldownMs;
      const previousId = instanceIdFor(
        {
          loadBalancerId: request.target.loadBalancerId,
          backendIp: request.target.backendIp ?? request.nodeHint ?? null,
        },
        previousStart,
        settings.cooldownMinutes,
      );
      const previous = await this.#status(previousId);
      if (previous) {
        const created = timeMs(previous.createdTime);
        if (
          ACTIVE_STATUSES.has(previous.runtimeStatus) ||
          (Number.isFinite(created) && created + cooldownMs > anchorMs)
        ) {
          return {
            instanceId: previousId,
            target: request.target,
            started: false,
            runtimeStatus: previous.runtimeStatus,
            dedup: 'previous-window-in-cooldown',
          };
        }
      }

      let recent: number;
      try {
        recent = await this.#deps.starter.startedSince(
          request.target.loadBalancerId,
          new Date(receivedAt.getTime() - HOUR_MS),
        );
      } catch (err) {
        throw new AlertIntakeError('could not count the recent investigations', { cause: err });
      }
      if (recent >= settings.maxInvestigationsPerClusterPerHour) {
        return { ...base, started: false, runtimeStatus: 'NotStarted', dedup: 'cluster-rate-limit' };
      }

      try {
        await this.#deps.starter.start(request.instanceId, request);
        return { ...base, started: true, runtimeStatus: 'Pending' };
      } catch (error) {
        // Another process started it between our check and our start (the extension refuses the duplicate).
        const raced = await this.#status(request.instanceId);
        if (raced)
          return { ...base, started: false, runtimeStatus: raced.runtimeStatus, dedup: 'start-refused-existing' };
        throw new AlertIntakeError(`could not start ${request.instanceId}`, { cause: error });
      }
    });
  }

  async #status(instanceId: string): Promise<ExistingInvestigation | null> {
    try {
      return await this.#deps.starter.getStatus(instanceId);
    } catch (error) {
      throw new AlertIntakeError(`could not read the status of ${instanceId}`, { cause: error });
    }
  }

  /** Resolved alerts: which investigations of that window exist, and tell the active ones (best effort). */
  async #recordResolved(
    ids: readonly string[],
    event: AlertResolvedEvent,
  ): Promise<{ existing: string[]; notified: string[] }> {
    const existing: string[] = [];
    const notified: string[] = [];
    for (const id of ids) {
      const status = await this.#status(id);
      if (!status) continue;
      existing.push(id);
      if (!ACTIVE_STATUSES.has(status.runtimeStatus)) continue;
      try {
        await this.#deps.starter.raiseEvent(id, ALERT_RESOLVED_EVENT, event);
        notified.push(id);
      } catch {
        // The investigation goes on and reports as usual; the resolve only lets it end early.
      }
    }
    return { existing, notified };
  }
}

/** A settings error that may heal by itself (an unresolved Key Vault reference), directly or as a cause. */
function isTransient(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof SettingsError && e.transient) return true;
  }
  return false;
}

/** alertId and resolvedDateTime for the resolved event (the body was already validated by decideAlert). */
function resolvedEvent(text: string): AlertResolvedEvent {
  const essentials = (
    JSON.parse(text) as { data: { essentials: { alertId: string; resolvedDateTime?: string | null } } }
  ).data.essentials;
  return { alertId: essentials.alertId, resolvedDateTime: essentials.resolvedDateTime ?? null };
}

function logEntry(result: IntakeAnswer, receivedAt: Date, error: string | undefined): IntakeLogEntry {
  const level = result.action === 'error' ? 'error' : result.action === 'reject' ? 'warn' : 'info';
  return {
    level,
    message: 'intake',
    source: result.source,
    action: result.action,
    httpStatus: result.httpStatus,
    reason: result.reason,
    rule: result.rule ?? null,
    receivedAt: receivedAt.toISOString(),
    instanceIds: result.instances.map((i) => i.instanceId),
    started: result.instances.filter((i) => i.started).map((i) => i.instanceId),
    dedup: result.instances.flatMap((i) => (i.dedup ? [{ instanceId: i.instanceId, dedup: i.dedup }] : [])),
    loadBalancerIds: [...new Set(result.targets.map((t) => t.loadBalancerId))],
    ...(error ? { error } : {}),
  };
}
