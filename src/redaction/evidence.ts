/**
 * What of the collected evidence may be stored: the redaction applied to every bundle file on its way to the
 * evidence sink (Blob in Azure, a folder for the CLI). Pure: text in, text out, no I/O.
 *
 * Kept: everything the analysis reads (connection tables, trace events, namespace inodes and PIDs, process
 * names, container and pod ids, labels, pod IPs, owners, env variable NAMES). Dropped: anything that can carry a
 * secret and that the analysis does not need: env values (and where they come from), container commands and
 * arguments, probe and hook commands, annotations (which include `kubectl.kubernetes.io/last-applied-configuration`,
 * a full copy of the spec), lsns's command line beyond the program name, and pstree's command lines, except the
 * containerd-shim arguments that tie a process to its container.
 */
import { BUNDLE_FILES } from '../evidence/bundle.js';

/** containerd-shim arguments the attribution chain reads (`-id`; `-workdir` ends in the id on shim v1). */
const SHIM_KEPT_ARGS = new Set(['namespace', 'id', 'workdir']);
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);
const PROBES_AND_HOOKS = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
/** The tree drawing pstree prints before a process (ASCII and Unicode). */
const PSTREE_PREFIX = /^[\s|`+\-│├└─┬┴┼┌┐┘┤╰╭]*/;
/** `name,pid` (threads `{name},tid`, no-cmdline `(name),pid`), then the arguments. */
const PSTREE_NODE = /^(.*?),(\d{1,7})(?=\s|$)(.*)$/;
/** Compact form (no `-a`): `name(pid)` pieces joined by `---`/`───`. */
const PSTREE_COMPACT = /([^\s()─┬├└│|`+-][^()\s]*?)\((\d{1,7})\)/g;

/** Placeholder stored instead of a JSON file that does not parse: its content cannot be redacted, so it is dropped. */
export const UNPARSABLE_JSON_PLACEHOLDER = '{"redacted":"the file was not valid JSON and was dropped at collection"}\n';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `env[]` keeps names only; `envFrom[]` keeps the referenced ConfigMap/Secret names and prefixes. */
function redactContainer(c: { [key: string]: Json }): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(c)) {
    if (key === 'command' || key === 'args' || key === 'annotations') continue;
    if (key === 'env' && Array.isArray(value)) {
      out.env = value.filter(isObject).map((e) => ({ name: typeof e.name === 'string' ? e.name : '' }));
    } else if (key === 'envFrom' && Array.isArray(value)) {
      out.envFrom = value.filter(isObject).map((e) => {
        const kept: { [key: string]: Json } = {};
        if (typeof e.prefix === 'string') kept.prefix = e.prefix;
        for (const ref of ['configMapRef', 'secretRef'] as const) {
          const r = e[ref];
          if (isObject(r) && typeof r.name === 'string') kept[ref] = { name: r.name };
        }
        return kept;
      });
    } else if ((PROBES_AND_HOOKS as readonly string[]).includes(key) && isObject(value)) {
      out[key] = withoutExecCommand(value);
    } else if (key === 'lifecycle' && isObject(value)) {
      const hooks: { [key: string]: Json } = {};
      for (const [hook, handler] of Object.entries(value)) {
        hooks[hook] = isObject(handler) ? withoutExecCommand(handler) : handler;
      }
      out.lifecycle = hooks;
    } else {
      out[key] = redactJson(value);
    }
  }
  return out;
}

function withoutExecCommand(handler: { [key: string]: Json }): { [key: string]: Json } {
  const copy = redactJson(handler) as { [key: string]: Json };
  if (isObject(copy.exec)) copy.exec = {};
  return copy;
}

/** Walks any JSON: drops `annotations` objects everywhere and redacts container specs wherever they appear. */
function redactJson(value: Json): Json {
  if (Array.isArray(value)) return value.map(redactJson);
  if (!isObject(value)) return value;
  const out: { [key: string]: Json } = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'annotations') continue;
    if (CONTAINER_LISTS.has(key) && Array.isArray(v)) {
      out[key] = v.map((c) => (isObject(c) ? redactContainer(c) : redactJson(c)));
    } else {
      out[key] = redactJson(v);
    }
  }
  return out;
}

/**
 * A JSON file (pods.json, node.json, controllers.json, crictl JSON) without annotations, env values, commands and arguments.
 * Keeps the input's trailing newline convention; a file that does not parse is replaced by a placeholder.
 */
export function redactJsonText(text: string): string {
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    return UNPARSABLE_JSON_PLACEHOLDER;
  }
  return `${JSON.stringify(redactJson(parsed), null, 2)}\n`;
}

/** The program name of a command line: the first word, without its directory. */
export function programName(commandLine: string): string {
  const first = commandLine.trim().split(/\s+/)[0] ?? '';
  return first.includes('/') ? (first.split('/').pop() ?? '') : first;
}

/** `lsns -J`: each namespace's `command` becomes the program name (also inside `--tree` children). */
function redactLsnsJson(text: string): string {
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    return UNPARSABLE_JSON_PLACEHOLDER;
  }
  const visit = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(visit);
    if (!isObject(v)) return v;
    const out: { [key: string]: Json } = {};
    for (const [key, inner] of Object.entries(v)) {
      out[key] = key === 'command' && typeof inner === 'string' ? programName(inner) : visit(inner);
    }
    return out;
  };
  return `${JSON.stringify(visit(parsed), null, 2)}\n`;
}

/**
 * `lsns -t net` text: everything after the first word of COMMAND is cut. Cells are found as the parser finds
 * them: by the header's position when the table is aligned (libsmartcols left-aligns COMMAND under its header),
 * else by whitespace (a table copied without its spacing). COMMAND is the last column in the default layout the
 * capture prints; when it is not, the columns after it are cut too.
 */
function redactLsnsText(text: string): string {
  let header: { commandAt: number; commandIndex: number } | null = null;
  return text
    .split('\n')
    .map((line) => {
      const words = line.trim().split(/\s+/);
      if (/^\s*(NS|PID)\b/.test(line) && words.includes('COMMAND') && /^[A-Z\s]+$/.test(line.trim())) {
        header = { commandAt: line.indexOf('COMMAND'), commandIndex: words.indexOf('COMMAND') };
        return line.slice(0, header.commandAt + 'COMMAND'.length);
      }
      if (header === null || line.trim() === '') return line;
      const { commandAt, commandIndex } = header;
      const aligned = line.length > commandAt && line[commandAt - 1] === ' ' && line[commandAt] !== ' ';
      if (aligned) return `${line.slice(0, commandAt)}${programName(line.slice(commandAt))}`;
      if (words.length <= commandIndex) return line;
      return [...words.slice(0, commandIndex), programName(words.slice(commandIndex).join(' '))].join(' ');
    })
    .join('\n');
}

/** One `pstree -aps` line: tree drawing, `name,pid`, and for containerd-shim only its kept arguments. */
function redactPstreeLine(line: string): string {
  const prefix = PSTREE_PREFIX.exec(line)?.[0] ?? '';
  const body = line.slice(prefix.length);
  const m = PSTREE_NODE.exec(body);
  if (!m) {
    // The compact `name(pid)---name(pid)` form: keep the pieces. Any other text is not a process line: dropped.
    const pieces = [...body.matchAll(PSTREE_COMPACT)].map((c) => `${c[1]}(${c[2]})`);
    return pieces.length > 0 ? `${prefix}${pieces.join('---')}` : '';
  }
  const name = m[1] as string;
  const pid = m[2] as string;
  const args = (m[3] as string).trim();
  if (!/^containerd-shi/.test(name.replace(/^[{(]/, '')) || args === '') return `${prefix}${name},${pid}`;
  const words = args.split(/\s+/);
  const kept: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const flag = /^--?([a-z]+)(?:=(.*))?$/.exec(w);
    if (!flag || !SHIM_KEPT_ARGS.has(flag[1] as string)) continue;
    if (flag[2] !== undefined) kept.push(w);
    else if (words[i + 1] !== undefined && !(words[i + 1] as string).startsWith('-')) {
      kept.push(w, words[i + 1] as string);
      i++;
    }
  }
  return `${prefix}${name},${pid}${kept.length > 0 ? ` ${kept.join(' ')}` : ''}`;
}

/** `pstree -aps` output with process names and PIDs only (and containerd-shim's `-namespace`/`-id`/`-workdir`). */
export function redactPstree(text: string): string {
  return text.split('\n').map(redactPstreeLine).join('\n');
}

const JSON_FILES = new Set<string>([
  BUNDLE_FILES.pods,
  BUNDLE_FILES.node,
  BUNDLE_FILES.controllers,
  BUNDLE_FILES.crictlPsJson,
  BUNDLE_FILES.crictlPodsJson,
]);

/**
 * The stored form of one bundle file (`relativePath` as in the bundle, `/` separators). Files that cannot carry
 * secrets (trace, socket tables, netstat, capture.json) pass unchanged.
 *
 * @example redactEvidenceFile('pstree/19832.txt', 'systemd,1 --switched-root\n  `-python3,19832 app.py --token=x\n')
 * // 'systemd,1\n  `-python3,19832\n'
 */
export function redactEvidenceFile(relativePath: string, data: string): string {
  if (JSON_FILES.has(relativePath)) return redactJsonText(data);
  if (relativePath === BUNDLE_FILES.lsnsJson) return redactLsnsJson(data);
  if (relativePath === BUNDLE_FILES.lsnsText) return redactLsnsText(data);
  if (relativePath.startsWith(`${BUNDLE_FILES.pstreeDir}/`)) return redactPstree(data);
  return data;
}

/** True when {@link redactEvidenceFile} may change the file (the sink decodes only these). */
export function isRedactedFile(relativePath: string): boolean {
  return (
    JSON_FILES.has(relativePath) ||
    relativePath === BUNDLE_FILES.lsnsJson ||
    relativePath === BUNDLE_FILES.lsnsText ||
    relativePath.startsWith(`${BUNDLE_FILES.pstreeDir}/`)
  );
}
