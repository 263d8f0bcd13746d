// Micro-benchmark of the WebAssembly trace scanner: streams each 1M-line trace of analyze-vs-awk.mjs through the
// real reader (src/evidence/read/traceStream.ts) into the real aggregator, in this process, and reports the time
// spent inside the scanner's `scan` (wall, and CPU of this thread) next to the whole read's CPU time (every
// thread: the read-ahead runs on libuv's pool), medians of N runs.
// CPU times are what to compare on a busy machine. Usage: npm run build && node bench/scanner-throughput.mjs
//        [--lines N] [--runs N] [--traces base,pid-churn,many-destinations]
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateTrace, TRACE_KINDS } from './gen-tcptracer.mjs';
import { median } from './lib.mjs';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '7' },
    traces: { type: 'string', default: TRACE_KINDS.join(',') },
  },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist/src/`;
if (!existsSync(`${dist}evidence/wasm/scanner.wasm`)) throw new Error('run `npm run build` first');
const { streamTrace } = await import(`${dist}evidence/read/traceStream.js`);
const { TraceScanner } = await import(`${dist}evidence/read/wasmScanner.js`);
const { TraceAggregator } = await import(`${dist}analysis/traceAggregator.js`);
const { createIpClassifier } = await import(`${dist}analysis/ipClassifier.js`);

// Time spent in the scanner's scan calls (the WebAssembly per-line work, plus a few result reads).
let scanWallNs = 0n;
let scanCpuUs = 0;
let scanCalls = 0;
const scan = TraceScanner.prototype.scan;
TraceScanner.prototype.scan = function timedScan(...args) {
  const cpu = process.threadCpuUsage();
  const t = process.hrtime.bigint();
  try {
    return scan.apply(this, args);
  } finally {
    scanWallNs += process.hrtime.bigint() - t;
    const d = process.threadCpuUsage(cpu);
    scanCpuUs += d.user + d.system;
    scanCalls++;
  }
};

const lines = Number(values.lines);
const runs = Number(values.runs);
const out = [];
for (const kind of values.traces.split(',')) {
  const log = `${root}bench/.data/tcptracer-${lines}${kind === 'base' ? '' : `-${kind}`}-v2.log`;
  if (!existsSync(log)) await generateTrace(lines, log, kind);
  const bytes = statSync(log).size;
  const r = { scanWallMs: [], scanCpuMs: [], readCpuMs: [], readWallMs: [] };
  for (let i = 0; i <= runs; i++) {
    scanWallNs = 0n;
    scanCpuUs = 0;
    scanCalls = 0;
    const aggregator = new TraceAggregator(createIpClassifier());
    const cpu = process.cpuUsage();
    const t = process.hrtime.bigint();
    const result = await streamTrace(log, aggregator);
    const wall = Number(process.hrtime.bigint() - t) / 1e6;
    const d = process.cpuUsage(cpu);
    if (result.lines < lines) throw new Error(`${kind}: read ${result.lines} lines, expected ${lines}`);
    if (i === 0) continue; // warm-up: JIT, page cache
    r.scanWallMs.push(Number(scanWallNs) / 1e6);
    r.scanCpuMs.push(scanCpuUs / 1000);
    r.readCpuMs.push((d.user + d.system) / 1000);
    r.readWallMs.push(wall);
  }
  const scanCpu = median(r.scanCpuMs);
  out.push({
    trace: kind,
    lines,
    mb: +(bytes / 1e6).toFixed(1),
    runs,
    scanCalls,
    scanCpuMs: +scanCpu.toFixed(1),
    scanWallMs: +median(r.scanWallMs).toFixed(1),
    scanNsPerLine: +((scanCpu * 1e6) / lines).toFixed(1),
    scanMBps: +(bytes / 1e6 / (scanCpu / 1000)).toFixed(0),
    readCpuMs: +median(r.readCpuMs).toFixed(1),
    readWallMs: +median(r.readWallMs).toFixed(1),
  });
}
console.log(JSON.stringify(out, null, 2));
