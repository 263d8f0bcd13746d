/**
 * The `demo --scenario` harness: starts a fresh simulated deployment, lets the scenario deliver its requests
 * through the real HTTP handlers, drives every orchestration (and entity) to its end and returns the summary.
 */
import type { InvestigationOutcome } from '../../investigation/contracts.js';
import { type SimSession, startSimSession } from '../demo.js';
import { collectSummary } from './collector.js';
import type { DeliveryRecord, Scenario, ScenarioContext, ScenarioSummary } from './types.js';

/** What {@link runScenario} returns: the summary plus the stored reports, for `--out`. */
export interface ScenarioRun {
  summary: ScenarioSummary;
  /** Each stored report's files (by report prefix). */
  reports: Array<{ prefix: string; node: string; files: Record<string, string> }>;
  /** Files the scenario attached (relative path -> text), e.g. the fleet view. */
  files: Record<string, string>;
}

/** A relative path of plain segments (no `..`, no absolute path, no backslash): safe to join under `--out`. */
const ATTACHED_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

async function deliver(
  session: SimSession,
  endpoint: DeliveryRecord['endpoint'],
  payload: unknown,
  url: string,
): Promise<DeliveryRecord> {
  const response = await session.durable.registry.invokeHttp(
    endpoint === 'alert' ? 'alertWebhook' : 'investigateNode',
    {
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', 'x-functions-key': 'scenario' },
      body: JSON.stringify(payload),
    },
  );
  const body = response.json() as { action?: string; reason?: string; instances?: Array<{ instanceId: string }> };
  return {
    endpoint,
    status: response.status,
    action: body.action ?? 'unknown',
    reason: body.reason ?? '',
    instanceIds: (body.instances ?? []).map((i) => i.instanceId),
  };
}

/**
 * Runs one scenario on a fresh simulated deployment.
 *
 * @example
 * const { summary } = await runScenario(findScenario('duplicate-storm'));
 */
export async function runScenario(
  scenario: Scenario,
  opts: { onProgress?: (line: string) => void } = {},
): Promise<ScenarioRun> {
  const session = await startSimSession({ autoRun: true, ...scenario.session });
  try {
    const deliveries: DeliveryRecord[] = [];
    const extras: Record<string, unknown> = {};
    const files: Record<string, string> = {};
    const ctx: ScenarioContext = {
      session,
      now: () => new Date(session.clock.now()),
      advance: (ms) => session.clock.advanceTo(session.clock.now() + ms),
      deliverAlert: async (payload) => {
        const record = await deliver(session, 'alert', payload, 'http://127.0.0.1:7071/api/alerts');
        deliveries.push(record);
        opts.onProgress?.(`alert delivered: ${record.status} ${record.action}`);
        return record;
      },
      requestOnDemand: async (body) => {
        const record = await deliver(session, 'on-demand', body, 'http://127.0.0.1:7071/api/investigations');
        deliveries.push(record);
        opts.onProgress?.(`on-demand request: ${record.status} ${record.action}`);
        return record;
      },
      extra: (name, value) => {
        extras[name] = value;
      },
      invokeTimer: async (name) => {
        await session.durable.registry.invoke(name, { triggerData: { json: JSON.stringify({ isPastDue: false }) } });
        opts.onProgress?.(`timer ${name} fired`);
      },
      attach: (path, text) => {
        if (!ATTACHED_PATH.test(path)) throw new Error(`scenario file path not allowed: ${JSON.stringify(path)}`);
        files[path] = text;
      },
    };
    // Virtual time stands still while the scenario delivers its requests (they arrive within seconds in reality);
    // activities and entity operations run meanwhile.
    session.durable.driver.holdTimers();
    try {
      await scenario.run(ctx);
    } finally {
      session.durable.driver.releaseTimers();
    }
    const after = scenario.after;
    const summary = await collectSummary(
      scenario.name,
      session,
      deliveries,
      extras,
      after ? () => after.call(scenario, ctx) : undefined,
    );
    const store = await session.world.deps.reports();
    const reports: ScenarioRun['reports'] = [];
    for (const inv of summary.investigations) {
      if (!inv.reportStored) continue;
      const files: Record<string, string> = {};
      for (const f of ['report.json', 'report.md', 'report.html']) {
        files[f] = (await store.readFile(inv.prefix, f)).toString('utf8');
      }
      reports.push({ prefix: inv.prefix, node: inv.node, files });
    }
    return { summary, reports, files };
  } finally {
    await session.close();
  }
}

export type { InvestigationOutcome };
