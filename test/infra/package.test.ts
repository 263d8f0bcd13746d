import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './bicep.js';

const PACKAGE = path.join(repoRoot, 'build', 'package');

interface Lock {
  packages: Record<string, { dev?: boolean; optional?: boolean }>;
}

/**
 * Imports dist/functions/index.js from a folder in a fresh Node process, with the repository's host stand-in
 * (src/sim/durable, compiled) installed first, and returns the names of the functions it registered.
 */
function registeredFunctions(appRoot: string): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'snat-package-'));
  try {
    const probe = path.join(dir, 'probe.mjs');
    const standIn = pathToFileURL(path.join(repoRoot, 'dist/src/sim/durable/hostStandIn.js')).href;
    const entry = pathToFileURL(path.join(appRoot, 'dist/functions/index.js')).href;
    writeFileSync(
      probe,
      [
        `const { installFunctionsHostStandIn } = await import(${JSON.stringify(standIn)});`,
        'const registry = installFunctionsHostStandIn();',
        `await import(${JSON.stringify(entry)});`,
        'process.stdout.write(JSON.stringify([...registry.functions.keys()].sort()));',
      ].join('\n'),
    );
    // Node 22 (the project's, which runs this suite), from inside the folder, with no access to the repository's
    // node_modules through NODE_PATH.
    const result = spawnSync(process.execPath, [probe], {
      cwd: appRoot,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: dir },
      timeout: 120_000,
    });
    if (result.status !== 0) throw new Error(`importing ${entry} failed:\n${result.stderr}`);
    return JSON.parse(result.stdout) as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('npm run package (build/package/, what azd deploys)', () => {
  let lastLine = '';

  beforeAll(() => {
    // dist/ is already built (npm test builds first); package it as `npm run package` does after its build.
    const result = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/package.mjs')], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 540_000,
    });
    if (result.status !== 0) throw new Error(`scripts/package.mjs failed:\n${result.stderr}`);
    lastLine = result.stdout.trim().split('\n').pop() ?? '';
  }, 600_000);

  afterAll(() => {
    process.stdout.write(`package size: ${lastLine}\n`);
  });

  it('prints the folder and its size on its last line', () => {
    expect(lastLine).toMatch(/^build\/package: \d+\.\d MB in \d+ files$/);
  });

  it('holds host.json, a production package.json, dist/ and node_modules only', () => {
    expect(readdirSync(PACKAGE).sort()).toEqual(['dist', 'host.json', 'node_modules', 'package.json']);
    const pkg = JSON.parse(readFileSync(path.join(PACKAGE, 'package.json'), 'utf8'));
    const source = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    expect(pkg.devDependencies).toBeUndefined();
    expect(pkg.scripts).toBeUndefined();
    expect(pkg.main).toBe('dist/functions/index.js');
    expect(pkg.dependencies).toEqual(source.dependencies);
    expect(readFileSync(path.join(PACKAGE, 'host.json'), 'utf8')).toBe(
      readFileSync(path.join(repoRoot, 'host.json'), 'utf8'),
    );
  });

  it('carries the runtime assets inside dist/, and nothing from src/, test/, bench/, docs/ or the simulator', () => {
    expect(existsSync(path.join(PACKAGE, 'dist/src/kube/capture-script/capture.sh'))).toBe(true);
    expect(readFileSync(path.join(PACKAGE, 'dist/src/kube/capture-script/capture.sh'), 'utf8')).toBe(
      readFileSync(path.join(repoRoot, 'src/kube/capture-script/capture.sh'), 'utf8'),
    );
    expect(existsSync(path.join(PACKAGE, 'dist/src/evidence/wasm/traceScanner.wasm'))).toBe(true);
    expect(readdirSync(path.join(PACKAGE, 'dist')).sort()).toEqual(['functions', 'src']);
    for (const gone of ['src', 'test', 'bench', 'docs', 'infra', 'dist/src/sim', 'dist/src/cli']) {
      expect(existsSync(path.join(PACKAGE, gone)), gone).toBe(false);
    }
    const maps = spawnSync('find', [path.join(PACKAGE, 'dist'), '-name', '*.map'], { encoding: 'utf8' }).stdout.trim();
    expect(maps).toBe('');
  });

  it('installs no devDependency (nor anything only devDependencies need)', () => {
    const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as Lock;
    const devOnly = Object.entries(lock.packages).filter(([p, info]) => p.startsWith('node_modules/') && info.dev);
    expect(devOnly.length).toBeGreaterThan(0);
    for (const [p] of devOnly) expect(existsSync(path.join(PACKAGE, p)), p).toBe(false);
    for (const name of ['typescript', 'vitest', '@biomejs/biome', 'azurite', 'node', 'assemblyscript']) {
      expect(existsSync(path.join(PACKAGE, 'node_modules', name)), name).toBe(false);
    }
    expect(existsSync(path.join(PACKAGE, 'node_modules/durable-functions/package.json'))).toBe(true);
  });

  it('registers every function when dist/functions/index.js is imported from inside the folder under Node 22', () => {
    expect(Number(/^v(\d+)/.exec(process.version)?.[1])).toBeGreaterThanOrEqual(22);
    const packaged = registeredFunctions(PACKAGE);
    // The same set as the repository's own build, and at least the webhook, the on-demand endpoint and the orchestrator.
    expect(packaged).toEqual(registeredFunctions(repoRoot));
    expect(packaged).toEqual(expect.arrayContaining(['alertWebhook', 'investigateNode', 'snatInvestigation']));
    expect(packaged.length).toBeGreaterThan(5);
  }, 240_000);
});
