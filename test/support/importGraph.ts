/**
 * The import graph of TypeScript sources, read with a real parser (oxc): static imports (`import`, `import type`,
 * over any number of lines), re-exports (`export ... from`) and dynamic `import()`. Comments and strings that merely
 * look like imports are not imports. Relative specifiers resolve the way NodeNext does for this repository
 * (`./x.js` -> `./x.ts`), so the walk follows imports transitively through every file it reaches.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseSync } from 'oxc-parser';

/** One import of one file. */
export interface ImportEdge {
  /** The importing file (absolute). */
  from: string;
  /** The specifier as written (`../kube/client.js`, `node:fs`, `@azure/identity`). */
  specifier: string;
  /** The file a relative specifier resolves to (absolute); null for packages and built-ins. */
  file: string | null;
  /** For a package or built-in: its name (`fs` for `node:fs/promises`, `@azure/identity`); null for files. */
  module: string | null;
  /** True for `import type` / `export type` (erased at run time, still a dependency of the source). */
  typeOnly: boolean;
}

/** A forbidden import, with the chain of files that leads to it from a root. */
export interface Violation {
  /** Files from the root file to the importing file, repository-relative. */
  chain: string[];
  /** The offending specifier. */
  specifier: string;
  /** Why it is forbidden (the rule's answer). */
  reason: string;
}

/** Decides whether an edge is forbidden: the reason, or null when it is allowed. */
export type ImportRule = (edge: ImportEdge) => string | null;

const BUILTINS = new Set(builtinModules.map((m) => m.replace(/^node:/, '').split('/')[0]));
const SOURCE_EXTENSIONS = ['.ts', '.mts', '.tsx'];

/** `node:fs/promises` -> `fs`, `@azure/storage-blob/x` -> `@azure/storage-blob`, `zod` -> `zod`. */
export function moduleName(specifier: string): string {
  const bare = specifier.replace(/^node:/, '');
  const parts = bare.split('/');
  return bare.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? bare);
}

/** True when `specifier` names a Node built-in (with or without `node:`). */
export function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(moduleName(specifier));
}

function resolveRelative(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier);
  const stem = base.replace(/\.(m?js|jsx)$/, '');
  const candidates = [
    ...SOURCE_EXTENSIONS.map((e) => stem + e),
    base,
    ...SOURCE_EXTENSIONS.map((e) => join(base, `index${e}`)),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

/**
 * The imports of one source file (none for a data file such as `.json`). A dynamic `import()` of anything but a string literal is returned with the
 * specifier `<computed>` (a rule can forbid it: the walk cannot see where it leads).
 *
 * @throws Error when the file does not parse (a walk that skipped it could miss an import).
 */
export function importsOf(file: string): ImportEdge[] {
  // Data files (`.json` with import attributes) import nothing.
  if (!SOURCE_EXTENSIONS.some((e) => file.endsWith(e))) return [];
  const source = readFileSync(file, 'utf8');
  const parsed = parseSync(file, source, { lang: file.endsWith('.tsx') ? 'tsx' : 'ts', sourceType: 'module' });
  if (parsed.errors.length > 0) {
    throw new Error(`cannot parse ${file}: ${parsed.errors.map((e) => e.message).join('; ')}`);
  }
  const found: Array<{ specifier: string; typeOnly: boolean }> = [];
  for (const imp of parsed.module.staticImports) {
    // `import type { A }`, or every named binding marked `type`; a bare `import './x.js'` has no entries.
    const typeOnly = imp.entries.length > 0 && imp.entries.every((e) => e.isType);
    found.push({ specifier: imp.moduleRequest.value, typeOnly });
  }
  for (const exp of parsed.module.staticExports) {
    for (const entry of exp.entries) {
      if (entry.moduleRequest) found.push({ specifier: entry.moduleRequest.value, typeOnly: entry.isType });
    }
  }
  for (const dyn of parsed.module.dynamicImports) {
    const text = source.slice(dyn.moduleRequest.start, dyn.moduleRequest.end).trim();
    const literal = /^(['"`])([^'"`$]*)\1$/.exec(text);
    found.push({ specifier: literal?.[2] ?? '<computed>', typeOnly: false });
  }
  return found.map(({ specifier, typeOnly }) => {
    const relativeSpec = specifier.startsWith('./') || specifier.startsWith('../');
    return {
      from: file,
      specifier,
      file: relativeSpec ? resolveRelative(file, specifier) : null,
      module: relativeSpec || specifier === '<computed>' ? null : moduleName(specifier),
      typeOnly,
    };
  });
}

/** Every source file under `dir` (recursively), `.d.ts` excluded. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) visit(p);
      else if (SOURCE_EXTENSIONS.some((e) => name.endsWith(e)) && !name.endsWith('.d.ts')) out.push(p);
    }
  };
  visit(dir);
  return out.sort();
}

/**
 * Walks the imports of every source file under `roots` (absolute folders or files), transitively through every
 * file they reach, and returns each edge a rule forbids with the chain that leads to it (shortest first: the walk
 * is breadth-first). A relative import that resolves to no file is reported too, so nothing is skipped silently.
 */
export function findViolations(roots: readonly string[], rule: ImportRule, repoRoot: string): Violation[] {
  const rel = (p: string) => relative(repoRoot, p).split(sep).join('/');
  const parent = new Map<string, string | null>();
  const queue: string[] = [];
  for (const root of roots) {
    for (const f of statSync(root).isDirectory() ? sourceFiles(root) : [root]) {
      if (!parent.has(f)) {
        parent.set(f, null);
        queue.push(f);
      }
    }
  }
  const chainTo = (f: string): string[] => {
    const chain: string[] = [];
    for (let at: string | null | undefined = f; at; at = parent.get(at)) chain.unshift(rel(at));
    return chain;
  };
  const violations: Violation[] = [];
  for (let i = 0; i < queue.length; i++) {
    const file = queue[i] as string;
    for (const edge of importsOf(file)) {
      const reason =
        edge.module === null && edge.file === null
          ? edge.specifier === '<computed>'
            ? 'dynamic import of a computed specifier'
            : 'relative import that resolves to no file'
          : rule(edge);
      if (reason !== null) violations.push({ chain: chainTo(file), specifier: edge.specifier, reason });
      if (edge.file !== null && !parent.has(edge.file)) {
        parent.set(edge.file, file);
        queue.push(edge.file);
      }
    }
  }
  return violations;
}
