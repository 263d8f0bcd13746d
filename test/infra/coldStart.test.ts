/**
 * The Function App's cold start: importing its entry point (dist/functions/index.js, built by `npm test` first)
 * registers every function but loads none of the heavy SDKs; each function loads what it needs on first use.
 * `node bench/functions-import.mjs` measures the time; this checks the module list, which cannot flake.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HEAVY_PACKAGES as HEAVY } from '../../bench/heavyPackages.mjs';
import { repoRoot } from './bicep.js';

describe('Function App entry import', () => {
  it('registers the functions without loading a heavy SDK', () => {
    const standIn = pathToFileURL(path.join(repoRoot, 'dist/src/sim/durable/hostStandIn.js')).href;
    const entry = pathToFileURL(path.join(repoRoot, 'dist/functions/index.js')).href;
    const script = [
      "import { registerHooks } from 'node:module';",
      'const loaded = new Set();',
      'registerHooks({ resolve(s, c, next) { const r = next(s, c); loaded.add(r.url); return r; } });',
      `const { installFunctionsHostStandIn } = await import(${JSON.stringify(standIn)});`,
      'const registry = installFunctionsHostStandIn();',
      `await import(${JSON.stringify(entry)});`,
      'console.log(JSON.stringify({ functions: registry.functions.size, loaded: [...loaded] }));',
    ].join('\n');
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.stderr).not.toMatch(/Error/);
    const { functions, loaded } = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
      functions: number;
      loaded: string[];
    };
    expect(functions).toBeGreaterThan(10);
    const heavy = HEAVY.filter((pkg) => loaded.some((url) => url.includes(`/node_modules/${pkg}/`)));
    expect(heavy).toEqual([]);
  }, 130_000);
});
