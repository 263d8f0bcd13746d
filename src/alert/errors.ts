/** Invalid intake settings (cooldown, body limit): a deployment problem, never a payload problem. */
export class AlertConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AlertConfigError';
  }
}

/** The Durable backend could not tell whether an investigation exists, or could not start it. */
export class AlertIntakeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AlertIntakeError';
  }
}
