import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EvidenceSet } from '../evidence/evidenceSet.js';
import { loadBundle } from '../evidence/readBundle.js';
import { planTraceSlices, streamTrace, type TraceSlice, type TraceStreamResult } from '../evidence/traceStream.js';
import type { Report } from '../report/model.js';
import { type AnalysisOptions, SnatAnalysis } from './snatAnalysis.js';
import type { TraceAggregate } from './traceAggregator.js';
import type { TraceWorkerInput } from './traceWorker.js';

/** Below this size one thread reads the trace: starting a worker costs more than it saves. */
const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;
const MAX_TRACE_THREADS = 4;
const MAX_KEPT_WARNINGS = 50;

export interface AnalyzeBundleOptions extends AnalysisOptions {
  /** Threads reading a large plain-text trace (default: the cores available, at most 4; 1 disables workers). */
  traceThreads?: number;
}

// Present after a build (dist/); under a TypeScript runner there is no compiled worker and one thread reads.
const WORKER_URL = new URL('./traceWorker.js', import.meta.url);
const workerAvailable = () => WORKER_URL.protocol === 'file:' && existsSync(fileURLToPath(WORKER_URL));

function readSliceInWorker(input: TraceWorkerInput): Promise<{ trace: TraceAggregate; stream: TraceStreamResult }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: input });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`trace worker exited with code ${code}`));
    });
  });
}

/**
 * Analyses a bundle directory (or a single tcptracer log) end to end: parse the small files, stream the
 * trace through the aggregator (large plain traces in parallel slices), attribute, rank, and build the report.
 *
 * @example
 * const report = await analyzeBundle('./evidence', { privateCidrs: ['10.224.0.0/12'] });
 * console.log(report.verdict.summary);
 */
export async function analyzeBundle(path: string, options: AnalyzeBundleOptions = {}): Promise<Report> {
  const { evidence, tracePath } = await loadBundle(path);
  const run = new SnatAnalysis(evidence, options);
  if (tracePath !== null) {
    const { size } = await stat(tracePath);
    const threads =
      size >= PARALLEL_MIN_BYTES && workerAvailable()
        ? Math.max(1, Math.min(options.traceThreads ?? availableParallelism(), MAX_TRACE_THREADS))
        : 1;
    const slices = await planTraceSlices(tracePath, threads);
    const results = await readSlices(tracePath, slices, evidence, run, [...(options.privateCidrs ?? [])]);
    mergeStreamResults(evidence, results);
  }
  return run.report();
}

/** Reads the first slice here and the others in workers at the same time; results in file order. */
async function readSlices(
  tracePath: string,
  slices: TraceSlice[],
  evidence: EvidenceSet,
  run: SnatAnalysis,
  privateCidrs: string[],
): Promise<TraceStreamResult[]> {
  const [first, ...rest] = slices;
  const pending = rest.map((slice) =>
    readSliceInWorker({ path: tracePath, slice, evidence, privateCidrs }).catch(async () => {
      // A worker that cannot start (resource limits) must not lose data: read that slice here instead.
      const local = new SnatAnalysis(evidence, { privateCidrs });
      const stream = await streamTrace(tracePath, local.aggregator, slice);
      return { trace: local.aggregator.result(), stream };
    }),
  );
  const own = await streamTrace(tracePath, run.aggregator, first);
  const others = await Promise.all(pending);
  for (const o of others) run.aggregator.absorb(o.trace);
  return [own, ...others.map((o) => o.stream)];
}

/** Folds the slices' parse results into the evidence, renumbering warnings to whole-file line numbers. */
function mergeStreamResults(evidence: EvidenceSet, results: TraceStreamResult[]): void {
  let offset = 0;
  let format: 'text' | 'json' | null = null;
  let lostSamples = 0;
  for (const r of results) {
    format ??= r.format;
    lostSamples += r.lostSamples;
    evidence.warningCount += r.warningCount;
    for (const w of r.warnings) {
      if (evidence.warnings.length >= MAX_KEPT_WARNINGS) break;
      evidence.warnings.push({ ...w, line: w.line === 0 ? 0 : w.line + offset });
    }
    offset += r.lines;
  }
  evidence.trace = { present: true, format, lostSamples };
}
