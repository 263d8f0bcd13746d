/**
 * The faults the simulated API server can be told to inject, and the counter that hands out the ones limited to
 * a number of requests. Tests and scenarios set them at start (`faults`) or change them while the server runs
 * (`state.faults`); the request-level hooks live in `./faultHooks.ts`.
 */
import type { RequestFaultHook } from './faultHooks.js';

/** Answer matching requests with an error status. */
export interface ApiFault {
  /** Only requests with this method (default: any). */
  method?: string;
  /** Matches the request path (without query): a prefix string or a pattern. */
  path: RegExp | string;
  /** The HTTP status to answer with. */
  status: number;
  /** How many requests to fail (default: all). */
  times?: number;
}

/** Hold matching requests before answering (timeouts). */
export interface DelayFault {
  /** Only requests with this method (default: any). */
  method?: string;
  /** Matches the request path (without query): a prefix string or a pattern. */
  path: RegExp | string;
  /** How long to hold each matching request. */
  ms: number;
  /** How many requests to hold (default: all). */
  times?: number;
}

/** Every fault the simulated API server can inject; all off by default. */
export interface KubeFaults {
  /** Answer matching requests with this status (a real `kind: Status` body). */
  apiErrors?: ApiFault[];
  /** Hold matching requests before answering (timeouts). */
  delays?: DelayFault[];
  /** The capture pod stays Pending for this reason. */
  jobStuck?: 'ImagePullBackOff' | 'ErrImagePull' | 'Unschedulable' | 'NodeNotReady';
  /** The capture Job fails with DeadlineExceeded when its run would end (its pod is killed). */
  jobDeadlineExceeded?: boolean;
  /** The capture container exits with this code and no framed output. */
  jobExitCode?: number;
  /** The capture log loses its second half (no end marker), as after log rotation. */
  truncateLog?: boolean;
  /** Latency added to every exec before it answers. */
  execLatencyMs?: number;
  /** Pods (`ns/name`) whose exec stream is dropped after part of the output. */
  execDropSocket?: string[];
  /** Pods (`ns/name`) deleted while the exec runs. */
  execDeletePod?: string[];
  /** Pods (`ns/name`) whose exec never answers. */
  execHang?: string[];
  /** Pods (`ns/name`) whose exec first sends a frame on an unknown channel. */
  execUnknownChannel?: string[];
  /** Containers report a missing binary as `sh`-style exit 127 instead of a runtime error. */
  missingBinaryExit127?: boolean;
  /** Asked for every request: a status to fail it with, or null (see `faultHooks.ts`). */
  requestHook?: RequestFaultHook;
  /**
   * The capture Job's node is deleted this many ms (server clock) after its pod starts running, as when the
   * cluster autoscaler or an upgrade removes it (see `KubeServerState.deleteNode`).
   */
  deleteNodeWhileRunningMs?: number;
}

/** Whether a fault's `path` (prefix string or pattern) matches a request path. */
function pathMatches(p: RegExp | string, path: string): boolean {
  return typeof p === 'string' ? path === p || path.startsWith(p) : p.test(path);
}

/** Hands out path faults (`apiErrors`, `delays`), each at most its `times`. */
export class FaultCounter {
  private readonly counts = new Map<object, number>();

  /**
   * The first fault of `list` that matches `method` and `path` and has uses left, counted as used; else undefined.
   *
   * @example const delay = counter.take(state.faults.delays, 'GET', '/api/v1/nodes');
   */
  take<T extends ApiFault | DelayFault>(list: T[] | undefined, method: string, path: string): T | undefined {
    const f = list?.find(
      (x) =>
        (!x.method || x.method === method) &&
        pathMatches(x.path, path) &&
        (x.times === undefined || (this.counts.get(x) ?? 0) < x.times),
    );
    if (f) this.counts.set(f, (this.counts.get(f) ?? 0) + 1);
    return f;
  }
}
