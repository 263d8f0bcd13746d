/**
 * "Analyse the bundle, or report that nothing usable was collected": one rule for the orchestration's
 * analyzeAndStore (src/investigation/steps/storedEvidence.ts) and the `investigate` CLI, so both write the same
 * report for an empty or unusable capture.
 */

import { type AnalysisOptions, SnatAnalysis } from '../analysis/snatAnalysis.js';
import { EvidenceNotFoundError } from '../evidence/errors.js';
import { emptyEvidenceSet } from '../evidence/evidenceSet.js';
import { type AnalyzeBundleOptions, analyzeBundle } from '../evidence/read/analyzeBundle.js';
import type { Report } from '../report/model.js';

/** The report of an empty bundle: every section says its evidence is missing. */
export function emptyReport(options: AnalysisOptions): Report {
  return new SnatAnalysis(emptyEvidenceSet(), options).report();
}

/**
 * `analyzeBundle(dir)`, or {@link emptyReport} when the folder holds no evidence file analysis knows
 * (`EvidenceNotFoundError`). Every other error propagates.
 */
export async function analyzeBundleOrEmpty(dir: string, options: AnalyzeBundleOptions): Promise<Report> {
  try {
    return await analyzeBundle(dir, options);
  } catch (err) {
    if (err instanceof EvidenceNotFoundError) return emptyReport(options);
    throw err;
  }
}
