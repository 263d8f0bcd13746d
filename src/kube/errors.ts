/**
 * Errors of the Kubernetes adapter. Vendor exceptions (`ApiException`, fetch
 * failures, WebSocket errors) are translated into these so callers (the CLI,
 * the durable activities) can decide on retries and messages without knowing
 * the client library.
 */

interface ErrorOptions {
  cause?: unknown;
}

/** Base class: every error this adapter throws on purpose extends it. */
export class KubeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KubeError';
  }
}

/** The kubeconfig is missing, unreadable, or names an unknown context. */
export class KubeConfigError extends KubeError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KubeConfigError';
  }
}

/** The API server could not be reached (connection refused, DNS, TLS). Retryable. */
export class KubeUnreachableError extends KubeError {
  constructor(
    message: string,
    readonly server: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'KubeUnreachableError';
  }
}

/** A request did not answer within its timeout. Retryable. */
export class KubeTimeoutError extends KubeError {
  constructor(
    message: string,
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'KubeTimeoutError';
  }
}

/** The API server answered with an error Status. `status` is the HTTP code, `reason` the Status reason. */
export class KubeApiError extends KubeError {
  /**
   * How long the server asked to wait before a retry (`Retry-After`, or the Status's
   * `details.retryAfterSeconds`), in ms; null when it did not say.
   */
  readonly retryAfterMs: number | null;

  constructor(
    message: string,
    readonly status: number,
    readonly reason: string | null,
    options?: ErrorOptions & { retryAfterMs?: number | null },
  ) {
    super(message, options);
    this.name = 'KubeApiError';
    this.retryAfterMs = options?.retryAfterMs ?? null;
  }

  /** True for 5xx and 429: worth retrying. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429;
  }
}

/** 401/403: the identity lacks a permission. The message names the verb and resource. */
export class KubeForbiddenError extends KubeApiError {
  constructor(message: string, status: number, reason: string | null, options?: ErrorOptions) {
    super(message, status, reason, options);
    this.name = 'KubeForbiddenError';
  }
}

/** No node matches the name or InternalIP; the message lists the known nodes. */
export class NodeNotFoundError extends KubeError {
  constructor(
    readonly query: string,
    readonly known: Array<{ name: string; internalIPs: string[] }>,
    options?: ErrorOptions,
  ) {
    const list = known.map((n) => `${n.name} (${n.internalIPs.join(', ') || 'no InternalIP'})`).join('; ');
    super(`node "${query}" not found by name or InternalIP; nodes: ${list || 'none'}`, options);
    this.name = 'NodeNotFoundError';
  }
}

/** The capture namespace is missing or not labelled for privileged pods; the message has the exact fix. */
export class CapturePreflightError extends KubeError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CapturePreflightError';
  }
}

/** The cluster-wide cap on concurrent captures is reached. */
export class CaptureCapacityError extends KubeError {
  constructor(
    readonly running: string[],
    readonly maxConcurrent: number,
    options?: ErrorOptions,
  ) {
    super(
      `${running.length} node captures already running (limit ${maxConcurrent}): ${running.join(', ')}; retry later`,
      options,
    );
    this.name = 'CaptureCapacityError';
  }
}

/** A capture Job of that name exists but is not this run's to adopt or delete (foreign owner, or finished). */
export class CaptureOwnershipError extends KubeError {
  constructor(
    readonly jobName: string,
    why: string,
    options?: ErrorOptions,
  ) {
    super(`capture Job ${jobName} is not this run's: ${why}`, options);
    this.name = 'CaptureOwnershipError';
  }
}

/** The capture Job's log lacks the end marker or a frame does not match its byte count. */
export class CaptureOutputTruncatedError extends KubeError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CaptureOutputTruncatedError';
  }
}

/** The capture Job did not produce output: failed, deadline exceeded, or its pod is gone. */
export class CaptureFailedError extends KubeError {
  constructor(
    message: string,
    readonly phase: string,
    readonly reason: string | null,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CaptureFailedError';
  }
}
