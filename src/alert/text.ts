/**
 * A bounded, escaped excerpt of untrusted text for error messages: at most `max` characters of the input,
 * JSON-quoted so control characters and quotes cannot break a log line.
 *
 * @example excerpt('{"schemaId": 1', 8) // => '"{\"schema…"'
 */
export function excerpt(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}

/** Kind of a JSON value for messages ("an array", "null", "a string"). */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
