import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_FILES } from '../bundle.js';
import { EvidenceNotFoundError } from '../errors.js';
import { type CaptureFacts, type EvidenceSet, emptyEvidenceSet } from '../evidenceSet.js';
import { parseCrictlPods, parseCrictlPs } from '../parsers/crictl.js';
import { parseControllers, parseNode, parsePods } from '../parsers/kubectl.js';
import { parseLsns } from '../parsers/lsns.js';
import { parsePstree } from '../parsers/pstree.js';
import { parseSocketTable } from '../parsers/sockets.js';
import type { Parsed, ParseWarning } from '../types.js';

/** Warnings kept for display; all are counted. */
const MAX_KEPT_WARNINGS = 50;

/** A bundle whose small files are parsed and whose trace is ready to stream. */
export interface LoadedBundle {
  evidence: EvidenceSet;
  /** Absolute path of the trace, or null when the bundle has none. */
  tracePath: string | null;
}

async function kind(path: string): Promise<'file' | 'dir' | null> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

/** Largest decompressed size of a small bundle file (a gzip bomb stops here with a warning). */
const MAX_GUNZIPPED_BYTES = 256 * 1024 * 1024;

/** `.gz` is accepted for every bundle file: the capture and people compress evidence to ship it. */
const GZ = '.gz';

/** The name under which `name` is in the folder listing: as is, or gzip-compressed; null when absent. */
function present(entries: ReadonlySet<string>, name: string): string | null {
  if (entries.has(name)) return name;
  return entries.has(name + GZ) ? name + GZ : null;
}

/** A bundle file's name without the `.gz` suffix. */
export function withoutGz(name: string): string {
  return name.endsWith(GZ) ? name.slice(0, -GZ.length) : name;
}

/**
 * A file's text, gunzipped when it starts with gzip's magic bytes (whatever its name). A file that cannot be
 * read or decompressed gives null and a warning.
 */
async function readText(path: string, ev?: EvidenceSet, rel?: string): Promise<string | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    return null;
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      // Loaded only for a gzip file: every `analyze` is a fresh process, and zlib costs ~4 ms to load.
      const { gunzipSync } = await import('node:zlib');
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_GUNZIPPED_BYTES });
    } catch (err) {
      if (ev && rel) addWarnings(ev, [{ file: rel, line: 0, message: `not readable gzip: ${(err as Error).message}` }]);
      return null;
    }
  }
  return bytes.toString('utf8');
}

async function listDir(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort();
  } catch {
    return [];
  }
}

function addWarnings(ev: EvidenceSet, warnings: readonly ParseWarning[], count = warnings.length): void {
  ev.warningCount += count;
  for (const w of warnings) {
    if (ev.warnings.length >= MAX_KEPT_WARNINGS) break;
    ev.warnings.push(w);
  }
}

function take<T>(ev: EvidenceSet, parsed: Parsed<T>): T[] {
  addWarnings(ev, parsed.warnings);
  return parsed.items;
}

function parseJsonFile(ev: EvidenceSet, file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    addWarnings(ev, [{ file, line: 0, message: `not valid JSON: ${(err as Error).message}` }]);
    return undefined;
  }
}

/**
 * Reads every recognised small file of a bundle; the trace is only located (see {@link streamTrace}).
 * A path to a single file is a bundle holding just `tcptracer.log`.
 *
 * @throws EvidenceNotFoundError when the path does not exist or holds no recognised evidence.
 */
export async function loadBundle(path: string): Promise<LoadedBundle> {
  const ev = emptyEvidenceSet();
  const k = await kind(path);
  if (k === null) throw new EvidenceNotFoundError(`no such file or directory: ${path}`);
  if (k === 'file') {
    ev.files.push(BUNDLE_FILES.tcptracer);
    ev.trace.present = true;
    return { evidence: ev, tracePath: path };
  }

  const at = (name: string) => join(path, name);
  const entries = new Set(await listDir(path));
  let tracePath: string | null = null;
  const traceName = present(entries, BUNDLE_FILES.tcptracer);
  if (traceName !== null) {
    tracePath = at(traceName);
    ev.files.push(traceName);
    ev.trace.present = true;
  }

  const lsnsName = present(entries, BUNDLE_FILES.lsnsJson) ?? present(entries, BUNDLE_FILES.lsnsText);
  const lsns = lsnsName !== null ? await readText(at(lsnsName), ev, lsnsName) : null;
  if (lsnsName !== null && lsns !== null) {
    ev.files.push(lsnsName);
    ev.netns = take(ev, parseLsns(lsns, lsnsName));
  }

  for (const [name, parse, assign] of [
    [BUNDLE_FILES.crictlPsJson, parseCrictlPs, (v: EvidenceSet, items: never[]) => (v.criContainers = items)],
    [BUNDLE_FILES.crictlPsText, parseCrictlPs, (v: EvidenceSet, items: never[]) => (v.criContainers = items)],
    [BUNDLE_FILES.crictlPodsJson, parseCrictlPods, (v: EvidenceSet, items: never[]) => (v.criPods = items)],
    [BUNDLE_FILES.crictlPodsText, parseCrictlPods, (v: EvidenceSet, items: never[]) => (v.criPods = items)],
  ] as const) {
    // JSON beats text when both exist: it carries full ids and pod labels.
    const jsonTwin = name.endsWith('.txt') ? name.replace(/\.txt$/, '.json') : null;
    const file = present(entries, name);
    if (file === null || (jsonTwin && present(entries, jsonTwin) !== null)) continue;
    const text = await readText(at(file), ev, file);
    if (text === null) continue;
    ev.files.push(file);
    assign(ev, take(ev, (parse as (t: string, f: string) => Parsed<never>)(text, file)));
  }

  /** A present bundle file's text, recorded as read; null when absent or unreadable (readText warns why). */
  const readPresent = async (name: string): Promise<{ file: string; text: string } | null> => {
    const file = present(entries, name);
    const text = file === null ? null : await readText(at(file), ev, file);
    if (file === null || text === null) return null;
    ev.files.push(file);
    return { file, text };
  };

  const pods = await readPresent(BUNDLE_FILES.pods);
  if (pods) ev.pods = take(ev, parsePods(pods.text, pods.file));
  const controllers = await readPresent(BUNDLE_FILES.controllers);
  if (controllers) ev.controllers = take(ev, parseControllers(controllers.text, controllers.file));
  const node = await readPresent(BUNDLE_FILES.node);
  if (node) {
    const parsed = parseNode(node.text, node.file);
    addWarnings(ev, parsed.warnings);
    ev.node = parsed.items[0] ?? null;
  }
  const captureName = present(entries, BUNDLE_FILES.capture);
  if (captureName !== null) {
    const text = await readText(at(captureName), ev, captureName);
    const value = text === null ? undefined : parseJsonFile(ev, captureName, text);
    if (value !== undefined) {
      ev.files.push(captureName);
      ev.capture = captureFacts(value);
    }
  }

  if (entries.has(BUNDLE_FILES.pstreeDir)) {
    for (const name of await listDir(at(BUNDLE_FILES.pstreeDir))) {
      const pid = Number(withoutGz(name).replace(/\.txt$/, ''));
      const rel = `${BUNDLE_FILES.pstreeDir}/${name}`;
      if (!withoutGz(name).endsWith('.txt') || !Number.isInteger(pid) || pid <= 0) continue;
      const text = await readText(at(rel), ev, rel);
      if (text === null) continue;
      ev.files.push(rel);
      ev.pstree.push(...take(ev, parsePstree(text, rel, pid)));
    }
  }

  if (entries.has(BUNDLE_FILES.netstatDir)) {
    for (const name of await listDir(at(BUNDLE_FILES.netstatDir))) {
      const rel = `${BUNDLE_FILES.netstatDir}/${name}`;
      // Namespaces are DNS-1123 labels (no underscore), so the first `_` separates namespace and pod.
      const m = /^([a-z0-9-]+)_(.+)\.txt$/.exec(withoutGz(name));
      if (!m) {
        addWarnings(ev, [
          { file: rel, line: 0, message: 'netstat files must be named <namespace>_<pod>.txt (or .txt.gz)' },
        ]);
        continue;
      }
      const text = await readText(at(rel), ev, rel);
      if (text === null) continue;
      ev.files.push(rel);
      const parsed = parseSocketTable(text, rel);
      addWarnings(ev, parsed.warnings);
      ev.podSockets.push({
        namespace: m[1]!,
        pod: m[2]!,
        table: { method: parsed.method, sockets: parsed.items },
        source: rel,
      });
    }
  }

  if (entries.has(BUNDLE_FILES.socketsDir)) {
    for (const name of await listDir(at(BUNDLE_FILES.socketsDir))) {
      const rel = `${BUNDLE_FILES.socketsDir}/${name}`;
      const inode = Number(withoutGz(name).replace(/\.txt$/, ''));
      if (!withoutGz(name).endsWith('.txt') || !Number.isInteger(inode) || inode <= 0) continue;
      const text = await readText(at(rel), ev, rel);
      if (text === null) continue;
      ev.files.push(rel);
      const parsed = parseSocketTable(text, rel);
      addWarnings(ev, parsed.warnings);
      // Read on the node: whatever the text format, these come from the node-side table.
      ev.netnsSockets.push({ inode, table: { method: 'node-socket-table', sockets: parsed.items }, source: rel });
    }
  }

  if (ev.files.length === 0) {
    throw new EvidenceNotFoundError(
      `no recognizable evidence in ${path}: expected files such as ${BUNDLE_FILES.tcptracer}, ${BUNDLE_FILES.lsnsText}, ` +
        `${BUNDLE_FILES.pods}, ${BUNDLE_FILES.netstatDir}/<namespace>_<pod>.txt, each optionally .gz (see README: Evidence bundle)`,
    );
  }
  return { evidence: ev, tracePath };
}

function captureFacts(value: unknown): CaptureFacts {
  if (typeof value !== 'object' || value === null) return {};
  const v = value as Record<string, unknown>;
  const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
  const num = (x: unknown) =>
    typeof x === 'number' && Number.isFinite(x) ? x : typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : undefined;
  const facts: CaptureFacts = {};
  const assign = <K extends keyof CaptureFacts>(key: K, val: CaptureFacts[K] | undefined) => {
    if (val !== undefined) facts[key] = val;
  };
  assign('nodeName', str(v.nodeName));
  assign('nodeIP', str(v.nodeIP));
  assign('hostNetns', num(v.hostNetns));
  assign('kernel', str(v.kernel));
  assign('bccVersion', str(v.bccVersion));
  assign('traceSeconds', num(v.traceSeconds));
  assign('startedAt', str(v.startedAt));
  assign('endedAt', str(v.endedAt));
  if (Array.isArray(v.missingTools))
    facts.missingTools = v.missingTools.filter((t): t is string => typeof t === 'string');
  if (typeof v.truncated === 'boolean') facts.truncated = v.truncated;
  return facts;
}
