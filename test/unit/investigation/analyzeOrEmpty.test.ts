import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { analyzeBundle } from '../../../src/evidence/read/analyzeBundle.js';
import { analyzeBundleOrEmpty, emptyReport } from '../../../src/investigation/analyzeOrEmpty.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'analyze-or-empty-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('analyzeBundleOrEmpty', () => {
  it('answers a folder with no evidence file with the empty report, where analyzeBundle throws', async () => {
    await writeFile(join(dir, 'notes.txt'), 'nothing the engine knows');
    await expect(analyzeBundle(dir)).rejects.toThrow(/evidence/i);
    const report = await analyzeBundleOrEmpty(dir, { privateCidrs: ['10.224.0.0/12'] });
    expect(report).toEqual(emptyReport({ privateCidrs: ['10.224.0.0/12'] }));
    expect(report.rankedPods).toEqual([]);
  });

  it('analyses a folder that holds evidence, exactly as analyzeBundle does', async () => {
    const bundle = join(import.meta.dirname, '../../fixtures/bundles/runbook');
    const report = await analyzeBundleOrEmpty(bundle, {});
    const direct = await analyzeBundle(bundle, {});
    expect(report.rankedPods.length).toBeGreaterThan(0);
    expect({ ...report, generatedAt: null }).toEqual({ ...direct, generatedAt: null });
  });
});
