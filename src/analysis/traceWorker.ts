/**
 * Worker thread entry: reads one slice of a large trace into its own aggregator and posts the aggregate back.
 * The main thread merges the slices (TraceAggregator.absorb); see analyzeBundle.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EvidenceSet } from '../evidence/evidenceSet.js';
import { streamTrace, type TraceSlice } from '../evidence/traceStream.js';
import { SnatAnalysis } from './snatAnalysis.js';

/** What the main thread sends a trace worker. */
export interface TraceWorkerInput {
  path: string;
  slice: TraceSlice;
  /** The parsed small files: the worker needs them to key host-namespace traffic per PID. */
  evidence: EvidenceSet;
  privateCidrs: string[];
}

if (parentPort && workerData) {
  const input = workerData as TraceWorkerInput;
  const run = new SnatAnalysis(input.evidence, { privateCidrs: input.privateCidrs });
  const stream = await streamTrace(input.path, run.aggregator, input.slice);
  parentPort.postMessage({ trace: run.aggregator.result(), stream });
}
