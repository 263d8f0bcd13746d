/**
 * psmisc `pstree -aps <pid>`: the ancestry of a PID (root first) and its subtree.
 *
 *   systemd,1
 *     `-containerd-shim,20946 -namespace k8s.io -id 2a4b... -address /run/containerd/containerd.sock
 *         `-bash,19832
 *
 * Depth is the column where the name starts after the tree drawing (ASCII `|-`, `` `- ``
 * or Unicode `├─`, `└─`, `│`). Threads print as `{name},tid`. Without `-a` pstree prints
 * `name(pid)` chains joined by `---`/`───`; that compact form is read too.
 * pstree cuts lines at 132 columns when not writing to a terminal (no `-l`), so an id
 * may be cut short: it is still a usable prefix.
 */
import type { Parsed, ParseWarning, PstreeChain, PstreeProcess } from '../types.js';
import { excerpt, splitLines, warn } from './util.js';

const TREE_CHARS = new Set([' ', '|', '`', '-', '+', '│', '├', '└', '─', '┬', '┴', '┼', '┌', '┐', '┘', '┤', '╰', '╭']);
/** `name,pid` then optional args; the first `,digits` followed by a blank or end marks the pid. */
const NODE_RE = /^(.*?),(\d{1,7})(?=\s|$)(.*)$/;
/** Compact form: `name(pid)` pieces. */
const COMPACT_RE = /([^\s()─┬├└│|`+-][^()]*?)\((\d{1,7})\)/g;

/**
 * Parse `pstree -aps <pid>` output for one PID.
 *
 * @returns one chain (items has length 1) when the text holds a tree; warnings otherwise.
 * @example parsePstree('systemd,1\n  `-containerd-shim,20946 -namespace k8s.io -id 2a4b\n      `-bash,19832\n', 'pstree/19832.txt', 19832)
 */
export function parsePstree(text: string, file: string, pid: number): Parsed<PstreeChain> {
  const warnings: ParseWarning[] = [];
  const lines = splitLines(text);
  const nodes: { depth: number; proc: PstreeProcess; line: number }[] = [];

  lines.forEach((raw, idx) => {
    const line = raw.replace(/\t/g, ' ');
    if (line.trim() === '') return;
    let i = 0;
    while (i < line.length && TREE_CHARS.has(line[i] as string)) i++;
    const body = line.slice(i);
    const m = NODE_RE.exec(body);
    if (m) {
      nodes.push({
        depth: i,
        proc: { name: cleanName(m[1] as string), pid: Number(m[2]), args: (m[3] as string).trim() },
        line: idx + 1,
      });
      return;
    }
    const compact = [...body.matchAll(COMPACT_RE)];
    if (compact.length > 0) {
      compact.forEach((c, k) => {
        nodes.push({
          depth: i + (c.index ?? 0) + k, // later pieces on a line are deeper
          proc: { name: cleanName((c[1] as string).replace(/^[-─┬+|`\s]+/, '')), pid: Number(c[2]), args: '' },
          line: idx + 1,
        });
      });
      return;
    }
    warnings.push(warn(file, idx + 1, `unrecognised pstree line: ${excerpt(raw)}`));
  });

  if (nodes.length === 0) {
    if (lines.some((l) => l.trim() !== '')) warnings.push(warn(file, 0, 'no processes found'));
    return { items: [], warnings };
  }

  // Walk the tree keeping the current path; stop at the requested PID.
  const stack: { depth: number; proc: PstreeProcess }[] = [];
  let ancestry: PstreeProcess[] | null = null;
  let firstChain: PstreeProcess[] | null = null;
  for (const node of nodes) {
    while (stack.length > 0 && (stack[stack.length - 1] as { depth: number }).depth >= node.depth) {
      if (firstChain === null) firstChain = stack.map((s) => s.proc);
      stack.pop();
    }
    stack.push({ depth: node.depth, proc: node.proc });
    if (node.proc.pid === pid) {
      ancestry = stack.map((s) => s.proc);
      break;
    }
  }
  if (ancestry === null) {
    warnings.push(warn(file, 0, `PID ${pid} not found in the tree; using the first branch`));
    ancestry = firstChain ?? stack.map((s) => s.proc);
  }
  return { items: [{ pid, ancestry, shimId: findShimId(ancestry) }], warnings };
}

/** The `-id` of the containerd-shim nearest to the PID (walking up), or null. */
export function findShimId(ancestry: readonly PstreeProcess[]): string | null {
  for (let i = ancestry.length - 1; i >= 0; i--) {
    const p = ancestry[i] as PstreeProcess;
    if (!isShim(p)) continue;
    const id = argValue(p.args, 'id') ?? workdirId(argValue(p.args, 'workdir'));
    if (id) return id;
  }
  return null;
}

function isShim(p: PstreeProcess): boolean {
  // comm is 15 chars, so `containerd-shim-runc-v2` shows as `containerd-shim`; args may show the full path.
  return p.name.startsWith('containerd-shi') || /(^|\/)containerd-shim[\w-]*(\s|$)/.test(p.args);
}

/** Value of `-name v`, `--name v` or `-name=v` in an argument string. */
function argValue(args: string, name: string): string | null {
  const words = args.split(/\s+/);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (w === `-${name}` || w === `--${name}`) return cleanId(words[i + 1]);
    if (w.startsWith(`-${name}=`) || w.startsWith(`--${name}=`)) return cleanId(w.slice(w.indexOf('=') + 1));
  }
  return null;
}

/** containerd-shim v1 has no `-id`: its `-workdir` ends in `.../<namespace>/<id>`. */
function workdirId(workdir: string | null): string | null {
  if (workdir === null) return null;
  const last = workdir.replace(/\/+$/, '').split('/').pop() ?? '';
  return /^[0-9a-f]{12,64}$/.test(last) ? last : null;
}

/** Drop what pstree or a person adds to a cut id: a trailing `+`, `...` or `…`. */
function cleanId(v: string | undefined): string | null {
  if (v === undefined) return null;
  const id = v.replace(/(\+|\.\.\.|…)+$/, '');
  return id.length > 0 && !id.startsWith('-') ? id : null;
}

/** Threads print as `{name}`; processes without a cmdline as `(name)`. */
function cleanName(n: string): string {
  const t = n.trim();
  if (t.length >= 2 && ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('(') && t.endsWith(')')))) {
    return t.slice(1, -1);
  }
  return t;
}
