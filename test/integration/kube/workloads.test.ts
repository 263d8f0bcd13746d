import { afterEach, describe, expect, it } from 'vitest';
import { parseControllers } from '../../../src/evidence/parsers/kubectl.js';
import { listNodePods } from '../../../src/kube/pods.js';
import { readPodControllers } from '../../../src/kube/workloads.js';
import { DEMO_NODE, demoScenario } from '../../../src/sim/kube/demoScenario.js';
import type { KubeApiServer } from '../../../src/sim/kube/server.js';
import { startWithRbac } from './helpers.js';

let api: KubeApiServer | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

describe('readPodControllers against the loopback API server (default read-only role)', () => {
  it("reads each owning ReplicaSet and Job once, by name, in the pod's namespace", async () => {
    const s = await startWithRbac({ scenario: demoScenario() });
    api = s.api;
    const pods = await listNodePods(s.kc, DEMO_NODE);
    const read = await readPodControllers(s.kc, pods);
    expect(read.problems).toEqual([]);
    const items = parseControllers(read.json).items;
    expect(items).toContainEqual({
      kind: 'ReplicaSet',
      namespace: 'payments',
      name: 'checkout-api-7d9f8b6c5',
      owner: { kind: 'Deployment', name: 'checkout-api' },
    });
    expect(items.find((i) => i.kind === 'Job')).toMatchObject({
      namespace: 'batch',
      name: 'report-exporter-28937465',
      owner: { kind: 'CronJob' },
    });
    const reads = s.api.state.requests.filter((r) => /\/(replicasets|jobs)\//.test(r.path));
    expect(reads.length).toBe(read.count);
    expect(s.api.state.forbidden).toEqual([]);
  });

  it('a failing read (500) costs only that workload: reported, skipped, the others still read', async () => {
    const s = await startWithRbac({ scenario: demoScenario() });
    api = s.api;
    const pods = await listNodePods(s.kc, DEMO_NODE);
    s.api.state.faults = { requestHook: (r) => (r.path.endsWith('/jobs/report-exporter-28937465') ? 500 : null) };
    const read = await readPodControllers(s.kc, pods);
    expect(read.problems).toHaveLength(1);
    expect(read.problems[0]).toMatch(/report-exporter-28937465.*inferred from names and labels/);
    const items = parseControllers(read.json).items;
    expect(items.some((i) => i.kind === 'Job')).toBe(false);
    expect(items.some((i) => i.name === 'checkout-api-7d9f8b6c5')).toBe(true);
  });
});
