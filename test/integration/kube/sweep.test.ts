import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../../src/investigation/clusterInfo.js';
import { ownerStatusVia } from '../../../src/investigation/steps/sweepSteps.js';
import { SWEEP_MARGIN_SECONDS, type SweepPorts, sweepCaptureJobs } from '../../../src/investigation/sweep.js';
import { listCaptureJobs } from '../../../src/kube/captureInventory.js';
import { DEADLINE_MARGIN_SECONDS } from '../../../src/kube/captureJob.js';
import { CaptureManager } from '../../../src/kube/captureRunner.js';
import type { Logger } from '../../../src/logging/logger.js';
import { demoScenario } from '../../../src/sim/kube/demoScenario.js';
import type { KubeApiServer } from '../../../src/sim/kube/server.js';
import { startWithRbac } from './helpers.js';

const NODE = (i: number) => `aks-nodepool1-12345678-vmss00000${i}`;
const CLUSTER_ID =
  '/subscriptions/5a3c7f2e-1b8d-4e6f-9a0c-2d4b6e8f0a1c/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-prod';
const TRACE = 60;
const PAST_DEADLINE_MS = (TRACE + DEADLINE_MARGIN_SECONDS + SWEEP_MARGIN_SECONDS) * 1000;

let api: KubeApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

function recorder() {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const logger: Logger = {
    info: (message, fields) => lines.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
    warn: (message, fields) => lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: (message, fields) => lines.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
  };
  return { lines, logger };
}

/** A cluster with capture Jobs of the given owners (one per node), and a clock the test moves. */
async function clusterWithJobs(owners: string[]) {
  let now = Date.parse('2026-12-04T10:00:00Z');
  const started = await startWithRbac({ scenario: demoScenario(), clock: () => now });
  api = started.api;
  const manager = new CaptureManager(started.kc, { traceSeconds: TRACE, maxConcurrent: 10 });
  const names: Record<string, string> = {};
  for (const [i, owner] of owners.entries()) names[owner] = (await manager.start(NODE(i), owner)).jobName;
  const { lines, logger } = recorder();
  const cluster = { name: 'aks-prod', resourceId: CLUSTER_ID } as ClusterInfo;
  const ports = (statuses: Record<string, string | Error>): SweepPorts => ({
    clusterIds: [CLUSTER_ID],
    resolveCluster: async () => cluster,
    listJobs: () => listCaptureJobs(started.kc, 'snat-responder'),
    deleteJob: (_c, name) => manager.deleteAbandoned(name),
    ownerStatus: (id) =>
      ownerStatusVia(
        {
          getStatus: async (instanceId) => {
            const s = statuses[instanceId];
            if (s instanceof Error) throw s;
            if (s === undefined) throw new Error(`DurableClient error: HTTP 404 response for ${instanceId}`);
            return { runtimeStatus: s };
          },
        },
        id,
      ),
    now: () => now,
    logger,
  });
  return {
    names,
    ports,
    lines,
    advance: (ms: number) => {
      now += ms;
    },
    jobsLeft: async () => (await listCaptureJobs(started.kc, 'snat-responder')).map((j) => j.name).sort(),
  };
}

describe('sweepCaptureJobs against the loopback API server', () => {
  it("deletes the orphan past its deadline and leaves the running investigation's Job alone", async () => {
    const c = await clusterWithJobs(['crashed-run', 'live-run']);
    c.advance(PAST_DEADLINE_MS);
    const result = await sweepCaptureJobs(c.ports({ 'crashed-run': 'Failed', 'live-run': 'Running' }));
    expect(result.deleted).toEqual([{ cluster: 'aks-prod', job: c.names['crashed-run'], owner: 'crashed-run' }]);
    expect(result.kept).toEqual([{ cluster: 'aks-prod', job: c.names['live-run'], reason: 'owner Running' }]);
    expect(await c.jobsLeft()).toEqual([c.names['live-run']]);
    const deletedLog = c.lines.find((l) => l.message === 'sweeper deleted an orphaned capture Job');
    expect(deletedLog?.fields).toMatchObject({
      cluster: 'aks-prod',
      jobName: c.names['crashed-run'],
      instanceId: 'crashed-run',
    });
  });

  it('deletes a Job whose owner no longer exists, keeps one whose owner cannot be read', async () => {
    const c = await clusterWithJobs(['purged-run', 'unknown-run']);
    c.advance(PAST_DEADLINE_MS);
    const result = await sweepCaptureJobs(c.ports({ 'unknown-run': new Error('connect ECONNREFUSED 127.0.0.1:7071') }));
    expect(result.deleted.map((d) => d.owner)).toEqual(['purged-run']);
    expect(result.kept).toEqual([{ cluster: 'aks-prod', job: c.names['unknown-run'], reason: 'owner status unknown' }]);
    expect(await c.jobsLeft()).toEqual([c.names['unknown-run']]);
  });

  it('touches nothing within the deadline plus margin, whatever the owner', async () => {
    const c = await clusterWithJobs(['crashed-run']);
    c.advance(PAST_DEADLINE_MS - 1000);
    const result = await sweepCaptureJobs(c.ports({ 'crashed-run': 'Failed' }));
    expect(result.deleted).toEqual([]);
    expect(await c.jobsLeft()).toEqual([c.names['crashed-run']]);
  });

  it('reports a cluster it cannot reach and goes on with the next', async () => {
    const c = await clusterWithJobs(['crashed-run']);
    c.advance(PAST_DEADLINE_MS);
    const base = c.ports({ 'crashed-run': 'Completed' });
    const result = await sweepCaptureJobs({
      ...base,
      clusterIds: ['/subscriptions/x/broken', ...base.clusterIds],
      resolveCluster: async (id) => {
        if (id.endsWith('broken')) throw new Error('ARM 503');
        return base.resolveCluster(id);
      },
    });
    expect(result.failures).toEqual([{ cluster: '/subscriptions/x/broken', job: null, error: 'Error: ARM 503' }]);
    expect(result.deleted.map((d) => d.owner)).toEqual(['crashed-run']);
  });
});
