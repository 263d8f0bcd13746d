/**
 * BCC `tcpconnect` (tools/tcpconnect.py) and libbpf-tools `tcpconnect` text output: active connects only, read as
 * a degraded trace (no accepts, no closes, no NETNS, no source port).
 *
 * Columns, all optional ones included: [TIME(s)] [UID] PID COMM IP SADDR [LPORT] DADDR [LPORT] DPORT [QUERY]
 * (`-t`, `-U`, `-L`, `-d`). COMM is `%-12.12s` and may contain spaces; IPv6 addresses are printed bare. Fields
 * left of COMM are single tokens; right of it the IP column is found by shape, so a COMM with spaces never
 * shifts a column.
 *
 * `-c` prints, at Ctrl-C, a summary instead of events: a header `LADDR RADDR RPORT CONNECTS` (`%-25s %-25s %-20s
 * %-10s`), then one row per source, destination and port with its connect count, IPv4 rows first, then IPv6. It
 * is read as connects that each stand for CONNECTS (see TraceEvent.count), without processes or timestamps.
 */
import type { TraceEvent } from '../types.js';
import { type AddressCache, bareAddress, parseUintAt } from './util.js';

const MAX_PID = 4_194_304;
const MAX_PORT = 65535;

/** The columns of a tcpconnect header. */
export interface TcpconnectColumns {
  /** Tokens before PID (TIME(s), UID). */
  lead: number;
  hasTime: boolean;
  /** LPORT between SADDR and DADDR (`-L` in BCC) or between DADDR and DPORT. */
  lportAfterSaddr: boolean;
  lportAfterDaddr: boolean;
}

/** The columns announced by a tcpconnect header line, or null when the line is not one. */
export function tcpconnectHeader(words: readonly string[]): TcpconnectColumns | null {
  const pid = words.indexOf('PID');
  const saddr = words.indexOf('SADDR');
  const daddr = words.indexOf('DADDR');
  if (pid < 0 || saddr < 0 || daddr < 0 || !words.includes('DPORT') || !words.includes('COMM')) return null;
  // tcptracer prints TYPE/T and SPORT; tcplife prints LADDR/RADDR.
  if (words.some((w) => w === 'TYPE' || w === 'T' || w === 'SPORT')) return null;
  const lport = words.indexOf('LPORT');
  return {
    lead: pid,
    hasTime: words.slice(0, pid).some((w) => w.startsWith('TIME')),
    lportAfterSaddr: lport > saddr && lport < daddr,
    lportAfterDaddr: lport > daddr,
  };
}

/**
 * One tcpconnect row as a connect event, or a warning message. Spans are the row's whitespace tokens.
 *
 * @example parseTcpconnectRow('1234   curl         4  10.244.0.5       20.60.1.12       443', ...)
 */
export function parseTcpconnectRow(
  line: string,
  starts: Int32Array,
  ends: Int32Array,
  n: number,
  cols: TcpconnectColumns,
  cache: AddressCache,
): TraceEvent | string {
  const tok = (i: number) => line.slice(starts[i], ends[i]);
  const pidAt = cols.lead;
  if (n < pidAt + 6) return 'short tcpconnect row';
  const pid = parseUintAt(line, starts[pidAt]!, ends[pidAt]!, MAX_PID);
  if (Number.isNaN(pid)) return 'tcpconnect row without a PID';
  let timestampNs: number | null = null;
  if (cols.hasTime) {
    const t = Number(tok(0));
    if (Number.isFinite(t) && t >= 0) timestampNs = Math.round(t * 1e9);
  }
  // IP: the first lone 4/6 after PID+1 followed by an address of that family (COMM may hold a lone digit).
  const tail = 3 + (cols.lportAfterSaddr || cols.lportAfterDaddr ? 1 : 0);
  for (let ip = pidAt + 2; ip <= n - 1 - tail; ip++) {
    const v = tok(ip);
    if (v !== '4' && v !== '6') continue;
    const family = v === '4' ? 4 : 6;
    const saddr = bareAddress(tok(ip + 1));
    const daddrAt = ip + (cols.lportAfterSaddr ? 3 : 2);
    const daddr = bareAddress(tok(daddrAt));
    if (cache.family(saddr) !== family || cache.family(daddr) !== family) continue;
    const dportAt = daddrAt + (cols.lportAfterDaddr ? 2 : 1);
    const dport = parseUintAt(line, starts[dportAt]!, ends[dportAt]!, MAX_PORT);
    if (Number.isNaN(dport)) return 'bad DPORT in tcpconnect row';
    let sport = 0;
    if (cols.lportAfterSaddr || cols.lportAfterDaddr) {
      const at = cols.lportAfterSaddr ? ip + 2 : daddrAt + 1;
      const lport = parseUintAt(line, starts[at]!, ends[at]!, MAX_PORT);
      if (!Number.isNaN(lport)) sport = lport;
    }
    const comm = line.slice(starts[pidAt + 1], ends[ip - 1]);
    return {
      type: 'connect',
      timestampNs,
      pid,
      comm,
      ipVersion: family,
      saddr,
      daddr,
      sport,
      dport,
      netns: null,
    };
  }
  return 'tcpconnect row without IP, SADDR and DADDR';
}

/** True for the header of the `-c` summary (the words LADDR RADDR RPORT CONNECTS). */
export function isTcpconnectCountHeader(words: readonly string[]): boolean {
  return words.length === 4 && words.join(' ') === 'LADDR RADDR RPORT CONNECTS';
}

/**
 * One `-c` summary row (LADDR RADDR RPORT CONNECTS) as a connect event standing for CONNECTS connects, or a
 * warning message. Spans are the row's whitespace tokens.
 *
 * @example parseTcpconnectCountRow('10.244.0.5      20.60.1.12      443      1187', ...) // count 1187
 */
export function parseTcpconnectCountRow(
  line: string,
  starts: Int32Array,
  ends: Int32Array,
  n: number,
  cache: AddressCache,
): TraceEvent | string {
  if (n !== 4) return 'tcpconnect -c row without exactly LADDR, RADDR, RPORT and CONNECTS';
  const saddr = bareAddress(line.slice(starts[0], ends[0]));
  const daddr = bareAddress(line.slice(starts[1], ends[1]));
  const family = cache.family(saddr);
  if (family === 0 || cache.family(daddr) !== family) return 'tcpconnect -c row without two addresses of one family';
  const dport = parseUintAt(line, starts[2]!, ends[2]!, MAX_PORT);
  if (Number.isNaN(dport)) return 'bad RPORT in tcpconnect -c row';
  const count = parseUintAt(line, starts[3]!, ends[3]!);
  if (Number.isNaN(count) || count === 0) return 'bad CONNECTS in tcpconnect -c row';
  return {
    type: 'connect',
    timestampNs: null,
    pid: 0,
    comm: '',
    ipVersion: family,
    saddr,
    daddr,
    sport: 0,
    dport,
    netns: null,
    count,
  };
}
