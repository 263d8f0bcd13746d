// Generates realistic BCC `tcptracer -t4v` logs (fixed-width columns exactly as tcptracer.py prints them).
// Usage: node bench/gen-tcptracer.mjs <lines> <out-file> [base|pid-churn|many-destinations]
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
// The simulator's seeded PRNG, so every run benchmarks the same data (run `npm run build` first).
import { seededRandom as prng } from '../dist/src/sim/kube/scenario.js';

const pad = (v, w) => String(v).padEnd(w);

/**
 * The traces the benchmark reads:
 * - `base`: ~40 pods with a skewed distribution, 1% COMMs with spaces, connect/close/accept mix, 50 PIDs per pod,
 *   6 destinations;
 * - `pid-churn`: the same pods, but a new PID on almost every line (as `curl` in a loop gives: PIDs climb
 *   through 7 digits and wrap), each process with its own COMM from a varied pool;
 * - `many-destinations`: PID churn plus a new public destination on most connects (a crawler or a webhook
 *   fan-out).
 * - `one-comm-crawler`: many-destinations where each pod's processes keep the pod's one COMM (a crawler written in
 *   one language: `python3` in a loop), so no talker's COMM sample ever fills.
 */
export const TRACE_KINDS = ['base', 'pid-churn', 'many-destinations', 'one-comm-crawler'];

/** Writes `lines` events of the given kind (see {@link TRACE_KINDS}). */
export async function generateTrace(lines, file, kind = 'base', seed = 42) {
  if (!TRACE_KINDS.includes(kind)) throw new Error(`unknown trace kind ${kind}`);
  await mkdir(dirname(file), { recursive: true });
  const rand = prng(seed);
  const out = createWriteStream(file);
  const write = (s) => (out.write(s) ? null : new Promise((r) => out.once('drain', r)));
  await write('Tracing TCP established connections. Ctrl-C to end.\n');
  await write(
    `${pad('TIME(ns)', 14)}${pad('TYPE', 12)} ${pad('PID', 6)} ${pad('COMM', 16)} ${pad('IP', 2)} ${pad('SADDR', 16)} ${pad('DADDR', 16)} ${pad('SPORT', 6)} ${pad('DPORT', 6)} NETNS\n`,
  );
  const pods = Array.from({ length: 40 }, (_, i) => ({
    saddr: `10.244.${Math.floor(i / 200)}.${(i % 200) + 10}`,
    netns: 4026532000 + i,
    // The kernel keeps 15 bytes of a COMM, so tcptracer prints `php-fpm: pool w` (spaces included).
    comm: i % 25 === 3 ? 'php-fpm: pool www'.slice(0, 15) : ['curl', 'java', 'node', 'python3', 'dotnet'][i % 5],
    weight: 1 / (i + 1) ** 1.2,
  }));
  const total = pods.reduce((a, p) => a + p.weight, 0);
  const dests = ['20.60.1.12', '52.239.1.4', '13.107.42.14', '10.0.0.4', '168.63.129.16', '40.126.1.9'];
  // Processes in a loop: wget, curl, a shell, workers named after their job.
  const churnComms = [
    'curl',
    'wget',
    'sh',
    'python3',
    'php-fpm: pool w',
    'node',
    'java',
    ...Array.from({ length: 60 }, (_, i) => `job-${i * 7919}`),
  ];
  const churn = kind !== 'base';
  let nextPid = 1_000_123; // climbs through 7 digits and wraps below Linux's PID_MAX_LIMIT (4,194,304)
  let ts = 0;
  let buf = '';
  for (let i = 0; i < lines; i++) {
    let r = rand() * total;
    let p = pods[0];
    for (const q of pods) {
      r -= q.weight;
      if (r <= 0) {
        p = q;
        break;
      }
    }
    ts += Math.floor(rand() * 120000);
    const type = rand() < 0.55 ? 'connect' : rand() < 0.9 ? 'close' : 'accept';
    let daddr = dests[Math.floor(rand() * dests.length)];
    let pid = 1000 + Math.floor(rand() * 50);
    let comm = p.comm;
    if (churn) {
      // A new PID on ~97% of lines.
      if (rand() < 0.97)
        nextPid = nextPid >= 4_194_000 ? 300 + Math.floor(rand() * 1000) : nextPid + 1 + Math.floor(rand() * 3);
      pid = nextPid;
      if (kind !== 'one-comm-crawler') comm = churnComms[pid % churnComms.length];
    }
    const manyDestinations = kind === 'many-destinations' || kind === 'one-comm-crawler';
    if (manyDestinations && type === 'connect' && rand() < 0.9) {
      // A public address from Azure and other clouds' ranges, almost never seen twice.
      const first = [20, 52, 40, 13, 104, 151][Math.floor(rand() * 6)];
      daddr = `${first}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`;
    }
    const dport = manyDestinations ? [443, 443, 443, 80, 8443][Math.floor(rand() * 5)] : 443;
    buf += `${pad(ts, 14)}${pad(type, 12)} ${pad(pid, 6)} ${pad(comm, 16)} ${pad(4, 2)} ${pad(p.saddr, 16)} ${pad(daddr, 16)} ${pad(30000 + (i % 30000), 6)} ${pad(dport, 6)} ${p.netns}\n`;
    if (buf.length > 1 << 20) {
      await write(buf);
      buf = '';
    }
  }
  await write(buf);
  await new Promise((resolve, reject) => out.end((err) => (err ? reject(err) : resolve())));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [lines = '1000000', file = 'bench/.data/tcptracer-1m.log', kind = 'base'] = process.argv.slice(2);
  await generateTrace(Number(lines), file, kind);
  process.stdout.write(`wrote ${lines} ${kind} lines to ${file}\n`);
}
