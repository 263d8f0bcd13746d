/** Errors of the Teams Workflows webhook adapter. Messages never contain the webhook URL (it is a secret). */

/** The webhook URL is missing, malformed or not https. */
export class InvalidWebhookUrlError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidWebhookUrlError';
  }
}

/** The message could not be delivered. */
export class TeamsDeliveryError extends Error {
  /** Last HTTP status, null when the request never got an answer. */
  readonly status: number | null;
  readonly attempts: number;
  /** Card budget of the last attempt. */
  readonly budget: string;
  /** True when a later try may succeed (throttling, 5xx, network). */
  readonly retryable: boolean;
  constructor(
    message: string,
    options: { status: number | null; attempts: number; budget: string; retryable: boolean; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TeamsDeliveryError';
    this.status = options.status;
    this.attempts = options.attempts;
    this.budget = options.budget;
    this.retryable = options.retryable;
  }
}
