/**
 * Errors raised by the simulated Functions host and the Durable replay driver. They describe
 * mistakes in how the sim is used (a function that was never registered, an orchestration
 * that never finishes) or a user function that threw; they never wrap production failures.
 */

/** Base class of every error raised under `src/sim/durable`. */
export class DurableSimError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DurableSimError';
  }
}

/** The stand-in was installed too late, or a function name/route does not exist. */
export class FunctionsHostStandInError extends DurableSimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FunctionsHostStandInError';
  }
}

/** A user handler threw during an invocation; `cause` is what it threw. */
export class FunctionInvocationError extends DurableSimError {
  /** The registered function whose handler threw. */
  readonly functionName: string;
  constructor(functionName: string, options: { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`Function '${functionName}' failed: ${reason}`, options);
    this.name = 'FunctionInvocationError';
    this.functionName = functionName;
  }
}

/** The replay driver met something it cannot drive (unknown instance, unsupported action, no progress). */
export class ReplayDriverError extends DurableSimError {
  /** The orchestration instance concerned, when there is one. */
  readonly instanceId: string | undefined;
  constructor(message: string, options?: { cause?: unknown; instanceId?: string }) {
    super(message, options);
    this.name = 'ReplayDriverError';
    this.instanceId = options?.instanceId;
  }
}

/** A `start` with an instance id that is still Pending or Running (the extension answers 409). */
export class OrchestrationAlreadyExistsError extends ReplayDriverError {
  constructor(instanceId: string, runtimeStatus: string) {
    super(`An Orchestration instance with the status ${runtimeStatus} already exists.`, { instanceId });
    this.name = 'OrchestrationAlreadyExistsError';
  }
}
