/**
 * The activity that tells waiting investigations the node's report is stored: it raises the external event on
 * each through the Durable client (an orchestrator cannot raise events on another instance itself).
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { ACTIVITY } from '../../src/investigation/activityNames.js';
import type { NotifyWaitersInput, NotifyWaitersOutput } from '../../src/investigation/contracts.js';
import { NODE_REPORT_EVENT } from '../../src/investigation/entityNames.js';
import { functionLogger } from '../telemetry.js';

df.app.activity(ACTIVITY.notifyWaiters, {
  extraInputs: [df.input.durableClient()],
  handler: async (input: unknown, context: InvocationContext): Promise<NotifyWaitersOutput> => {
    const { waiters, report } = input as NotifyWaitersInput;
    const client = df.getClient(context);
    const logger = functionLogger(context, { activity: ACTIVITY.notifyWaiters, instanceId: report.instanceId });
    let told = 0;
    for (const waiter of waiters) {
      try {
        await client.raiseEvent(waiter, NODE_REPORT_EVENT, report);
        told += 1;
      } catch (err) {
        // A waiter that has ended needs nothing; one that missed the event finds the report at the entity.
        logger.warn('could not tell a waiting investigation', { waiter, error: (err as Error).message?.slice(0, 200) });
      }
    }
    return { told };
  },
});
