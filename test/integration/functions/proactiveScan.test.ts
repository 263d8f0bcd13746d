/**
 * The proactive timer as the host sees it: registered by the app's entry point with the schedule
 * PROACTIVE_SCAN_MINUTES gives and a Durable client input, and off (starting nothing) without clusters. The full
 * pass over a simulated fleet, through the intake, is `demo --scenario proactive` (test/integration/cli).
 */
import { InvocationContext } from '@azure/functions';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../../src/config/settings.js';
import { type InvestigationDeps, setInvestigationDeps } from '../../../src/investigation/dependencies.js';
import { installFunctionsHostStandIn } from '../../../src/sim/durable/hostStandIn.js';

const registry = installFunctionsHostStandIn();
let handler: typeof import('../../../functions/proactiveScan.js');

beforeAll(async () => {
  // The schedule is read when the app registers its functions.
  vi.stubEnv('PROACTIVE_SCAN_MINUTES', '10');
  await import('../../../functions/index.js');
  handler = await import('../../../functions/proactiveScan.js');
  vi.unstubAllEnvs();
});

afterEach(() => {
  setInvestigationDeps(null);
});

describe('proactiveScan timer', () => {
  it('is registered by the entry point as a timer every PROACTIVE_SCAN_MINUTES, with a Durable client', () => {
    const fn = registry.functions.get(handler.PROACTIVE_SCAN_FUNCTION);
    expect(fn?.triggerType).toBe('timerTrigger');
    const bindings = Object.values(fn?.metadata.bindings ?? {});
    expect(bindings.find((b) => b.type === 'timerTrigger')).toMatchObject({
      schedule: '0 */10 * * * *',
      runOnStartup: false,
      useMonitor: true,
    });
    expect(bindings.map((b) => b.type)).toContain('durableClient');
    // Next to the other entry points, not instead of them.
    for (const name of ['alertWebhook', 'investigateNode', 'sweepCaptureJobs']) {
      expect(registry.functions.has(name), name).toBe(true);
    }
  });

  it('is off without PROACTIVE_CLUSTER_IDS: says so in one JSON line and scans nothing', async () => {
    const settings = loadSettings({ REPORTS_CONNECTION_STRING: 'UseDevelopmentStorage=true' });
    expect(settings.proactive.clusterIds).toEqual([]);
    const fleetSources = vi.fn();
    setInvestigationDeps({ settings, fleetSources } as unknown as InvestigationDeps);
    const lines: string[] = [];
    const context = new InvocationContext({
      functionName: handler.PROACTIVE_SCAN_FUNCTION,
      logHandler: (_level, ...args) => lines.push(String(args[0])),
    });
    const result = await handler.proactiveScan({ isPastDue: false }, context);
    expect(result).toBeNull();
    expect(fleetSources).not.toHaveBeenCalled();
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 'info', component: 'proactive', message: expect.stringContaining('off') }),
    ]);
  });
});
