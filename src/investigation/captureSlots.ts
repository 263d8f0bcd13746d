/**
 * The cluster's capture slots, as pure state transitions (the Durable entity in functions/entities.ts applies
 * them, one operation at a time, so acquiring a slot is race-free: no read-then-create).
 */

/** The entity's state: who holds a slot, since when (replay-safe orchestration time). */
export interface CaptureSlotsState {
  holders: Array<{ instanceId: string; sinceMs: number }>;
}

/** The empty state. */
export const EMPTY_CAPTURE_SLOTS: CaptureSlotsState = { holders: [] };

/** Input of `acquire`. */
export interface AcquireSlotInput {
  instanceId: string;
  nowMs: number;
  /** Slots per cluster (MAX_CONCURRENT_CAPTURES). */
  max: number;
  /** A holder silent this long (crashed, terminated) loses its slot: the Job's own deadline has long passed. */
  leaseMs: number;
}

/**
 * Grants a slot when fewer than `max` (live) holders have one; a holder asking again keeps its slot.
 *
 * @example acquireSlot(EMPTY_CAPTURE_SLOTS, { instanceId: 'a', nowMs: 0, max: 3, leaseMs: 3_600_000 }).granted // true
 */
export function acquireSlot(
  state: CaptureSlotsState,
  input: AcquireSlotInput,
): { state: CaptureSlotsState; granted: boolean; holders: string[] } {
  const live = state.holders.filter((h) => input.nowMs - h.sinceMs < input.leaseMs);
  if (live.some((h) => h.instanceId === input.instanceId)) {
    return { state: { holders: live }, granted: true, holders: live.map((h) => h.instanceId) };
  }
  if (live.length >= input.max) {
    return { state: { holders: live }, granted: false, holders: live.map((h) => h.instanceId) };
  }
  const holders = [...live, { instanceId: input.instanceId, sinceMs: input.nowMs }];
  return { state: { holders }, granted: true, holders: holders.map((h) => h.instanceId) };
}

/** Frees the caller's slot (idempotent). */
export function releaseSlot(state: CaptureSlotsState, input: { instanceId: string }): CaptureSlotsState {
  return { holders: state.holders.filter((h) => h.instanceId !== input.instanceId) };
}
