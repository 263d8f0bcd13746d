import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ipaddr from 'ipaddr.js';
import { expect } from 'vitest';
import type { ParseWarning } from '../../../../src/evidence/types.js';

const dir = fileURLToPath(new URL('../../../fixtures/evidence/', import.meta.url));

/** Read a sample from test/fixtures/evidence. */
export function fixture(name: string): string {
  return readFileSync(dir + name, 'utf8');
}

/** Every warning names the file and a line within range. */
export function expectWellFormedWarnings(warnings: ParseWarning[], file: string, maxLine: number): void {
  for (const w of warnings) {
    expect(w.file).toBe(file);
    expect(Number.isInteger(w.line)).toBe(true);
    expect(w.line).toBeGreaterThanOrEqual(0);
    expect(w.line).toBeLessThanOrEqual(maxLine);
    expect(typeof w.message).toBe('string');
  }
}

export function isValidIp(s: string): boolean {
  return ipaddr.isValid(s) && !s.includes('%') && !s.startsWith('[');
}

export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 65535;
}

/** Line count as the parsers number lines. */
export function lineCount(text: string): number {
  return text.split('\n').length;
}

/** Mutations of a real line: cut, duplicated field, swapped characters, inserted junk. */
export const mutations = ['cut', 'dropToken', 'dupToken', 'swapChars', 'insert', 'unicode'] as const;

export function mutate(line: string, kind: (typeof mutations)[number], at: number, junk: string): string {
  const pos = line.length === 0 ? 0 : at % line.length;
  const tokens = line.split(' ');
  const ti = tokens.length === 0 ? 0 : at % tokens.length;
  switch (kind) {
    case 'cut':
      return line.slice(0, pos);
    case 'dropToken':
      return tokens.filter((_, i) => i !== ti).join(' ');
    case 'dupToken':
      return [...tokens.slice(0, ti + 1), tokens[ti] ?? '', ...tokens.slice(ti + 1)].join(' ');
    case 'swapChars':
      return line.slice(0, pos) + (line[pos + 1] ?? '') + (line[pos] ?? '') + line.slice(pos + 2);
    case 'insert':
      return line.slice(0, pos) + junk + line.slice(pos);
    case 'unicode':
      return `${line.slice(0, pos)}└─\u0000\uFFFD${line.slice(pos)}`;
  }
}
