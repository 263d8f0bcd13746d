import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TraceSnapshot, usableTraceSnapshot } from '../../../src/analysis/traceSnapshot.js';
import { analyzeBundle } from '../../../src/evidence/read/analyzeBundle.js';

const RUNBOOK = fileURLToPath(new URL('../../fixtures/bundles/runbook', import.meta.url));
const CIDRS = ['20.50.0.0/16'];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snat-snapshot-'));
  await cp(RUNBOOK, join(dir, 'bundle'), { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('trace snapshot', () => {
  it('gives the same report without reading the trace again (the trace file emptied to prove it)', async () => {
    const bundle = join(dir, 'bundle');
    let snapshot: TraceSnapshot | null = null;
    const fresh = await analyzeBundle(bundle, {
      privateCidrs: CIDRS,
      onTraceSnapshot: (s) => {
        snapshot = s;
      },
    });
    expect(fresh.trace.events).toBeGreaterThan(0);
    // Stored as JSON in Blob between the two activities.
    const stored = usableTraceSnapshot(JSON.parse(JSON.stringify(snapshot)), CIDRS);
    expect(stored).not.toBeNull();
    const copy = join(dir, 'no-trace');
    await cp(bundle, copy, { recursive: true });
    await writeFile(join(copy, 'tcptracer.log'), '');
    const reused = await analyzeBundle(copy, { privateCidrs: CIDRS, traceSnapshot: stored });
    expect(reused).toEqual(fresh);
    // Without the snapshot the emptied trace gives another report: the equality above is the snapshot's doing.
    expect((await analyzeBundle(copy, { privateCidrs: CIDRS })).trace.events).toBe(0);
  });

  it('is unusable with other private ranges, another version, or a damaged shape', () => {
    const s = { version: 2, privateCidrs: CIDRS, talkers: [], warnings: [], trace: { present: true } };
    expect(usableTraceSnapshot(s, CIDRS)).not.toBeNull();
    expect(usableTraceSnapshot(s, [])).toBeNull();
    expect(usableTraceSnapshot({ ...s, version: 1 }, CIDRS)).toBeNull();
    expect(usableTraceSnapshot({ ...s, talkers: 'x' }, CIDRS)).toBeNull();
    expect(usableTraceSnapshot(null, CIDRS)).toBeNull();
  });
});
