import type { DurableClient } from 'durable-functions';
import type { InvestigationRequest } from '../alert/types.js';
import { SNAT_INVESTIGATION_ORCHESTRATOR } from '../investigation/orchestratorNames.js';
import type { ExistingInvestigation, InvestigationStarter } from './types.js';

function iso(value: Date | string | undefined): string | null {
  if (value === undefined) return null;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** durable-functions v3 throws on 404 (older versions resolved undefined): both mean "no such instance". */
function isNotFound(error: unknown): boolean {
  return error instanceof Error && /\b404\b/.test(error.message);
}

/**
 * The intake's {@link InvestigationStarter} over the Durable client (the HTTP functions' `durableClient` input).
 *
 * @example
 * const starter = durableStarter(df.getClient(context));
 */
export function durableStarter(client: DurableClient): InvestigationStarter {
  return {
    async getStatus(instanceId): Promise<ExistingInvestigation | null> {
      try {
        const status = await client.getStatus(instanceId, { showInput: false });
        if (!status) return null;
        return { runtimeStatus: String(status.runtimeStatus ?? 'Unknown'), createdTime: iso(status.createdTime) };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    async start(instanceId, input: InvestigationRequest) {
      await client.startNew(SNAT_INVESTIGATION_ORCHESTRATOR, { instanceId, input });
    },
    async raiseEvent(instanceId, eventName, data) {
      await client.raiseEvent(instanceId, eventName, data);
    },
    async startedSince(loadBalancerId, since) {
      const key = loadBalancerId.trim().toLowerCase();
      const statuses = await client.getStatusBy({ createdTimeFrom: since });
      return statuses.filter((s) => {
        const input = s.input as Partial<InvestigationRequest> | null | undefined;
        const created = iso(s.createdTime);
        return (
          s.name === SNAT_INVESTIGATION_ORCHESTRATOR &&
          created !== null &&
          Date.parse(created) >= since.getTime() &&
          input?.target?.loadBalancerId?.trim().toLowerCase() === key
        );
      }).length;
    },
  };
}
