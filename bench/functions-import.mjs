// Benchmark: cold import of the Function App entry point (package.json `main`, dist/functions/index.js), the
// cost a Flex Consumption instance pays on every cold start before the first alert is handled.
//
//   npm run build && node bench/functions-import.mjs [runs=7]
//
// Each measurement is a fresh `node` process. Rows:
//   entry (host stand-in)  - the Functions host stand-in installed first, so every function really registers;
//   entry (test mode)      - plain import, @azure/functions skips registrations (what `node -e` would see);
//   each heavy SDK alone   - what the entry point would pay if it loaded them eagerly.
// A module hook also lists which heavy packages the entry import pulled in: none should (activities import their
// steps on first use). Medians; the target is <= 300 ms, printed as a ratio (absolute times depend on
// the machine and its load).
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HEAVY_PACKAGES as HEAVY } from './heavyPackages.mjs';
import { median } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 7);
const TARGET_MS = 300;
const entry = pathToFileURL(join(root, 'dist/functions/index.js')).href;
const standIn = pathToFileURL(join(root, 'dist/src/sim/durable/hostStandIn.js')).href;

// Records every resolved module URL (import and require) so the parent can see which packages were loaded.
const hook = `
import { registerHooks } from 'node:module';
globalThis.__loaded = new Set();
registerHooks({ resolve(s, c, next) { const r = next(s, c); globalThis.__loaded.add(r.url); return r; } });
`;

function child(body, { withHook = false } = {}) {
  const script = `${withHook ? hook : ''}\n${body}`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`child failed: ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').at(-1));
}

const timeImport = (spec, pre = '') => `
${pre}
const t = performance.now();
await import(${JSON.stringify(spec)});
const ms = performance.now() - t;
console.log(JSON.stringify({ ms }));
`;

const entryStandIn = timeImport(
  entry,
  `const { installFunctionsHostStandIn } = await import(${JSON.stringify(standIn)});
   const registry = installFunctionsHostStandIn();
   globalThis.__registry = registry;`,
).replace(
  'console.log(JSON.stringify({ ms }));',
  'console.log(JSON.stringify({ ms, functions: globalThis.__registry.functions.size }));',
);

// Rows are sampled round-robin (row 1, row 2, ..., row 1, ...) so a load spike from other processes on the
// machine hits every row alike instead of skewing one of them.
const plan = [];
function measure(label, body) {
  plan.push({ label, body, samples: [], extra: null });
}

measure('entry: dist/functions/index.js (host stand-in)', entryStandIn);
measure('entry: dist/functions/index.js (test mode)', timeImport(entry));
measure(
  'floor: durable-functions + @azure/functions + zod',
  timeImport(
    'zod',
    "const t0 = performance.now(); await import('durable-functions'); await import('@azure/functions');",
  ).replace('const ms = performance.now() - t;', 'const ms = performance.now() - t0;'),
);
for (const pkg of ['durable-functions', '@azure/functions', 'zod', ...HEAVY]) measure(`alone: ${pkg}`, timeImport(pkg));
for (let i = 0; i < runs; i++) {
  for (const row of plan) {
    const r = child(row.body);
    row.samples.push(r.ms);
    row.extra = r;
  }
}
const rows = plan.map((p) => ({ label: p.label, ms: median(p.samples), extra: p.extra }));

// Which heavy packages did the entry import load? (one run, with the resolve hook)
const loaded = child(
  `${entryStandIn.replace('console.log(JSON.stringify({ ms, functions: globalThis.__registry.functions.size }));', '')}
   const urls = [...globalThis.__loaded];
   const heavy = ${JSON.stringify(HEAVY)}.filter((p) => urls.some((u) => u.includes('/node_modules/' + p + '/')));
   console.log(JSON.stringify({ heavy, modules: urls.length }));`,
  { withHook: true },
);

const entryMs = rows[0].ms;
console.log(
  `\nFunctions entry import, ${runs} fresh processes per row (median); ${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)}`,
);
for (const r of rows) {
  const note =
    r === rows[0]
      ? `  ratio to the 300 ms target ${(r.ms / TARGET_MS).toFixed(2)}; ${r.extra.functions} functions registered`
      : '';
  console.log(`  ${r.label.padEnd(48)} ${String(Math.round(r.ms)).padStart(5)} ms${note}`);
}
const heavySum = rows.filter((r) => HEAVY.some((p) => r.label === `alone: ${p}`)).reduce((a, r) => a + r.ms, 0);
console.log(
  `  sum of the heavy SDKs imported alone              ${String(Math.round(heavySum)).padStart(5)} ms (entry / that sum: ${(entryMs / heavySum).toFixed(2)})`,
);
const floor = rows.find((r) => r.label.startsWith('floor:')).ms;
console.log(
  `  entry minus the floor (the app's own modules)      ${String(Math.round(entryMs - floor)).padStart(5)} ms`,
);
console.log(
  `  heavy packages loaded by the entry import: ${loaded.heavy.length ? loaded.heavy.join(', ') : 'none'} (${loaded.modules} modules resolved)`,
);
