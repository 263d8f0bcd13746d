/** Runs the built `snat-responder` CLI in a child process, as a user would. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(PROJECT_ROOT, 'bin/snat-responder.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The trace scanner's WebAssembly binary, under a dist/ directory. */
export const SCANNER_WASM = 'src/evidence/wasm/scanner.wasm';

/** Compiles the trace scanner (AssemblyScript, as `npm run build:wasm` does) to `outFile`. */
export function buildScanner(outFile = join(PROJECT_ROOT, 'dist', SCANNER_WASM)): void {
  const asc = join(PROJECT_ROOT, 'node_modules/assemblyscript/bin/asc.js');
  const config = join(PROJECT_ROOT, 'src/evidence/wasm/asconfig.json');
  const run = spawnSync(process.execPath, [asc, '--config', config, '--target', 'release', '-o', outFile], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`scanner build failed: ${run.stdout}${run.stderr}`);
}

/** Builds dist/ when it is missing (a bare `vitest run` without `npm test`). */
export function ensureBuilt(): void {
  if (!existsSync(join(PROJECT_ROOT, 'dist/src/cli/main.js'))) {
    const tsc = join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc');
    const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
  }
  if (!existsSync(join(PROJECT_ROOT, 'dist', SCANNER_WASM))) buildScanner();
  if (!existsSync(join(PROJECT_ROOT, ANALYZE_BUNDLE))) {
    const bundle = spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts/bundleAnalyze.mjs')], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    if (bundle.status !== 0) throw new Error(`analyze bundle failed: ${bundle.stdout}${bundle.stderr}`);
  }
}

/** The entry of the bundle `analyze` runs from (scripts/bundleAnalyze.mjs). */
export const ANALYZE_BUNDLE = 'dist/src/cli/bundle/snat-responder.js';

/** Runs the CLI with these arguments and waits for it (Node 22 from the test runner's own process). */
export function runCli(...args: string[]): CliRun {
  const res = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: PROJECT_ROOT, timeout: 120_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** A scenario starts a whole simulated deployment (Azurite included): give a loaded machine room. */
export const SCENARIO_TIMEOUT_MS = 240_000;

/**
 * `demo --scenario NAME --json [extra]` through the built CLI; `lastLine` is the summary line the contract puts
 * last on stdout.
 */
export function runScenario(name: string, ...extra: string[]): CliRun & { lastLine: string } {
  const res = spawnSync(process.execPath, [BIN, 'demo', '--scenario', name, '--json', ...extra], {
    encoding: 'utf8',
    cwd: PROJECT_ROOT,
    timeout: SCENARIO_TIMEOUT_MS - 10_000,
  });
  return {
    code: res.status,
    stdout: res.stdout,
    stderr: res.stderr,
    lastLine: res.stdout.trimEnd().split('\n').at(-1) ?? '',
  };
}
