/**
 * Timer-triggered capture Job sweeper (every 10 minutes): deletes capture Jobs past their deadline whose
 * investigation is no longer running, on every cluster in SWEEP_CLUSTER_IDS, and logs what it deleted. Thin:
 * the rules live in src/investigation/sweep.ts.
 */
import type { InvocationContext, Timer } from '@azure/functions';
import functions from '@azure/functions';
import * as df from 'durable-functions';
import { investigationDeps } from '../src/investigation/dependencies.js';
import { sweepCaptureJobs } from '../src/investigation/sweep.js';
import { liveIntakeDeps } from './intakeHttp.js';
import { functionLogger } from './telemetry.js';

/** The sweep schedule (NCRONTAB, UTC): every 10 minutes. */
export const SWEEP_SCHEDULE = '0 */10 * * * *';

/** Handler (exported for tests). */
export async function sweepCaptureJobsHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  const logger = functionLogger(context, { component: 'sweeper' });
  const deps = await investigationDeps();
  if (deps.settings.sweepClusterIds.length === 0) {
    logger.info('capture Job sweep skipped: SWEEP_CLUSTER_IDS is empty');
    return;
  }
  // The app's one clock (the wall clock; the simulated deployment's virtual one in the demo), as the intake uses.
  const now = () => liveIntakeDeps.now().getTime();
  // Loaded on first run, as the activities load their steps: the kube adapter stays out of the cold start.
  const { sweepPorts } = await import('../src/investigation/steps/sweepSteps.js');
  const result = await sweepCaptureJobs(sweepPorts(deps, df.getClient(context), logger, now));
  logger.info('capture Job sweep done', {
    deleted: result.deleted.map((d) => `${d.cluster}/${d.job}`),
    kept: result.kept.length,
    failures: result.failures.length,
  });
}

functions.app.timer('sweepCaptureJobs', {
  schedule: SWEEP_SCHEDULE,
  extraInputs: [df.input.durableClient()],
  handler: sweepCaptureJobsHandler,
});
