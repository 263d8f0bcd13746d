import { ACTIVITY } from '../../investigation/activityNames.js';
import { SWEEP_MARGIN_SECONDS } from '../../investigation/sweep.js';
import { DEADLINE_MARGIN_SECONDS } from '../../kube/captureJob.js';
import { CaptureManager } from '../../kube/captureRunner.js';
import { DEMO_CLUSTER, DEMO_NODES, DEMO_SUBSCRIPTION_ID } from '../arm/world.js';
import type { DriverEvent } from '../durable/index.js';
import { splitAlert } from './payloads.js';
import type { Scenario, ScenarioContext } from './types.js';

const CLUSTER_ID = `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/${DEMO_CLUSTER.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${DEMO_CLUSTER.name}`;
/** The run that crashed: an instance id the Durable host no longer knows (its history went with the crash). */
const CRASHED_RUN = 'snat-0c0ffee0c0ffee0c0ffee0c0ffee0c0f-20261204T0900Z';
/** Wall-clock bound on waiting for the live investigation to create its Job (a few activities on loopback). */
const LIVE_JOB_WAIT_MS = 60_000;

/**
 * The orchestrator needs durable timers before it creates its Job (the capture slot's wait), and the harness holds
 * timers while `run` runs. So `run` lets them go and this hook holds them again the moment the live capture Job
 * exists: the investigation is then Running with its Job in place, and the sweeper sees exactly that.
 */
const liveJob = { onCreated: null as (() => void) | null };

/** The capture Jobs in the simulated cluster, by name. */
const jobNames = (ctx: ScenarioContext): string[] =>
  ctx.session.world.kube.state.jobs().map((j) => String((j.metadata as { name?: unknown } | undefined)?.name ?? ''));

/**
 * A capture Job left behind by a crashed run, next to a running investigation's Job. The real timer-triggered
 * sweeper (`sweepCaptureJobs`) fires once the orphan is past its deadline plus the margin: it deletes exactly the
 * orphan and leaves the running investigation's Job to its owner, which deletes it when its report is stored.
 */
export const orphanSweep: Scenario = {
  name: 'orphan-sweep',
  description:
    "a crashed run's capture Job next to a running investigation's: the sweeper deletes exactly the orphan, past its deadline",
  session: {
    settings: { SWEEP_CLUSTER_IDS: CLUSTER_ID },
    onEvent: (e: DriverEvent) => {
      if (e.kind === 'activityCompleted' && e.name === ACTIVITY.startCapture) liveJob.onCreated?.();
    },
  },
  async run(ctx) {
    const { deps } = ctx.session.world;
    const { driver } = ctx.session.durable;
    // The crashed run's Job, created through the production capture code on another node than the alert's.
    const cluster = await deps.clusters.resolveById(CLUSTER_ID);
    const manager = new CaptureManager(await deps.kubeConfigFor(cluster), {
      namespace: deps.settings.captureNamespace,
      maxConcurrent: deps.settings.maxConcurrentCaptures,
      traceSeconds: deps.settings.traceSeconds,
    });
    const { jobName: orphan } = await manager.start(DEMO_NODES[0].name, CRASHED_RUN);
    ctx.advance((deps.settings.traceSeconds + DEADLINE_MARGIN_SECONDS + SWEEP_MARGIN_SECONDS) * 1000);

    const created = new Promise<void>((resolve) => {
      liveJob.onCreated = () => {
        liveJob.onCreated = null;
        driver.holdTimers(); // synchronously, before the next timer can fire: the investigation stays Running
        resolve();
      };
    });
    const live = (await ctx.deliverAlert(splitAlert(ctx.now()))).instanceIds[0] ?? null;
    driver.releaseTimers();
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        created,
        new Promise<never>((_, reject) => {
          timeout = setTimeout(
            () => reject(new Error("the running investigation's capture Job did not appear")),
            LIVE_JOB_WAIT_MS,
          );
        }),
      ]);
    } catch (err) {
      liveJob.onCreated = null;
      driver.holdTimers(); // the harness releases once after run
      throw err;
    } finally {
      clearTimeout(timeout);
    }

    const before = jobNames(ctx);
    await ctx.session.durable.registry.invoke('sweepCaptureJobs', {
      triggerData: { json: JSON.stringify({ isPastDue: false }) },
    });
    const after = new Set(jobNames(ctx));
    ctx.extra('sweeper', {
      deleted: before.filter((name) => !after.has(name)),
      kept: [...after],
      orphan,
      runningOwner: live,
      runningStatus: live ? (driver.listStatuses().find((s) => s.instanceId === live)?.runtimeStatus ?? null) : null,
    });
  },
};
