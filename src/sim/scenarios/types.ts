import type { InvestigationStatus } from '../../report/model.js';
import type { SimSession, SimSessionOptions } from '../demo.js';

/** One node report in a scenario summary: a node investigated once for several requests is one entry. */
export interface ScenarioInvestigation {
  /** The instance that ran the capture and stored the report. */
  instanceId: string;
  node: string;
  status: InvestigationStatus;
  reportStored: boolean;
  notified: boolean;
  /** How many investigation requests (instances) this report answered. */
  requests: number;
  /** Blob prefix of the report. */
  prefix: string;
  /** What the owner noted on the way, e.g. how long it waited for a capture slot. */
  note?: string;
  /** Why the report was not sent to Teams (only when `notified` is false). */
  notifyDetail?: string;
}

/** One delivery to an intake endpoint, as the scenario saw it. */
export interface DeliveryRecord {
  endpoint: 'alert' | 'on-demand';
  status: number;
  action: string;
  reason: string;
  instanceIds: string[];
}

/**
 * The JSON summary a scenario prints (the last stdout line with `--json`). Other issues add optional fields
 * (`teams`, `sweeper`, `proactive`, ...) through {@link ScenarioContext.extra}.
 */
export interface ScenarioSummary {
  scenario: string;
  investigations: ScenarioInvestigation[];
  captureJobs: { created: number; maxConcurrent: number; leftBehind: number };
  webhook: { delivered: number; statuses: number[]; reasons: string[] };
  onDemand: { delivered: number; statuses: number[] };
  /** Orchestration instances started, and how each ended. */
  instances: Array<{ instanceId: string; runtimeStatus: string }>;
  /** Posts that reached the Teams sink (refused ones included), and how many it accepted. */
  teams: { posts: number; accepted: number };
  [extra: string]: unknown;
}

/** What a scenario can do with the simulated deployment. */
export interface ScenarioContext {
  session: SimSession;
  /** Virtual now. */
  now(): Date;
  /** Moves the virtual clock forward (a delivery "1 s later" costs no wall time). */
  advance(ms: number): void;
  /** POSTs a payload to the alert webhook (the real registered handler) and records the answer. */
  deliverAlert(payload: unknown): Promise<DeliveryRecord>;
  /** POSTs a body to the on-demand endpoint and records the answer. */
  requestOnDemand(body: unknown): Promise<DeliveryRecord>;
  /** Adds an optional field to the summary (e.g. `sweeper`). */
  extra(name: string, value: unknown): void;
  /**
   * Fires a timer-triggered function (the real registered handler, with its Durable client binding), as the host
   * does on schedule. Rejects with the handler's error.
   */
  invokeTimer(name: string): Promise<void>;
  /**
   * Adds a file that `demo --scenario --out DIR` writes at `DIR/<path>` (a relative path of plain segments, e.g.
   * `fleet/index.html`).
   */
  attach(path: string, text: string): void;
}

/** A runnable scenario: one module per scenario in this folder, listed in the registry. */
export interface Scenario {
  name: string;
  /** One line: what it shows. */
  description: string;
  /** How the simulated deployment is set up for it (settings, cluster, ...). */
  session?: SimSessionOptions;
  /** Delivers the requests; the harness then drives every instance to its end and collects the summary. */
  run(ctx: ScenarioContext): Promise<void>;
  /** Optional: runs once every instance has ended, before the summary is collected (extra fields, checks). */
  after?(ctx: ScenarioContext): Promise<void>;
}
