/**
 * Test helper: lists exported declarations that carry no TSDoc comment, using the TypeScript compiler's own parser
 * (the `typescript` devDependency's API, which drives the bundled native compiler over a pipe).
 *
 * Why the compiler and not a regex: a doc comment is whatever the compiler attaches to a declaration, so multi-line
 * signatures, `export { local }` lists, overloads and comments that merely look like docs are judged the way editors
 * and doc generators judge them.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import {
  getTextOfJSDocComment,
  isClassDeclaration,
  isEnumDeclaration,
  isExportAssignment,
  isExportDeclaration,
  isFunctionDeclaration,
  isIdentifier,
  isImportDeclaration,
  isImportEqualsDeclaration,
  isInterfaceDeclaration,
  isJSDoc,
  isModuleDeclaration,
  isNamedExports,
  isTypeAliasDeclaration,
  isVariableStatement,
  type Node,
  type SourceFile,
  type Statement,
  SyntaxKind,
} from 'typescript/unstable/ast';
import type { FileSystem } from 'typescript/unstable/fs';
import { API } from 'typescript/unstable/sync';

/** One exported declaration without a TSDoc comment. */
export interface MissingDoc {
  /** Path relative to the checked root, with `/` separators. */
  file: string;
  /** 1-based line of the declaration's first token (after any non-doc comment). */
  line: number;
  /** The exported name (`default` for a default export). */
  name: string;
}

/** A declaration the check judges: the node the doc comment must sit on, and the names it exports. */
interface Exported {
  node: Node;
  names: string[];
}

/** Every `.ts` file under `dir` (declaration files excluded), as absolute paths in a stable order. */
export function listTypeScriptFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTypeScriptFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

/**
 * Parses `files` (absolute paths under `root`) with the TypeScript compiler and returns every exported declaration
 * that has no non-empty `/** ... *\/` comment attached, sorted by file and line.
 *
 * Counted: exported functions, classes, interfaces, type aliases, enums, namespaces, variable statements, default
 * exports, and local declarations exported later through `export { name }`. Not counted: re-exports
 * (`export ... from`, `export *`, `export { importedName }`), which add no new declaration.
 *
 * @param files - absolute paths; they are parsed only (no module resolution, no lib), so the check is fast and also
 *   works on files outside the build (the AssemblyScript kernel).
 * @param fs - optional virtual file system callbacks (tests feed in-memory fixtures); unanswered reads fall back to disk.
 */
export function findUndocumentedExports(root: string, files: readonly string[], fs?: FileSystem): MissingDoc[] {
  const configPath = join(root, 'tsconfig.tsdoc-check.json');
  const config = JSON.stringify({
    compilerOptions: { noLib: true, noResolve: true, types: [], noEmit: true, allowJs: false },
    files,
  });
  const api = new API({
    cwd: root,
    fs: {
      ...fs,
      readFile: (name) => (name === configPath ? config : fs?.readFile?.(name)),
      fileExists: (name) => (name === configPath ? true : fs?.fileExists?.(name)),
    },
  });
  try {
    const snapshot = api.updateSnapshot({ openProjects: [configPath] });
    const project = snapshot.getProject(configPath) ?? snapshot.getProjects()[0];
    if (!project) throw new Error(`tsdoc check: the compiler opened no project for ${configPath}`);
    const missing: MissingDoc[] = [];
    for (const file of files) {
      const sourceFile = project.program.getSourceFile(file);
      if (!sourceFile) throw new Error(`tsdoc check: the compiler did not load ${file}`);
      for (const { node, names } of exportedDeclarations(sourceFile)) {
        if (hasDoc(node)) continue;
        const line = lineOf(sourceFile, node.getStart(sourceFile));
        for (const name of names) missing.push({ file: relative(root, file).split(sep).join('/'), line, name });
      }
    }
    return missing.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.name.localeCompare(b.name));
  } finally {
    api.close();
  }
}

/** Formats the findings one per line as `file:line name`, the form the failing test prints. */
export function formatMissing(missing: readonly MissingDoc[]): string {
  return missing.map((m) => `${m.file}:${m.line} ${m.name}`).join('\n');
}

/** The exported declarations of one file that need a doc comment. */
function exportedDeclarations(sourceFile: SourceFile): Exported[] {
  const out: Exported[] = [];
  const locals = new Map<string, Statement[]>();
  for (const statement of sourceFile.statements) {
    for (const name of declaredNames(statement)) locals.set(name, [...(locals.get(name) ?? []), statement]);
  }
  const seenOverloads = new Set<string>();
  for (const statement of sourceFile.statements) {
    if (isExportAssignment(statement)) {
      out.push({ node: statement, names: ['default'] });
      continue;
    }
    if (isExportDeclaration(statement)) {
      // `export ... from '...'` and `export *` re-export another module's declarations: nothing new here.
      if (statement.moduleSpecifier || !statement.exportClause || !isNamedExports(statement.exportClause)) continue;
      for (const specifier of statement.exportClause.elements) {
        const local = specifier.propertyName ?? specifier.name;
        if (!isIdentifier(local)) continue;
        // An imported name passed on (`import { X }; export { X }`) is a re-export too.
        const declarations = (locals.get(local.text) ?? []).filter((d) => !isImport(d));
        const first = declarations[0];
        if (first && !declarations.some(hasExportModifier)) out.push({ node: first, names: [specifier.name.text] });
      }
      continue;
    }
    if (!hasExportModifier(statement)) continue;
    const names = declaredNames(statement);
    if (isFunctionDeclaration(statement)) {
      // Overloads: the doc goes on the first signature, as TSDoc tools read it.
      const name = names[0] ?? 'default';
      if (seenOverloads.has(name)) continue;
      seenOverloads.add(name);
      const overloads = (locals.get(name) ?? [statement]).filter(isFunctionDeclaration);
      const documented = overloads.find(hasDoc);
      out.push({ node: documented ?? statement, names: [hasDefaultModifier(statement) ? 'default' : name] });
      continue;
    }
    out.push({ node: statement, names: names.length > 0 ? names : ['default'] });
  }
  return out;
}

/** The names a top-level statement declares (binding patterns and imports excluded: they declare no documented API). */
function declaredNames(statement: Statement): string[] {
  if (isVariableStatement(statement)) {
    return statement.declarationList.declarations.flatMap((d) => (isIdentifier(d.name) ? [d.name.text] : []));
  }
  if (
    isFunctionDeclaration(statement) ||
    isClassDeclaration(statement) ||
    isInterfaceDeclaration(statement) ||
    isTypeAliasDeclaration(statement) ||
    isEnumDeclaration(statement) ||
    isModuleDeclaration(statement)
  ) {
    const name = statement.name;
    return name && isIdentifier(name) ? [name.text] : [];
  }
  return [];
}

function isImport(statement: Statement): boolean {
  return isImportDeclaration(statement) || isImportEqualsDeclaration(statement);
}

function modifierKinds(node: Node): SyntaxKind[] {
  const modifiers = (node as { modifiers?: readonly Node[] }).modifiers ?? [];
  return modifiers.map((m) => m.kind);
}

function hasExportModifier(node: Node): boolean {
  return modifierKinds(node).includes(SyntaxKind.ExportKeyword);
}

function hasDefaultModifier(node: Node): boolean {
  return modifierKinds(node).includes(SyntaxKind.DefaultKeyword);
}

/**
 * True when the compiler attached a `/** *\/` comment with some text or tags to `node`, and that comment sits
 * directly above it: no blank line between. A module header followed by a blank line is about the file, and the
 * compiler would otherwise attach it to the file's first export.
 */
function hasDoc(node: Node): boolean {
  const text = node.getSourceFile().text;
  const start = node.getStart();
  return (node.jsDoc ?? []).some(
    (doc) =>
      isJSDoc(doc) &&
      ((getTextOfJSDocComment(doc.comment)?.trim() ?? '') !== '' || (doc.tags?.length ?? 0) > 0) &&
      !/\n[ \t]*\r?\n/.test(text.slice(doc.end, start)),
  );
}

function lineOf(sourceFile: SourceFile, position: number): number {
  const starts = sourceFile.getLineStarts();
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((starts[mid] ?? 0) <= position) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}
