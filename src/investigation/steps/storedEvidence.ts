import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TraceSnapshot, usableTraceSnapshot } from '../../analysis/traceSnapshot.js';
import { type BlobReportStore, EVIDENCE_FOLDER } from '../../azure/blob/reportStore.js';
import { BlobStoreError } from '../../azure/errors.js';
import { BUNDLE_FILES } from '../../evidence/bundle.js';
import type { AnalyzeBundleOptions } from '../../evidence/read/analyzeBundle.js';
import type { Report } from '../../report/model.js';
import { analyzeBundleOrEmpty, emptyReport } from '../analyzeOrEmpty.js';

/** The trace as candidate selection read it, next to the evidence but outside the bundle (`analyze` ignores it). */
export const TRACE_SNAPSHOT_FILE = 'trace-analysis.json';

/**
 * What to do with the trace: `store` reads it and keeps its snapshot for later; `reuse` starts from that
 * snapshot (the trace is neither downloaded nor read again) and falls back to reading it when there is none.
 */
export type TraceUse = 'store' | 'reuse' | 'read';

async function storedSnapshot(
  store: BlobReportStore,
  prefix: string,
  privateCidrs: readonly string[],
): Promise<TraceSnapshot | null> {
  try {
    const text = (await store.readFile(prefix, TRACE_SNAPSHOT_FILE)).toString('utf8');
    return usableTraceSnapshot(JSON.parse(text), privateCidrs);
  } catch (err) {
    // No snapshot (an older run, selection skipped) or a damaged one: read the trace instead.
    if ((err instanceof BlobStoreError && err.statusCode === 404) || err instanceof SyntaxError) return null;
    throw err;
  }
}

/**
 * Analyses the `evidence/` folder stored under a report prefix: the exact bundle `snat-responder analyze`
 * would read after downloading it, so the stored report can always be reproduced offline. The temporary copy
 * is removed whatever happens. With `trace: 'reuse'` the trace is taken from the snapshot candidate selection
 * stored, so one investigation reads its trace once.
 */
export async function analyzeStoredEvidence(
  store: BlobReportStore,
  prefix: string,
  options: AnalyzeBundleOptions,
  trace: TraceUse = 'read',
): Promise<Report> {
  const snapshot = trace === 'reuse' ? await storedSnapshot(store, prefix, options.privateCidrs ?? []) : null;
  let taken: TraceSnapshot | null = null;
  const dir = await mkdtemp(join(tmpdir(), 'snat-evidence-'));
  try {
    const traceName = (rel: string) => rel === BUNDLE_FILES.tcptracer || rel === `${BUNDLE_FILES.tcptracer}.gz`;
    const files = await store.downloadPrefix(`${prefix}${EVIDENCE_FOLDER}`, dir, snapshot ? { skip: traceName } : {});
    if (files.length === 0) return emptyReport(options);
    // The bundle still lists the trace (the report names its evidence files); its content comes from the snapshot.
    for (const rel of snapshot ? files.filter(traceName) : []) await writeFile(join(dir, rel), '');
    const report = await analyzeBundleOrEmpty(dir, {
      ...options,
      ...(snapshot ? { traceSnapshot: snapshot } : {}),
      ...(trace === 'store'
        ? {
            onTraceSnapshot: (s: TraceSnapshot) => {
              taken = s;
            },
          }
        : {}),
    });
    if (taken) await store.putFile(prefix, TRACE_SNAPSHOT_FILE, JSON.stringify(taken), 'application/json');
    return report;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
