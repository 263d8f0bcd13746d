/**
 * A rig for driving the real registered investigation orchestrator and its real activities on the simulated
 * world, the way `runDemo` does: one world per test file (Azurite start-up is the slow part), a fresh
 * replay driver, RPC endpoint and virtual clock per investigation, so each test reads one instance's history.
 *
 * The Functions host stand-in is a process-wide singleton; functions register once per module graph and later
 * registrations replace earlier ones, so every rig in a file drives the same registered handlers.
 */

import type { InvestigationRequest } from '../../../src/alert/types.js';
import { type BlobReportStore, REPORT_FILES } from '../../../src/azure/blob/reportStore.js';
import { intakeSettings } from '../../../src/intake/settings.js';
import type { InvestigationOutcome, InvestigationProgress } from '../../../src/investigation/contracts.js';
import { type InvestigationDeps, setInvestigationDeps } from '../../../src/investigation/dependencies.js';
import { SNAT_INVESTIGATION_ORCHESTRATOR } from '../../../src/investigation/orchestratorNames.js';
import type { Report } from '../../../src/report/model.js';
import { type ArmWorld, DEMO_LOAD_BALANCER_ID, demoArmWorld } from '../../../src/sim/arm/world.js';
import {
  type DriverEvent,
  type DurableSim,
  type HistoryEvent,
  HistoryEventType,
  ManualClock,
  type RunResult,
  startDurableSim,
} from '../../../src/sim/durable/index.js';
import { type SimWorld, type SimWorldOptions, startSimWorld } from '../../../src/sim/world.js';

/** Virtual start of every investigation (the ARM metric history ends here). */
export const T0 = Date.parse('2026-05-04T10:00:00.000Z');

/** Everything one investigation produced. */
export interface Investigation {
  instanceId: string;
  run: RunResult;
  outcome: InvestigationOutcome;
  /** The first node's stored report (null when none was stored). */
  report: Report | null;
  prefix: string | null;
  /** Blob names under the report prefix, relative to it. */
  files: string[];
  /** Teams payloads accepted during this investigation. */
  teamsDelivered: unknown[];
  /** Capture Jobs still stored in the simulated cluster afterwards. */
  jobsLeft: number;
  events: DriverEvent[];
  /** Custom statuses after each episode, as the status endpoint would have shown them. */
  progress: InvestigationProgress[];
}

/** How an investigation is started: a request given to the driver, or an HTTP call through the stand-in. */
export type Starter = (sim: DurableSim) => Promise<string>;

export interface RunOptions {
  /** Replaces some dependencies for this investigation (e.g. a notifier on another Teams sink). */
  deps?: Partial<InvestigationDeps>;
  /** Virtual start (default {@link T0}). */
  start?: number;
}

export interface Rig {
  world: SimWorld;
  /** The simulated ARM data, mutable while the server runs (faults, clusters). */
  arm: ArmWorld;
  store: BlobReportStore;
  run(starter: Starter, opts?: RunOptions): Promise<Investigation>;
  close(): Promise<void>;
}

let registered: Promise<unknown> | null = null;

/**
 * Starts a simulated world whose Kubernetes clock follows the current investigation's virtual clock.
 * Pod exec is ON here unless `settings.ALLOW_POD_EXEC` says otherwise (with infra/k8s/optional/ applied), because
 * most orchestration tests exercise the netstat path; podExecOff.test.ts covers the default (off).
 */
export async function startRig(opts: Omit<SimWorldOptions, 'clock' | 'armWorld'> = {}): Promise<Rig> {
  let clock = new ManualClock({ start: T0 });
  let arm: ArmWorld | null = null;
  const world = await startSimWorld({
    ...opts,
    settings: { ALLOW_POD_EXEC: 'true', ...opts.settings },
    clock: () => clock.now(),
    armWorld: (kubeApiServer, kubeCaData) => {
      arm = demoArmWorld({ now: new Date(T0), kubeApiServer, kubeCaData, aad: true });
      return arm;
    },
  });
  const store = await world.deps.reports();

  async function run(starter: Starter, runOpts: RunOptions = {}): Promise<Investigation> {
    clock = new ManualClock({ start: runOpts.start ?? T0 });
    const events: DriverEvent[] = [];
    const sim = await startDurableSim({
      clock,
      autoRun: false,
      activityConcurrency: 8,
      onEvent: (e) => events.push(e),
    });
    const teamsBefore = world.teams.delivered.length;
    setInvestigationDeps({ ...world.deps, ...runOpts.deps });
    let restoreIntake = () => {};
    try {
      // Stand-in first, then the app registers (once per module graph, like runDemo).
      registered ??= import('../../../functions/index.js');
      await registered;
      // The intake measures receipt times on this run's virtual clock, with the world's settings.
      const { setIntakeOverrides } = await import('../../../functions/intakeHttp.js');
      setIntakeOverrides({ now: () => new Date(clock.now()), settings: () => intakeSettings(world.settings) });
      restoreIntake = () => setIntakeOverrides(null);
      const instanceId = await starter(sim);
      const result = await sim.driver.runToCompletion(instanceId);
      const outcome = result.output as InvestigationOutcome;
      const prefix = result.runtimeStatus === 'Completed' ? (outcome.nodes[0]?.prefix ?? null) : null;
      let report: Report | null = null;
      let files: string[] = [];
      if (prefix) {
        files = (await store.listFiles(prefix)).map((f) => (f.startsWith(prefix) ? f.slice(prefix.length) : f));
        if (files.includes(REPORT_FILES.json)) {
          report = JSON.parse((await store.readFile(prefix, REPORT_FILES.json)).toString('utf8')) as Report;
        }
      }
      return {
        instanceId,
        run: result,
        outcome,
        report,
        prefix,
        files,
        teamsDelivered: world.teams.delivered.slice(teamsBefore),
        jobsLeft: world.kube.state.jobs().length,
        events,
        progress: result.customStatusLog.filter((s): s is InvestigationProgress => s !== null),
      };
    } finally {
      restoreIntake();
      setInvestigationDeps(null);
      await sim.close();
    }
  }

  return {
    world,
    get arm() {
      if (!arm) throw new Error('the ARM world was not built');
      return arm;
    },
    store,
    run,
    close: () => world.close(),
  };
}

let seq = 0;

/** A unique instance id per test (so report prefixes never collide in the shared Azurite). */
export function uniqueInstanceId(label: string): string {
  seq += 1;
  return `test-${label}-${process.pid}-${seq}`;
}

/** Starts the orchestrator directly with an investigation request (what the webhook would hand it). */
export function startRequest(request: Partial<InvestigationRequest> & { label: string }): Starter {
  return async (sim) => {
    const { label, ...rest } = request;
    const input: InvestigationRequest = {
      instanceId: uniqueInstanceId(label),
      target: { loadBalancerId: DEMO_LOAD_BALANCER_ID, backendIp: '10.224.0.7' },
      alert: null,
      requestedBy: 'on-demand',
      ...rest,
    };
    const { instanceId } = await sim.driver.start(SNAT_INVESTIGATION_ORCHESTRATOR, input, input.instanceId);
    return instanceId;
  };
}

/** Delivers an alert through the real registered webhook and returns the instance it started. */
export function startViaWebhook(alert: unknown, onResponse?: (status: number, body: unknown) => void): Starter {
  return async (sim) => {
    const res = await sim.registry.invokeHttp('alertWebhook', {
      method: 'POST',
      url: 'http://127.0.0.1:7071/api/alerts?code=test',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alert),
    });
    const body = res.json() as { instances?: Array<{ instanceId: string }> };
    onResponse?.(res.status, body);
    const id = body.instances?.[0]?.instanceId;
    if (!id) throw new Error(`the webhook started nothing: ${res.status} ${res.text()}`);
    return id;
  };
}

/** History events of one type. */
export function eventsOf(history: HistoryEvent[], type: number): HistoryEvent[] {
  return history.filter((e) => e.EventType === type);
}

/** Names of scheduled activities, in order. */
export function scheduledActivities(history: HistoryEvent[]): string[] {
  return eventsOf(history, HistoryEventType.TaskScheduled).map((e) => String(e.Name));
}

/** For each TaskScheduled id, its activity name. */
function namesById(history: HistoryEvent[]): Map<number, string> {
  const byId = new Map<number, string>();
  for (const e of eventsOf(history, HistoryEventType.TaskScheduled)) byId.set(Number(e.EventId), String(e.Name));
  return byId;
}

/** Completed activity results (name, bytes of the JSON result). */
export function completedResults(history: HistoryEvent[]): Array<{ name: string; bytes: number; result: string }> {
  const byId = namesById(history);
  return eventsOf(history, HistoryEventType.TaskCompleted).map((e) => {
    const result = String(e.Result ?? '');
    return { name: byId.get(Number(e.TaskScheduledId)) ?? '?', bytes: Buffer.byteLength(result, 'utf8'), result };
  });
}

/** Failed activity attempts by name. */
export function failedActivities(history: HistoryEvent[]): string[] {
  const byId = namesById(history);
  return eventsOf(history, HistoryEventType.TaskFailed).map((e) => byId.get(Number(e.TaskScheduledId)) ?? '?');
}

/** Distinct phases in the order they were first shown. */
export function phases(progress: InvestigationProgress[]): string[] {
  const out: string[] = [];
  for (const p of progress) if (out.at(-1) !== p.phase) out.push(p.phase);
  return out;
}
