import type { HttpResponseInit } from '@azure/functions';
import functions from '@azure/functions';
import type * as df from 'durable-functions';
import { describe, expect, it } from 'vitest';
import { alertWebhookRegistration } from '../../../functions/alertWebhook.js';
import { investigateNodeRegistration } from '../../../functions/investigateNode.js';
import {
  createInvestigationStatusHandler,
  investigationStatusRegistration,
} from '../../../functions/investigationStatus.js';

const { HttpRequest, InvocationContext } = functions;
const ID = 'snat-0123456789abcdef0123456789abcdef-20261104T1215Z';

function call(status: Partial<df.DurableOrchestrationStatus> | Error | undefined, id = ID) {
  const handler = createInvestigationStatusHandler(() => ({
    getStatus: async () => {
      if (status instanceof Error) throw status;
      return status as df.DurableOrchestrationStatus;
    },
  }));
  return handler(
    new HttpRequest({ method: 'GET', url: `https://x.example/api/investigations/${id}`, params: { instanceId: id } }),
    new InvocationContext({ logHandler: () => {} }),
  ) as Promise<HttpResponseInit>;
}

describe('every HTTP endpoint', () => {
  it('needs a function key (never anonymous, never an admin key)', () => {
    for (const registration of [
      alertWebhookRegistration,
      investigateNodeRegistration,
      investigationStatusRegistration,
    ]) {
      expect(registration.authLevel).toBe('function');
    }
    expect(investigationStatusRegistration).toMatchObject({ methods: ['GET'], route: 'investigations/{instanceId}' });
  });
});

describe('investigationStatus', () => {
  it('shows phase and outcome, nothing that manages the instance', async () => {
    const res = await call({
      runtimeStatus: 'Running' as df.OrchestrationRuntimeStatus,
      customStatus: { phase: 'tracing' },
      createdTime: new Date('2026-11-04T12:18:00Z'),
      lastUpdatedTime: new Date('2026-11-04T12:19:00Z'),
      input: { secret: 'input is not shown' },
    });
    expect(res.status).toBe(202);
    expect(res.jsonBody).toMatchObject({
      instanceId: ID,
      runtimeStatus: 'Running',
      customStatus: { phase: 'tracing' },
    });
    expect(JSON.stringify(res.jsonBody)).not.toMatch(/input is not shown|terminate|purge|raiseEvent|code=/);
  });

  it('answers 200 when finished, 404 for an unknown id, 400 for a malformed one, 503 when the store fails', async () => {
    expect(
      (await call({ runtimeStatus: 'Completed' as df.OrchestrationRuntimeStatus, output: { nodes: [] } })).status,
    ).toBe(200);
    expect((await call(new Error('DurableClient error: ... replied with HTTP 404 response'))).status).toBe(404);
    expect((await call(undefined, '../../admin')).status).toBe(400);
    expect((await call(new Error('ECONNREFUSED'))).status).toBe(503);
  });
});
