/**
 * util-linux `lsns -t net` (text, any `-o` column order) and `lsns -t net -J`.
 *
 * Text is a libsmartcols table: numeric columns (NS, NPROCS, PID, PPID, UID,
 * NETNSID) are right-aligned, the rest left-aligned, and NETNSID/NSFS are often
 * empty. Cells are therefore located from the header's word positions; rows whose
 * spacing was lost (copied from a web page) fall back to whitespace splitting.
 */
import type { NetnsEntry, Parsed, ParseWarning } from '../types.js';
import {
  excerpt,
  isRecord,
  jsonRows,
  numberish,
  parseUint,
  splitLines,
  stringish,
  type Token,
  tokenize,
  warn,
} from './util.js';

const KNOWN = ['NS', 'TYPE', 'PATH', 'NPROCS', 'PID', 'PPID', 'COMMAND', 'UID', 'USER', 'NETNSID', 'NSFS'] as const;
const RIGHT_ALIGNED = new Set(['NS', 'NPROCS', 'PID', 'PPID', 'UID', 'NETNSID']);
const DEFAULT_COLUMNS = ['NS', 'TYPE', 'NPROCS', 'PID', 'USER', 'COMMAND'];
const MAX_U32 = 4_294_967_295;

/**
 * Parse `lsns -t net` output, text or JSON (detected by a leading `{`).
 * Rows of other namespace types (plain `lsns`) are skipped.
 *
 * @example parseLsns('NS TYPE NPROCS PID USER COMMAND\n4026532785 net 3 19832 root bash\n', 'lsns.txt')
 */
export function parseLsns(text: string, file = 'lsns.txt'): Parsed<NetnsEntry> {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseLsnsJson(text, file);
  return parseLsnsText(text, file);
}

/** `lsns -J` JSON: `{"namespaces":[...]}`; numbers may be strings in older util-linux; `--tree` nests `children`. */
export function parseLsnsJson(text: string, file = 'lsns.json'): Parsed<NetnsEntry> {
  const warnings: ParseWarning[] = [];
  const items: NetnsEntry[] = [];
  const parsed = jsonRows(text, file, 'namespaces');
  if (!parsed.ok) return { items, warnings: [parsed.warning] };
  const list = parsed.rows;
  const visit = (arr: unknown[], path: string) => {
    arr.forEach((row, i) => {
      if (!isRecord(row)) {
        warnings.push(warn(file, 0, `${path}[${i}] is not an object`));
        return;
      }
      const type = stringish(row.type);
      const inode = numberish(row.ns, MAX_U32);
      const pid = numberish(row.pid);
      if (type === null || type === 'net') {
        if (inode === null || pid === null) {
          warnings.push(warn(file, 0, `${path}[${i}] lacks a numeric ns or pid`));
        } else {
          items.push({
            inode,
            nprocs: numberish(row.nprocs),
            pid,
            user: stringish(row.user),
            command: stringish(row.command) ?? '',
            netnsid: numberish(row.netnsid),
            nsfs: stringish(row.nsfs),
          });
        }
      }
      if (Array.isArray(row.children)) visit(row.children, `${path}[${i}].children`);
    });
  };
  visit(list, 'namespaces');
  return { items, warnings };
}

/** `lsns -t net` text, default or `-o` columns, with or without headings. */
export function parseLsnsText(text: string, file = 'lsns.txt'): Parsed<NetnsEntry> {
  const warnings: ParseWarning[] = [];
  const items: NetnsEntry[] = [];
  const lines = splitLines(text);
  let header: { name: string; start: number; end: number }[] | null = null;
  let warnedNoHeader = false;

  lines.forEach((raw, idx) => {
    const lineNo = idx + 1;
    const line = raw.replace(/\t/g, ' ');
    if (line.trim() === '') return;
    const tokens = tokenize(line);
    if (isHeader(tokens)) {
      header = tokens.map((t) => ({ name: t.text, start: t.start, end: t.end }));
      return;
    }
    let cols = header as { name: string; start: number; end: number }[] | null;
    if (cols === null) {
      if (!warnedNoHeader) {
        warnings.push(warn(file, 0, `no header line; assuming columns ${DEFAULT_COLUMNS.join(' ')}`));
        warnedNoHeader = true;
      }
      cols = DEFAULT_COLUMNS.map((name) => ({ name, start: -1, end: -1 }));
    }
    const row = cellsByPosition(line, tokens, cols) ?? cellsBySplit(tokens, line, cols);
    const entry = row ? toEntry(row) : null;
    if (entry === 'other-type') return;
    if (entry === null) {
      warnings.push(warn(file, lineNo, `unrecognised lsns row: ${excerpt(raw)}`));
      return;
    }
    items.push(entry);
  });
  return { items, warnings };
}

function isHeader(tokens: Token[]): boolean {
  if (tokens.length === 0) return false;
  const names = new Set<string>(KNOWN);
  return tokens.every((t) => names.has(t.text)) && tokens.some((t) => t.text === 'NS' || t.text === 'PID');
}

type Row = Map<string, string>;

/** Locate cells from header positions: left-aligned start at the header start, right-aligned end at its end. */
function cellsByPosition(
  line: string,
  tokens: Token[],
  cols: { name: string; start: number; end: number }[],
): Row | null {
  if (cols.some((c) => c.start < 0)) return null;
  const row: Row = new Map();
  const used = new Set<number>();
  for (let c = 0; c < cols.length; c++) {
    const col = cols[c]!;
    const last = c === cols.length - 1;
    if (RIGHT_ALIGNED.has(col.name)) {
      const ti = tokens.findIndex((t) => t.end === col.end);
      if (ti >= 0) {
        row.set(col.name, tokens[ti]!.text);
        used.add(ti);
      } else {
        row.set(col.name, '');
      }
    } else if (last) {
      row.set(col.name, line.length > col.start ? line.slice(col.start).trim() : '');
      if (line.length > col.start && line[col.start - 1] !== undefined && line[col.start - 1] !== ' ') return null;
      tokens.forEach((t, i) => {
        if (t.start >= col.start) used.add(i);
      });
    } else {
      const ti = tokens.findIndex((t) => t.start === col.start);
      if (ti >= 0) {
        // A left-aligned cell may hold spaces only if it is the last column; here it is one token.
        row.set(col.name, tokens[ti]!.text);
        used.add(ti);
      } else {
        row.set(col.name, '');
      }
    }
  }
  // Every token must belong to some cell, otherwise the spacing does not match the header.
  if (used.size !== tokens.length) return null;
  return row;
}

/** Whitespace fallback: one token per column, the last column takes the rest of the line. */
function cellsBySplit(tokens: Token[], line: string, cols: { name: string }[]): Row | null {
  if (tokens.length < cols.length) {
    // NETNSID/NSFS are the usually-empty cells; drop them and retry.
    const slim = cols.filter((c) => c.name !== 'NSFS' && c.name !== 'NETNSID');
    if (slim.length === cols.length || tokens.length < slim.length) return null;
    return cellsBySplit(tokens, line, slim);
  }
  const row: Row = new Map();
  cols.forEach((col, i) => {
    if (i === cols.length - 1) row.set(col.name, line.slice(tokens[i]!.start).trim());
    else row.set(col.name, tokens[i]!.text);
  });
  return row;
}

function toEntry(row: Row): NetnsEntry | 'other-type' | null {
  const type = row.get('TYPE');
  if (type !== undefined && type !== '' && type !== 'net') return 'other-type';
  const inode = parseUint(row.get('NS'), MAX_U32);
  const pid = parseUint(row.get('PID'));
  if (Number.isNaN(inode) || Number.isNaN(pid)) return null;
  const nprocs = parseUint(row.get('NPROCS'));
  const netnsid = parseUint(row.get('NETNSID'));
  const user = row.get('USER');
  const nsfs = row.get('NSFS');
  return {
    inode,
    nprocs: Number.isNaN(nprocs) ? null : nprocs,
    pid,
    user: user ? user : null,
    command: unescapeRaw(row.get('COMMAND') ?? ''),
    netnsid: Number.isNaN(netnsid) ? null : netnsid,
    nsfs: nsfs ? unescapeRaw(nsfs) : null,
  };
}

/** `lsns -r` escapes blanks as `\x20`. */
function unescapeRaw(s: string): string {
  return s.includes('\\x')
    ? s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    : s;
}
