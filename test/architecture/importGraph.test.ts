import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreRule } from '../support/corePurity.js';
import { findViolations, importsOf, isBuiltin, moduleName } from '../support/importGraph.js';

// A tiny repository whose core reaches forbidden code only indirectly, through tricky syntax: the walker must find
// every bad edge (or the purity test could pass on a core that does I/O) and nothing that only looks like one.
const FILES: Record<string, string> = {
  'src/analysis/entry.ts': [
    '// import { readFileSync } from "node:fs";  <- a comment, not an import',
    'const text = "import \'node:os\'"; // a string, not an import',
    'import {',
    '  helper,',
    "} from './helper.js';",
    "export { typed } from './typed.js';",
    "export * from './reexported.js';",
    'export const value = helper(text);',
  ].join('\n'),
  'src/analysis/helper.ts': [
    "import { join } from 'node:path';",
    "import { shared } from '../redaction/shared.js';",
    'export const helper = (s: string) => join(s, shared);',
  ].join('\n'),
  'src/analysis/typed.ts': [
    "import type { KubeConfig } from '@kubernetes/client-node';",
    "import type { Thing } from '../kube/thing.js';",
    'export type typed = KubeConfig | Thing;',
  ].join('\n'),
  'src/analysis/reexported.ts': 'export const reexported = 1;\n',
  'src/redaction/shared.ts': [
    "import data from './data.json' with { type: 'json' };",
    'export const shared = String(data.a);',
    "export const later = async () => (await import('node:child_process')).spawn;",
  ].join('\n'),
  'src/redaction/data.json': '{ "a": 1 }\n',
  'src/kube/thing.ts': "import { readFileSync } from 'node:fs';\nexport type Thing = typeof readFileSync;\n",
  'src/report/computed.ts': 'export const load = (name: string) => import(`./\x24{name}.js`);\n',
  'src/report/missing.ts': "export { gone } from './gone.js';\n",
  'src/report/clean.ts':
    "import { z } from 'zod';\nimport { resolve } from 'node:path';\nexport const s = z.string().parse(resolve('.'));\n",
};

let root = '';

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'import-graph-'));
  for (const [rel, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('importsOf', () => {
  it('reads multi-line imports and re-exports, and ignores comments and strings', () => {
    const edges = importsOf(join(root, 'src/analysis/entry.ts'));
    expect(edges.map((e) => e.specifier)).toEqual(['./helper.js', './typed.js', './reexported.js']);
    expect(edges[0]?.file).toBe(join(root, 'src/analysis/helper.ts'));
  });

  it('marks type-only imports, resolves built-ins and scoped packages to their names', () => {
    const edges = importsOf(join(root, 'src/analysis/typed.ts'));
    expect(edges.map((e) => [e.module, e.typeOnly])).toEqual([
      ['@kubernetes/client-node', true],
      [null, true],
    ]);
    expect(moduleName('node:fs/promises')).toBe('fs');
    expect(moduleName('@azure/storage-blob/x')).toBe('@azure/storage-blob');
    expect(isBuiltin('worker_threads')).toBe(true);
    expect(isBuiltin('zod')).toBe(false);
  });

  it('reads dynamic imports, literal or computed, and treats data files as leaves', () => {
    expect(importsOf(join(root, 'src/redaction/shared.ts')).map((e) => e.specifier)).toEqual([
      './data.json',
      'node:child_process',
    ]);
    expect(importsOf(join(root, 'src/report/computed.ts')).map((e) => e.specifier)).toEqual(['<computed>']);
    expect(importsOf(join(root, 'src/redaction/data.json'))).toEqual([]);
  });
});

describe('findViolations with the core rule', () => {
  it('finds every forbidden edge, transitively, with the chain that reaches it', () => {
    const found = findViolations([join(root, 'src/analysis'), join(root, 'src/report')], coreRule(root), root).map(
      (v) => `${v.chain.join(' > ')} :: ${v.specifier} :: ${v.reason}`,
    );
    expect(found.sort()).toEqual(
      [
        // A package of the Kubernetes SDK, even type-only.
        'src/analysis/typed.ts :: @kubernetes/client-node :: package "@kubernetes/client-node" (SDK or network)',
        // An adapter folder, even type-only.
        'src/analysis/typed.ts :: ../kube/thing.js :: src/kube/ (adapter, simulated world, configuration or outer band)',
        // Outside the core, in an allowed folder, by a dynamic import (the chain starts at the nearest core file).
        'src/analysis/helper.ts > src/redaction/shared.ts :: node:child_process :: Node built-in "child_process" (I/O)',
        // Behind the adapter file: reached and reported too (the walk does not stop at the first bad edge).
        'src/analysis/typed.ts > src/kube/thing.ts :: node:fs :: Node built-in "fs" (I/O)',
        'src/report/computed.ts :: <computed> :: dynamic import of a computed specifier',
        'src/report/missing.ts :: ./gone.js :: relative import that resolves to no file',
      ].sort(),
    );
  });

  it('reports the chain from the root file through every hop', () => {
    const found = findViolations([join(root, 'src/analysis/entry.ts')], coreRule(root), root);
    expect(found.map((v) => v.chain.join(' > '))).toContain(
      'src/analysis/entry.ts > src/analysis/helper.ts > src/redaction/shared.ts',
    );
  });

  it('passes a core that imports only pure code, path helpers and allowed packages', () => {
    expect(findViolations([join(root, 'src/report/clean.ts')], coreRule(root), root)).toEqual([]);
    expect(findViolations([join(root, 'src/analysis/reexported.ts')], coreRule(root), root)).toEqual([]);
  });
});
