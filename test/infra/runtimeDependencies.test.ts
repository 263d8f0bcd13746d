import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { init, parse } from 'es-module-lexer';
import { beforeAll, describe, expect, it } from 'vitest';
import { NOT_DEPLOYED_DEPENDENCIES } from '../../scripts/package.mjs';
import { isBuiltin, moduleName as packageName } from '../support/importGraph.js';
import { repoRoot } from './bicep.js';

/**
 * What a compiled entry point loads at run time: the files it reaches through static, side-effect and dynamic
 * imports with a literal specifier (type-only imports are gone from the compiled code, so they do not count),
 * and the packages those files import or resolve (`createRequire(...).resolve('pkg/...')`, as the Azurite
 * launcher does).
 */
interface ImportGraph {
  files: Set<string>;
  packages: Set<string>;
}

function walk(entry: string): ImportGraph {
  const graph: ImportGraph = { files: new Set(), packages: new Set() };
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (graph.files.has(file)) continue;
    if (!existsSync(file)) throw new Error(`${path.relative(repoRoot, file)} is missing: run \`npm run build\` first`);
    graph.files.add(file);
    const code = readFileSync(file, 'utf8');
    const specifiers = parse(code)[0].flatMap((i) => (i.n === undefined ? [] : [i.n]));
    for (const m of code.matchAll(/\.resolve\(\s*['"]([^'"]+)['"]\s*\)/g)) if (m[1]) specifiers.push(m[1]);
    for (const s of specifiers) {
      if (s.startsWith('.')) {
        if (s.endsWith('.js')) queue.push(path.resolve(path.dirname(file), s));
      } else if (!isBuiltin(s)) graph.packages.add(packageName(s));
    }
  }
  return graph;
}

const rel = (files: Set<string>) => [...files].map((f) => path.relative(repoRoot, f).split(path.sep).join('/'));

describe('runtime dependencies (the import graph of the compiled entry points)', () => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const dependencies = Object.keys(pkg.dependencies).sort();
  let cli: ImportGraph;
  let functions: ImportGraph;

  beforeAll(async () => {
    await init;
    // bin/snat-responder.js loads dist/src/cli/main.js; every command, `demo` and its simulated world included,
    // is reached from there.
    cli = walk(path.join(repoRoot, 'bin/snat-responder.js'));
    functions = walk(path.join(repoRoot, 'dist/functions/index.js'));
  });

  it('reaches the demo, its simulated world and the Functions app from the CLI (the walk is not vacuous)', () => {
    expect(rel(cli.files)).toEqual(
      expect.arrayContaining([
        'dist/src/cli/main.js',
        'dist/src/cli/commands/demo.js',
        'dist/src/sim/demo.js',
        'dist/src/sim/azurite.js',
        'dist/src/sim/tls.js',
        'dist/src/sim/kube/server.js',
        'dist/functions/index.js',
      ]),
    );
    expect([...cli.packages]).toEqual(expect.arrayContaining(['azurite', 'selfsigned', 'durable-functions', 'ws']));
  });

  it('finds every package the CLI (demo included) loads in dependencies, none only in devDependencies', () => {
    const missing = [...cli.packages].filter((p) => !(p in pkg.dependencies)).sort();
    expect(missing, `imported at run time but not in dependencies: ${missing.join(', ')}`).toEqual([]);
  });

  it('lists no dependency that nothing loads at run time', () => {
    const loaded = new Set([...cli.packages, ...functions.packages]);
    expect(dependencies.filter((d) => !loaded.has(d))).toEqual([]);
  });

  it('leaves out of the Function App exactly the dependencies dist/functions/ does not reach', () => {
    expect(rel(functions.files).filter((f) => f.startsWith('dist/src/sim/') || f.startsWith('dist/src/cli/'))).toEqual(
      [],
    );
    const notReached = dependencies.filter((d) => !functions.packages.has(d));
    expect(notReached).toEqual([...NOT_DEPLOYED_DEPENDENCIES].sort());
  });
});
