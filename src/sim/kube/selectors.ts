/**
 * Label and field selectors as the API server parses them: `k=v`, `k==v`, `k!=v`, `k`, `!k`, and the
 * set-based `k in (a,b)` / `k notin (a,b)` of labels; per-kind lists of the fields a field selector may use.
 */

type Json = Record<string, unknown>;

/** One requirement of a selector. */
export interface Requirement {
  key: string;
  op: '=' | '!=' | 'exists' | '!exists' | 'in' | 'notin';
  values: string[];
}

/** Splits on commas outside parentheses. */
function terms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter(Boolean);
}

/** Parses a selector; throws a one-line error for a malformed one (the server's 400). */
export function parseSelector(s: string | null): Requirement[] {
  if (!s) return [];
  return terms(s).map((t) => {
    const set = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t);
    if (set?.[1] && set[2] && set[3] !== undefined) {
      return {
        key: set[1],
        op: set[2] as 'in' | 'notin',
        values: set[3]
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      };
    }
    if (t.startsWith('!')) return { key: t.slice(1).trim(), op: '!exists' as const, values: [] };
    const ne = t.indexOf('!=');
    if (ne > 0) return { key: t.slice(0, ne).trim(), op: '!=' as const, values: [t.slice(ne + 2).trim()] };
    const eq = t.indexOf('=');
    if (eq > 0)
      return { key: t.slice(0, eq).trim(), op: '=' as const, values: [t.slice(eq).replace(/^==?/, '').trim()] };
    if (/^[A-Za-z0-9./_-]+$/.test(t)) return { key: t, op: 'exists' as const, values: [] };
    throw new Error(`unable to parse requirement: ${JSON.stringify(t)}`);
  });
}

/** True when the value lookup `get` satisfies every requirement. */
export function selectorMatches(sel: Requirement[], get: (k: string) => string | undefined): boolean {
  return sel.every((r) => {
    const v = get(r.key);
    switch (r.op) {
      case 'exists':
        return v !== undefined;
      case '!exists':
        return v === undefined;
      case '=':
        return v === r.values[0];
      case '!=':
        return v !== r.values[0];
      case 'in':
        return v !== undefined && r.values.includes(v);
      case 'notin':
        return v === undefined || !r.values.includes(v);
    }
    return false;
  });
}

/** The fields each kind's field selectors may name (anything else is the server's `field label not supported`). */
const SELECTABLE_FIELDS: Record<string, readonly string[]> = {
  Pod: [
    'metadata.name',
    'metadata.namespace',
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Node: ['metadata.name', 'spec.unschedulable'],
  Namespace: ['metadata.name', 'status.phase'],
  Job: ['metadata.name', 'metadata.namespace', 'status.successful'],
  ReplicaSet: ['metadata.name', 'metadata.namespace', 'status.replicas'],
};

/** Reads a dotted path of an object as the string a field selector compares. */
export function fieldOf(obj: Json, path: string): string | undefined {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[part];
  }
  return cur === undefined || cur === null ? undefined : String(cur);
}

/** How a label selector reads an object: its `metadata.labels[key]`. */
export function labelOf(obj: Json): (key: string) => string | undefined {
  return (key) => ((obj.metadata as Json | undefined)?.labels as Record<string, string> | undefined)?.[key];
}

/**
 * Filters a list's items by the request's `fieldSelector` and `labelSelector`.
 *
 * @throws Error with the server's message for a malformed selector or an unsupported field.
 */
export function filterItems(kind: string, items: Json[], q: URLSearchParams): Json[] {
  const fs = parseSelector(q.get('fieldSelector'));
  const ls = parseSelector(q.get('labelSelector'));
  const allowed = SELECTABLE_FIELDS[kind] ?? ['metadata.name', 'metadata.namespace'];
  for (const r of fs) {
    if (!allowed.includes(r.key)) throw new Error(`field label not supported: ${r.key}`);
    if (r.op !== '=' && r.op !== '!=') throw new Error(`invalid field selector: ${q.get('fieldSelector')}`);
  }
  return items.filter(
    (o) =>
      selectorMatches(fs, (k) => {
        const v = fieldOf(o, k);
        // Unset booleans and counters read as their zero value, as the server's field sets have them.
        return (
          v ?? (k === 'spec.hostNetwork' || k === 'spec.unschedulable' ? 'false' : k === 'status.successful' ? '0' : '')
        );
      }) && selectorMatches(ls, labelOf(o)),
  );
}
