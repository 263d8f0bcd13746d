/**
 * `GET /api/investigations/{instanceId}` (function key): the status URL the intake endpoints hand out. It shows
 * the phase, node and outcome of one investigation, and nothing that could manage it (no terminate, purge or
 * raise-event links, no system key).
 */
import type { HttpFunctionOptions, HttpHandler, HttpResponseInit } from '@azure/functions';
import functions from '@azure/functions';
import * as df from 'durable-functions';
import { isSnatInstanceId } from '../src/alert/instanceId.js';
import { functionLogger } from './telemetry.js';

/** Builds the status handler; `getClient` is injectable for tests. */
export function createInvestigationStatusHandler(
  getClient: (context: Parameters<HttpHandler>[1]) => Pick<df.DurableClient, 'getStatus'> = (c) => df.getClient(c),
): HttpHandler {
  return async (request, context): Promise<HttpResponseInit> => {
    const instanceId = request.params.instanceId ?? '';
    if (!isSnatInstanceId(instanceId)) {
      return { status: 400, jsonBody: { error: 'instanceId must be an investigation id (snat-<hash>-<window>)' } };
    }
    let status: df.DurableOrchestrationStatus | undefined;
    try {
      status = await getClient(context).getStatus(instanceId, { showInput: false });
    } catch (error) {
      if (error instanceof Error && /\b404\b/.test(error.message)) status = undefined;
      else {
        functionLogger(context, { instanceId }).error('status lookup failed');
        return {
          status: 503,
          jsonBody: { error: 'could not read the status; retry' },
          headers: { 'Retry-After': '10' },
        };
      }
    }
    if (!status) return { status: 404, jsonBody: { error: `no investigation ${instanceId}` } };
    const running = ['Pending', 'Running', 'ContinuedAsNew', 'Suspended'].includes(String(status.runtimeStatus));
    return {
      status: running ? 202 : 200,
      jsonBody: {
        instanceId,
        runtimeStatus: status.runtimeStatus,
        customStatus: status.customStatus ?? null,
        output: status.output ?? null,
        createdTime: status.createdTime,
        lastUpdatedTime: status.lastUpdatedTime,
      },
      headers: running ? { 'Retry-After': '10' } : {},
    };
  };
}

/** Registration options, exported so tests can assert the trigger needs a function key. */
export const investigationStatusRegistration: HttpFunctionOptions = {
  methods: ['GET'],
  authLevel: 'function',
  route: 'investigations/{instanceId}',
  extraInputs: [df.input.durableClient()],
  handler: createInvestigationStatusHandler(),
};

functions.app.http('investigationStatus', investigationStatusRegistration);
