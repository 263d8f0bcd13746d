/** Errors of the Teams card builder. */

/** Even the leanest card exceeds the size limit (only possible with a tiny limit or a huge report URL). */
export class CardTooLargeError extends Error {
  readonly bytes: number;
  readonly maxBytes: number;
  constructor(message: string, details: { bytes: number; maxBytes: number }, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CardTooLargeError';
    this.bytes = details.bytes;
    this.maxBytes = details.maxBytes;
  }
}
