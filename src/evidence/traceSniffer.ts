/**
 * Names what a trace file looks like when it yielded no events, so the person who captured it learns which
 * tool's output it is and what to run instead ("this looks like tcplife output ...: run tcptracer -t4v").
 * Pure: works on the first lines the parser saw and a few facts about the bytes.
 */

/** What the reader noticed about the bytes besides the lines. */
export interface TraceFacts {
  /** The file was gzip-compressed. */
  gzip: boolean;
  /** Why decompression failed, when it did. */
  damaged?: string | null;
  /** Lines seen (blank ones included). */
  lines: number;
}

const RUN = 'run `tcptracer -t4v` (BCC) or `kubectl gadget trace tcp` (Inspektor Gadget) for a trace';

/** A byte a text tool does not print: NUL, most C0 controls, or U+FFFD from invalid UTF-8. */
function isBinaryLine(line: string): boolean {
  let odd = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 13) || c === 0xfffd || c === 127) odd++;
  }
  return odd > 0 && odd * 20 >= line.length;
}

function words(line: string): string[] {
  return line.trim().split(/\s+/);
}

/** The first line's description from its header words, or null when no tool is recognised. */
function byHeader(w: readonly string[], line: string): string | null {
  const has = (...names: string[]) => names.every((n) => w.includes(n));
  if (has('PID', 'COMM', 'SADDR', 'DADDR', 'DPORT') && !w.includes('TYPE') && !w.includes('T')) {
    return 'tcpconnect output with no connect rows (and tcpconnect has no TYPE/close events)';
  }
  if (w.includes('OLDSTATE') || w.includes('NEWSTATE')) return 'tcpstates output (state changes, not connections)';
  if (has('LADDR', 'RADDR') && (w.includes('TX_KB') || w.includes('RX_KB') || w.includes('MS'))) {
    return 'tcplife output (one line per closed session, no connect/close events)';
  }
  if (has('PID', 'COMM', 'RADDR', 'RPORT', 'LADDR') || has('PID', 'COMM', 'RADDR', 'LPORT')) {
    return 'tcpaccept output (accepts only, no outbound connects)';
  }
  if (w.includes('T>') || (has('LADDR:LPORT') && w.includes('STATE'))) return 'tcpretrans output (retransmits)';
  if (has('LADDR', 'RADDR', 'RPORT', 'CONNECTS'))
    return 'a tcpconnect -c summary with no rows (the trace caught no connect)';
  if (w.some((x) => x.startsWith('K8S.') || x.startsWith('RUNTIME.'))) {
    return `Inspektor Gadget output from another gadget (columns ${w.slice(0, 8).join(' ')})`;
  }
  if (has('PID', 'SADDR', 'DPORT') && (w.includes('TYPE') || w.includes('T'))) {
    return 'a tcptracer header with no events after it (the trace caught no connection)';
  }
  if (/^(Netid\s+)?State\s+Recv-Q/.test(line) || /^Recv-Q\s+Send-Q\s+Local Address:Port/.test(line)) {
    return 'an ss socket table (belongs in netstat/<namespace>_<pod>.txt)';
  }
  if (/^(Proto\s+Recv-Q|Active Internet)/.test(line)) {
    return 'a netstat socket table (belongs in netstat/<namespace>_<pod>.txt)';
  }
  if (/^sl\s+local_address/.test(line)) return '/proc/net/tcp (belongs in sockets/<netns-inode>.txt)';
  if (has('NS', 'TYPE', 'NPROCS', 'PID')) return 'lsns output (belongs in lsns.txt)';
  if (has('CONTAINER', 'IMAGE', 'STATE', 'NAME')) return 'crictl ps output (belongs in crictl-ps.txt)';
  if (has('POD', 'ID', 'CREATED', 'STATE', 'NAME', 'NAMESPACE'))
    return 'crictl pods output (belongs in crictl-pods.txt)';
  return null;
}

/** A table row's description from its shape, or null. */
function byRow(w: readonly string[]): string | null {
  const ss = /^(ESTAB|SYN-SENT|SYN-RECV|TIME-WAIT|CLOSE-WAIT|FIN-WAIT-[12]|LAST-ACK|LISTEN|UNCONN)$/;
  if ((/^(tcp|udp|mptcp)$/.test(w[0] ?? '') && ss.test(w[1] ?? '')) || ss.test(w[0] ?? '')) {
    return 'ss output (socket rows; belongs in netstat/<namespace>_<pod>.txt)';
  }
  if (/^(tcp6?|udp6?)$/.test(w[0] ?? '') && /^\d+$/.test(w[1] ?? '')) {
    return 'netstat output (socket rows; belongs in netstat/<namespace>_<pod>.txt)';
  }
  return null;
}

function byJson(line: string): string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'JSON that is not one object per line (pretty-printed or cut short?); tcptracer and gadget JSON is one event per line';
  }
  if (typeof value !== 'object' || value === null) return 'JSON values that are not trace events';
  const o = value as Record<string, unknown>;
  if (o.kind === 'List' || o.apiVersion !== undefined)
    return 'kubectl JSON (pods belong in pods.json, the node in node.json)';
  if (o.k8s !== undefined || o.runtime !== undefined || o.mountnsid !== undefined || o.proc !== undefined) {
    return 'Inspektor Gadget JSON without TCP events (another gadget, or no src/dst/type fields)';
  }
  if (Array.isArray(value)) return 'a JSON array (tcptracer and gadget JSON is one event object per line)';
  return `JSON without trace events (keys: ${Object.keys(o).slice(0, 6).join(', ') || 'none'})`;
}

/**
 * What a trace file that yielded no events looks like, as a phrase for a one-line error or the verdict.
 *
 * @example describeTrace(['PID    COMM   IP SADDR  DADDR  DPORT'], { gzip: false, lines: 1 })
 * // 'this looks like tcpconnect output with no connect rows ...: run `tcptracer -t4v` ...'
 */
export function describeTrace(sample: readonly string[], facts: TraceFacts): string {
  const gz = facts.gzip ? 'gzip-compressed ' : '';
  if (facts.damaged) return `a damaged gzip file (${facts.damaged})`;
  const content = sample.filter((l) => l.trim() !== '');
  if (content.length === 0) return facts.gzip ? 'an empty gzip-compressed file' : 'an empty file';
  if (content.slice(0, 5).some(isBinaryLine)) {
    return `${gz}binary data, not text output: ${RUN}`;
  }
  const first = content.find((l) => !/^(Tracing|Lost|Possibly lost|Ctrl-C|Hit Ctrl-C|Attaching)/i.test(l.trim()));
  if (first === undefined) return `only tcptracer banner lines, no events (the trace caught no connection)`;
  // One line, printable: the phrase ends up in a one-line error and in the report.
  let t = '';
  for (const ch of first.trim()) t += ch.charCodeAt(0) < 32 || ch === '\u007f' ? ' ' : ch;
  const what = t.startsWith('{') || t.startsWith('[') ? byJson(t) : (byHeader(words(t), t) ?? byRow(words(t)));
  if (what?.startsWith('a tcptracer header')) return `this is ${gz}${what}`;
  if (what !== null) return `this looks like ${gz}${what}: ${RUN}`;
  return `${gz}text that no trace format matches (first line: "${t.slice(0, 60)}${t.length > 60 ? '…' : ''}"): ${RUN}`;
}
