import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { ActivityName } from '../../src/investigation/activityNames.js';
import { type InvestigationDeps, investigationDeps } from '../../src/investigation/dependencies.js';
import { isStoreOutage, StoreUnavailableError } from '../../src/investigation/storeOutage.js';
import { keysFromPrefix, type Logger } from '../../src/logging/logger.js';
import { functionLogger } from '../telemetry.js';

/** A step: the dependencies, the activity's (small) input, and a logger carrying correlation keys. */
export type Step<I, O> = (deps: InvestigationDeps, input: I, logger: Logger) => Promise<O>;

function correlationKeys(input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null) return {};
  const i = input as { prefix?: unknown; cluster?: { name?: unknown }; node?: unknown; jobName?: unknown };
  return {
    ...(typeof i.prefix === 'string' ? keysFromPrefix(i.prefix) : {}),
    ...(typeof i.cluster?.name === 'string' ? { cluster: i.cluster.name } : {}),
    ...(typeof i.node === 'string' ? { node: i.node } : {}),
    ...(typeof i.jobName === 'string' ? { jobName: i.jobName } : {}),
  };
}

/**
 * Registers one activity: thin by design. Errors propagate so Durable's retry policy sees them; the log line
 * says which step failed and for which investigation, never the input itself.
 *
 * `load` imports the step's module on first use: the Kubernetes client, the Azure SDKs and the chart renderer
 * then load in the activity that needs them, and importing the Function App entry point stays cheap
 * (bench/functions-import.mjs).
 *
 * @example registerStep(ACTIVITY.resolveNode, async () => (await import('./steps.js')).resolveNode);
 */
export function registerStep<I, O>(name: ActivityName, load: () => Promise<Step<I, O>>): void {
  df.app.activity(name, {
    handler: async (input: unknown, context: InvocationContext) => {
      const logger = functionLogger(context, { activity: name, ...correlationKeys(input) });
      try {
        const [step, deps] = await Promise.all([load(), investigationDeps()]);
        return await step(deps, input as I, logger);
      } catch (err) {
        logger.warn('activity failed', { error: (err as Error).name, detail: (err as Error).message?.slice(0, 500) });
        // Say "storage outage" in a way the orchestration can see through Durable: it then backs off on timers
        // for up to STORE_RETRY_MINUTES instead of giving up after three tries.
        if (isStoreOutage(err) && !(err instanceof StoreUnavailableError)) {
          throw new StoreUnavailableError((err as Error).message, { cause: err });
        }
        throw err;
      }
    },
  });
}
