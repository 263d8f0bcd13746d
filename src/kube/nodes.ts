/** Finding the node under investigation by name or InternalIP (IPv4 or IPv6). */
import type { KubeConfig, V1Node } from '@kubernetes/client-node';
import ipaddr from 'ipaddr.js';
import { call, makeClients } from './client.js';
import { NodeNotFoundError } from './errors.js';

/** The node found, with what the bundle and the metrics match need. */
export interface ResolvedNode {
  /** The node's name. */
  name: string;
  /** Its `InternalIP` addresses (IPv4 and IPv6 on dual-stack). */
  internalIPs: string[];
  /** True when the node's `Ready` condition is `True`. */
  ready: boolean;
  /** The node object as JSON text, for the bundle's `node.json`. */
  json: string;
}

/** Canonical text of an IP (so `fd00::0:7` matches `fd00::7`), or null when not an IP. */
function canonicalIp(s: string): string | null {
  if (!ipaddr.isValid(s)) return null;
  const a = ipaddr.parse(s);
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (a as ipaddr.IPv6).toIPv4Address().toString();
  }
  return a.toNormalizedString();
}

function internalIPs(node: V1Node): string[] {
  return (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address);
}

/**
 * Resolves a node by exact name or by one of its InternalIPs (the load
 * balancer metric's BackendIPAddress).
 *
 * @throws NodeNotFoundError listing every node's name and IPs when nothing matches.
 * @example const node = await resolveNode(kc, '10.224.0.7');
 */
export async function resolveNode(
  kc: KubeConfig,
  nameOrIp: string,
  opts?: { timeoutMs?: number },
): Promise<ResolvedNode> {
  const clients = makeClients(kc, opts?.timeoutMs);
  const query = nameOrIp.trim();
  const list = await call(clients, 'list nodes', () => clients.core.listNode());
  const ip = canonicalIp(query);
  const found = list.items.find(
    (n) => n.metadata?.name === query || (ip !== null && internalIPs(n).some((a) => canonicalIp(a) === ip)),
  );
  if (!found) {
    throw new NodeNotFoundError(
      query,
      list.items.map((n) => ({ name: n.metadata?.name ?? '?', internalIPs: internalIPs(n) })),
    );
  }
  const ready = (found.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  const json = `${JSON.stringify({ apiVersion: 'v1', kind: 'Node', ...found }, null, 2)}\n`;
  return { name: found.metadata?.name ?? query, internalIPs: internalIPs(found), ready, json };
}
