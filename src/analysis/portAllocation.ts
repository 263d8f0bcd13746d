/**
 * SNAT port allocation math for an AKS outbound load balancer. Pure: numbers in, numbers out.
 *
 * Facts it relies on (Azure Load Balancer outbound rules as used by AKS):
 * - each frontend (outbound) public IP offers 64,000 SNAT ports;
 * - with automatic allocation every node gets a fixed share decided by the backend pool size;
 * - `--load-balancer-outbound-ports` must be a multiple of 8 and nodes x ports must fit in 64,000 x IPs;
 * - `--load-balancer-managed-outbound-ip-count` accepts 1..100;
 * - a NAT gateway allocates ports on demand, 64,512 per public IP, up to 16 IPs.
 */
import automaticOutboundPorts from './automaticOutboundPorts.json' with { type: 'json' };

/** SNAT ports offered by one load balancer frontend IP. */
export const PORTS_PER_FRONTEND_IP = 64_000;
/** Largest `--load-balancer-managed-outbound-ip-count`. */
export const MAX_MANAGED_OUTBOUND_IPS = 100;
/** SNAT ports per NAT gateway public IP. */
export const PORTS_PER_NAT_GATEWAY_IP = 64_512;
/** Public IPs one NAT gateway can hold. */
export const MAX_NAT_GATEWAY_IPS = 16;
/** Usage at or above this share of the allocation counts as near exhaustion. */
export const PRESSURE_RATIO = 0.8;
/** Suggested allocations leave this much room above the observed peak. */
export const HEADROOM_FACTOR = 1.5;

/** Automatic allocation table: [largest pool size, ports per node]; the JSON is shared with the azd hook. */
const DEFAULT_ALLOCATION: ReadonlyArray<readonly [number, number]> = automaticOutboundPorts.table.map(
  (row) => [Number(row[0]), Number(row[1])] as const,
);

export type PortKnob = '--load-balancer-outbound-ports' | '--load-balancer-managed-outbound-ip-count' | 'nat-gateway';

export interface PortSuggestion {
  knob: PortKnob;
  /** The value to set (ports per node, IP count, or NAT gateway public IPs); null when no single value fits. */
  value: number | null;
  /** Why this value, with the numbers it came from. */
  why: string;
}

export interface PortMathInput {
  backendPoolSize: number;
  frontendIpCount: number;
  /** Explicit ports per node; null (or 0, the AKS "automatic" value) means the default table applies. */
  configuredOutboundPorts: number | null;
  /** Highest UsedSnatPorts seen for the node; null when no metrics. */
  peakUsedPorts: number | null;
}

export interface PortMathResult {
  /** Ports each node gets, null when unknown (pool larger than the default table and nothing configured). */
  allocatedPerNode: number | null;
  /** Ports offered by all frontend IPs together. */
  totalAvailable: number;
  /** allocatedPerNode - peakUsedPorts, null when either is unknown. */
  headroom: number | null;
  suggestions: PortSuggestion[];
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/**
 * Default SNAT ports per node under automatic allocation.
 *
 * @example defaultPortsPerNode(12) // 1024
 * @returns null for pool sizes outside 1..1000 (no default exists).
 */
export function defaultPortsPerNode(backendPoolSize: number): number | null {
  if (!Number.isFinite(backendPoolSize) || backendPoolSize < 1) return null;
  for (const [maxNodes, ports] of DEFAULT_ALLOCATION) {
    if (backendPoolSize <= maxNodes) return ports;
  }
  return null;
}

/** Rounds up to the next multiple of 8 (the granularity the knob accepts). */
function roundUpTo8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/**
 * Port allocation for a node pool and the settings that would fit the observed peak.
 *
 * Suggestions appear only when the peak is at or above {@link PRESSURE_RATIO} of the allocation: ports per node
 * sized to peak x {@link HEADROOM_FACTOR} (multiple of 8), the managed outbound IP count that makes
 * nodes x ports fit in 64,000 x IPs, and a NAT gateway when the load balancer cannot offer that much.
 *
 * @example portMath({ backendPoolSize: 12, frontendIpCount: 1, configuredOutboundPorts: null, peakUsedPorts: 1010 })
 */
export function portMath(input: PortMathInput): PortMathResult {
  const nodes = Math.max(0, Math.floor(input.backendPoolSize));
  const ips = Math.max(0, Math.floor(input.frontendIpCount));
  const configured =
    input.configuredOutboundPorts && input.configuredOutboundPorts > 0 ? input.configuredOutboundPorts : null;
  const allocatedPerNode = configured ?? defaultPortsPerNode(nodes);
  const totalAvailable = PORTS_PER_FRONTEND_IP * ips;
  const peak = input.peakUsedPorts;
  const headroom = allocatedPerNode !== null && peak !== null ? allocatedPerNode - peak : null;

  const suggestions: PortSuggestion[] = [];
  const underPressure =
    peak !== null && peak > 0 && (allocatedPerNode === null || peak >= allocatedPerNode * PRESSURE_RATIO);
  if (!underPressure || peak === null || nodes < 1) {
    return { allocatedPerNode, totalAvailable, headroom, suggestions };
  }

  const wantedPorts = roundUpTo8(Math.max(peak * HEADROOM_FACTOR, (allocatedPerNode ?? 0) + 8));
  const neededTotal = nodes * wantedPorts;
  const neededIps = Math.ceil(neededTotal / PORTS_PER_FRONTEND_IP);
  const allocationText =
    allocatedPerNode === null ? 'an unknown allocation' : `${fmt(allocatedPerNode)} allocated per node`;
  const basis = `peak ${fmt(peak)} used ports against ${allocationText}; ${fmt(wantedPorts)} is the peak x ${HEADROOM_FACTOR} rounded up to a multiple of 8`;

  if (wantedPorts <= PORTS_PER_FRONTEND_IP && neededIps <= MAX_MANAGED_OUTBOUND_IPS) {
    suggestions.push({
      knob: '--load-balancer-outbound-ports',
      value: wantedPorts,
      why: `${basis}; ${fmt(nodes)} nodes x ${fmt(wantedPorts)} = ${fmt(neededTotal)} ports`,
    });
    if (neededIps > ips) {
      suggestions.push({
        knob: '--load-balancer-managed-outbound-ip-count',
        value: neededIps,
        why: `${fmt(neededTotal)} ports need ${fmt(neededIps)} frontend IPs at 64,000 each (now ${fmt(ips)}, ${fmt(totalAvailable)} ports); count autoscaler maximum and upgrade surge nodes too`,
      });
    }
    return { allocatedPerNode, totalAvailable, headroom, suggestions };
  }

  // The load balancer cannot give every node that many ports. A NAT gateway allocates on demand instead of
  // per node, so size it for this node's need; the sum of all nodes' peaks is the real bound.
  const natIps = Math.ceil(wantedPorts / PORTS_PER_NAT_GATEWAY_IP);
  const lbLimit = `exceeds what the load balancer can allocate (at most 64,000 per node and ${fmt(MAX_MANAGED_OUTBOUND_IPS)} IPs x 64,000)`;
  suggestions.push({
    knob: 'nat-gateway',
    value: natIps <= MAX_NAT_GATEWAY_IPS ? natIps : null,
    why:
      natIps <= MAX_NAT_GATEWAY_IPS
        ? `${basis}; ${fmt(nodes)} nodes x ${fmt(wantedPorts)} = ${fmt(neededTotal)} ports ${lbLimit}; a NAT gateway shares ports on demand (64,512 per public IP): at least ${fmt(natIps)} public IP${natIps === 1 ? '' : 's'} for this node, more if other nodes peak too (up to ${MAX_NAT_GATEWAY_IPS})`
        : `${basis}; ${fmt(wantedPorts)} ports for one node exceeds even a NAT gateway with ${MAX_NAT_GATEWAY_IPS} public IPs; the application must open fewer connections`,
  });
  return { allocatedPerNode, totalAvailable, headroom, suggestions };
}
