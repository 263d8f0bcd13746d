// Benchmark: `snat-responder demo` end to end, each run in a fresh process (cold module cache, new Azurite).
//
//   npm run build && node bench/demo.mjs [runs=5]
//
// Two measurements per run, alternating:
//   cli     - wall time of `node bin/snat-responder.js demo --out <tmp>` (process start to exit), what a user waits;
//   inside  - a child that imports dist/src/sim/demo.js and calls runDemo(), reporting where the time went:
//             module import, simulated world start-up (Azurite dominates), and the investigation itself.
// The 60 s trace window costs no wall time (durable timers jump virtual time), so the issue's target
// "demo end to end minus the trace window <= 3 s" is compared with the whole wall time. Medians; no thresholds:
// the ratio to the target is printed, since absolute times depend on the machine and its load.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 5);
const TARGET_MS = 3000;
const demoModule = pathToFileURL(join(root, 'dist/src/sim/demo.js')).href;
// A private TMPDIR: the demo's Node compile cache (os.tmpdir()/node-compile-cache) starts empty, so the first
// run is what a fresh machine sees and the later runs what a repeated demo sees.
const benchTmp = mkdtempSync(join(tmpdir(), 'bench-demo-tmp-'));
mkdirSync(benchTmp, { recursive: true });
const env = { ...process.env, TMPDIR: benchTmp };
delete env.NODE_COMPILE_CACHE;

const inside = `
const t0 = performance.now();
const { runDemo } = await import(${JSON.stringify(demoModule)});
const imported = performance.now() - t0;
const r = await runDemo();
const total = performance.now() - t0;
const activities = {};
for (const a of r.timings.activities) activities[a.activity] = (activities[a.activity] ?? 0) + a.wallMs;
process.stdout.write(JSON.stringify({
  importMs: imported, runDemoMs: r.timings.totalMs, totalMs: total, startup: r.timings.startupMs, activities,
  status: r.runtimeStatus, verdict: r.report?.verdict?.pod ?? null, jobsLeft: r.jobsLeft,
}));
process.exit(0);
`;

function runCli() {
  const out = mkdtempSync(join(tmpdir(), 'bench-demo-'));
  try {
    const t = performance.now();
    const res = spawnSync(process.execPath, [join(root, 'bin/snat-responder.js'), 'demo', '--out', out], {
      encoding: 'utf8',
      env,
    });
    const ms = performance.now() - t;
    if (res.status !== 0) throw new Error(`demo exited ${res.status}: ${res.stderr}`);
    if (!/checkout-api-7d9f8b6c5-x2x9q/.test(res.stdout)) throw new Error(`unexpected verdict:\n${res.stdout}`);
    return ms;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function runInside() {
  const t = performance.now();
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', inside], { encoding: 'utf8', cwd: root, env });
  const processMs = performance.now() - t;
  if (res.status !== 0) throw new Error(`runDemo child exited ${res.status}: ${res.stderr}`);
  const r = JSON.parse(res.stdout);
  if (r.status !== 'Completed' || r.verdict !== 'checkout-api-7d9f8b6c5-x2x9q' || r.jobsLeft !== 0) {
    throw new Error(`unexpected demo result: ${res.stdout}`);
  }
  return { ...r, processMs };
}

const cli = [];
const rows = [];
for (let i = 0; i < runs; i++) {
  rows.push(runInside());
  cli.push(runCli());
  process.stderr.write(`run ${i + 1}/${runs}: cli ${Math.round(cli.at(-1))} ms, runDemo ${rows.at(-1).runDemoMs} ms\n`);
}

const med = (f) => Math.round(median(rows.map(f)));
const world = med((r) => r.startup.world ?? Math.max(...Object.values(r.startup)));
const investigation = med((r) => r.runDemoMs - (r.startup.world ?? 0));
const parts = Object.keys(rows[0].startup).filter((k) => k !== 'world');
const acts = Object.keys(rows[0].activities);
const cliMedian = Math.round(median(cli));
rmSync(benchTmp, { recursive: true, force: true });

console.log(
  `\nsnat-responder demo, ${runs} fresh processes each (median); ${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)}`,
);
console.log(
  `  first runDemo (empty compile cache) ${String(Math.round(rows[0].runDemoMs)).padStart(5)} ms   (import ${Math.round(rows[0].importMs)} ms)`,
);
console.log(
  `  cli wall (node start -> exit)      ${String(cliMedian).padStart(6)} ms   ratio to the 3 s target ${(cliMedian / TARGET_MS).toFixed(2)}`,
);
console.log(`  runDemo child process wall         ${String(med((r) => r.processMs)).padStart(6)} ms`);
console.log(`    import dist/src/sim/demo.js      ${String(med((r) => r.importMs)).padStart(6)} ms`);
console.log(
  `    runDemo() total                  ${String(med((r) => r.runDemoMs)).padStart(6)} ms   ratio ${(med((r) => r.runDemoMs) / TARGET_MS).toFixed(2)}`,
);
console.log(
  `      simulated world start-up       ${String(world).padStart(6)} ms   (${parts.map((p) => `${p} ${med((r) => r.startup[p])}`).join(', ')})`,
);
console.log(
  `      investigation (webhook..done)  ${String(investigation).padStart(6)} ms   share ${(investigation / med((r) => r.runDemoMs)).toFixed(2)}`,
);
for (const a of acts) console.log(`        ${a.padEnd(28)} ${String(med((r) => r.activities[a] ?? 0)).padStart(6)} ms`);
