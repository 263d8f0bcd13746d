import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type AnalysisOptions, SnatAnalysis } from '../../analysis/snatAnalysis.js';
import type { TraceAggregate } from '../../analysis/traceAggregator.js';
import { fromTraceSnapshot, type TraceSnapshot, toTraceSnapshot } from '../../analysis/traceSnapshot.js';
import { insufficiency } from '../../analysis/verdict.js';
import type { Report } from '../../report/model.js';
import { BUNDLE_FILES } from '../bundle.js';
import type { EvidenceSet } from '../evidenceSet.js';
import { describeTrace } from '../traceSniffer.js';
import type { TraceTool } from '../types.js';
import { loadBundle } from './readBundle.js';
import { planTraceSlices, streamTrace, type TraceSlice, type TraceStreamResult } from './traceStream.js';
import type { TraceWorkerInput, TraceWorkerMessage } from './traceWorker.js';

/**
 * Below this size one thread reads the trace unless more are asked for: a worker takes ~75 ms to start and the
 * single-threaded scan reads ~350 MB/s, so on the 2-core machine of docs/performance.md a second thread only
 * pays from a few hundred MB on (113 MB: 1 thread 10% faster; 452 MB: 2 threads 14% faster).
 */
const AUTO_PARALLEL_MIN_BYTES = 256 * 1024 * 1024;
/** Below this size one thread reads the trace even when more are asked for. */
const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;
const MAX_TRACE_THREADS = 4;
/** Size of one slice on the shared queue. */
const SLICE_BYTES = 8 * 1024 * 1024;
const MAX_KEPT_WARNINGS = 50;

/** The analysis options plus how to read the trace: reuse an earlier snapshot, hand one out, how many threads. */
export interface AnalyzeBundleOptions extends AnalysisOptions {
  /** The trace as an earlier analysis of this bundle read it: used instead of reading the trace again. */
  traceSnapshot?: TraceSnapshot | null;
  /** Receives the trace's snapshot once the trace is read (to store for a later {@link traceSnapshot}). */
  onTraceSnapshot?: (snapshot: TraceSnapshot) => void;
  /**
   * Threads reading a plain-text trace of 16 MB or more (default: one below 256 MB, else the cores available, at
   * most 4; 1 disables workers).
   */
  traceThreads?: number;
}

// Present after a build (dist/); under a TypeScript runner there is no compiled worker and one thread reads.
const WORKER_URL = new URL('./traceWorker.js', import.meta.url);
const workerAvailable = () => WORKER_URL.protocol === 'file:' && existsSync(fileURLToPath(WORKER_URL));

/**
 * Runs one worker on the shared slice queue; resolves with the worker's aggregate. Slices it was given but did not
 * finish (the worker died) go back to the queue, so no data is lost.
 */
async function runWorker(input: TraceWorkerInput, queue: SliceQueue): Promise<TraceAggregate | null> {
  // Loaded only when a worker runs (a fresh `analyze` process pays ~4 ms for worker_threads).
  const { Worker } = await import('node:worker_threads');
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_URL, { workerData: input });
    let current: number | null = null;
    const giveNext = () => {
      current = queue.take();
      worker.postMessage(current === null ? null : { index: current, slice: queue.slices[current]! });
    };
    worker.on('message', (m: TraceWorkerMessage) => {
      if (m.kind === 'ready') giveNext();
      else if (m.kind === 'slice') {
        queue.results[m.index] = m.stream;
        giveNext();
      } else resolve(m.trace);
    });
    worker.once('error', () => {
      if (current !== null) queue.giveBack(current);
      resolve(null);
    });
  });
}

/** Slices handed out one at a time to whichever thread is free. */
class SliceQueue {
  readonly results: Array<TraceStreamResult | undefined>;
  private readonly pending: number[];
  constructor(readonly slices: TraceSlice[]) {
    this.results = slices.map(() => undefined);
    this.pending = slices.map((_, i) => i);
  }
  take(): number | null {
    return this.pending.shift() ?? null;
  }
  giveBack(index: number): void {
    this.pending.unshift(index);
  }
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
  return (await analyzeEvidence(path, options)).report;
}

/** A report, and why no file yielded anything usable (no trace event, no socket row) when that is the case. */
export interface AnalyzedEvidence {
  report: Report;
  /** Null when some file yielded an event or a socket row; else why not, as a phrase for a one-line error. */
  nothingUsable: string | null;
}

/**
 * {@link analyzeBundle}, also saying whether any file yielded an event or a socket row (the CLI refuses to
 * print a report built from nothing).
 */
export async function analyzeEvidence(path: string, options: AnalyzeBundleOptions = {}): Promise<AnalyzedEvidence> {
  const { evidence, tracePath } = await loadBundle(path);
  const run = new SnatAnalysis(evidence, options);
  const privateCidrs = [...(options.privateCidrs ?? [])];
  const before = { kept: evidence.warnings.length, count: evidence.warningCount };
  if (options.traceSnapshot) {
    run.aggregator.absorb(fromTraceSnapshot(options.traceSnapshot));
    applyTraceParse(evidence, options.traceSnapshot);
  } else if (tracePath !== null) {
    const { size } = await stat(tracePath);
    const wanted =
      options.traceThreads ?? (size >= AUTO_PARALLEL_MIN_BYTES ? (await import('node:os')).availableParallelism() : 1);
    const threads =
      size >= PARALLEL_MIN_BYTES && workerAvailable() ? Math.max(1, Math.min(wanted, MAX_TRACE_THREADS)) : 1;
    // Many small slices on a shared queue balance the threads; one slice when reading alone.
    const slices = await planTraceSlices(tracePath, threads > 1 ? Math.ceil(size / SLICE_BYTES) : 1);
    const results = await readSlices(tracePath, slices, threads, evidence, run, [...(options.privateCidrs ?? [])]);
    mergeStreamResults(evidence, results, run.aggregator.result().events);
  }
  if (!options.traceSnapshot) {
    options.onTraceSnapshot?.(
      toTraceSnapshot(
        run.aggregator.result(),
        {
          trace: evidence.trace,
          warnings: evidence.warnings.slice(before.kept),
          warningCount: evidence.warningCount - before.count,
        },
        privateCidrs,
      ),
    );
  }
  const y = run.evidenceYield();
  const nothingUsable =
    y.traceEvents === 0 && y.socketRows === 0
      ? y.tracePresent
        ? `${insufficiency(y)}${evidence.podSockets.length + evidence.netnsSockets.length > 0 ? '; the socket tables have no rows' : ''}`
        : 'the bundle has no trace and no socket table rows'
      : null;
  return { report: run.report(), nothingUsable };
}

/** What reading the trace added to the evidence, from a snapshot (warnings capped as when reading). */
function applyTraceParse(evidence: EvidenceSet, snapshot: TraceSnapshot): void {
  evidence.trace = { ...snapshot.trace };
  evidence.warningCount += snapshot.warningCount;
  for (const w of snapshot.warnings) {
    if (evidence.warnings.length >= MAX_KEPT_WARNINGS) break;
    evidence.warnings.push(w);
  }
}

/**
 * Reads the slices with this thread and `threads - 1` workers pulling from one queue, so a worker that starts
 * late (thread start, module load) simply takes fewer slices. Results come back in file order.
 */
async function readSlices(
  tracePath: string,
  slices: TraceSlice[],
  threads: number,
  evidence: EvidenceSet,
  run: SnatAnalysis,
  privateCidrs: string[],
): Promise<TraceStreamResult[]> {
  const queue = new SliceQueue(slices);
  const workers = Array.from({ length: Math.min(threads, slices.length) - 1 }, () =>
    runWorker({ path: tracePath, evidence, privateCidrs }, queue),
  );
  for (let i = queue.take(); i !== null; i = queue.take()) {
    queue.results[i] = await streamTrace(tracePath, run.aggregator, slices[i]!);
  }
  for (const trace of await Promise.all(workers)) if (trace) run.aggregator.absorb(trace);
  // Anything a failed worker gave back is read here.
  for (let i = queue.take(); i !== null; i = queue.take()) {
    queue.results[i] = await streamTrace(tracePath, run.aggregator, slices[i]!);
  }
  return queue.results.map((r, i) => {
    if (!r) throw new Error(`trace slice ${i} was not read`);
    return r;
  });
}

/**
 * Folds the slices' parse results into the evidence, renumbering warnings to whole-file line numbers; names what
 * the file looks like when it yielded no event.
 */
function mergeStreamResults(evidence: EvidenceSet, results: TraceStreamResult[], events: number): void {
  let offset = 0;
  let format: 'text' | 'json' | null = null;
  let tool: TraceTool | null = null;
  let lostSamples = 0;
  const file = evidence.files.find((f) => f.startsWith(BUNDLE_FILES.tcptracer)) ?? BUNDLE_FILES.tcptracer;
  for (const r of results) {
    format ??= r.format;
    tool ??= r.tool;
    lostSamples += r.lostSamples;
    if (r.damaged !== null) {
      evidence.warningCount++;
      evidence.warnings.unshift({
        file,
        line: offset + r.lines,
        message: `the gzip stream is damaged after this line (${r.damaged}); the events before it were kept`,
      });
    }
    evidence.warningCount += r.warningCount;
    for (const w of r.warnings) {
      if (evidence.warnings.length >= MAX_KEPT_WARNINGS) break;
      evidence.warnings.push({ ...w, line: w.line === 0 ? 0 : w.line + offset });
    }
    offset += r.lines;
  }
  const first = results[0];
  const looksLike =
    events === 0 && first
      ? describeTrace(first.sample, { gzip: first.gzip, damaged: first.damaged, lines: offset })
      : null;
  evidence.trace = { present: true, format, lostSamples, tool, looksLike };
}
