/**
 * TCP socket tables: net-tools / BusyBox `netstat -tn[p]`, iproute2 `ss -tn[p]`, and the
 * kernel's `/proc/<pid>/net/tcp` + `tcp6` hex tables. {@link parseSocketTable} detects which.
 */
import ipaddr from 'ipaddr.js';
import {
  type Parsed,
  type ParseWarning,
  type SocketEntry,
  type SocketMethod,
  TCP_STATES,
  type TcpState,
} from '../types.js';
import { bareAddress, excerpt, ipFamily, parseUint, splitLines, type Token, tokenize, warn } from './util.js';

const NETSTAT_STATES: ReadonlySet<string> = new Set<TcpState>(TCP_STATES);

/** iproute2 state names (ss.c `sstate_name`) to the netstat spelling. */
const SS_STATES: Readonly<Record<string, TcpState>> = {
  ESTAB: 'ESTABLISHED',
  'SYN-SENT': 'SYN_SENT',
  'SYN-RECV': 'SYN_RECV',
  'FIN-WAIT-1': 'FIN_WAIT1',
  'FIN-WAIT-2': 'FIN_WAIT2',
  'TIME-WAIT': 'TIME_WAIT',
  UNCONN: 'CLOSE',
  CLOSE: 'CLOSE',
  CLOSED: 'CLOSE',
  'CLOSE-WAIT': 'CLOSE_WAIT',
  'LAST-ACK': 'LAST_ACK',
  LISTEN: 'LISTEN',
  CLOSING: 'CLOSING',
  'NEW-SYN-RECV': 'SYN_RECV',
  UNKNOWN: 'UNKNOWN',
};

/** include/net/tcp_states.h: TCP_ESTABLISHED = 1 ... TCP_CLOSING = 11, TCP_NEW_SYN_RECV = 12. */
const PROC_STATES: readonly TcpState[] = [
  'UNKNOWN',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'SYN_RECV',
];

const PROC_ROW =
  /^\s*\d+:\s+([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]{2})(?:\s|$)/;

/**
 * Detect the format of a socket table and parse it.
 *
 * @example parseSocketTable(text, 'netstat/default_web.txt').items.filter((s) => s.state === 'ESTABLISHED')
 */
export function parseSocketTable(text: string, file: string): Parsed<SocketEntry> & { method: SocketMethod } {
  const detected = detectSocketFormat(text);
  if (detected === 'proc-net-tcp') return { ...parseProcNetTcp(text, file), method: detected };
  // netstat and ss rows are told apart row by row, not by the first word: `ss -tunap`, `ss -H` and grep'd ss
  // output start with the Netid (`tcp ESTAB ...`) just as netstat rows start with the protocol (`tcp 0 0 ...`).
  // Each parser sees its own rows (the other's lines blanked, so line numbers stay true); lines neither shape
  // claims go to the table's majority, which warns about them.
  const lines = text.split('\n');
  const shapes = lines.map(rowShape);
  const ssRows = shapes.filter((s) => s === 'ss-row').length;
  const netstatRows = shapes.filter((s) => s === 'netstat-row').length;
  const method: 'netstat' | 'ss' =
    ssRows !== netstatRows ? (ssRows > netstatRows ? 'ss' : 'netstat') : detected === 'ss' ? 'ss' : 'netstat';
  const mine = (kind: 'netstat' | 'ss') =>
    lines
      .map((line, i) => {
        const shape = shapes[i];
        const owner = shape == null ? method : shape.startsWith('ss') ? 'ss' : 'netstat';
        return owner === kind ? line : '';
      })
      .join('\n');
  const ss = ssRows > 0 || method === 'ss' ? parseSs(mine('ss'), file) : { items: [], warnings: [] };
  const netstat =
    netstatRows > 0 || method === 'netstat' ? parseNetstat(mine('netstat'), file) : { items: [], warnings: [] };
  const parsed: Parsed<SocketEntry> = {
    items: method === 'ss' ? [...ss.items, ...netstat.items] : [...netstat.items, ...ss.items],
    warnings: [...netstat.warnings, ...ss.warnings].sort((a, b) => a.line - b.line),
  };
  if (detected === null && parsed.items.length === 0 && text.trim() !== '') {
    parsed.warnings.unshift(warn(file, 0, 'no recognizable socket table (netstat, ss or /proc/net/tcp)'));
  }
  return { ...parsed, method };
}

const SS_NETIDS = /^(tcp|udp|raw|u_str|u_dgr|u_seq|p_raw|p_dgr|nl|mptcp|sctp|dccp|v_str|v_dgr|xdp|tipc)$/;

/** Whose line this is, by its shape: an ss or netstat header or row; null when neither shape fits. */
function rowShape(raw: string): 'ss-header' | 'ss-row' | 'netstat-header' | 'netstat-row' | null {
  const line = raw.trim();
  if (/^(Netid\s+)?State\s+Recv-Q/.test(line) || /^Recv-Q\s+Send-Q\s+Local Address:Port/.test(line)) {
    return 'ss-header';
  }
  if (/^(Proto|Active)\b/.test(line)) return 'netstat-header';
  const [a = '', b = ''] = line.split(/\s+/, 2);
  // ss: [Netid] State Recv-Q ..., or Recv-Q Send-Q ... when a state filter drops the State column.
  if ((SS_NETIDS.test(a) && SS_STATES[b] !== undefined) || SS_STATES[a] !== undefined) return 'ss-row';
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return 'ss-row';
  // netstat: Proto Recv-Q Send-Q ...
  if (/^(tcp6?|udp6?|raw6?|udpl|udpl6)$/.test(a) && /^\d+$/.test(b)) return 'netstat-row';
  return null;
}

/** Which tool printed this table, from its headers or first rows; null when nothing fits. */
export function detectSocketFormat(text: string): 'netstat' | 'ss' | 'proc-net-tcp' | null {
  for (const raw of splitLines(text).slice(0, 50)) {
    const line = raw.trim();
    if (line === '') continue;
    if (/^sl\s+local_address/.test(line) || PROC_ROW.test(raw)) return 'proc-net-tcp';
    const shape = rowShape(line);
    if (shape !== null) return shape.startsWith('ss') ? 'ss' : 'netstat';
    if (/^unix\s/.test(line)) return 'netstat';
  }
  return null;
}

/** net-tools or BusyBox `netstat -tn`, `-ptn`, `-atnp` (+ `-o` timers, `-W` wide). Non-TCP rows are ignored. */
export function parseNetstat(text: string, file: string): Parsed<SocketEntry> {
  const items: SocketEntry[] = [];
  const warnings: ParseWarning[] = [];
  splitLines(text).forEach((raw, idx) => {
    const lineNo = idx + 1;
    const line = raw.replace(/\t/g, ' ');
    const tokens = tokenize(line);
    const proto = tokens[0]?.text;
    if (proto === undefined) return;
    if (proto !== 'tcp' && proto !== 'tcp6') {
      if (!/^(Proto|Active|udp6?|raw6?|unix|Recv-Q)$/.test(proto) && !/^\[|^Active\b/.test(line.trim())) {
        warnings.push(warn(file, lineNo, `unrecognised netstat line: ${excerpt(raw)}`));
      }
      return;
    }
    if (tokens.length < 6) {
      warnings.push(warn(file, lineNo, `short netstat row: ${excerpt(raw)}`));
      return;
    }
    const addresses = addressPair((tokens[3] as Token).text, (tokens[4] as Token).text);
    if (!addresses) {
      warnings.push(warn(file, lineNo, `unparseable address in: ${excerpt(raw)}`));
      return;
    }
    const stateText = (tokens[5] as Token).text;
    const state: TcpState = NETSTAT_STATES.has(stateText) ? (stateText as TcpState) : 'UNKNOWN';
    let pid: number | null = null;
    let program: string | null = null;
    const pidTok = NETSTAT_STATES.has(stateText) ? tokens[6] : tokens[5];
    if (pidTok) {
      const rest = stripTimer(line.slice(pidTok.start)).trim();
      const slash = rest.indexOf('/');
      if (slash > 0) {
        const p = parseUint(rest.slice(0, slash));
        if (!Number.isNaN(p)) {
          pid = p;
          program = rest.slice(slash + 1).trim() || null;
        }
      }
    }
    items.push({ ...addresses, state, pid, program });
  });
  return { items, warnings };
}

/** iproute2 `ss -tn`, `-tnp`, `-tan`, with or without the Netid/State columns. */
export function parseSs(text: string, file: string): Parsed<SocketEntry> {
  const items: SocketEntry[] = [];
  const warnings: ParseWarning[] = [];
  let noStateColumn = false;
  let warnedNoState = false;
  splitLines(text).forEach((raw, idx) => {
    const lineNo = idx + 1;
    const line = raw.replace(/\t/g, ' ');
    const t = tokenize(line);
    if (t.length === 0) return;
    const first = (t[0] as Token).text;
    if (first === 'Netid' || first === 'State') {
      noStateColumn = false;
      return;
    }
    if (first === 'Recv-Q') {
      noStateColumn = true;
      return;
    }
    let i = 0;
    if (/^(tcp|udp|raw|u_str|u_dgr|u_seq|p_raw|p_dgr|nl|mptcp|sctp|dccp|v_str|v_dgr|xdp|tipc)$/.test(first)) {
      if (first !== 'tcp' && first !== 'mptcp') return;
      i = 1;
    }
    let state: TcpState;
    const stateText = t[i]?.text ?? '';
    if (SS_STATES[stateText] !== undefined) {
      state = SS_STATES[stateText] as TcpState;
      i++;
    } else if (noStateColumn || !Number.isNaN(parseUint(stateText))) {
      // `ss -tn state established` drops the State column; that filter is the one people use.
      state = 'ESTABLISHED';
      if (!warnedNoState) {
        warnings.push(warn(file, 0, 'ss output without a State column: assuming `state established`'));
        warnedNoState = true;
      }
    } else {
      warnings.push(warn(file, lineNo, `unrecognised ss line: ${excerpt(raw)}`));
      return;
    }
    const localTok = t[i + 2];
    const peerTok = t[i + 3];
    if (!localTok || !peerTok || Number.isNaN(parseUint(t[i]?.text)) || Number.isNaN(parseUint(t[i + 1]?.text))) {
      warnings.push(warn(file, lineNo, `short ss row: ${excerpt(raw)}`));
      return;
    }
    const addresses = addressPair(localTok.text, peerTok.text);
    if (!addresses) {
      warnings.push(warn(file, lineNo, `unparseable address in: ${excerpt(raw)}`));
      return;
    }
    let pid: number | null = null;
    let program: string | null = null;
    const users = /users:\(\("((?:[^"\\]|\\.)*)",pid=(\d+)/.exec(line);
    if (users) {
      program = (users[1] as string) || null;
      const p = parseUint(users[2]);
      pid = Number.isNaN(p) ? null : p;
    }
    items.push({ ...addresses, state, pid, program });
  });
  return { items, warnings };
}

/**
 * `/proc/<pid>/net/tcp` and `tcp6` (one or both, concatenated; `#` comment lines and
 * repeated headers are fine). Addresses are 32-bit words in host (little-endian) order.
 */
export function parseProcNetTcp(text: string, file: string): Parsed<SocketEntry> {
  const items: SocketEntry[] = [];
  const warnings: ParseWarning[] = [];
  splitLines(text).forEach((raw, idx) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || /^sl\s/.test(line)) return;
    const m = PROC_ROW.exec(raw);
    const localIp = m ? hexAddress(m[1] as string) : null;
    const remoteIp = m ? hexAddress(m[3] as string) : null;
    if (!m || localIp === null || remoteIp === null || (m[1] as string).length !== (m[3] as string).length) {
      warnings.push(warn(file, idx + 1, `unrecognised /proc/net/tcp line: ${excerpt(raw)}`));
      return;
    }
    const st = Number.parseInt(m[5] as string, 16);
    items.push({
      localIp,
      localPort: Number.parseInt(m[2] as string, 16),
      remoteIp,
      remotePort: Number.parseInt(m[4] as string, 16),
      state: PROC_STATES[st] ?? 'UNKNOWN',
      pid: null,
      program: null,
    });
  });
  return { items, warnings };
}

/** Decode a /proc hex address: each 32-bit word is little-endian. IPv4-mapped IPv6 prints as `::ffff:a.b.c.d`. */
export function hexAddress(hex: string): string | null {
  if (!/^[0-9A-Fa-f]+$/.test(hex) || (hex.length !== 8 && hex.length !== 32)) return null;
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    for (let b = 6; b >= 0; b -= 2) bytes.push(Number.parseInt(hex.slice(w + b, w + b + 2), 16));
  }
  if (bytes.length === 4) return bytes.join('.');
  const addr = ipaddr.fromByteArray(bytes) as ipaddr.IPv6;
  if (addr.isIPv4MappedAddress()) return `::ffff:${addr.toIPv4Address().toString()}`;
  return addr.toString();
}

/** `1.2.3.4:443`, `::ffff:1.2.3.4:443`, `[::1]:80`, `:::80`, `0.0.0.0:*`, `*:*`, `fe80::1%eth0:22`. */
function splitHostPort(s: string): { ip: string; port: number } | null {
  const colon = s.lastIndexOf(':');
  if (colon <= 0) return null;
  const portText = s.slice(colon + 1);
  const port = portText === '*' ? 0 : parseUint(portText, 65535);
  if (Number.isNaN(port)) return null;
  let host = bareAddress(s.slice(0, colon));
  if (host === '*') host = '0.0.0.0';
  if (ipFamily(host) === 0) return null;
  return { ip: host, port };
}

/** The two address columns of a netstat or ss row as a socket's ends; null when either is not `host:port`. */
function addressPair(
  localText: string,
  peerText: string,
): Pick<SocketEntry, 'localIp' | 'localPort' | 'remoteIp' | 'remotePort'> | null {
  const local = splitHostPort(localText);
  const remote = splitHostPort(peerText);
  if (!local || !remote) return null;
  return { localIp: local.ip, localPort: local.port, remoteIp: remote.ip, remotePort: remote.port };
}

/** `netstat -o` appends `off (0.00/0/0)` / `keepalive (7199.25/0/0)` after the program. */
function stripTimer(s: string): string {
  return s.replace(/\s+(?:off|on|keepalive|timewait|probe|unkn-\d+)\s+\([^)]*\)\s*$/, '');
}
