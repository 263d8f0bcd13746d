import type { SocketTable } from '../evidence/types.js';
import type { SocketCounters } from '../report/model.js';
import type { IpClassifier } from './ipClassifier.js';

/** Counters for a pod with no socket evidence. */
export const NO_SOCKET_EVIDENCE: SocketCounters = {
  establishedPublic: null,
  establishedPrivate: null,
  timeWaitPublic: null,
  socketMethod: null,
  socketSource: null,
};

/**
 * Counts a socket table the runbook's way: ESTABLISHED to public addresses are the connections holding SNAT
 * ports. One refinement: when the table shows LISTEN sockets (ss -a, /proc/net/tcp), ESTABLISHED sockets on a
 * listening local port are inbound (clients connecting to the pod) and hold no SNAT port, so they are skipped.
 */
export function countSockets(table: SocketTable, source: string, classify: IpClassifier): SocketCounters {
  const listening = new Set<number>();
  for (const s of table.sockets) if (s.state === 'LISTEN') listening.add(s.localPort);
  let establishedPublic = 0;
  let establishedPrivate = 0;
  let timeWaitPublic = 0;
  for (const s of table.sockets) {
    if (s.state !== 'ESTABLISHED' && s.state !== 'TIME_WAIT') continue;
    if (listening.has(s.localPort)) continue;
    const cls = classify(s.remoteIp);
    if (s.state === 'ESTABLISHED') {
      if (cls === 'public') establishedPublic += 1;
      else establishedPrivate += 1;
    } else if (cls === 'public') {
      timeWaitPublic += 1;
    }
  }
  return { establishedPublic, establishedPrivate, timeWaitPublic, socketMethod: table.method, socketSource: source };
}

/** Local addresses seen in a table: how a node-side socket file is tied to a pod IP. */
export function localAddresses(table: SocketTable): Set<string> {
  const out = new Set<string>();
  for (const s of table.sockets) {
    if (s.state === 'LISTEN') continue;
    out.add(s.localIp);
  }
  return out;
}
