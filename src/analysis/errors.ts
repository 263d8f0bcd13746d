/** Errors raised by the analysis engine. Callers (CLI, activities) map them to exit codes or failed reports. */

/** A user-supplied CIDR could not be parsed. */
export class InvalidCidrError extends Error {
  override readonly name = 'InvalidCidrError';
  constructor(
    readonly cidr: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid CIDR "${cidr}": expected e.g. 10.1.0.0/16 or fd00::/8`, options);
  }
}
