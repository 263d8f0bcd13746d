// Benchmark: `snat-responder analyze --format json` against the runbook's shell pipeline on the same
// 1,000,000-line tcptracer -t4v logs, four of them (the base trace, a PID-churn trace, a many-destinations
// trace, and that with one COMM per pod; see gen-tcptracer.mjs), alternating analyze and pipeline runs in one
// process, medians and ratios.
// Usage: npm run build && node bench/analyze-vs-awk.mjs [--lines N] [--runs N] [--traces base,pid-churn,...]
//        [--threads] (also time analyze --threads N, parallel reading forced)
import { existsSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateTrace, TRACE_KINDS } from './gen-tcptracer.mjs';
import { median, timeCommand } from './lib.mjs';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '5' },
    traces: { type: 'string', default: TRACE_KINDS.join(',') },
    threads: { type: 'boolean', default: false },
  },
});
const lines = Number(values.lines);
const runs = Number(values.runs);
const kinds = values.traces.split(',');
const root = fileURLToPath(new URL('..', import.meta.url));
// Forced parallel reading (the default reads a trace under 256 MB in one thread).
const parallelThreads = Math.max(2, Math.min(availableParallelism(), 4));

const traces = [];
for (const kind of kinds) {
  // base v2: COMMs cut to the kernel's 15 bytes, as real tcptracer output has them (same file as before).
  const log = `${root}bench/.data/tcptracer-${lines}${kind === 'base' ? '' : `-${kind}`}-v2.log`;
  if (!existsSync(log)) await generateTrace(lines, log, kind);
  const analyze = `"${process.execPath}" "${root}bin/snat-responder.js" analyze "${log}" --format json`;
  traces.push({
    kind,
    log,
    cli: `${analyze} > /dev/null`,
    cliParallel: `${analyze} --threads ${parallelThreads} > /dev/null`,
    awk: `awk '{print $6,$10}' "${log}" | sort | uniq -c | sort -nrk 1 > /dev/null`,
    results: { cli: [], cliParallel: [], awk: [], cliRss: [], awkRss: [], cliCpu: [], awkCpu: [] },
  });
}

const loadBefore = loadavg()[0];
for (const t of traces) timeCommand(t.cli); // warm the page cache and Node's compile cache once for each
for (let i = 0; i < runs; i++) {
  // Each repetition runs every trace, analyze and pipeline back to back, so load spikes hit both alike.
  for (const t of traces) {
    const a = timeCommand(t.cli);
    const b = timeCommand(t.awk);
    if (values.threads) t.results.cliParallel.push(timeCommand(t.cliParallel).ms);
    t.results.cli.push(a.ms);
    t.results.awk.push(b.ms);
    t.results.cliCpu.push(a.cpuMs ?? Number.NaN);
    t.results.awkCpu.push(b.cpuMs ?? Number.NaN);
    t.results.cliRss.push(a.rssMb ?? Number.NaN);
    t.results.awkRss.push(b.rssMb ?? Number.NaN);
  }
}
const loadAfter = loadavg()[0];

const summary = {
  lines,
  runs,
  node: process.version,
  cores: availableParallelism(),
  loadAverage1m: { before: +loadBefore.toFixed(2), after: +loadAfter.toFixed(2) },
  traces: traces.map((t) => {
    const cliMs = median(t.results.cli);
    const awkMs = median(t.results.awk);
    return {
      trace: t.kind,
      fileMB: +(statSync(t.log).size / 1e6).toFixed(1),
      analyzeMedianMs: Math.round(cliMs),
      pipelineMedianMs: Math.round(awkMs),
      speedup: +(awkMs / cliMs).toFixed(2),
      ...(values.threads
        ? {
            analyzeParallelThreads: parallelThreads,
            analyzeParallelMedianMs: Math.round(median(t.results.cliParallel)),
            speedupParallel: +(awkMs / median(t.results.cliParallel)).toFixed(2),
          }
        : {}),
      analyzeCpuMedianMs: Math.round(median(t.results.cliCpu)),
      pipelineCpuMedianMs: Math.round(median(t.results.awkCpu)),
      cpuRatio: +(median(t.results.awkCpu) / median(t.results.cliCpu)).toFixed(2),
      analyzePeakRssMB: Math.round(Math.max(...t.results.cliRss)),
      pipelinePeakRssMB: Math.round(Math.max(...t.results.awkRss)),
    };
  }),
};
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
for (const t of summary.traces) {
  process.stdout.write(
    `${t.trace}: analyze is ${t.speedup}x the speed of awk|sort|uniq|sort (target >= 3x; CPU time ${t.cpuRatio}x); peak RSS ${t.analyzePeakRssMB} MB (target <= 150 MB)\n`,
  );
}
