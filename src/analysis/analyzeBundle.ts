import { loadBundle, streamTrace } from '../evidence/readBundle.js';
import type { Report } from '../report/model.js';
import { type AnalysisOptions, SnatAnalysis } from './snatAnalysis.js';

/**
 * Analyses a bundle directory (or a single tcptracer log) end to end: parse the small files, stream the
 * trace through the aggregator, attribute, rank, and build the report.
 *
 * @example
 * const report = await analyzeBundle('./evidence', { privateCidrs: ['10.224.0.0/12'] });
 * console.log(report.verdict.summary);
 */
export async function analyzeBundle(path: string, options: AnalysisOptions = {}): Promise<Report> {
  const { evidence, tracePath } = await loadBundle(path);
  const run = new SnatAnalysis(evidence, options);
  if (tracePath !== null) {
    const trace = await streamTrace(tracePath, run.aggregator);
    evidence.trace = { present: true, format: trace.format, lostSamples: trace.lostSamples };
    evidence.warningCount += trace.warningCount;
    evidence.warnings.push(...trace.warnings.slice(0, Math.max(0, 50 - evidence.warnings.length)));
  }
  return run.report();
}
