import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXCLUDED_DIST, NOT_DEPLOYED_DEPENDENCIES } from '../../scripts/package.mjs';
import { repoRoot } from './bicep.js';

const PACKAGE = path.join(repoRoot, 'build', 'package');

interface LockEntry {
  dev?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface Lock {
  packages: Record<string, LockEntry>;
}

/**
 * The lock file entries (`node_modules/...` paths) `roots` need, transitively, resolved as Node does: a
 * dependency of `node_modules/a` is `node_modules/a/node_modules/d` when that exists, else `node_modules/d`.
 */
function closure(lock: Lock, roots: string[]): Set<string> {
  const needed = new Set<string>();
  const resolve = (from: string, name: string): string | undefined => {
    for (let dir = from; ; ) {
      const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (candidate in lock.packages) return candidate;
      if (!dir) return undefined;
      const cut = dir.lastIndexOf('/node_modules/');
      dir = cut < 0 ? '' : dir.slice(0, cut);
    }
  };
  const queue = roots.map((r) => resolve('', r)).filter((p): p is string => p !== undefined);
  while (queue.length > 0) {
    const p = queue.pop() as string;
    if (needed.has(p)) continue;
    needed.add(p);
    const e = lock.packages[p] ?? {};
    for (const name of Object.keys({ ...e.dependencies, ...e.optionalDependencies, ...e.peerDependencies })) {
      const dep = resolve(p, name);
      if (dep) queue.push(dep);
    }
  }
  return needed;
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
    // The dependencies the Function App loads: all but those of the CLI and the simulated world.
    const deployed = Object.fromEntries(
      Object.entries(source.dependencies as Record<string, string>).filter(
        ([name]) => !NOT_DEPLOYED_DEPENDENCIES.includes(name),
      ),
    );
    expect(Object.keys(deployed).length).toBeGreaterThan(5);
    expect(pkg.dependencies).toEqual(deployed);
    expect(readFileSync(path.join(PACKAGE, 'host.json'), 'utf8')).toBe(
      readFileSync(path.join(repoRoot, 'host.json'), 'utf8'),
    );
  });

  it('carries the runtime assets inside dist/, and nothing from src/, test/, bench/, docs/ or the simulator', () => {
    expect(existsSync(path.join(PACKAGE, 'dist/src/kube/capture-script/capture.sh'))).toBe(true);
    expect(readFileSync(path.join(PACKAGE, 'dist/src/kube/capture-script/capture.sh'), 'utf8')).toBe(
      readFileSync(path.join(repoRoot, 'src/kube/capture-script/capture.sh'), 'utf8'),
    );
    expect(existsSync(path.join(PACKAGE, 'dist/src/evidence/wasm/scanner.wasm'))).toBe(true);
    expect(readdirSync(path.join(PACKAGE, 'dist')).sort()).toEqual(['functions', 'src']);
    for (const gone of ['src', 'test', 'bench', 'docs', 'infra', 'dist/src/sim', 'dist/src/cli']) {
      expect(existsSync(path.join(PACKAGE, gone)), gone).toBe(false);
    }
    const maps = spawnSync('find', [path.join(PACKAGE, 'dist'), '-name', '*.map'], { encoding: 'utf8' }).stdout.trim();
    expect(maps).toBe('');
  });

  it('installs no devDependency, nor the CLI and simulated world dependencies (nor what only they need)', () => {
    const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as Lock;
    const devOnly = Object.entries(lock.packages).filter(([p, info]) => p.startsWith('node_modules/') && info.dev);
    expect(devOnly.length).toBeGreaterThan(0);
    for (const [p] of devOnly) expect(existsSync(path.join(PACKAGE, p)), p).toBe(false);
    for (const name of ['typescript', 'vitest', '@biomejs/biome', 'node', 'assemblyscript']) {
      expect(existsSync(path.join(PACKAGE, 'node_modules', name)), name).toBe(false);
    }
    // The demo's own runtime needs (Azurite, the loopback certificate, ...) are dependencies of the product's CLI,
    // not of the Function App: the package leaves them out.
    expect(NOT_DEPLOYED_DEPENDENCIES).toEqual(expect.arrayContaining(['azurite', 'selfsigned']));
    for (const name of NOT_DEPLOYED_DEPENDENCIES) {
      expect(existsSync(path.join(PACKAGE, 'node_modules', name)), name).toBe(false);
    }
    // Nor what only they need: every installed package is one the deployed dependencies need.
    const pkg = JSON.parse(readFileSync(path.join(PACKAGE, 'package.json'), 'utf8'));
    const needed = closure(lock, Object.keys(pkg.dependencies));
    const leftOut = Object.keys(lock.packages).filter((p) => p.startsWith('node_modules/') && !needed.has(p));
    expect(leftOut).toEqual(expect.arrayContaining(['node_modules/azurite', 'node_modules/selfsigned']));
    for (const p of leftOut) expect(existsSync(path.join(PACKAGE, p)), p).toBe(false);
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

  it('.funcignore (publishing from the repository root) leaves the compiled CLI and simulated world out too', () => {
    const ignored = readFileSync(path.join(repoRoot, '.funcignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(EXCLUDED_DIST).toEqual(expect.arrayContaining(['src/sim', 'src/cli']));
    for (const d of EXCLUDED_DIST) expect(ignored, `/dist/${d}`).toContain(`/dist/${d}`);
    // gitignore rules: a pattern without a leading slash matches at any depth, so a bare `src` would drop dist/src.
    for (const folder of ['src', 'test', 'build', 'docs', 'scripts', 'bench', 'infra']) {
      expect(ignored, folder).not.toContain(folder);
      expect(ignored).toContain(`/${folder}`);
    }
  });
});
