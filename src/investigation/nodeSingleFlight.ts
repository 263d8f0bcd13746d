/**
 * The node single flight, as pure state transitions (the Durable entity in functions/entities.ts applies them).
 * One entity per (cluster, node NAME): every route to a node (split or unsplit alert, name, IPv4, IPv6) resolves
 * the node's name first, so all of them meet here. The entity grants the capture to one investigation; the others
 * wait on a durable external event and reuse the owner's stored report; a report stored within the reuse window
 * is handed out directly.
 */

/** The owner's stored node report, as waiters reuse it (the orchestration's per-node outcome). */
export interface SharedNodeReport {
  /** The instance that ran the capture and stored the report. */
  instanceId: string;
  node: string;
  prefix: string;
  status: string;
  notified: boolean;
  reportUrl?: string;
  jsonUrl?: string;
}

/** The entity's state. */
export interface NodeFlightState {
  owner: { instanceId: string; sinceMs: number } | null;
  waiters: string[];
  last: { report: SharedNodeReport; atMs: number } | null;
}

/** What `acquire` answers. */
export type NodeFlightGrant =
  | { kind: 'owner' }
  | { kind: 'wait'; owner: string }
  | { kind: 'reuse'; report: SharedNodeReport };

/** Input of `acquire`: times come from the orchestration's replay-safe clock. */
export interface AcquireNodeInput {
  instanceId: string;
  nowMs: number;
  /** A report stored this recently is reused instead of capturing again. */
  reuseWithinMs: number;
  /** An owner silent this long (crashed, terminated) loses the node to the next caller. */
  leaseMs: number;
}

/** The empty state. */
export const EMPTY_NODE_FLIGHT: NodeFlightState = { owner: null, waiters: [], last: null };

/**
 * Grants the node: `owner` (capture it), `wait` (someone else is capturing it), or `reuse` (a fresh report exists).
 * The same instance asking again (a replay, a retry) gets the same answer it got before.
 *
 * @example acquireNode(EMPTY_NODE_FLIGHT, { instanceId: 'a', nowMs: 0, reuseWithinMs: 900_000, leaseMs: 3_600_000 })
 *   // => { state: { owner: { instanceId: 'a', sinceMs: 0 }, ... }, grant: { kind: 'owner' } }
 */
export function acquireNode(
  state: NodeFlightState,
  input: AcquireNodeInput,
): { state: NodeFlightState; grant: NodeFlightGrant } {
  const { owner, last } = state;
  if (owner?.instanceId === input.instanceId) return { state, grant: { kind: 'owner' } };
  if (last && input.nowMs - last.atMs <= input.reuseWithinMs) {
    return { state, grant: { kind: 'reuse', report: last.report } };
  }
  if (owner && input.nowMs - owner.sinceMs < input.leaseMs) {
    const waiters = state.waiters.includes(input.instanceId) ? state.waiters : [...state.waiters, input.instanceId];
    return { state: { ...state, waiters }, grant: { kind: 'wait', owner: owner.instanceId } };
  }
  return {
    state: { ...state, owner: { instanceId: input.instanceId, sinceMs: input.nowMs }, waiters: state.waiters },
    grant: { kind: 'owner' },
  };
}

/**
 * The owner stored its report: remember it for reuse, free the node and return the waiters to tell. A release by
 * anyone but the owner changes nothing (a late release after the lease passed to another caller).
 */
export function releaseNode(
  state: NodeFlightState,
  input: { instanceId: string; nowMs: number; report: SharedNodeReport | null },
): { state: NodeFlightState; waiters: string[] } {
  if (state.owner?.instanceId !== input.instanceId) return { state, waiters: [] };
  return {
    state: {
      owner: null,
      waiters: [],
      last: input.report ? { report: input.report, atMs: input.nowMs } : state.last,
    },
    waiters: state.waiters.filter((w) => w !== input.instanceId),
  };
}
