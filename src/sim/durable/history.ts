/**
 * Durable Task history events in the JSON shape the Durable extension hands to out-of-process
 * orchestrators (PascalCase properties, numeric `EventType`, ISO `Timestamp`).
 */

/** History event type numbers, as `durable-functions` reads them. */
export const HistoryEventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
} as const;

/** One history event. Only the properties of the event's type are set. */
export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  Name?: string;
  Input?: string | null;
  Version?: string;
  OrchestrationInstance?: { InstanceId: string; ExecutionId: string };
  /** EventSent: the target instance (an entity's scheduler id, `@name@key`). */
  InstanceId?: string;
  ParentInstance?: null;
  Tags?: null;
  TaskScheduledId?: number;
  Result?: string | null;
  Reason?: string;
  Details?: string;
  FireAt?: string;
  TimerId?: number;
  OrchestrationStatus?: string;
}

function base(EventType: number, EventId: number, at: number): HistoryEvent {
  return { EventType, EventId, IsPlayed: false, Timestamp: new Date(at).toISOString() };
}

/** Builders for each event the replay driver writes. `at` is virtual epoch milliseconds. */
export const historyEvent = {
  orchestratorStarted: (at: number): HistoryEvent => base(HistoryEventType.OrchestratorStarted, -1, at),
  orchestratorCompleted: (at: number): HistoryEvent => base(HistoryEventType.OrchestratorCompleted, -1, at),
  executionStarted: (at: number, name: string, instanceId: string, executionId: string, input: unknown) => ({
    ...base(HistoryEventType.ExecutionStarted, -1, at),
    Name: name,
    Version: '',
    Input: input === undefined ? null : JSON.stringify(input),
    OrchestrationInstance: { InstanceId: instanceId, ExecutionId: executionId },
    ParentInstance: null,
    Tags: null,
  }),
  executionCompleted: (at: number, status: 'Completed' | 'Failed' | 'ContinuedAsNew', result: string | null) => ({
    ...base(HistoryEventType.ExecutionCompleted, -1, at),
    OrchestrationStatus: status,
    Result: result,
  }),
  executionTerminated: (at: number, reason: string) => ({
    ...base(HistoryEventType.ExecutionTerminated, -1, at),
    Input: JSON.stringify(reason),
  }),
  taskScheduled: (at: number, id: number, name: string, inputJson: string | null) => ({
    ...base(HistoryEventType.TaskScheduled, id, at),
    Name: name,
    Version: '',
    Input: inputJson,
  }),
  taskCompleted: (at: number, scheduledId: number, resultJson: string) => ({
    ...base(HistoryEventType.TaskCompleted, -1, at),
    TaskScheduledId: scheduledId,
    Result: resultJson,
  }),
  taskFailed: (at: number, scheduledId: number, reason: string, details: string) => ({
    ...base(HistoryEventType.TaskFailed, -1, at),
    TaskScheduledId: scheduledId,
    Reason: reason,
    Details: details,
  }),
  timerCreated: (at: number, id: number, fireAt: number) => ({
    ...base(HistoryEventType.TimerCreated, id, at),
    FireAt: new Date(fireAt).toISOString(),
  }),
  eventSent: (at: number, id: number, targetInstanceId: string, name: string, inputJson: string) => ({
    ...base(HistoryEventType.EventSent, id, at),
    InstanceId: targetInstanceId,
    Name: name,
    Input: inputJson,
  }),
  eventRaised: (at: number, name: string, inputJson: string | null) => ({
    ...base(HistoryEventType.EventRaised, -1, at),
    Name: name,
    Input: inputJson,
  }),
  timerFired: (at: number, timerId: number, fireAt: number) => ({
    ...base(HistoryEventType.TimerFired, -1, at),
    TimerId: timerId,
    FireAt: new Date(fireAt).toISOString(),
  }),
} satisfies Record<string, (...args: never[]) => HistoryEvent>;

/** Human-readable name of an event type (for logs and test messages). */
export function historyEventTypeName(eventType: number): string {
  const entry = Object.entries(HistoryEventType).find(([, value]) => value === eventType);
  return entry ? entry[0] : `EventType${eventType}`;
}
