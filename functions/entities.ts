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

/** `nodeCapture` operations: `acquire` -> grant; `release` -> the waiters to tell; `peek` -> the state. */
export const nodeCaptureEntity: df.EntityHandler<NodeFlightState> = (context) => {
  const state = context.df.getState(() => EMPTY_NODE_FLIGHT) ?? EMPTY_NODE_FLIGHT;
  switch (context.df.operationName) {
    case 'acquire': {
      const result = acquireNode(state, context.df.getInput() as AcquireNodeInput);
      context.df.setState(result.state);
      context.df.return(result.grant);
      return;
    }
    case 'release': {
      const input = context.df.getInput() as { instanceId: string; nowMs: number; report: SharedNodeReport | null };
      const result = releaseNode(state, input);
      context.df.setState(result.state);
      context.df.return(result.waiters);
      return;
    }
    case 'peek':
      context.df.return(state);
      return;
    default:
      throw new Error(`nodeCapture has no operation ${String(context.df.operationName)}`);
  }
};

/** `captureSlots` operations: `acquire` -> {granted, holders}; `release`. */
export const captureSlotsEntity: df.EntityHandler<CaptureSlotsState> = (context) => {
  const state = context.df.getState(() => EMPTY_CAPTURE_SLOTS) ?? EMPTY_CAPTURE_SLOTS;
  switch (context.df.operationName) {
    case 'acquire': {
      const result = acquireSlot(state, context.df.getInput() as AcquireSlotInput);
      context.df.setState(result.state);
      context.df.return({ granted: result.granted, holders: result.holders });
      return;
    }
    case 'release':
      context.df.setState(releaseSlot(state, context.df.getInput() as { instanceId: string }));
      context.df.return(null);
      return;
    case 'peek':
      context.df.return(state);
      return;
    default:
      throw new Error(`captureSlots has no operation ${String(context.df.operationName)}`);
  }
};

df.app.entity(ENTITY.nodeCapture, nodeCaptureEntity);
df.app.entity(ENTITY.captureSlots, captureSlotsEntity);
