// Benchmark: `snat-responder watch --from-file` on 1,000 nodes x 60 one-minute points, wall time including
// process start (a fresh `node bin/snat-responder.js` per run), next to the bare process floor
// (`node -e ""` and `snat-responder --version`) measured in the same run, round-robin.
//
//   npm run build && node bench/watch-from-file.mjs [runs=9] [nodes=1000] [points=60]
//
// The file is a single-resource Azure Monitor metrics response (UsedSnatPorts + AllocatedSnatPorts, maximum,
// split by BackendIPAddress) plus failed SnatConnectionCount, written once to a temp dir. The target is < 1 s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 9);
const nodes = Number(process.argv[3] ?? 1000);
const points = Number(process.argv[4] ?? 60);
const TARGET_MS = 1000;

// Deterministic mix: most nodes flat and low, some rising, a few near exhaustion, some with gaps.
let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const start = Date.parse('2026-12-04T10:00:00Z');
const ts = (i) => new Date(start + i * 60_000).toISOString();
const used = [];
const allocated = [];
const failed = [];
for (let n = 0; n < nodes; n++) {
  const ip = `10.${224 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
  const meta = [{ name: { value: 'backendipaddress', localizedValue: 'backendipaddress' }, value: ip }];
  const base = 50 + rand() * 700;
  const slope = rand() < 0.1 ? rand() * 15 : rand() * 0.5;
  const data = Array.from({ length: points }, (_, i) => {
    const p = { timeStamp: ts(i) };
    if (rand() > 0.02) p.maximum = Math.round(Math.min(1024, base + slope * i + (rand() - 0.5) * 20));
    return p;
  });
  used.push({ metadatavalues: meta, data });
  allocated.push({ metadatavalues: meta, data: data.map((d) => ({ timeStamp: d.timeStamp, maximum: 1024 })) });
  failed.push({
    metadatavalues: [
      ...meta,
      { name: { value: 'connectionstate', localizedValue: 'connectionstate' }, value: 'failed' },
    ],
    data: data.map((d) => ({ timeStamp: d.timeStamp, total: 0 })),
  });
}
const metric = (name, timeseries) => ({ name: { value: name, localizedValue: name }, unit: 'Count', timeseries });
const body = {
  timespan: `${ts(0)}/${ts(points)}`,
  interval: 'PT1M',
  value: [
    metric('UsedSnatPorts', used),
    metric('AllocatedSnatPorts', allocated),
    metric('SnatConnectionCount', failed),
  ],
  namespace: 'Microsoft.Network/loadBalancers',
  resourceregion: 'westeurope',
};
const file = join(mkdtempSync(join(tmpdir(), 'watch-bench-')), 'metrics.json');
writeFileSync(file, JSON.stringify(body));

const bin = join(root, 'bin/snat-responder.js');
const rows = {
  'node -e ""  (process floor)': [process.execPath, ['-e', '']],
  'snat-responder --version  (CLI floor)': [process.execPath, [bin, '--version']],
  [`watch --from-file --json  (${nodes} x ${points})`]: [
    process.execPath,
    [bin, 'watch', '--from-file', file, '--json'],
  ],
  [`watch --from-file  table  (${nodes} x ${points})`]: [process.execPath, [bin, 'watch', '--from-file', file]],
};
const times = Object.fromEntries(Object.keys(rows).map((k) => [k, []]));
let summary = null;
for (let r = 0; r < runs; r++) {
  for (const [name, [cmd, args]] of Object.entries(rows)) {
    const t = process.hrtime.bigint();
    const res = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
    times[name].push(Number(process.hrtime.bigint() - t) / 1e6);
    if (res.status !== 0) throw new Error(`${name} failed (${res.status}): ${res.stderr}`);
    if (name.includes('--json') && !summary) {
      const out = JSON.parse(res.stdout.trim().split('\n').at(-1));
      const count = (d) => out.nodes.filter((x) => x.decision === d).length;
      summary = { nodes: out.nodes.length, investigate: count('investigate'), watch: count('watch'), ok: count('ok') };
    }
  }
}
console.log(
  `file ${(statSync(file).size / 1e6).toFixed(1)} MB; ${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)}; ${runs} runs, medians`,
);
console.log(`decisions: ${JSON.stringify(summary)}`);
const floor = median(times['node -e ""  (process floor)']);
for (const [name, list] of Object.entries(times)) {
  const m = median(list);
  console.log(
    `${name.padEnd(44)} ${m.toFixed(0).padStart(6)} ms  (min ${Math.min(...list).toFixed(0)})  ` +
      `${(m / TARGET_MS).toFixed(2)} of the 1 s target, ${(m / floor).toFixed(1)}x the process floor`,
  );
}
