/**
 * The fleet view's document (`index.json` at the container root and per cluster): recent incidents, repeat
 * offenders, and each cluster's last proactive scan. Pure: the Blob store reads and writes it, the renderer
 * turns it into `index.html`.
 */
import type { AllocationDrift, Decision } from '../../forecast/types.js';

/** Version of the `index.json` shape; bump when a field changes meaning or disappears. */
export const FLEET_SCHEMA_VERSION = 1 as const;
/** Incidents kept in one index (newest kept); older reports stay in the container, reachable by listing. */
export const FLEET_MAX_INCIDENTS = 200;
/** Repeat offenders shown: pods that were the top talker in at least two incidents. */
export const FLEET_MAX_OFFENDERS = 20;

/** What started an investigation. */
export const TRIGGERS = ['alert', 'on-demand', 'proactive'] as const;
/** One of {@link TRIGGERS}: an alert, an operator's on-demand request, or the proactive watch's forecast. */
export type Trigger = (typeof TRIGGERS)[number];

/** One investigation, as the fleet view lists it. */
export interface FleetIncident {
  instanceId: string;
  /** ISO-8601 UTC. */
  timestamp: string;
  cluster: string;
  node: string;
  /** `namespace/pod` the verdict blamed, or null. */
  topPod: string | null;
  /** Its workload (`Deployment payments/checkout-api`): named first, and what repeat offenders count. */
  topWorkload?: string | null;
  /** `complete`, `degraded` or `failed`. */
  status: string;
  trigger: Trigger;
  /** The report link, the same kind of link the Teams card carries; null when there is none. */
  link: string | null;
}

/** One node in a cluster's last scan. */
export interface FleetNodeScan {
  backendIp: string;
  decision: Decision;
  usagePercent: number | null;
  trendPortsPerMinute: number | null;
  minutesToExhaustion: number | null;
  reason: string;
  drift: AllocationDrift | null;
  /** Usage % per minute over the look-back (raw ports without allocation), for the sparkline. */
  spark: Array<number | null>;
}

/** NAT gateway metrics of a cluster whose egress does not use the load balancer. */
export interface NatGatewayScan {
  gatewayId: string | null;
  /** Latest `SNATConnectionCount` per minute (total), null when unknown. */
  snatConnections: number | null;
  /** Latest `PacketDropCount` per minute (total), null when unknown. */
  droppedPackets: number | null;
}

/** A cluster's last proactive scan. */
export interface FleetClusterScan {
  cluster: string;
  /** ISO-8601 UTC. */
  scannedAt: string;
  outboundType: string;
  nodes: FleetNodeScan[];
  natGateway: NatGatewayScan | null;
  /** Anything the operator must know about this scan (e.g. "nodes cannot be told apart behind a NAT gateway"). */
  note: string | null;
}

/** A workload (or pod) that was the top talker in two or more of the index's incidents. */
export interface RepeatOffender {
  /** The workload when known (pods are renamed on every rollout), else `namespace/pod`. */
  pod: string;
  /** Cluster the incidents happened on. */
  cluster: string;
  /** Incidents it was the top talker in. */
  incidents: number;
  /** ISO-8601 UTC timestamp of the newest of those incidents. */
  lastSeen: string;
}

/** `index.json`: the whole fleet (`scope: null`) or one cluster. */
export interface FleetIndex {
  schemaVersion: typeof FLEET_SCHEMA_VERSION;
  /** Cluster name, or null for the container-root index over every cluster. */
  scope: string | null;
  updatedAt: string;
  /** Newest first, at most {@link FLEET_MAX_INCIDENTS}. */
  incidents: FleetIncident[];
  /** Incidents dropped from this index so far (their reports are still stored). */
  olderIncidents: number;
  repeatOffenders: RepeatOffender[];
  /** Last scan per cluster, by cluster name. */
  scans: Record<string, FleetClusterScan>;
}

/** An empty index for the root (`null`) or one cluster. */
export function emptyFleetIndex(scope: string | null, now: string): FleetIndex {
  return {
    schemaVersion: FLEET_SCHEMA_VERSION,
    scope,
    updatedAt: now,
    incidents: [],
    olderIncidents: 0,
    repeatOffenders: [],
    scans: {},
  };
}

/**
 * Reads an index document defensively: anything missing or malformed becomes empty, so one bad write never
 * blocks the next update.
 */
export function normaliseFleetIndex(raw: unknown, scope: string | null, now: string): FleetIndex {
  const doc = emptyFleetIndex(scope, now);
  if (typeof raw !== 'object' || raw === null) return doc;
  const r = raw as Partial<FleetIndex>;
  if (Array.isArray(r.incidents)) doc.incidents = r.incidents.filter((i) => typeof i?.instanceId === 'string');
  if (typeof r.olderIncidents === 'number' && r.olderIncidents >= 0) doc.olderIncidents = r.olderIncidents;
  if (r.scans && typeof r.scans === 'object') doc.scans = r.scans;
  if (typeof r.updatedAt === 'string') doc.updatedAt = r.updatedAt;
  doc.repeatOffenders = repeatOffenders(doc.incidents);
  return doc;
}

/**
 * Workloads (pods, for incidents recorded without one) that were the top talker in two or more of the listed
 * incidents, most incidents first.
 */
export function repeatOffenders(incidents: readonly FleetIncident[]): RepeatOffender[] {
  const byPod = new Map<string, RepeatOffender>();
  for (const i of incidents) {
    const talker = i.topWorkload || i.topPod;
    if (!talker) continue;
    const key = `${i.cluster}\u0000${talker}`;
    const o = byPod.get(key) ?? { pod: talker, cluster: i.cluster, incidents: 0, lastSeen: i.timestamp };
    o.incidents++;
    if (i.timestamp > o.lastSeen) o.lastSeen = i.timestamp;
    byPod.set(key, o);
  }
  return [...byPod.values()]
    .filter((o) => o.incidents >= 2)
    .sort((a, b) => b.incidents - a.incidents || b.lastSeen.localeCompare(a.lastSeen) || a.pod.localeCompare(b.pod))
    .slice(0, FLEET_MAX_OFFENDERS);
}

/**
 * Adds or replaces (same instance id: an activity retry) an incident, newest first, bounded to `max`.
 * Returns a new document.
 */
export function withIncident(
  doc: FleetIndex,
  incident: FleetIncident,
  now: string,
  max = FLEET_MAX_INCIDENTS,
): FleetIndex {
  const known = doc.incidents.some((i) => i.instanceId === incident.instanceId);
  const all = [incident, ...doc.incidents.filter((i) => i.instanceId !== incident.instanceId)].sort(
    (a, b) => b.timestamp.localeCompare(a.timestamp) || a.instanceId.localeCompare(b.instanceId),
  );
  const kept = all.slice(0, Math.max(1, max));
  return {
    ...doc,
    updatedAt: now,
    incidents: kept,
    olderIncidents: doc.olderIncidents + (known ? 0 : all.length - kept.length),
    repeatOffenders: repeatOffenders(kept),
  };
}

/** Replaces a cluster's last scan. Returns a new document. */
export function withScan(doc: FleetIndex, scan: FleetClusterScan, now: string): FleetIndex {
  return { ...doc, updatedAt: now, scans: { ...doc.scans, [scan.cluster]: scan } };
}
