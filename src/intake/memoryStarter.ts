import type { InvestigationRequest } from '../alert/types.js';
import type { ExistingInvestigation, InvestigationStarter } from './types.js';

/** One investigation a {@link MemoryStarter} recorded. */
export interface RecordedStart {
  instanceId: string;
  input: InvestigationRequest;
  createdTime: string;
}

/**
 * An in-memory orchestration store: `alert --dry-run` runs the intake against it, so the CLI shows exactly what
 * the webhook would answer for a first delivery, and starts nothing.
 *
 * @example
 * const starter = new MemoryStarter(() => new Date('2026-11-04T12:00:00Z'));
 * await new IntakeService({ settings: () => s, starter }).submitAlert(body, now);
 * starter.started // what would have started
 */
export class MemoryStarter implements InvestigationStarter {
  readonly started: RecordedStart[] = [];
  readonly #now: () => Date;

  constructor(now: () => Date) {
    this.#now = now;
  }

  async getStatus(instanceId: string): Promise<ExistingInvestigation | null> {
    const found = this.started.find((s) => s.instanceId === instanceId);
    return found ? { runtimeStatus: 'Pending', createdTime: found.createdTime } : null;
  }

  async start(instanceId: string, input: InvestigationRequest): Promise<void> {
    if (this.started.some((s) => s.instanceId === instanceId)) throw new Error(`instance ${instanceId} exists`);
    this.started.push({ instanceId, input, createdTime: this.#now().toISOString() });
  }

  async raiseEvent(): Promise<void> {}

  async startedSince(loadBalancerId: string, since: Date): Promise<number> {
    const key = loadBalancerId.trim().toLowerCase();
    return this.started.filter(
      (s) => s.input.target.loadBalancerId.toLowerCase() === key && Date.parse(s.createdTime) >= since.getTime(),
    ).length;
  }
}
