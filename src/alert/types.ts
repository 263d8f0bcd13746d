/** One thing to investigate: a load balancer, and the node (backend IP) whose SNAT ports ran out if the alert says. */
export interface InvestigationTarget {
  /** ARM resource id of the load balancer, as the alert spelled it. */
  loadBalancerId: string;
  /** Node IP from the `BackendIPAddress` dimension; null when the rule was not split by it. */
  backendIp: string | null;
}

/** What the alert said, kept small for the orchestration input and the report. */
export interface AlertSummary {
  alertId: string;
  alertRule: string;
  severity: string;
  /** ISO time the window was computed from (the alert's firedDateTime, or the receipt time if it had none). */
  firedDateTime: string;
  /** `UsedSnatPorts`, `AllocatedSnatPorts`, `SnatConnectionCount`, or `ALBHealthEvent SnatPortExhaustion`. */
  signal: string;
  metricValue: number | null;
  threshold: string | null;
}

/** Input of the investigation orchestration (JSON-serialisable). */
export interface InvestigationRequest {
  instanceId: string;
  target: InvestigationTarget;
  alert: AlertSummary | null;
  /** What asked for it; `proactive` is the forecast of the proactive watch (before any alert). */
  requestedBy: 'alert' | 'on-demand' | 'proactive';
  /** Node name, when an on-demand caller already knows it. */
  nodeHint?: string;
}

/** What the intake decided for one payload. */
export type AlertDecision =
  | { action: 'investigate'; reason: string; targets: InvestigationTarget[]; requests: InvestigationRequest[] }
  | {
      action: 'ignore';
      reason: string;
      resolvedInstanceIds: string[];
      /** Set when a time rule (freshness) decided: which one. */
      rule?: 'stale' | 'future';
    }
  | { action: 'reject'; status: 400 | 403 | 413; reason: string };

/** Settings of the intake. Empty allowlists allow everything. */
export interface AlertIntakeOptions {
  /** Length of the dedup window in minutes (1..1440). */
  cooldownMinutes: number;
  /** Subscription ids allowed to send alerts (alertId and every alertTargetIDs entry must match). */
  allowedSubscriptionIds: string[];
  /** Alert rule resource ids (or rule names) allowed to send alerts. */
  allowedAlertRuleIds: string[];
  /** Largest accepted body in bytes; default 256 KiB, the common alert schema's own limit. */
  maxBodyBytes?: number;
  /** An alert fired longer than this before its receipt is ignored as stale (default 60). */
  maxAlertAgeMinutes?: number;
  /** An alert that claims to fire longer than this after its receipt is ignored (default 5; clock skew). */
  maxFutureSkewMinutes?: number;
}

/** Defaults used when a setting is not given. */
export const ALERT_INTAKE_DEFAULTS = {
  cooldownMinutes: 15,
  maxBodyBytes: 256 * 1024,
  /** More distinct targets than this in one alert is not a real SNAT alert; refuse rather than fan out. */
  maxTargetsPerAlert: 16,
  /** Freshness: how long before its receipt an alert may have fired. */
  maxAlertAgeMinutes: 60,
  /** Freshness: how far after its receipt an alert may claim to have fired (clock skew). */
  maxFutureSkewMinutes: 5,
} as const;
