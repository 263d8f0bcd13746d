import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HOT_NODE, DEMO_LOAD_BALANCER_ID } from '../../../src/sim/arm/world.js';
import type { DurableSim, StandInHttpResponse } from '../../../src/sim/durable/index.js';
import { type Rig, startRig } from '../../support/orchestration/rig.js';

let rig: Rig;

beforeAll(async () => {
  rig = await startRig();
});

afterAll(async () => {
  await rig?.close();
});

function post(sim: DurableSim, body: unknown): Promise<StandInHttpResponse> {
  return sim.registry.invokeHttp('investigateNode', {
    method: 'POST',
    url: 'http://127.0.0.1:7071/api/investigations?code=test',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

interface Answer {
  action: string;
  reason: string;
  instances: Array<{ instanceId: string; started: boolean; dedup?: string; statusUrl: string }>;
}

describe('investigateNode (on-demand endpoint)', () => {
  describe('a valid request', () => {
    it('answers 202 with a status URL only, dedups a second call while running, and completes the investigation', async () => {
      const answers: StandInHttpResponse[] = [];
      let runningStatus: { status: number; body: { runtimeStatus?: string } } | null = null;
      const inv = await rig.run(async (sim) => {
        const rpcBaseUrl = sim.rpc.rpcBaseUrl;
        const body = { loadBalancerId: DEMO_LOAD_BALANCER_ID, node: DEMO_HOT_NODE.name };
        answers.push(await post(sim, body));
        const id = ((answers[0] as StandInHttpResponse).json() as Answer).instances[0]!.instanceId;
        const running = sim.driver.runToCompletion(id);
        answers.push(await post(sim, body));
        const res = await fetch(`${rpcBaseUrl}instances/${encodeURIComponent(id)}`);
        runningStatus = { status: res.status, body: (await res.json()) as { runtimeStatus?: string } };
        await running;
        return id;
      });
      const [first, second] = answers.map((a) => ({ status: a.status, body: a.json() as Answer }));
      expect(first?.status).toBe(202);
      expect(first?.body.instances).toEqual([
        expect.objectContaining({
          instanceId: inv.instanceId,
          started: true,
          statusUrl: `http://127.0.0.1:7071/api/investigations/${inv.instanceId}`,
        }),
      ]);
      // No management URL (terminate, purge, raise event) and no key in the answer.
      expect(answers[0]?.text()).not.toMatch(/runtime\/webhooks|terminate|purge|raiseEvent|code=/);
      expect(second?.status).toBe(202);
      expect(second?.body.instances[0]).toMatchObject({
        instanceId: inv.instanceId,
        started: false,
        dedup: 'same-window',
      });
      expect(runningStatus).toMatchObject({ status: 202, body: { runtimeStatus: 'Running' } });

      expect(inv.run.runtimeStatus).toBe('Completed');
      expect(inv.outcome.nodes).toHaveLength(1);
      expect(inv.outcome.nodes[0]).toMatchObject({ node: DEMO_HOT_NODE.name, status: 'complete', notified: true });
      expect(inv.report?.verdict.pod).toBe('checkout-api-7d9f8b6c5-x2x9q');
      // A node name without IP still gets the node's own SNAT metrics (its InternalIP).
      expect(inv.report?.node).toEqual({ name: DEMO_HOT_NODE.name, ip: DEMO_HOT_NODE.ip });
      expect(Math.max(...(inv.report?.metrics ?? []).map((m) => m.usedPorts ?? 0))).toBeGreaterThan(900);
      expect(inv.jobsLeft).toBe(0);
      expect(inv.progress.at(-1)).toMatchObject({ phase: 'done', node: DEMO_HOT_NODE.name });
    });
  });

  describe('bad requests', () => {
    async function answer(body: unknown): Promise<{ status: number; error: string }> {
      let out = { status: 0, error: '' };
      const { startDurableSim } = await import('../../../src/sim/durable/index.js');
      const sim = await startDurableSim({ autoRun: false });
      try {
        await import('../../../functions/index.js');
        const res = await post(sim, body);
        out = { status: res.status, error: String((res.json() as { reason?: string }).reason) };
        expect(sim.driver.listStatuses()).toEqual([]);
      } finally {
        await sim.close();
      }
      return out;
    }

    it('answers 400 naming loadBalancerId when it is missing or not a load balancer id', async () => {
      expect(await answer({ node: 'x' })).toMatchObject({
        status: 400,
        error: expect.stringMatching(/^loadBalancerId/),
      });
      const notLb = await answer({ loadBalancerId: '/subscriptions/x/resourceGroups/y' });
      expect(notLb).toMatchObject({ status: 400, error: expect.stringContaining('loadBalancerId') });
    });

    it('answers 400 naming node when it is not a node name or IP', async () => {
      const res = await answer({ loadBalancerId: DEMO_LOAD_BALANCER_ID, node: 'node; rm -rf /' });
      expect(res).toMatchObject({ status: 400, error: expect.stringMatching(/^node: /) });
    });

    it('answers 400 for unknown fields and for a body that is not JSON', async () => {
      const extra = await answer({ loadBalancerId: DEMO_LOAD_BALANCER_ID, nodes: ['a'] });
      expect(extra).toMatchObject({ status: 400, error: expect.stringContaining('nodes') });
      expect(await answer('{"loadBalancerId":')).toMatchObject({ status: 400, error: expect.stringContaining('JSON') });
    });

    it('answers 413 for a body over 16 KB', async () => {
      const res = await answer({ loadBalancerId: DEMO_LOAD_BALANCER_ID, node: 'a'.repeat(17 * 1024) });
      expect(res.status).toBe(413);
    });
  });
});
