import ipaddr from 'ipaddr.js';
import type { DestinationClass } from '../report/model.js';
import { InvalidCidrError } from './errors.js';

/**
 * Destinations that never consume SNAT ports: RFC 1918, CGNAT (AKS pod/service ranges often live there),
 * loopback, link-local, "this network", the Azure platform address (DNS, IMDS-adjacent health), and
 * their IPv6 counterparts. IPv4-mapped IPv6 is classified by its IPv4 address.
 */
export const BUILT_IN_PRIVATE_CIDRS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '0.0.0.0/8',
  '168.63.129.16/32',
  '::1/128',
  '::/128',
  'fc00::/7',
  'fe80::/10',
] as const;

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses a CIDR (a bare address counts as a host route), throwing {@link InvalidCidrError}. */
export function parseCidr(cidr: string): Range {
  const text = cidr.trim();
  try {
    if (!text.includes('/')) {
      const addr = ipaddr.process(text);
      return [addr, addr.kind() === 'ipv4' ? 32 : 128];
    }
    const [addr, bits] = ipaddr.parseCIDR(text);
    // Normalise a mapped IPv6 range (::ffff:10.0.0.0/104) to its IPv4 form.
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
      return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96];
    }
    return [addr, bits];
  } catch (cause) {
    throw new InvalidCidrError(cidr, { cause });
  }
}

/** Strips brackets and an IPv6 zone id (`[fe80::1%eth0]` -> `fe80::1`). */
export function normalizeIp(raw: string): string {
  let ip = raw.trim();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  const zone = ip.indexOf('%');
  return zone >= 0 ? ip.slice(0, zone) : ip;
}

/**
 * Classifies an address: `private` (no SNAT) or `public`. Unparseable text is `private` so garbage never inflates
 * SNAT counts. `ipv4` classifies an IPv4 address given as an unsigned 32-bit integer, with the same ranges and
 * no string or cache: the trace fast path meets up to one new destination per line.
 */
export interface IpClassifier {
  (ip: string): DestinationClass;
  ipv4(address: number): DestinationClass;
  /**
   * The private IPv4 ranges `ipv4` checks, as unsigned 32-bit integers: `[first0, last0, first1, last1, ...]`,
   * sorted and without overlaps, so a caller holding addresses in ascending order can classify them by walking
   * the ranges alongside (one comparison or two per address).
   */
  readonly ipv4Ranges: Float64Array;
}

/**
 * Builds a classifier over the built-in ranges plus `extraPrivateCidrs` (VNet, peered ranges, service CIDR).
 * Results are memoised per address string: a trace has millions of events but few distinct destinations.
 *
 * @example
 * const classify = createIpClassifier(['20.0.0.0/8']);
 * classify('20.60.1.12'); // 'private'
 * classify('52.1.2.3');   // 'public'
 */
export function createIpClassifier(extraPrivateCidrs: readonly string[] = []): IpClassifier {
  const ranges = [...BUILT_IN_PRIVATE_CIDRS, ...extraPrivateCidrs].map(parseCidr);
  const v4 = ranges.filter((r) => r[0].kind() === 'ipv4');
  const v6 = ranges.filter((r) => r[0].kind() === 'ipv6');
  const ipv4Ranges = mergedIpv4Ranges(v4);
  const ipv4 = (address: number): DestinationClass => {
    for (let i = 0; i < ipv4Ranges.length; i += 2) {
      if (address < ipv4Ranges[i]!) return 'public';
      if (address <= ipv4Ranges[i + 1]!) return 'private';
    }
    return 'public';
  };
  const cache = new Map<string, DestinationClass>();
  const classify = (ip: string) => {
    const hit = cache.get(ip);
    if (hit !== undefined) return hit;
    let result: DestinationClass = 'private';
    try {
      const addr = ipaddr.process(normalizeIp(ip));
      const candidates = addr.kind() === 'ipv4' ? v4 : v6;
      result = candidates.some((range) => addr.match(range)) ? 'private' : 'public';
    } catch {
      result = 'private';
    }
    if (cache.size < 100_000) cache.set(ip, result);
    return result;
  };
  return Object.assign(classify, { ipv4, ipv4Ranges });
}

/** IPv4 CIDRs as sorted, merged `[first, last, ...]` unsigned integers (see {@link IpClassifier.ipv4Ranges}). */
function mergedIpv4Ranges(v4: readonly Range[]): Float64Array {
  const spans = v4
    .map(([addr, bits]) => {
      const first = (addr as ipaddr.IPv4).octets.reduce((a, o) => a * 256 + o, 0);
      const size = 2 ** (32 - bits);
      const low = first - (first % size);
      return [low, low + size - 1] as const;
    })
    .sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [low, high] of spans) {
    const last = out.length - 1;
    if (last > 0 && low <= out[last]! + 1) out[last] = Math.max(out[last]!, high);
    else out.push(low, high);
  }
  return Float64Array.from(out);
}

/** True when `ip` lies in any of the given CIDRs (used for Azure service ranges and pod CIDRs). */
export function ipInCidrs(ip: string, cidrs: readonly string[]): boolean {
  try {
    const addr = ipaddr.process(normalizeIp(ip));
    return cidrs.map(parseCidr).some((range) => range[0].kind() === addr.kind() && addr.match(range));
  } catch (err) {
    if (err instanceof InvalidCidrError) throw err;
    return false;
  }
}
