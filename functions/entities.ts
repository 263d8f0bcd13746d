/**
 * The investigation's Durable entities. Operations on one entity run one at a time (the extension guarantees it),
 * which is what makes the node single flight and the cluster's capture slots race-free. The state transitions are
 * pure functions in src/investigation; these handlers only load, apply and store.
 */
import * as df from 'durable-functions';
import {
  type AcquireSlotInput,
  acquireSlot,
  type CaptureSlotsState,
  EMPTY_CAPTURE_SLOTS,
  releaseSlot,
} from '../src/investigation/captureSlots.js';
import { ENTITY } from '../src/investigation/entityNames.js';
import {
  type AcquireNodeInput,
  acquireNode,
  EMPTY_NODE_FLIGHT,
  type NodeFlightState,
  releaseNode,
  type SharedNodeReport,
} from '../src/investigation/nodeSingleFlight.js';

/** One entity operation: the next state and the value the caller gets back. */
type EntityOperation<S> = (state: S, input: unknown) => { state: S; value: unknown };

/**
 * An entity handler that loads the state (or `empty`), applies the named operation and stores the result;
 * every entity also answers `peek` with its state. An unknown operation throws, naming the entity.
 */
function entityHandler<S>(
  entity: string,
  empty: S,
  operations: Record<string, EntityOperation<S>>,
): df.EntityHandler<S> {
  return (context) => {
    const state = context.df.getState(() => empty) ?? empty;
    const name = context.df.operationName;
    if (name === 'peek') {
      context.df.return(state);
      return;
    }
    const operation = name !== undefined && Object.hasOwn(operations, name) ? operations[name] : undefined;
    if (!operation) throw new Error(`${entity} has no operation ${String(name)}`);
    const result = operation(state, context.df.getInput());
    context.df.setState(result.state);
    context.df.return(result.value);
  };
}

/** `nodeCapture` operations: `acquire` -> grant; `release` -> the waiters to tell; `peek` -> the state. */
export const nodeCaptureEntity: df.EntityHandler<NodeFlightState> = entityHandler('nodeCapture', EMPTY_NODE_FLIGHT, {
  acquire: (state, input) => {
    const result = acquireNode(state, input as AcquireNodeInput);
    return { state: result.state, value: result.grant };
  },
  release: (state, input) => {
    const result = releaseNode(state, input as { instanceId: string; nowMs: number; report: SharedNodeReport | null });
    return { state: result.state, value: result.waiters };
  },
});

/** `captureSlots` operations: `acquire` -> {granted, holders}; `release`; `peek` -> the state. */
export const captureSlotsEntity: df.EntityHandler<CaptureSlotsState> = entityHandler(
  'captureSlots',
  EMPTY_CAPTURE_SLOTS,
  {
    acquire: (state, input) => {
      const result = acquireSlot(state, input as AcquireSlotInput);
      return { state: result.state, value: { granted: result.granted, holders: result.holders } };
    },
    release: (state, input) => ({ state: releaseSlot(state, input as { instanceId: string }), value: null }),
  },
);

df.app.entity(ENTITY.nodeCapture, nodeCaptureEntity);
df.app.entity(ENTITY.captureSlots, captureSlotsEntity);
