/**
 * Worker thread entry: takes slices of a large trace from the main thread one at a time (a shared queue keeps
 * both threads busy until the end), reads each into its own aggregator, and finally posts the aggregate back.
 * The main thread merges it (TraceAggregator.absorb); see analyzeBundle.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SnatAnalysis } from '../../analysis/snatAnalysis.js';
import type { TraceAggregate } from '../../analysis/traceAggregator.js';
import type { EvidenceSet } from '../evidenceSet.js';
import { streamTrace, type TraceSlice, type TraceStreamResult } from './traceStream.js';

/** What the main thread sends a trace worker when it starts. */
export interface TraceWorkerInput {
  path: string;
  /** The parsed small files: the worker needs them to key host-namespace traffic per PID. */
  evidence: EvidenceSet;
  privateCidrs: string[];
}

/** Main -> worker: a slice to read, or `null` when the queue is empty. */
export type TraceWorkerTask = { index: number; slice: TraceSlice } | null;

/** Worker -> main: ready for work, one slice read, or the final aggregate. */
export type TraceWorkerMessage =
  | { kind: 'ready' }
  | { kind: 'slice'; index: number; stream: TraceStreamResult }
  | { kind: 'done'; trace: TraceAggregate };

if (parentPort && workerData) {
  const port = parentPort;
  const input = workerData as TraceWorkerInput;
  const run = new SnatAnalysis(input.evidence, { privateCidrs: input.privateCidrs });
  port.on('message', (task: TraceWorkerTask) => {
    if (task === null) {
      port.postMessage({ kind: 'done', trace: run.aggregator.result() } satisfies TraceWorkerMessage);
      port.close();
      return;
    }
    void streamTrace(input.path, run.aggregator, task.slice).then((stream) =>
      port.postMessage({ kind: 'slice', index: task.index, stream } satisfies TraceWorkerMessage),
    );
  });
  port.postMessage({ kind: 'ready' } satisfies TraceWorkerMessage);
}
