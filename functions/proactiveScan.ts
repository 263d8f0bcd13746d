/**
 * The proactive watch: a timer (every PROACTIVE_SCAN_MINUTES, default 5) that scans the configured clusters,
 * updates the fleet view and asks the intake to investigate every node heading for SNAT exhaustion, before any
 * alert fires. Thin: the scan lives in `src/proactive`, the start rules (dedupe, cooldown, per-cluster rate) in
 * `src/intake`, shared with the alert webhook and the on-demand endpoint.
 */
import type { InvocationContext, Timer } from '@azure/functions';
import functions from '@azure/functions';
import * as df from 'durable-functions';
import { proactiveSchedule } from '../src/config/settings.js';
import { IntakeService } from '../src/intake/service.js';
import { investigationDeps } from '../src/investigation/dependencies.js';
import type { ProactiveIntake, ProactiveRun } from '../src/proactive/runProactiveScan.js';
import { liveIntakeDeps, logTo } from './intakeHttp.js';
import { functionLogger } from './telemetry.js';

/** The name the timer registers under. */
export const PROACTIVE_SCAN_FUNCTION = 'proactiveScan';

/** Handler of the timer (exported for tests); resolves with the pass's result, or null when the watch is off. */
export async function proactiveScan(_timer: Timer | unknown, context: InvocationContext): Promise<ProactiveRun | null> {
  const logger = functionLogger(context, { component: 'proactive' });
  const deps = await investigationDeps();
  const settings = deps.settings.proactive;
  if (settings.clusterIds.length === 0) {
    logger.info('proactive watch off: PROACTIVE_CLUSTER_IDS is empty');
    return null;
  }
  if (!deps.fleetSources) throw new Error('the proactive scan needs ARM access (fleetSources) in this setup');
  const intakeService = new IntakeService({
    settings: liveIntakeDeps.settings,
    starter: liveIntakeDeps.getStarter(context),
    log: logTo(context),
    ...(liveIntakeDeps.locks ? { locks: liveIntakeDeps.locks } : {}),
  });
  const intake: ProactiveIntake = {
    async submitProactive(request, receivedAt) {
      const answer = await intakeService.submitProactive(request, receivedAt);
      return {
        action: answer.action,
        reason: answer.reason,
        instanceIds: answer.instances.map((i) => i.instanceId),
        started: answer.instances.filter((i) => i.started).map((i) => i.instanceId),
      };
    },
  };
  const [sources, fleet, { runProactiveScan }] = await Promise.all([
    deps.fleetSources(),
    deps.fleet?.() ?? Promise.resolve(null),
    // Loaded on the first tick, so registering the app stays cheap (bench/functions-import).
    import('../src/proactive/runProactiveScan.js'),
  ]);
  const log = ({ level, message, ...fields }: Record<string, unknown>) => {
    const text = String(message ?? 'proactive');
    if (level === 'error') logger.error(text, fields);
    else if (level === 'warn') logger.warn(text, fields);
    else logger.info(text, fields);
  };
  return runProactiveScan(
    { ...sources, intake, fleet, log },
    { clusterIds: settings.clusterIds },
    {
      // The receipt time every intake rule is measured from (the simulated world's virtual clock in the demo).
      now: liveIntakeDeps.now(),
      lookbackMinutes: settings.lookbackMinutes,
      horizonMinutes: settings.horizonMinutes,
      thresholdPercent: settings.thresholdPercent,
    },
  );
}

functions.app.timer(PROACTIVE_SCAN_FUNCTION, {
  // Read when the app loads: a timer's schedule is part of its registration (PROACTIVE_SCAN_MINUTES).
  schedule: proactiveSchedule(process.env),
  runOnStartup: false,
  useMonitor: true,
  extraInputs: [df.input.durableClient()],
  handler: async (timer, context) => {
    await proactiveScan(timer, context);
  },
});
