/**
 * cri-tools `crictl ps -a` and `crictl pods`, text or `-o json`.
 *
 * Text is Go tabwriter output (minwidth 20, padding 3, left-aligned): every cell
 * starts where its header word starts, and headers contain spaces (`POD ID`).
 * Columns by version:
 *   ps:   CONTAINER [ID] IMAGE CREATED STATE NAME ATTEMPT POD ID [POD] [NAMESPACE]
 *   pods: POD ID CREATED STATE NAME NAMESPACE ATTEMPT [RUNTIME]   (oldest: SANDBOX ID NAME STATE)
 * CREATED is `6 hours ago`, so rows whose spacing was lost are split around `ago`.
 * Text ids are truncated to 13 characters unless `--no-trunc`.
 */
import type { CriContainer, CriPodSandbox, Parsed, ParseWarning } from '../types.js';
import {
  excerpt,
  type HeaderColumn,
  isRecord,
  jsonDocument,
  jsonRows,
  locateHeader,
  numberish,
  parseUint,
  splitLines,
  stringish,
  tokenize,
  warn,
} from './util.js';

const PS_COLUMNS = [
  'CONTAINER ID',
  'CONTAINER',
  'IMAGE',
  'CREATED',
  'STATE',
  'NAME',
  'ATTEMPT',
  'POD ID',
  'POD',
  'NAMESPACE',
] as const;
const PODS_COLUMNS = ['POD ID', 'SANDBOX ID', 'CREATED', 'STATE', 'NAME', 'NAMESPACE', 'ATTEMPT', 'RUNTIME'] as const;
const CONTAINER_STATES = new Set(['Running', 'Exited', 'Created', 'Unknown']);
const POD_STATES = new Set(['Ready', 'NotReady']);

/**
 * `crictl ps -a` text or `crictl ps -a -o json` (detected by a leading `{`).
 *
 * @example parseCrictlPs(text, 'crictl-ps.txt').items[0]?.podSandboxId
 */
export function parseCrictlPs(text: string, file = 'crictl-ps.txt'): Parsed<CriContainer> {
  return looksJson(text) ? parseCrictlPsJson(text, file) : parseCrictlPsText(text, file);
}

/** `crictl pods` text or `crictl pods -o json`. */
export function parseCrictlPods(text: string, file = 'crictl-pods.txt'): Parsed<CriPodSandbox> {
  return looksJson(text) ? parseCrictlPodsJson(text, file) : parseCrictlPodsText(text, file);
}

function looksJson(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith('{') || t.startsWith('[');
}

/** `crictl ps -a -o json`: `{"containers":[{id, podSandboxId, metadata{name,attempt}, image{image}, state, labels}]}`. */
export function parseCrictlPsJson(text: string, file = 'crictl-ps.json'): Parsed<CriContainer> {
  const items: CriContainer[] = [];
  const warnings: ParseWarning[] = [];
  const parsed = jsonRows(text, file, 'containers');
  if (!parsed.ok) return { items, warnings: [parsed.warning] };
  parsed.rows.forEach((c, i) => {
    if (!isRecord(c)) {
      warnings.push(warn(file, 0, `containers[${i}] is not an object`));
      return;
    }
    const id = stringish(c.id);
    const podSandboxId = stringish(c.podSandboxId ?? c.pod_sandbox_id);
    if (id === null || podSandboxId === null) {
      warnings.push(warn(file, 0, `containers[${i}] lacks id or podSandboxId`));
      return;
    }
    const meta = isRecord(c.metadata) ? c.metadata : {};
    const labels = isRecord(c.labels) ? c.labels : {};
    const image = isRecord(c.image) ? stringish(c.image.image) : stringish(c.image);
    items.push({
      id,
      podSandboxId,
      name: stringish(meta.name) ?? '',
      state: containerState(stringish(c.state) ?? 'CONTAINER_UNKNOWN'),
      image: image ?? stringish(c.imageRef),
      attempt: numberish(meta.attempt) ?? (isRecord(c.metadata) ? 0 : null),
      podName: stringish(labels['io.kubernetes.pod.name']),
      podNamespace: stringish(labels['io.kubernetes.pod.namespace']),
      podUid: stringish(labels['io.kubernetes.pod.uid']),
    });
  });
  return { items, warnings };
}

/**
 * `crictl pods -o json`: `{"items":[{id, metadata{name,uid,namespace,attempt}, state}]}` (older: a bare array).
 * Also accepts `crictl inspectp -o json` objects, which reveal the netns path.
 */
export function parseCrictlPodsJson(text: string, file = 'crictl-pods.json'): Parsed<CriPodSandbox> {
  const items: CriPodSandbox[] = [];
  const warnings: ParseWarning[] = [];
  const parsed = jsonDocument(text, file);
  if (!parsed.ok) return { items, warnings: [parsed.warning] };
  const v = parsed.value;
  const list = isRecord(v) ? (v.items ?? (isRecord(v.status) ? [v] : undefined)) : Array.isArray(v) ? v : undefined;
  if (!Array.isArray(list)) return { items, warnings: [warn(file, 0, 'no "items" array')] };
  list.forEach((p, i) => {
    if (!isRecord(p)) {
      warnings.push(warn(file, 0, `items[${i}] is not an object`));
      return;
    }
    const base = isRecord(p.status) ? p.status : p; // inspectp wraps the sandbox in `status`
    const id = stringish(base.id);
    const meta = isRecord(base.metadata) ? base.metadata : {};
    const name = stringish(meta.name);
    if (id === null || name === null) {
      warnings.push(warn(file, 0, `items[${i}] lacks id or metadata.name`));
      return;
    }
    items.push({
      id,
      name,
      namespace: stringish(meta.namespace) ?? '',
      uid: stringish(meta.uid),
      state: podState(stringish(base.state) ?? 'SANDBOX_NOTREADY'),
      netnsPath: netnsPathOf(p),
    });
  });
  return { items, warnings };
}

/** `crictl ps -a` table. */
export function parseCrictlPsText(text: string, file = 'crictl-ps.txt'): Parsed<CriContainer> {
  const items: CriContainer[] = [];
  const warnings: ParseWarning[] = [];
  const { rows, headerless } = tableRows(text, PS_COLUMNS, (names) => names.includes('IMAGE'));
  if (headerless) warnings.push(warn(file, 0, 'no header line found'));
  for (const r of rows) {
    const c = r.cells ? psFromCells(r.cells) : null;
    const entry = c ?? psFromTokens(r.line, r.names);
    if (entry) items.push(entry);
    else warnings.push(warn(file, r.lineNo, `unrecognised crictl ps row: ${excerpt(r.line)}`));
  }
  return { items, warnings };
}

/** `crictl pods` table. */
export function parseCrictlPodsText(text: string, file = 'crictl-pods.txt'): Parsed<CriPodSandbox> {
  const items: CriPodSandbox[] = [];
  const warnings: ParseWarning[] = [];
  const { rows, headerless } = tableRows(
    text,
    PODS_COLUMNS,
    (names) => names.includes('POD ID') || names.includes('SANDBOX ID'),
  );
  if (headerless) warnings.push(warn(file, 0, 'no header line found'));
  for (const r of rows) {
    const c = r.cells ? podFromCells(r.cells) : null;
    const entry = c ?? podFromTokens(r.line, r.names);
    if (entry) items.push(entry);
    else warnings.push(warn(file, r.lineNo, `unrecognised crictl pods row: ${excerpt(r.line)}`));
  }
  return { items, warnings };
}

interface TableRow {
  line: string;
  lineNo: number;
  names: string[];
  /** Cells by header position, or null when the row does not line up with the header. */
  cells: Map<string, string> | null;
}

function tableRows(
  text: string,
  known: readonly string[],
  isHeaderOf: (names: string[]) => boolean,
): { rows: TableRow[]; headerless: boolean } {
  const rows: TableRow[] = [];
  let header: HeaderColumn[] | null = null;
  let sawHeader = false;
  splitLines(text).forEach((raw, idx) => {
    const line = raw.replace(/\t/g, ' ').trimEnd();
    if (line.trim() === '') return;
    const h = locateHeader(line, known);
    if (h && h.length >= 3 && isHeaderOf(h.map((c) => c.name))) {
      header = h;
      sawHeader = true;
      return;
    }
    const cols = header as HeaderColumn[] | null;
    rows.push({
      line,
      lineNo: idx + 1,
      names: cols ? cols.map((c) => c.name) : [],
      cells: cols ? cellsAt(line, cols) : null,
    });
  });
  return { rows, headerless: !sawHeader && rows.length > 0 };
}

/** Cut a row at the header's column starts; null if a cell boundary falls inside a word. */
function cellsAt(line: string, cols: HeaderColumn[]): Map<string, string> | null {
  const cells = new Map<string, string>();
  for (let i = 0; i < cols.length; i++) {
    const col = cols[i] as HeaderColumn;
    const start = col.start;
    const next = cols[i + 1];
    const end = next ? next.start : line.length;
    if (start > 0 && start < line.length && line[start - 1] !== ' ') return null;
    cells.set(col.name, start < line.length ? line.slice(start, Math.min(end, line.length)).trim() : '');
  }
  return cells;
}

function psFromCells(cells: Map<string, string>): CriContainer | null {
  const id = cells.get('CONTAINER') ?? cells.get('CONTAINER ID') ?? '';
  const podSandboxId = cells.get('POD ID') ?? '';
  const state = cells.get('STATE') ?? '';
  const name = cells.get('NAME') ?? '';
  if (!isId(id) || !isId(podSandboxId) || !CONTAINER_STATES.has(state) || name === '') return null;
  if (!(cells.get('CREATED') ?? '').endsWith('ago')) return null;
  const attempt = parseUint(cells.get('ATTEMPT'));
  return {
    id,
    podSandboxId,
    name,
    state,
    image: cells.get('IMAGE') || null,
    attempt: Number.isNaN(attempt) ? null : attempt,
    podName: orUnknown(cells.get('POD')),
    podNamespace: orUnknown(cells.get('NAMESPACE')),
    podUid: null,
  };
}

/** Spacing lost: CONTAINER IMAGE <created…ago> STATE NAME ATTEMPT PODID [POD] [NAMESPACE]. */
function psFromTokens(line: string, names: string[]): CriContainer | null {
  const t = tokenize(line).map((x) => x.text);
  const ago = t.indexOf('ago');
  if (ago < 3 || t.length < ago + 5) return null;
  const [id, image] = t;
  const state = t[ago + 1] ?? '';
  const name = t[ago + 2] ?? '';
  const attempt = parseUint(t[ago + 3]);
  const podSandboxId = t[ago + 4] ?? '';
  if (!isId(id ?? '') || !isId(podSandboxId) || !CONTAINER_STATES.has(state) || Number.isNaN(attempt)) return null;
  const rest = t.slice(ago + 5);
  const hasPodCol = names.length === 0 || names.includes('POD');
  const hasNsCol = names.includes('NAMESPACE') || (names.length === 0 && rest.length >= 2);
  return {
    id: id as string,
    podSandboxId,
    name,
    state,
    image: image ?? null,
    attempt,
    podName: hasPodCol ? orUnknown(rest[0]) : null,
    podNamespace: hasNsCol ? orUnknown(rest[hasPodCol ? 1 : 0]) : null,
    podUid: null,
  };
}

function podFromCells(cells: Map<string, string>): CriPodSandbox | null {
  const id = cells.get('POD ID') ?? cells.get('SANDBOX ID') ?? '';
  const state = cells.get('STATE') ?? '';
  const name = cells.get('NAME') ?? '';
  if (!isId(id) || !(POD_STATES.has(state) || state.startsWith('SANDBOX_')) || name === '') return null;
  if (cells.has('CREATED') && !(cells.get('CREATED') ?? '').endsWith('ago')) return null;
  return { id, name, namespace: cells.get('NAMESPACE') ?? '', uid: null, state, netnsPath: null };
}

/** Spacing lost: PODID <created…ago> STATE NAME NAMESPACE ATTEMPT [RUNTIME]. */
function podFromTokens(line: string, names: string[]): CriPodSandbox | null {
  const t = tokenize(line).map((x) => x.text);
  if (names.includes('SANDBOX ID') && !names.includes('CREATED')) {
    const [id, name, state] = t;
    if (t.length !== 3 || !isId(id ?? '') || !(POD_STATES.has(state ?? '') || (state ?? '').startsWith('SANDBOX_'))) {
      return null;
    }
    return {
      id: id as string,
      name: name as string,
      namespace: '',
      uid: null,
      state: state as string,
      netnsPath: null,
    };
  }
  const ago = t.indexOf('ago');
  if (ago < 2 || t.length < ago + 4) return null;
  const id = t[0] ?? '';
  const state = t[ago + 1] ?? '';
  if (!isId(id) || !POD_STATES.has(state)) return null;
  return { id, name: t[ago + 2] ?? '', namespace: t[ago + 3] ?? '', uid: null, state, netnsPath: null };
}

/** Hex-ish container/sandbox id (the runbook redacts with x's, which we accept). */
function isId(s: string): boolean {
  return /^[0-9a-zA-Z]{3,128}$/.test(s);
}

function orUnknown(s: string | undefined): string | null {
  return s === undefined || s === '' || s === 'unknown' ? null : s;
}

/** JSON states to the words the table prints (`CONTAINER_RUNNING` -> `Running`). */
function containerState(s: string): string {
  const map: Record<string, string> = {
    CONTAINER_RUNNING: 'Running',
    CONTAINER_EXITED: 'Exited',
    CONTAINER_CREATED: 'Created',
    CONTAINER_UNKNOWN: 'Unknown',
  };
  return map[s] ?? s;
}

function podState(s: string): string {
  const map: Record<string, string> = { SANDBOX_READY: 'Ready', SANDBOX_NOTREADY: 'NotReady' };
  return map[s] ?? s;
}

/** `crictl inspectp` JSON: info.runtimeSpec.linux.namespaces[{type:"network", path}]. */
function netnsPathOf(p: Record<string, unknown>): string | null {
  const info = isRecord(p.info) ? p.info : null;
  const spec = info && isRecord(info.runtimeSpec) ? info.runtimeSpec : null;
  const linux = spec && isRecord(spec.linux) ? spec.linux : null;
  const nss = linux && Array.isArray(linux.namespaces) ? linux.namespaces : [];
  for (const ns of nss) {
    if (isRecord(ns) && ns.type === 'network') return stringish(ns.path);
  }
  return null;
}
