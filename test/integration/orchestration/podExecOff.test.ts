/**
 * The default deployment (ALLOW_POD_EXEC unset): infra/k8s/ without optional/, so the responder has no exec
 * right at all. The investigation must still name the culprit from the node-side socket tables, never try an
 * exec, and say in the report which source it used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVIDENCE_FOLDER } from '../../../src/azure/blob/reportStore.js';
import { ACTIVITY } from '../../../src/investigation/activityNames.js';
import { socketSourceStatement } from '../../../src/investigation/evidenceNotes.js';
import { TRACE_SNAPSHOT_FILE } from '../../../src/investigation/steps/storedEvidence.js';
import { DEMO_HOT_NODE } from '../../../src/sim/arm/world.js';
import { demoAlertPayload } from '../../../src/sim/demoAlert.js';
import {
  type Investigation,
  phases,
  type Rig,
  scheduledActivities,
  startRig,
  startViaWebhook,
  T0,
} from '../../support/orchestration/rig.js';

const CULPRIT = { namespace: 'payments', pod: 'checkout-api-7d9f8b6c5-x2x9q' };

let rig: Rig;
let run: Investigation;

beforeAll(async () => {
  rig = await startRig({ settings: { ALLOW_POD_EXEC: 'false' } });
  run = await rig.run(startViaWebhook(demoAlertPayload(new Date(T0))));
});

afterAll(async () => {
  await rig?.close();
});

describe('pod exec off (the default)', () => {
  it('completes with the culprit named, and no problem', () => {
    expect(run.run.runtimeStatus).toBe('Completed');
    expect(run.outcome.problems).toEqual([]);
    expect(run.outcome.nodes[0]).toMatchObject({ node: DEMO_HOT_NODE.name, status: 'complete' });
    expect(run.report?.verdict).toMatchObject({ kind: 'pod', ...CULPRIT });
  });

  it('never asks the API server for an exec, and is never refused', () => {
    expect(rig.world.kube.state.exec.total).toBe(0);
    expect(rig.world.kube.state.requests.filter((r) => r.path.includes('/exec'))).toEqual([]);
    expect(rig.world.kube.state.forbidden).toEqual([]);
    expect(scheduledActivities(run.run.history)).not.toContain(ACTIVITY.podSockets);
  });

  it("takes the culprit's socket numbers from the node-side table and says so in the report", () => {
    const culprit = run.report?.rankedPods.find((p) => p.pod === CULPRIT.pod);
    expect(culprit?.socketSource).toMatch(/^sockets\/\d+\.txt$/);
    expect(culprit?.establishedPublic).toBeGreaterThan(0);
    expect(run.report?.investigation.notes).toEqual([socketSourceStatement(false)]);
    expect(run.files.filter((f) => f.startsWith(`${EVIDENCE_FOLDER}netstat/`))).toEqual([]);
  });

  it('skips the netstat phase', () => {
    expect(phases(run.progress)).not.toContain('netstat');
  });

  it('reads the trace once, in the report step: candidate selection needs no trace snapshot without exec', () => {
    expect(run.files).not.toContain(TRACE_SNAPSHOT_FILE);
    expect(run.report?.trace.events).toBeGreaterThan(0);
  });
});
