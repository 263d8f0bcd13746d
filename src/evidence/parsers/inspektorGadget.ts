/**
 * Inspektor Gadget's TCP tracer: `kubectl gadget trace tcp` / `ig trace tcp` (the built-in gadget) and
 * `kubectl gadget run trace_tcp` / `ig run trace_tcp` (the image-based gadget), as a table or as `-o json` lines.
 *
 * Tables (column names vary by version; K8S.* and RUNTIME.* columns are the k8s enrichment):
 *   K8S.NODE K8S.NAMESPACE K8S.POD K8S.CONTAINER T PID COMM IP SRC DST              (built-in, endpoints
 *     printed `p/<ns>/<pod>:<port>`, `s/<ns>/<svc>:<port>`, `o/<addr>:<port>` or `r/<addr>:<port>`)
 *   K8S.NODE K8S.NAMESPACE K8S.PODNAME K8S.CONTAINERNAME SRC DST COMM PID TID UID GID TYPE TIMESTAMP (image)
 *   RUNTIME.CONTAINERNAME SRC DST COMM PID TID UID GID TYPE TIMESTAMP                (`ig`, no Kubernetes)
 * (The oldest built-in table, NODE NAMESPACE POD CONTAINER T PID COMM IP SADDR DADDR SPORT DPORT, is the
 * tcptracer --containersmap layout and is read by the tcptracer parser.)
 * Columns are fixed-width and empty cells are blank, so a row is read by position under the header; a row with
 * exactly one token per column is read token by token (pastes that lost their alignment).
 *
 * JSON: the built-in gadget prints `operation` (connect/accept/close) with `type: "normal"`, `pid`, `comm`,
 * `src`/`dst` objects ({addr, port, ...}) or flat saddr/daddr, and `k8s: {node, namespace, pod, container}`
 * (older versions: the four keys at the top level); the image-based gadget prints `type` (connect/accept/close),
 * `proc: {comm, pid}`, `netns_id`, `src`/`dst` ({addr, version, port}) and
 * `k8s: {node, namespace, podName, containerName}`.
 */
import type { TraceContainer, TraceEvent, TraceEventType } from '../types.js';
import { type AddressCache, bareAddress, isRecord, numberish, parseUint, stringish } from './util.js';

const MAX_PID = 4_194_304;
const MAX_PORT = 65535;
const MAX_NETNS = 4_294_967_295;

/** A column of a gadget table header: its normalised name and the span of the name. */
interface GadgetColumn {
  name: string;
  start: number;
  end: number;
}

/** The columns of a gadget table header. */
export interface GadgetColumns {
  columns: GadgetColumn[];
}

const COLUMN_NAMES: Readonly<Record<string, string>> = {
  'K8S.NODE': 'node',
  'K8S.NAMESPACE': 'namespace',
  'K8S.POD': 'pod',
  'K8S.PODNAME': 'pod',
  'K8S.CONTAINER': 'container',
  'K8S.CONTAINERNAME': 'container',
  'RUNTIME.CONTAINERNAME': 'runtimeContainer',
  T: 'type',
  TYPE: 'type',
  PID: 'pid',
  COMM: 'comm',
  IP: 'ip',
  SRC: 'src',
  DST: 'dst',
  NETNS: 'netns',
  NETNS_ID: 'netns',
  TIMESTAMP: 'timestamp',
};

/** The columns of an Inspektor Gadget TCP table header, or null when `line` is not one. */
export function gadgetHeader(line: string): GadgetColumns | null {
  const columns: GadgetColumn[] = [];
  const re = /\S+/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    const word = m[0].toUpperCase();
    columns.push({ name: COLUMN_NAMES[word] ?? word.toLowerCase(), start: m.index, end: m.index + m[0].length });
  }
  const has = (n: string) => columns.some((c) => c.name === n);
  return has('src') && has('dst') && has('pid') && has('type') ? { columns } : null;
}

/** Cells of a row under `header`: by token when the counts agree, else by position under the header names. */
function cells(line: string, header: GadgetColumns): Map<string, string> {
  const cols = header.columns;
  const tokens: Array<{ start: number; end: number }> = [];
  const re = /\S+/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line))
    tokens.push({ start: m.index, end: m.index + m[0].length });
  const spans = new Map<number, { start: number; end: number }>();
  tokens.forEach((t, i) => {
    let col = -1;
    if (tokens.length === cols.length) col = i;
    else {
      // A value overlaps its column's name (left- or right-aligned under it); a COMM word past the name belongs
      // to the column it starts in.
      col = cols.findIndex((c) => t.start < c.end && t.end > c.start);
      if (col < 0) {
        for (let c = cols.length - 1; c >= 0; c--) {
          if (t.start >= cols[c]!.start) {
            col = c;
            break;
          }
        }
      }
    }
    if (col < 0) return;
    const span = spans.get(col);
    spans.set(col, span ? { start: span.start, end: t.end } : { ...t });
  });
  const out = new Map<string, string>();
  for (const [col, span] of spans) out.set(cols[col]!.name, line.slice(span.start, span.end));
  return out;
}

/** An endpoint as the gadget prints it: an address (when known), a label, and the port. */
interface Endpoint {
  address: string | null;
  label: string;
  port: number;
}

/** `o/1.2.3.4:443`, `r/[2603::1]:443`, `p/default/web:8080`, `s/kube-system/kube-dns:53`, `10.0.0.1:80`. */
function endpoint(text: string, cache: AddressCache): Endpoint | null {
  let rest = text;
  let kind = '';
  const prefixed = /^([psor])\/(.*)$/.exec(text);
  if (prefixed) {
    kind = prefixed[1]!;
    rest = prefixed[2]!;
  }
  const colon = rest.lastIndexOf(':');
  if (colon <= 0) return null;
  const port = parseUint(rest.slice(colon + 1), MAX_PORT);
  if (Number.isNaN(port)) return null;
  const host = rest.slice(0, colon);
  if (kind === 'p' || kind === 's') {
    // A pod or service name stands in for the address; it classifies as private (not an IP).
    return /^[a-z0-9.-]+\/[A-Za-z0-9.…_-]+$/.test(host) ? { address: null, label: `${kind}/${host}`, port } : null;
  }
  const address = bareAddress(host);
  return cache.family(address) === 0 ? null : { address, label: address, port };
}

/**
 * The event type a trace tool prints, as a word (`connect`, `accept`, `close`, `unknown`, any case) or as the
 * one-letter form (`C`, `A`, `X`, `U`); null for anything else.
 *
 * @example eventTypeWord('C') // => 'connect'
 */
export function eventTypeWord(text: string): TraceEventType | 'unknown' | null {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (lower === 'connect' || t === 'C') return 'connect';
  if (lower === 'accept' || t === 'A') return 'accept';
  if (lower === 'close' || t === 'X') return 'close';
  if (lower === 'unknown' || t === 'U') return 'unknown';
  return null;
}

/** Gadget tables print `<>` or nothing where enrichment found nothing; kubectl prints `…` inside long names. */
function k8sField(v: string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  const t = v.trim();
  return t === '' || t === '<>' || t === '-' ? null : t;
}

/** Timestamps: ns numbers, or RFC 3339 text (kept to ns precision as far as a double allows). */
function timestamp(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v > 1e12 ? v : Math.round(v * 1e9);
  if (typeof v !== 'string' || v.includes('…')) return null;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(v.trim());
  if (!m) return null;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return null;
  return ms * 1e6 + Number((m[2] ?? '').padEnd(9, '0'));
}

function build(
  type: TraceEventType,
  pid: number,
  comm: string,
  src: Endpoint,
  dst: Endpoint,
  ipField: number | null,
  netns: number | null,
  timestampNs: number | null,
  container: TraceContainer,
  cache: AddressCache,
): TraceEvent {
  const family = src.address ? cache.family(src.address) : dst.address ? cache.family(dst.address) : 0;
  const ipVersion: 4 | 6 = family === 6 || (family === 0 && ipField === 6) ? 6 : 4;
  return {
    type,
    timestampNs,
    pid,
    comm,
    ipVersion,
    saddr: src.address ?? src.label,
    daddr: dst.address ?? dst.label,
    sport: src.port,
    dport: dst.port,
    netns,
    container,
  };
}

/**
 * One row of a gadget table as an event, `null` for a type the report does not count (`U`), or a warning.
 */
export function parseGadgetRow(line: string, header: GadgetColumns, cache: AddressCache): TraceEvent | null | string {
  const c = cells(line, header);
  const type = eventTypeWord(c.get('type') ?? '');
  if (type === null) return 'Inspektor Gadget row without a known T/TYPE';
  const pid = parseUint(c.get('pid'), MAX_PID);
  if (Number.isNaN(pid)) return 'Inspektor Gadget row without a PID';
  const src = endpoint(c.get('src') ?? '', cache);
  const dst = endpoint(c.get('dst') ?? '', cache);
  if (src === null || dst === null) return 'Inspektor Gadget row with an unreadable SRC or DST';
  if (type === 'unknown') return null;
  const netnsText = c.get('netns');
  const netns = netnsText === undefined ? null : parseUint(netnsText, MAX_NETNS);
  const ip = parseUint(c.get('ip'));
  return build(
    type,
    pid,
    c.get('comm') ?? '',
    src,
    dst,
    Number.isNaN(ip) ? null : ip,
    netns === null || Number.isNaN(netns) ? null : netns,
    timestamp(c.get('timestamp')),
    {
      node: k8sField(c.get('node')),
      namespace: k8sField(c.get('namespace')),
      pod: k8sField(c.get('pod')),
      container: k8sField(c.get('container') ?? c.get('runtimeContainer')),
      origin: 'inspektor-gadget',
    },
    cache,
  );
}

/** Event types of the gadget framework that are not TCP events (`ready`, `info`, ...). */
const FRAMEWORK_TYPES = new Set(['ready', 'info', 'debug', 'warn', 'err', 'error']);

/** True when a JSON object has the shape of a gadget event (k8s/runtime/proc objects, endpoint objects, operation). */
export function isGadgetJson(obj: Record<string, unknown>): boolean {
  return (
    isRecord(obj.k8s) ||
    isRecord(obj.runtime) ||
    isRecord(obj.proc) ||
    isRecord(obj.src) ||
    typeof obj.operation === 'string' ||
    obj.mountnsid !== undefined ||
    (typeof obj.type === 'string' && FRAMEWORK_TYPES.has(obj.type.toLowerCase()) && obj.pid === undefined)
  );
}

/**
 * One gadget JSON event, `null` for framework messages and `U` events (not counted), or a warning message.
 */
export function gadgetJsonEvent(obj: Record<string, unknown>, cache: AddressCache): TraceEvent | null | string {
  const typeText = stringish(obj.type);
  if (typeText !== null && FRAMEWORK_TYPES.has(typeText.toLowerCase())) return null;
  const op = stringish(obj.operation) ?? (typeText?.toLowerCase() === 'normal' ? null : typeText);
  const type = op === null ? null : eventTypeWord(op);
  if (type === null) return 'Inspektor Gadget JSON event without a known operation/type';
  if (type === 'unknown') return null;
  const proc = isRecord(obj.proc) ? obj.proc : {};
  const pid = numberish(obj.pid ?? proc.pid ?? obj.tgid, MAX_PID);
  if (pid === null) return 'Inspektor Gadget JSON event without pid';
  const src = jsonEndpoint(obj.src, obj.saddr, obj.sport, cache);
  const dst = jsonEndpoint(obj.dst, obj.daddr, obj.dport, cache);
  if (src === null || dst === null) return 'Inspektor Gadget JSON event with bad addresses';
  const k8s = isRecord(obj.k8s) ? obj.k8s : {};
  const runtime = isRecord(obj.runtime) ? obj.runtime : {};
  const netnsRaw = obj.netns_id ?? obj.netnsid ?? obj.netns ?? obj.netNsID;
  const ipField = numberish(obj.ipversion ?? (isRecord(obj.src) ? obj.src.version : undefined));
  return build(
    type,
    pid,
    stringish(obj.comm ?? proc.comm) ?? '',
    src,
    dst,
    ipField,
    netnsRaw === undefined || netnsRaw === null ? null : numberish(netnsRaw, MAX_NETNS),
    timestamp(obj.timestamp_raw ?? obj.timestamp),
    {
      node: k8sField(stringish(k8s.node ?? obj.node)),
      namespace: k8sField(stringish(k8s.namespace ?? obj.namespace)),
      pod: k8sField(stringish(k8s.podName ?? k8s.pod ?? obj.pod)),
      container: k8sField(
        stringish(k8s.containerName ?? k8s.container ?? obj.container ?? runtime.containerName ?? runtime.container),
      ),
      origin: 'inspektor-gadget',
    },
    cache,
  );
}

function jsonEndpoint(obj: unknown, flatAddr: unknown, flatPort: unknown, cache: AddressCache): Endpoint | null {
  const addrRaw = isRecord(obj) ? obj.addr : flatAddr;
  const portRaw = isRecord(obj) ? obj.port : flatPort;
  const text = stringish(addrRaw);
  const port = numberish(portRaw, MAX_PORT);
  if (text === null || port === null) return null;
  const address = bareAddress(text);
  return cache.family(address) === 0 ? null : { address, label: address, port };
}
