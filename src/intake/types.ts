import type { AlertIntakeOptions, InvestigationRequest, InvestigationTarget } from '../alert/types.js';

/** What the intake needs to know about an existing investigation. */
export interface ExistingInvestigation {
  runtimeStatus: string;
  /** ISO time the instance was created; null when the store does not say. */
  createdTime: string | null;
}

/**
 * The orchestration store the intake starts investigations in: the Durable client in Azure, the replay driver in
 * the simulated world, an in-memory ledger for `alert --dry-run`.
 */
export interface InvestigationStarter {
  /** The instance, or null when no instance has that id. Throws when the store cannot be reached. */
  getStatus(instanceId: string): Promise<ExistingInvestigation | null>;
  /** Starts a new instance; throws when it cannot (including "that id exists"). */
  start(instanceId: string, input: InvestigationRequest): Promise<void>;
  /** Raises an external event on a running instance. */
  raiseEvent(instanceId: string, eventName: string, data: unknown): Promise<void>;
  /** How many investigations of this load balancer (one AKS cluster) were created at or after `since`. */
  startedSince(loadBalancerId: string, since: Date): Promise<number>;
}

/** The intake's settings (one typed slice of the configuration). Empty allowlists allow everything. */
export interface IntakeSettings extends AlertIntakeOptions {
  /** At most this many investigations start per cluster (load balancer) in any rolling hour. */
  maxInvestigationsPerClusterPerHour: number;
}

/** Why a request named an investigation but started none. */
export type DedupReason =
  | 'same-window'
  | 'previous-window-in-cooldown'
  | 'start-refused-existing'
  | 'cluster-rate-limit';

/** One instance in an answer: started now, or an existing one this request was folded into. */
export interface InstanceOutcome {
  instanceId: string;
  target: InvestigationTarget;
  started: boolean;
  runtimeStatus: string;
  /** Why nothing was started (absent when started). */
  dedup?: DedupReason;
}

/** Where a request came from. */
export type IntakeSource = 'alert' | 'on-demand' | 'proactive';

/**
 * The one answer shape of every intake path (webhook, on-demand endpoint, CLI dry run, demo). HTTP endpoints add a
 * status URL per instance; nothing else (no management URLs, no keys) ever leaves.
 */
export interface IntakeAnswer {
  source: IntakeSource;
  /** The HTTP status the endpoints answer with. */
  httpStatus: number;
  /** For a 503: when to retry (the `Retry-After` header). */
  retryAfterSeconds?: number;
  action: 'investigate' | 'ignore' | 'reject' | 'error';
  reason: string;
  /** Which time or rate rule decided an ignore, when one did. */
  rule?: 'stale' | 'future' | 'cluster-rate-limit';
  targets: InvestigationTarget[];
  instances: InstanceOutcome[];
  /** Resolved alerts: the instance ids of the alert's window (whether they exist or not). */
  windowInstanceIds?: string[];
  /** Resolved alerts: the investigations of that window that exist, and those told the alert resolved. */
  resolvedInstanceIds?: string[];
  notifiedInstanceIds?: string[];
}

/** The one log shape of the intake (a JSON line per request). */
export interface IntakeLogEntry {
  level: 'info' | 'warn' | 'error';
  message: 'intake';
  source: IntakeSource;
  action: IntakeAnswer['action'];
  httpStatus: number;
  reason: string;
  rule: IntakeAnswer['rule'] | null;
  receivedAt: string;
  instanceIds: string[];
  started: string[];
  dedup: Array<{ instanceId: string; dedup: DedupReason }>;
  loadBalancerIds: string[];
  /** Redacted error text when the store could not be reached or the settings are broken. */
  error?: string;
}
