// Shared helpers for the benchmarks: medians, RSS-measured child runs, and a deterministic PRNG.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Median of a list of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const GNU_TIME = '/usr/bin/time';

/**
 * Runs a shell command, returning wall milliseconds, peak RSS in MB (GNU time's %M, the largest
 * resident set of any process in the pipeline's children) and CPU milliseconds (%U + %S, all of them).
 */
export function timeCommand(command) {
  const useTime = existsSync(GNU_TIME);
  const argv = useTime ? [GNU_TIME, '-f', '__RSS_KB__=%M __CPU_S__=%U+%S', 'sh', '-c', command] : ['sh', '-c', command];
  const start = process.hrtime.bigint();
  const res = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.status !== 0) throw new Error(`command failed (${res.status}): ${command}\n${res.stderr}`);
  const m = /__RSS_KB__=(\d+)/.exec(res.stderr ?? '');
  // CPU seconds (user + system) of the command and every process it waited for: a pipeline's four processes
  // count together. Unlike wall time it hardly moves with the machine's load.
  const cpu = /__CPU_S__=([\d.]+)\+([\d.]+)/.exec(res.stderr ?? '');
  const cpuMs = cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : null;
  return { ms, rssMb: m ? Number(m[1]) / 1024 : null, cpuMs, stdout: res.stdout };
}
