/**
 * The demo: a complete investigation on the simulated world, through the real code paths. The alert goes
 * through the real HTTP handler; the real registered orchestrator and activities run under the replay driver,
 * which feeds history the way the Durable extension does (timers skip virtual time, so the 60 s trace window
 * costs nothing); the adapters talk to the loopback ARM, Kubernetes, Azurite and Teams servers.
 */
import module from 'node:module';
import { EVIDENCE_FOLDER, REPORT_FILES } from '../azure/blob/reportStore.js';
import { intakeSettings } from '../intake/settings.js';
import type { InvestigationOutcome } from '../investigation/contracts.js';
import { setInvestigationDeps } from '../investigation/dependencies.js';
import type { Report } from '../report/model.js';
import type { ArmWorld } from './arm/world.js';
import { demoAlertPayload } from './demoAlert.js';
import { type DriverEvent, type DurableSim, ManualClock, startDurableSim } from './durable/index.js';
import { type SimWorld, type SimWorldOptions, startSimWorld } from './world.js';

/**
 * Turns on Node's module compile cache (Node >= 22.1) for this process and, while the world starts, for the
 * Azurite child: a repeated demo then skips compiling the SDKs, most of its start-up. Returns the undo for
 * the environment variable. Never fails the demo: without the API it is simply off.
 */
function compileCacheForChildren(): () => void {
  const before = process.env.NODE_COMPILE_CACHE;
  try {
    const result = module.enableCompileCache?.();
    if (result?.directory && before === undefined) process.env.NODE_COMPILE_CACHE = result.directory;
  } catch {
    // a read-only temp directory: run without the cache
  }
  return () => {
    if (before === undefined) delete process.env.NODE_COMPILE_CACHE;
  };
}

/** What one demo investigation uses instead of the defaults. */
export interface DemoOptions {
  /** Alert payload (parsed JSON); default: the built-in SNAT alert for the hot node. */
  alert?: unknown;
  /** Progress lines (phase changes), e.g. to stderr. */
  onProgress?: (line: string) => void;
  /** Extra settings for the simulated deployment (env names). */
  settings?: Record<string, string>;
  /** Also download the stored evidence bundle (as it lies in Blob, redacted) into this folder. */
  evidenceDir?: string;
}

/** How long one activity of the investigation took, in wall-clock time. */
export interface DemoPhaseTiming {
  phase: string;
  activity: string;
  wallMs: number;
}

/** What one demo investigation produced: the webhook's answer, the outcome, the report and its files, timings. */
export interface DemoResult {
  webhookStatus: number;
  webhookBody: unknown;
  instanceId: string | null;
  runtimeStatus: string | null;
  outcome: InvestigationOutcome | null;
  report: Report | null;
  files: { json: string; markdown: string; html: string } | null;
  teamsPayload: unknown;
  timings: {
    startupMs: Record<string, number>;
    activities: DemoPhaseTiming[];
    totalMs: number;
    virtualSkippedMs: number;
  };
  /** Capture Jobs still present in the simulated cluster after the run (must be zero). */
  jobsLeft: number;
}

/** Options of {@link startSimSession}. */
export interface SimSessionOptions {
  /** Extra settings for the simulated deployment (env names). */
  settings?: Record<string, string>;
  /** Receives the replay driver's events. */
  onEvent?: (event: DriverEvent) => void;
  /** The simulated cluster (default: the demo cluster). */
  scenario?: SimWorldOptions['scenario'];
  /**
   * The ARM data (default: the demo subscription with one cluster), given the Kubernetes API server's URL and CA
   * and the virtual now (metric histories end there), e.g. a fleet of clusters for the proactive watch.
   */
  armWorld?: (kubeApiServer: string, kubeCaData: string, now: Date) => ArmWorld;
  /** Run every started instance in the background (default false: the caller drives them). */
  autoRun?: boolean;
  /** Fault layers and other world options for the simulated services (Blob outage, Teams script, kube faults). */
  world?: Pick<SimWorldOptions, 'blobOutage' | 'teamsScript' | 'kubeFaults' | 'kubeTiming' | 'armRetryOptions'>;
}

/** A running simulated deployment: the world, the Durable host stand-in with the app registered, the clock. */
export interface SimSession {
  world: SimWorld;
  durable: DurableSim;
  clock: ManualClock;
  close(): Promise<void>;
}

/**
 * Starts the simulated world and the Durable host stand-in, registers the app and wires the investigation's and
 * the intake's dependencies to the world (receipt times come from the virtual clock). Once per process at a time.
 */
export async function startSimSession(opts: SimSessionOptions = {}): Promise<SimSession> {
  const clock = new ManualClock({ followWallTime: true });
  const restoreCache = compileCacheForChildren();
  // The host stand-in goes in first; then the app registers (once per process: the module cache keeps it) and
  // the activities' step modules load while the simulated world starts, Azurite's boot being the long pole.
  const durable = await startDurableSim({
    clock,
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    autoRun: opts.autoRun ?? false,
    activityConcurrency: 8,
  });
  const loading = Promise.all([
    import('../../functions/index.js'),
    import('../../functions/intakeHttp.js'),
    import('../investigation/steps/azureSteps.js'),
    import('../investigation/steps/kubeSteps.js'),
    import('../investigation/steps/reportSteps.js'),
  ]);
  loading.catch(() => undefined); // awaited below
  const armWorld = opts.armWorld;
  let world: SimWorld;
  try {
    world = await startSimWorld({
      ...opts.world,
      clock: () => clock.now(),
      // A `Retry-After` is waited out on the virtual clock: honoured, at no wall time.
      sleep: async (ms: number) => clock.advanceTo(clock.now() + ms),
      ...(opts.settings ? { settings: opts.settings } : {}),
      ...(opts.scenario ? { scenario: opts.scenario } : {}),
      ...(armWorld ? { armWorld: (url: string, ca: string) => armWorld(url, ca, new Date(clock.now())) } : {}),
    });
  } catch (err) {
    await durable.close();
    throw err;
  } finally {
    restoreCache();
  }
  let intake: typeof import('../../functions/intakeHttp.js') | undefined;
  try {
    setInvestigationDeps(world.deps);
    [, intake] = await loading;
    const settings = world.settings;
    intake.setIntakeOverrides({ now: () => new Date(clock.now()), settings: () => intakeSettings(settings) });
  } catch (err) {
    setInvestigationDeps(null);
    await Promise.allSettled([durable.close(), world.close()]);
    throw err;
  }
  return {
    world,
    durable,
    clock,
    close: async () => {
      intake?.setIntakeOverrides(null);
      setInvestigationDeps(null);
      await Promise.allSettled([durable.close(), world.close()]);
    },
  };
}

/**
 * A given payload is delivered as if it fired just now: its `firedDateTime` (and the metric window) move to the
 * simulated receipt time, so a saved alert passes the freshness rule instead of being ignored as days old.
 */
function firedNow(payload: unknown, now: Date): unknown {
  const copy = structuredClone(payload) as {
    data?: { essentials?: { firedDateTime?: unknown }; alertContext?: { condition?: Record<string, unknown> } };
  };
  const essentials = copy.data?.essentials;
  if (!essentials || typeof essentials.firedDateTime !== 'string') return copy;
  const shift = now.getTime() - Date.parse(essentials.firedDateTime);
  if (!Number.isFinite(shift)) return copy;
  essentials.firedDateTime = now.toISOString();
  const condition = copy.data?.alertContext?.condition;
  for (const key of ['windowStartTime', 'windowEndTime'] as const) {
    const value = condition?.[key];
    if (typeof value === 'string' && Number.isFinite(Date.parse(value)) && condition) {
      condition[key] = new Date(Date.parse(value) + shift).toISOString();
    }
  }
  return copy;
}

/** Runs one investigation end to end on a fresh simulated world and returns everything it produced. */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const t0 = performance.now();
  const activities: DemoPhaseTiming[] = [];
  const onEvent = (e: DriverEvent) => {
    if (e.kind === 'activityCompleted' || e.kind === 'activityFailed') {
      activities.push({
        phase: e.kind === 'activityFailed' ? 'failed' : 'ok',
        activity: e.name,
        wallMs: Math.round(e.wallMs),
      });
    }
    if (e.kind === 'episode' && opts.onProgress) {
      const s = e.customStatus as { phase?: string; detail?: string | null } | null;
      if (s?.phase) opts.onProgress(`${s.phase}${s.detail ? ` (${s.detail})` : ''}`);
    }
  };
  const session = await startSimSession({ onEvent, ...(opts.settings ? { settings: opts.settings } : {}) });
  const { world, durable, clock } = session;
  try {
    const payload = opts.alert ? firedNow(opts.alert, new Date(clock.now())) : demoAlertPayload(new Date(clock.now()));
    const response = await durable.registry.invokeHttp('alertWebhook', {
      method: 'POST',
      url: 'http://127.0.0.1:7071/api/alerts?code=demo',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    const body = response.json() as { instances?: Array<{ instanceId: string }> };
    const instanceId = body.instances?.[0]?.instanceId ?? null;
    let runtimeStatus: string | null = null;
    let outcome: InvestigationOutcome | null = null;
    if (instanceId) {
      const run = await durable.driver.runToCompletion(instanceId);
      runtimeStatus = run.runtimeStatus;
      if (run.runtimeStatus !== 'Completed') {
        throw new Error(`the investigation ended ${run.runtimeStatus}: ${run.failure?.message ?? 'no detail'}`);
      }
      outcome = run.output as InvestigationOutcome;
    }
    let report: Report | null = null;
    let files: DemoResult['files'] = null;
    const stored = outcome?.nodes[0];
    if (stored?.prefix) {
      const store = await world.deps.reports();
      const prefix = stored.prefix;
      const read = async (f: string) => (await store.readFile(prefix, f)).toString('utf8');
      files = {
        json: await read(REPORT_FILES.json),
        markdown: await read(REPORT_FILES.markdown),
        html: await read(REPORT_FILES.html),
      };
      report = JSON.parse(files.json) as Report;
      if (opts.evidenceDir) await store.downloadPrefix(`${prefix}${EVIDENCE_FOLDER}`, opts.evidenceDir);
    }
    return {
      webhookStatus: response.status,
      webhookBody: body,
      instanceId,
      runtimeStatus,
      outcome,
      report,
      files,
      teamsPayload: world.teams.delivered.at(-1) ?? null,
      timings: {
        startupMs: world.startup,
        activities,
        totalMs: Math.round(performance.now() - t0),
        virtualSkippedMs: clock.skippedMs,
      },
      jobsLeft: world.kube.state.jobs().length,
    };
  } finally {
    await session.close();
  }
}
