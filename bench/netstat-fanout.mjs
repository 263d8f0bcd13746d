// Benchmark: netstat fan-out to 250 pods (the AKS per-node maximum) against the loopback Kubernetes
// API server with 100 ms injected latency per exec: sequential (concurrency 1) vs the default
// concurrency 16, alternating, 3 repetitions each, medians, ratio and memory.
// Usage: npm run build && node bench/netstat-fanout.mjs [--pods N] [--latency MS] [--runs N] [--concurrency N]
import { parseArgs } from 'node:util';
import { kubeConfigFromString } from '../dist/src/kube/access.js';
import { MemorySink } from '../dist/src/kube/evidenceSinks.js';
import { collectPodSockets } from '../dist/src/kube/netstat.js';
import { listNodePods } from '../dist/src/kube/pods.js';
import { demoScenario } from '../dist/src/sim/kube/demoScenario.js';
import { startKubeApiServer } from '../dist/src/sim/kube/server.js';
import { median } from './lib.mjs';

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '250' },
    latency: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
  },
});
const nPods = Number(values.pods);
const latency = Number(values.latency);
const runs = Number(values.runs);
const concurrency = Number(values.concurrency);

// A node packed with pods, each with netstat and a few dozen sockets.
const scenario = demoScenario();
const node = 'aks-nodepool1-12345678-vmss000003';
const template = scenario.pods.find((p) => p.name.startsWith('checkout-api'));
scenario.pods = Array.from({ length: nPods }, (_, i) => ({
  ...template,
  namespace: `ns-${i % 25}`,
  name: `app-${i}-7d9f8b6c5-x2x9q`,
  nodeName: node,
  podIPs: [`10.244.${3 + Math.floor(i / 250)}.${(i % 250) + 2}`],
  containers: [{ ...template.containers[0], name: 'app', hasNetstat: true }],
  sockets: template.sockets.slice(0, 40),
}));

const api = await startKubeApiServer({ scenario, faults: { execLatencyMs: latency } });
const kc = kubeConfigFromString(api.kubeconfig);
const pods = await listNodePods(kc, node);

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

async function run(c) {
  const sink = new MemorySink();
  const t0 = process.hrtime.bigint();
  const results = await collectPodSockets(kc, pods, { concurrency: c, sink, timeoutMs: 30_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const ok = results.filter((r) => r.method === 'netstat').length;
  if (ok !== pods.length) throw new Error(`only ${ok}/${pods.length} pods answered`);
  return ms;
}

await run(concurrency); // warm-up: JIT, sockets
const seq = [];
const par = [];
const rssBefore = process.memoryUsage().rss;
for (let i = 0; i < runs; i++) {
  seq.push(await run(1));
  par.push(await run(concurrency));
}
clearInterval(sampler);
await api.close();

const mSeq = median(seq);
const mPar = median(par);
const mb = (b) => (b / 1024 / 1024).toFixed(0);
console.log(`netstat fan-out: ${pods.length} pods, ${latency} ms exec latency, ${runs} runs each (median)`);
console.log(
  `  sequential (1):      ${(mSeq / 1000).toFixed(2)} s   runs: ${seq.map((x) => (x / 1000).toFixed(2)).join(', ')}`,
);
console.log(
  `  concurrency ${String(concurrency).padEnd(2)}:      ${(mPar / 1000).toFixed(2)} s   runs: ${par.map((x) => (x / 1000).toFixed(2)).join(', ')}`,
);
console.log(
  `  ratio parallel/sequential: ${(mPar / mSeq).toFixed(3)} (target <= 0.100) -> ${mPar / mSeq <= 0.1 ? 'PASS' : 'FAIL'}`,
);
console.log(
  `  peak RSS ${mb(peakRss)} MB (client and loopback API server in one process; ${mb(rssBefore)} MB before the timed runs)`,
);
console.log(`  peak concurrent execs seen by the server: ${api.state.exec.peak}`);
