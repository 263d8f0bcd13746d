import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acquireSlot, EMPTY_CAPTURE_SLOTS, releaseSlot } from '../../../src/investigation/captureSlots.js';
import { nodeEntityKey } from '../../../src/investigation/entityNames.js';
import {
  acquireNode,
  EMPTY_NODE_FLIGHT,
  type NodeFlightState,
  releaseNode,
  type SharedNodeReport,
} from '../../../src/investigation/nodeSingleFlight.js';

const LEASE = 3_600_000;
const REUSE = 900_000;
const report = (instanceId: string): SharedNodeReport => ({
  instanceId,
  node: 'aks-np-0',
  prefix: `c/aks-np-0/20261104T1200Z-${instanceId}/`,
  status: 'complete',
  notified: true,
});

describe('node single flight', () => {
  it("grants the node to the first caller, makes the second wait, and hands it the owner's report on release", () => {
    let state: NodeFlightState = EMPTY_NODE_FLIGHT;
    const a = acquireNode(state, { instanceId: 'a', nowMs: 0, reuseWithinMs: REUSE, leaseMs: LEASE });
    expect(a.grant).toEqual({ kind: 'owner' });
    state = a.state;
    const b = acquireNode(state, { instanceId: 'b', nowMs: 1_000, reuseWithinMs: REUSE, leaseMs: LEASE });
    expect(b.grant).toEqual({ kind: 'wait', owner: 'a' });
    state = b.state;
    // Asking again (a replay, a poll) neither duplicates the waiter nor changes the owner.
    state = acquireNode(state, { instanceId: 'b', nowMs: 2_000, reuseWithinMs: REUSE, leaseMs: LEASE }).state;
    expect(acquireNode(state, { instanceId: 'a', nowMs: 2_000, reuseWithinMs: REUSE, leaseMs: LEASE }).grant).toEqual({
      kind: 'owner',
    });
    const released = releaseNode(state, { instanceId: 'a', nowMs: 90_000, report: report('a') });
    expect(released.waiters).toEqual(['b']);
    const late = acquireNode(released.state, { instanceId: 'c', nowMs: 100_000, reuseWithinMs: REUSE, leaseMs: LEASE });
    expect(late.grant).toEqual({ kind: 'reuse', report: report('a') });
  });

  it('ignores a release by anyone but the owner, and lets a new caller take a node whose owner went silent', () => {
    const owned = acquireNode(EMPTY_NODE_FLIGHT, { instanceId: 'a', nowMs: 0, reuseWithinMs: REUSE, leaseMs: LEASE });
    expect(releaseNode(owned.state, { instanceId: 'x', nowMs: 1, report: report('x') })).toEqual({
      state: owned.state,
      waiters: [],
    });
    const taken = acquireNode(owned.state, { instanceId: 'b', nowMs: LEASE, reuseWithinMs: REUSE, leaseMs: LEASE });
    expect(taken.grant).toEqual({ kind: 'owner' });
  });

  it('captures again once the stored report is older than the reuse window', () => {
    const done = releaseNode(
      acquireNode(EMPTY_NODE_FLIGHT, { instanceId: 'a', nowMs: 0, reuseWithinMs: REUSE, leaseMs: LEASE }).state,
      { instanceId: 'a', nowMs: 0, report: report('a') },
    ).state;
    expect(
      acquireNode(done, { instanceId: 'b', nowMs: REUSE + 1, reuseWithinMs: REUSE, leaseMs: LEASE }).grant,
    ).toEqual({ kind: 'owner' });
  });

  it('never grants the node while another live owner holds it, whatever the order of calls (property)', () => {
    const op = fc.record({ who: fc.constantFrom('a', 'b', 'c', 'd'), release: fc.boolean(), dt: fc.nat(1_200_000) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let state: NodeFlightState = EMPTY_NODE_FLIGHT;
        let now = 0;
        for (const o of ops) {
          now += o.dt;
          if (o.release) {
            state = releaseNode(state, { instanceId: o.who, nowMs: now, report: report(o.who) }).state;
            continue;
          }
          const before = state.owner;
          const r = acquireNode(state, { instanceId: o.who, nowMs: now, reuseWithinMs: 0, leaseMs: LEASE });
          if (r.grant.kind === 'owner' && before) {
            // Only the owner itself, or a newcomer after the owner's lease ran out, may be told "owner".
            expect(before.instanceId === o.who || now - before.sinceMs >= LEASE).toBe(true);
          }
          if (r.grant.kind === 'wait') expect(r.grant.owner).toBe(before?.instanceId);
          state = r.state;
          expect(new Set(state.waiters).size).toBe(state.waiters.length);
        }
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('keys every route to a node on the cluster and the node NAME (case-insensitive)', () => {
    const cluster = {
      resourceId: '/subscriptions/S/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks',
      name: 'aks',
    };
    const key = nodeEntityKey(cluster, 'AKS-nodepool1-0');
    expect(key).toBe(nodeEntityKey({ ...cluster, resourceId: cluster.resourceId.toLowerCase() }, 'aks-nodepool1-0'));
    expect(key).not.toMatch(/[/\\#?]/);
    expect(key).not.toBe(nodeEntityKey({ ...cluster, resourceId: `${cluster.resourceId}2` }, 'aks-nodepool1-0'));
  });
});

describe('capture slots', () => {
  it('grants at most max slots, race-free, and frees them on release', () => {
    let state = EMPTY_CAPTURE_SLOTS;
    const grants: boolean[] = [];
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      const r = acquireSlot(state, { instanceId: id, nowMs: 0, max: 3, leaseMs: LEASE });
      grants.push(r.granted);
      state = r.state;
    }
    expect(grants).toEqual([true, true, true, false, false]);
    expect(acquireSlot(state, { instanceId: 'b', nowMs: 1, max: 3, leaseMs: LEASE }).granted).toBe(true);
    state = releaseSlot(state, { instanceId: 'a' });
    const d = acquireSlot(state, { instanceId: 'd', nowMs: 2, max: 3, leaseMs: LEASE });
    expect(d.granted).toBe(true);
    expect(d.holders).toEqual(['b', 'c', 'd']);
  });

  it('frees the slot of a holder silent for longer than the lease (a crashed run)', () => {
    const full = ['a', 'b', 'c'].reduce(
      (s, id) => acquireSlot(s, { instanceId: id, nowMs: 0, max: 3, leaseMs: LEASE }).state,
      EMPTY_CAPTURE_SLOTS,
    );
    expect(acquireSlot(full, { instanceId: 'd', nowMs: LEASE - 1, max: 3, leaseMs: LEASE }).granted).toBe(false);
    expect(acquireSlot(full, { instanceId: 'd', nowMs: LEASE, max: 3, leaseMs: LEASE }).granted).toBe(true);
  });
});
