import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeBundle } from '../../analysis/analyzeBundle.js';
import type { AnalysisOptions } from '../../analysis/snatAnalysis.js';
import { SnatAnalysis } from '../../analysis/snatAnalysis.js';
import { type BlobReportStore, EVIDENCE_FOLDER } from '../../azure/blob/reportStore.js';
import { EvidenceNotFoundError } from '../../evidence/errors.js';
import { emptyEvidenceSet } from '../../evidence/evidenceSet.js';
import type { Report } from '../../report/model.js';

/**
 * Analyses the `evidence/` folder stored under a report prefix: the exact bundle `snat-responder analyze`
 * would read after downloading it, so the stored report can always be reproduced offline. The temporary copy
 * is removed whatever happens.
 */
export async function analyzeStoredEvidence(
  store: BlobReportStore,
  prefix: string,
  options: AnalysisOptions,
): Promise<Report> {
  const dir = await mkdtemp(join(tmpdir(), 'snat-evidence-'));
  try {
    const files = await store.downloadPrefix(`${prefix}${EVIDENCE_FOLDER}`, dir);
    if (files.length === 0) return new SnatAnalysis(emptyEvidenceSet(), options).report();
    return await analyzeBundle(dir, options);
  } catch (err) {
    if (err instanceof EvidenceNotFoundError) return new SnatAnalysis(emptyEvidenceSet(), options).report();
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
