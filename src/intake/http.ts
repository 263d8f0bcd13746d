import type { IntakeAnswer } from './types.js';

/** The route of the status endpoint (function key required, like every endpoint). */
export const STATUS_ROUTE_PREFIX = '/api/investigations/';

/**
 * The JSON body an HTTP endpoint answers with: the intake answer, each instance with the URL of the status
 * endpoint. Never a Durable management URL or a key: the caller adds its own function key to the status URL.
 *
 * @example
 * answerBody(answer, 'https://app.azurewebsites.net').instances[0].statusUrl
 * // => 'https://app.azurewebsites.net/api/investigations/snat-…'
 */
export function answerBody(answer: IntakeAnswer, origin: string) {
  const { source: _source, httpStatus: _status, retryAfterSeconds: _retry, ...rest } = answer;
  return {
    ...rest,
    instances: answer.instances.map((i) => ({
      ...i,
      statusUrl: `${origin}${STATUS_ROUTE_PREFIX}${encodeURIComponent(i.instanceId)}`,
    })),
  };
}

/** Response headers: `Location` (first instance's status URL) for a 202, `Retry-After` for a 503. */
export function answerHeaders(answer: IntakeAnswer, origin: string): Record<string, string> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  const first = answer.instances[0];
  if (answer.httpStatus === 202 && first) {
    headers.Location = `${origin}${STATUS_ROUTE_PREFIX}${encodeURIComponent(first.instanceId)}`;
    headers['Retry-After'] = '10';
  }
  if (answer.retryAfterSeconds !== undefined) headers['Retry-After'] = String(answer.retryAfterSeconds);
  return headers;
}
