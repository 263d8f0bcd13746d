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
import type { AgentPoolContext } from '../report/model.js';
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

/**
 * The automatic (default) allocation table: `[largest backend pool size, SNAT ports per node]`. One copy in the
 * project: the JSON is shared with the azd hook (alert thresholds), the advice reads it from here.
 */
export const AUTOMATIC_PORT_ALLOCATION: ReadonlyArray<readonly [number, number]> = automaticOutboundPorts.table.map(
  (row) => [Number(row[0]), Number(row[1])] as const,
);
const DEFAULT_ALLOCATION = AUTOMATIC_PORT_ALLOCATION;

/** What a suggestion changes: ports per node, the number of managed outbound IPs, or a move to a NAT gateway. */
export type PortKnob = '--load-balancer-outbound-ports' | '--load-balancer-managed-outbound-ip-count' | 'nat-gateway';

/** One way to give the node enough SNAT ports, with its value and reasoning. */
export interface PortSuggestion {
  /** The `az aks update` flag (or NAT gateway) to change. */
  knob: PortKnob;
  /** The value to set (ports per node, IP count, or NAT gateway public IPs); null when no single value fits. */
  value: number | null;
  /** Why this value, with the numbers it came from. */
  why: string;
}

/** The load balancer facts the port arithmetic works from. */
export interface PortMathInput {
  /** Nodes in the backend pool now (the automatic allocation is chosen by this). */
  backendPoolSize: number;
  /**
   * Nodes the load balancer must serve at the cluster's largest (autoscaler maxima plus upgrade surge, see
   * {@link clusterMaximum}); suggestions are sized for this. Default: `backendPoolSize`.
   */
  maxNodes?: number | null;
  /** Outbound frontend public IPs; each offers {@link PORTS_PER_FRONTEND_IP} SNAT ports. */
  frontendIpCount: number;
  /** Explicit ports per node; null (or 0, the AKS "automatic" value) means the default table applies. */
  configuredOutboundPorts: number | null;
  /** Highest UsedSnatPorts seen for the node; null when no metrics. */
  peakUsedPorts: number | null;
}

/** What the node has, what it used, and the suggested changes when that is not enough. */
export interface PortMathResult {
  /** Ports each node gets, null when unknown (pool larger than the default table and nothing configured). */
  allocatedPerNode: number | null;
  /** Ports offered by all frontend IPs together. */
  totalAvailable: number;
  /** allocatedPerNode - peakUsedPorts, null when either is unknown. */
  headroom: number | null;
  /** Ports per node (plus the IPs they need), or a NAT gateway when the load balancer cannot; none without need. */
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
  const current = Math.max(0, Math.floor(input.backendPoolSize));
  // Ports per node must fit every node the cluster can grow to, not only today's.
  const nodes = Math.max(current, Math.floor(input.maxNodes ?? 0));
  const ips = Math.max(0, Math.floor(input.frontendIpCount));
  const configured =
    input.configuredOutboundPorts && input.configuredOutboundPorts > 0 ? input.configuredOutboundPorts : null;
  const allocatedPerNode = configured ?? defaultPortsPerNode(current);
  const totalAvailable = PORTS_PER_FRONTEND_IP * ips;
  const peak = input.peakUsedPorts;
  const headroom = allocatedPerNode !== null && peak !== null ? allocatedPerNode - peak : null;

  const suggestions: PortSuggestion[] = [];
  const underPressure =
    peak !== null && peak > 0 && (allocatedPerNode === null || peak >= allocatedPerNode * PRESSURE_RATIO);
  const nodesText = nodes > current ? `${fmt(nodes)} nodes at the cluster's maximum` : `${fmt(nodes)} nodes`;
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
      why: `${basis}; ${nodesText} x ${fmt(wantedPorts)} = ${fmt(neededTotal)} ports`,
    });
    if (neededIps > ips) {
      suggestions.push({
        knob: '--load-balancer-managed-outbound-ip-count',
        value: neededIps,
        why: `${fmt(neededTotal)} ports need ${fmt(neededIps)} frontend IPs at 64,000 each (now ${fmt(ips)}, ${fmt(totalAvailable)} ports)`,
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
        ? `${basis}; ${nodesText} x ${fmt(wantedPorts)} = ${fmt(neededTotal)} ports ${lbLimit}; a NAT gateway shares ports on demand (64,512 per public IP): at least ${fmt(natIps)} public IP${natIps === 1 ? '' : 's'} for this node, more if other nodes peak too (up to ${MAX_NAT_GATEWAY_IPS})`
        : `${basis}; ${fmt(wantedPorts)} ports for one node exceeds even a NAT gateway with ${MAX_NAT_GATEWAY_IPS} public IPs; the application must open fewer connections`,
  });
  return { allocatedPerNode, totalAvailable, headroom, suggestions };
}

/** AKS's surge when `upgradeSettings.maxSurge` is unset: 1 node on older pools, 10% on newer; the larger is assumed. */
export const DEFAULT_SURGE_PERCENT = 10;

/** One agent pool's largest size: its maximum (autoscaler) or fixed count, plus the nodes an upgrade adds. */
export interface PoolMaximum {
  name: string;
  /** Autoscaler `maxCount`, or `count` without autoscaling. */
  size: number;
  surge: number;
  total: number;
  /** How, in words: `autoscaler max 10 + surge 1 (maxSurge 10%)`. */
  basis: string;
}

/** The cluster's largest backend pool: every pool sharing the load balancer at its maximum plus surge. */
export interface ClusterMaximum {
  pools: PoolMaximum[];
  maxNodes: number;
  /** Pools left out (their nodes have instance-level public IPs and no load balancer SNAT). */
  excluded: string[];
}

/**
 * Surge nodes an upgrade adds to a pool of `size` nodes: a number (`"2"`), or a percentage of the pool rounded up
 * (`"33%"`); unset means AKS's default (the larger of 1 node and {@link DEFAULT_SURGE_PERCENT}%).
 *
 * @example surgeNodes('33%', 10) // { nodes: 4, basis: 'maxSurge 33%' }
 */
export function surgeNodes(maxSurge: string | null, size: number): { nodes: number; basis: string } {
  const n = Math.max(0, Math.floor(size));
  const text = maxSurge?.trim() ?? '';
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  if (pct) return { nodes: Math.ceil((n * Number(pct[1])) / 100), basis: `maxSurge ${text}` };
  if (/^\d+$/.test(text)) return { nodes: Number(text), basis: `maxSurge ${text}` };
  const byDefault = Math.max(1, Math.ceil((n * DEFAULT_SURGE_PERCENT) / 100));
  return { nodes: byDefault, basis: `maxSurge unset: AKS default, assumed max(1, ${DEFAULT_SURGE_PERCENT}%)` };
}

/**
 * The most nodes the outbound load balancer can have to serve: each pool that shares it at its autoscaler maximum
 * (or fixed count) plus the surge nodes its upgrade adds.
 *
 * @example clusterMaximum([{ name: 'sys', count: 3, enableAutoScaling: true, maxCount: 10, maxSurge: null, usesLoadBalancer: true }]).maxNodes // 11
 */
export function clusterMaximum(pools: readonly AgentPoolContext[]): ClusterMaximum {
  const out: PoolMaximum[] = [];
  const excluded: string[] = [];
  for (const p of pools) {
    if (!p.usesLoadBalancer) {
      excluded.push(p.name);
      continue;
    }
    const autoscaled = p.enableAutoScaling && p.maxCount !== null && p.maxCount > 0;
    const size = autoscaled ? Math.max(p.maxCount ?? 0, p.count) : p.count;
    const surge = surgeNodes(p.maxSurge, size);
    const sizeText = autoscaled ? `autoscaler max ${fmt(size)}` : `count ${fmt(size)}`;
    out.push({
      name: p.name,
      size,
      surge: surge.nodes,
      total: size + surge.nodes,
      basis: `${sizeText} + surge ${fmt(surge.nodes)} (${surge.basis})`,
    });
  }
  return { pools: out, maxNodes: out.reduce((sum, p) => sum + p.total, 0), excluded };
}

/** Whether the current settings fit the cluster's maximum, and the arithmetic that shows it. */
export interface CapacityCheck {
  fits: boolean;
  /** Ports each node gets at the maximum size (null: no automatic allocation exists that large). */
  perNodeAtMax: number | null;
  /** Lines of arithmetic, for the report. */
  lines: string[];
  /** Why it does not fit, in a sentence; null when it fits. */
  problem: string | null;
  /** Managed outbound IPs (per family) that make the configured ports fit, when that is possible. */
  neededIps: number | null;
  neededIpv6: number | null;
}

/**
 * Checks the current allocation against the cluster's maximum: explicit ports must satisfy
 * `maxNodes x ports <= 64,000 x frontend IPs` (for each IP family on a dual-stack cluster); automatic allocation
 * must still give at least the observed peak per node at that size (the table halves ports as pools grow).
 *
 * @example capacityCheck({ maxNodes: 80, currentNodes: 20, frontendIps: 1, frontendIpv6: null, configuredPorts: 1024, peakUsedPorts: null })
 */
export function capacityCheck(input: {
  maxNodes: number;
  currentNodes: number;
  frontendIps: number;
  /** IPv6 frontends on a dual-stack cluster; null when the cluster is IPv4 only. */
  frontendIpv6: number | null;
  configuredPorts: number | null;
  peakUsedPorts: number | null;
}): CapacityCheck {
  const { maxNodes, frontendIps: ips, frontendIpv6: ipv6 } = input;
  const lines: string[] = [];
  const configured = input.configuredPorts && input.configuredPorts > 0 ? input.configuredPorts : null;
  if (configured !== null) {
    const need = maxNodes * configured;
    const neededIps = Math.ceil(need / PORTS_PER_FRONTEND_IP);
    const fits4 = need <= PORTS_PER_FRONTEND_IP * ips;
    lines.push(
      `${fmt(maxNodes)} nodes x ${fmt(configured)} ports = ${fmt(need)} ${fits4 ? '<=' : '>'} 64,000 x ${fmt(ips)} IPv4 frontend IP${ips === 1 ? '' : 's'} = ${fmt(PORTS_PER_FRONTEND_IP * ips)}`,
    );
    let fits6 = true;
    if (ipv6 !== null) {
      fits6 = need <= PORTS_PER_FRONTEND_IP * ipv6;
      lines.push(
        `${fmt(maxNodes)} nodes x ${fmt(configured)} ports = ${fmt(need)} ${fits6 ? '<=' : '>'} 64,000 x ${fmt(ipv6)} IPv6 frontend IP${ipv6 === 1 ? '' : 's'} = ${fmt(PORTS_PER_FRONTEND_IP * ipv6)}`,
      );
    }
    const fits = fits4 && fits6;
    return {
      fits,
      perNodeAtMax: configured,
      lines,
      problem: fits
        ? null
        : `${fmt(configured)} ports per node cannot be given to ${fmt(maxNodes)} nodes with ${fmt(ips)} IPv4${ipv6 !== null ? ` and ${fmt(ipv6)} IPv6` : ''} frontend IP(s): scale-out and node-image or Kubernetes upgrades fail once the pool grows past ${fmt(Math.floor((PORTS_PER_FRONTEND_IP * Math.min(ips, ipv6 ?? ips)) / configured))} nodes`,
      neededIps: fits4 ? null : neededIps,
      neededIpv6: ipv6 !== null && !fits6 ? neededIps : null,
    };
  }
  const now = defaultPortsPerNode(input.currentNodes);
  const atMax = defaultPortsPerNode(maxNodes);
  lines.push(
    `automatic allocation: ${fmt(input.currentNodes)} nodes -> ${now === null ? 'no default' : `${fmt(now)} ports per node`}; ${fmt(maxNodes)} nodes -> ${atMax === null ? 'no default (over 1,000 nodes)' : `${fmt(atMax)} ports per node`}`,
  );
  const peak = input.peakUsedPorts;
  if (atMax === null) {
    return {
      fits: false,
      perNodeAtMax: null,
      lines,
      problem: `automatic allocation has no default for ${fmt(maxNodes)} nodes: set --load-balancer-outbound-ports explicitly`,
      neededIps: null,
      neededIpv6: null,
    };
  }
  if (peak !== null && peak > atMax) {
    lines.push(`peak ${fmt(peak)} used ports > ${fmt(atMax)} per node at the maximum size`);
    return {
      fits: false,
      perNodeAtMax: atMax,
      lines,
      problem: `at its maximum size (${fmt(maxNodes)} nodes) automatic allocation gives each node ${fmt(atMax)} ports, fewer than the ${fmt(peak)} this node already uses`,
      neededIps: null,
      neededIpv6: null,
    };
  }
  return { fits: true, perNodeAtMax: atMax, lines, problem: null, neededIps: null, neededIpv6: null };
}
