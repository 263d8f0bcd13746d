/**
 * The TSDoc check itself, on tiny in-memory fixtures fed to the real compiler through its virtual file system: it
 * must flag what lacks a doc (so tsdoc.test.ts can fail) and leave documented declarations and re-exports alone.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findUndocumentedExports, formatMissing } from '../support/tsdocCheck.js';

const root = join(import.meta.dirname, 'tsdoc-fixture');

/** Runs the check over in-memory files (name -> source) and returns its `file:line name` listing. */
function check(sources: Record<string, string>): string[] {
  const byPath = new Map(Object.entries(sources).map(([name, text]) => [join(root, name), text]));
  const missing = findUndocumentedExports(root, [...byPath.keys()], {
    readFile: (name) => byPath.get(name),
    fileExists: (name) => (byPath.has(name) ? true : undefined),
  });
  const listing = formatMissing(missing);
  return listing === '' ? [] : listing.split('\n');
}

describe('findUndocumentedExports', () => {
  it('lists an undocumented export as file:line name and passes a documented one', () => {
    const listing = check({
      'a.ts': [
        '/** Adds one. */',
        'export function documented(n: number) { return n + 1; }',
        '',
        'export function bare() {}',
        '',
      ].join('\n'),
    });
    expect(listing).toEqual(['a.ts:4 bare']);
  });

  it('flags every kind of declaration, and each name of a multi-name const', () => {
    const listing = check({
      'kinds.ts': [
        'export const a = 1, b = 2;',
        'export let c = 3;',
        'export class K {}',
        'export interface I { x: number }',
        'export type T = string;',
        'export enum E { A }',
        'export namespace N { export const inner = 1; }',
        'export default function () {}',
        '',
      ].join('\n'),
    });
    expect(listing).toEqual([
      'kinds.ts:1 a',
      'kinds.ts:1 b',
      'kinds.ts:2 c',
      'kinds.ts:3 K',
      'kinds.ts:4 I',
      'kinds.ts:5 T',
      'kinds.ts:6 E',
      'kinds.ts:7 N',
      'kinds.ts:8 default',
    ]);
  });

  it('does not count line comments, plain block comments, empty docs or a module header as TSDoc', () => {
    const listing = check({
      'comments.ts': [
        '/** Module header: about the file. */',
        '',
        'export const afterHeader = 0;',
        '// a line comment',
        'export const lineComment = 1;',
        '/* a block comment */',
        'export const blockComment = 2;',
        '/** */',
        'export const emptyDoc = 3;',
        '/** Docs are attached across a line comment. */',
        '// why: kept in step with the other table',
        'export const docThenLineComment = 4;',
        '/** With a tag only. @internal */',
        'export const tagged = 5;',
        '',
      ].join('\n'),
    });
    expect(listing).toEqual([
      'comments.ts:3 afterHeader',
      'comments.ts:5 lineComment',
      'comments.ts:7 blockComment',
      'comments.ts:9 emptyDoc',
    ]);
  });

  it('judges `export { local }` by the local declaration and ignores re-exports', () => {
    const listing = check({
      'lists.ts': [
        "import { imported } from './other.js';",
        "import type { ImportedType } from './other.js';",
        "export * from './other.js';",
        "export { again } from './other.js';",
        "export type * from './other.js';",
        'export { imported };',
        'export type { ImportedType };',
        '/** Documented local. */',
        'const shown = 1;',
        'const hidden = 2;',
        'export { shown, hidden as renamed };',
        '',
      ].join('\n'),
      'other.ts': [
        '/** Passed on by lists.ts. */',
        'export const imported = 1;',
        '/** Again. */',
        'export const again = 2;',
        '/** A type. */',
        'export type ImportedType = number;',
        '',
      ].join('\n'),
    });
    expect(listing).toEqual(['lists.ts:10 renamed']);
  });

  it('reads an overloaded function doc from its first signature', () => {
    const listing = check({
      'overloads.ts': [
        '/** Parses a port. */',
        'export function port(v: string): number;',
        'export function port(v: number): number;',
        'export function port(v: string | number): number { return Number(v); }',
        'export function twice(v: string): string;',
        'export function twice(v: string): string { return v + v; }',
        '',
      ].join('\n'),
    });
    expect(listing).toEqual(['overloads.ts:5 twice']);
  });
});
