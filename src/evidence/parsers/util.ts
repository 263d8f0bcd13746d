/**
 * Small helpers shared by the evidence parsers: line splitting, strict number
 * and address checks, header-position tables. Pure, no I/O, never throw.
 */
import ipaddr from 'ipaddr.js';
import type { ParseWarning } from '../types.js';

/** Split a whole file into lines, accepting LF and CRLF; a final newline adds no empty line. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/** A warning record; kept tiny so every parser words them the same way. */
export function warn(file: string, line: number, message: string): ParseWarning {
  return { file, line, message };
}

/** Shorten a line for a warning message so huge garbage lines do not bloat reports. */
export function excerpt(line: string, max = 80): string {
  const oneLine = line.replace(/[\r\n\t]/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

/** Parse a non-negative decimal integer made only of digits (no sign, no exponent); NaN otherwise. */
export function parseUint(s: string | undefined, max = Number.MAX_SAFE_INTEGER): number {
  if (s === undefined || s.length === 0 || s.length > 16) return Number.NaN;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    n = n * 10 + c;
  }
  return n <= max ? n : Number.NaN;
}

/** Like {@link parseUint} but on a slice of a larger string, avoiding a substring allocation. */
export function parseUintAt(s: string, start: number, end: number, max = Number.MAX_SAFE_INTEGER): number {
  if (end <= start || end - start > 16) return Number.NaN;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    n = n * 10 + c;
  }
  return n <= max ? n : Number.NaN;
}

/** A number that may arrive as a JSON number or a decimal string (util-linux and crictl vary). */
export function numberish(v: unknown, max = Number.MAX_SAFE_INTEGER): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= max ? v : null;
  if (typeof v === 'string') {
    const n = parseUint(v.trim(), max);
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

/** A non-empty string value from JSON, or null. */
export function stringish(v: unknown): string | null {
  if (typeof v === 'string') return v.length > 0 ? v : null;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** True for a plain JSON object (not null, not an array): what parsers check before reading fields. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse JSON without throwing. */
export function tryJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * A JSON evidence file's document, or the warning every parser gives for one that is not JSON
 * (`invalid JSON: <why>` at line 0), so a parser can answer `{ items: [], warnings: [doc.warning] }`.
 *
 * @example const doc = jsonDocument(text, 'pods.json'); if (!doc.ok) return { items: [], warnings: [doc.warning] };
 */
export function jsonDocument(
  text: string,
  file: string,
): { ok: true; value: unknown } | { ok: false; warning: ParseWarning } {
  const parsed = tryJson(text);
  return parsed.ok ? parsed : { ok: false, warning: warn(file, 0, `invalid JSON: ${parsed.error}`) };
}

/**
 * The rows of a JSON evidence file that lists them under `key` (`{"<key>": [...]}`) or as a bare array, or the
 * warning for a file that is not JSON or has no such array.
 *
 * @example const rows = jsonRows(text, 'lsns.json', 'namespaces'); if (!rows.ok) return { items: [], warnings: [rows.warning] };
 */
export function jsonRows(
  text: string,
  file: string,
  key: string,
): { ok: true; rows: unknown[] } | { ok: false; warning: ParseWarning } {
  const doc = jsonDocument(text, file);
  if (!doc.ok) return doc;
  const v = doc.value;
  const rows = isRecord(v) ? v[key] : Array.isArray(v) ? v : undefined;
  return Array.isArray(rows) ? { ok: true, rows } : { ok: false, warning: warn(file, 0, `no "${key}" array`) };
}

/** Strip `[...]` brackets and a `%zone` suffix that tools print around IPv6 addresses. */
export function bareAddress(s: string): string {
  let a = s;
  if (a.length >= 2 && a.charCodeAt(0) === 91 /* [ */ && a.charCodeAt(a.length - 1) === 93 /* ] */) {
    a = a.slice(1, -1);
  }
  const pct = a.indexOf('%');
  if (pct >= 0) a = a.slice(0, pct);
  return a;
}

/** 4 for a strict dotted quad, 6 for a valid IPv6 text, 0 otherwise (ipaddr.js does the checking). */
export function ipFamily(a: string): 0 | 4 | 6 {
  if (a.length === 0 || a.length > 45) return 0;
  if (a.indexOf(':') >= 0) return ipaddr.IPv6.isValid(a) ? 6 : 0;
  return ipaddr.IPv4.isValidFourPartDecimal(a) ? 4 : 0;
}

/**
 * Strict dotted-quad check on a slice, without allocating: the trace hot path
 * validates two addresses per line. Agrees with ipaddr.js
 * `IPv4.isValidFourPartDecimal` (property-tested).
 */
export function isDottedQuadAt(s: string, start: number, end: number): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  let lead0 = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || parts === 3) return false;
      parts++;
      digits = 0;
      value = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return false;
    if (digits === 0) lead0 = d === 0;
    else if (lead0) return false;
    if (++digits > 3) return false;
    value = value * 10 + d;
    if (value > 255) return false;
  }
  return parts === 3 && digits > 0;
}

/**
 * Remembers recent validation results: a trace repeats the same few addresses
 * millions of times, so the ipaddr.js check runs once per distinct address.
 * Bounded so memory follows distinct keys and never the line count.
 */
export class AddressCache {
  private readonly map = new Map<string, 0 | 4 | 6>();
  private readonly limit: number;
  constructor(limit = 20_000) {
    this.limit = limit;
  }
  family(a: string): 0 | 4 | 6 {
    const hit = this.map.get(a);
    if (hit !== undefined) return hit;
    const f = ipFamily(a);
    if (this.map.size >= this.limit) this.map.clear();
    this.map.set(a, f);
    return f;
  }
}

/** A column of a fixed-width table header: its name and the character span of the name. */
export interface HeaderColumn {
  name: string;
  start: number;
  end: number;
}

/**
 * Find known column names in a header line, longest names first so `POD ID`
 * wins over `POD`. Returns columns in line order, or null if an unknown word is found.
 */
export function locateHeader(line: string, names: readonly string[]): HeaderColumn[] | null {
  const sorted = [...names].sort((a, b) => b.length - a.length);
  const cols: HeaderColumn[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= n) break;
    let matched: string | null = null;
    for (const name of sorted) {
      if (line.startsWith(name, i)) {
        const after = i + name.length;
        if (after === n || line[after] === ' ' || line[after] === '\t') {
          matched = name;
          break;
        }
      }
    }
    if (matched === null) return null;
    cols.push({ name: matched, start: i, end: i + matched.length });
    i += matched.length;
  }
  return cols;
}

/** Whitespace tokens of a line with their positions. */
export interface Token {
  text: string;
  start: number;
  end: number;
}

/**
 * Splits a line on runs of whitespace ({@link isSpace}), keeping each token's columns so fixed-width tools'
 * output can be matched to header positions.
 *
 * @example tokenize('tcp  0 0') // [{ text: 'tcp', start: 0, end: 3 }, { text: '0', start: 5, end: 6 }, ...]
 */
export function tokenize(line: string): Token[] {
  const out: Token[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const s = i;
    while (i < n && !isSpace(line.charCodeAt(i))) i++;
    out.push({ text: line.slice(s, i), start: s, end: i });
  }
  return out;
}

/** True for the ASCII whitespace char codes the tools print: space, tab, CR, vertical tab, form feed. */
export function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 11 || c === 12;
}
