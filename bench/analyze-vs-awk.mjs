// Benchmark: `snat-responder analyze --format json` against the runbook's shell pipeline on the same
// 1,000,000-line tcptracer -t4v log, alternating runs in one process, medians and ratio.
// Usage: npm run build && node bench/analyze-vs-awk.mjs [--lines N] [--runs N]
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateTrace } from './gen-tcptracer.mjs';
import { median, timeCommand } from './lib.mjs';

const { values } = parseArgs({
  options: { lines: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '5' } },
});
const lines = Number(values.lines);
const runs = Number(values.runs);
const root = fileURLToPath(new URL('..', import.meta.url));
// v2: COMMs cut to the kernel's 15 bytes, as real tcptracer output has them.
const log = `${root}bench/.data/tcptracer-${lines}-v2.log`;
if (!existsSync(log)) await generateTrace(lines, log);
const cli = `"${process.execPath}" "${root}bin/snat-responder.js" analyze "${log}" --format json > /dev/null`;
// Forced parallel reading (the default reads a trace under 256 MB in one thread).
const parallelThreads = Math.max(2, Math.min(availableParallelism(), 4));
const cliParallel = `"${process.execPath}" "${root}bin/snat-responder.js" analyze "${log}" --format json --threads ${parallelThreads} > /dev/null`;
const awk = `awk '{print $6,$10}' "${log}" | sort | uniq -c | sort -nrk 1 > /dev/null`;

timeCommand(cli); // warm the page cache and Node's compile cache once for both
const results = { cli: [], cliParallel: [], awk: [], cliRss: [], awkRss: [] };
for (let i = 0; i < runs; i++) {
  const a = timeCommand(cli);
  const b = timeCommand(awk);
  results.cliParallel.push(timeCommand(cliParallel).ms);
  results.cli.push(a.ms);
  results.awk.push(b.ms);
  results.cliRss.push(a.rssMb ?? Number.NaN);
  results.awkRss.push(b.rssMb ?? Number.NaN);
}
const cliMs = median(results.cli);
const awkMs = median(results.awk);
const summary = {
  lines,
  fileMB: +(statSync(log).size / 1e6).toFixed(1),
  runs,
  node: process.version,
  analyzeMedianMs: Math.round(cliMs),
  pipelineMedianMs: Math.round(awkMs),
  speedup: +(awkMs / cliMs).toFixed(2),
  analyzeParallelThreads: parallelThreads,
  analyzeParallelMedianMs: Math.round(median(results.cliParallel)),
  speedupParallel: +(awkMs / median(results.cliParallel)).toFixed(2),
  cores: availableParallelism(),
  analyzePeakRssMB: Math.round(Math.max(...results.cliRss)),
  pipelinePeakRssMB: Math.round(Math.max(...results.awkRss)),
};
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(
  `analyze is ${summary.speedup}x the speed of awk|sort|uniq|sort (target >= 2x); peak RSS ${summary.analyzePeakRssMB} MB (target <= 150 MB)\n`,
);
