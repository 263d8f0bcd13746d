/**
 * The `kind: Status` bodies the simulated API server answers errors with, shaped as the real server's so
 * client-node's `ApiException` and kubectl print the same messages.
 */

type Json = Record<string, unknown>;

/** The `reason` Kubernetes puts in a Status body for each HTTP code the simulator answers. */
export const STATUS_REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'AlreadyExists',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/**
 * A failure Status body: `message`, the reason for `code` (or `reason` when given) and optional `details`.
 *
 * @example statusBody(404, 'pods "web-1" not found', { name: 'web-1', kind: 'pods' })
 */
export function statusBody(code: number, message: string, details?: Json, reason?: string): Json {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: reason ?? STATUS_REASONS[code] ?? 'Unknown',
    ...(details ? { details } : {}),
    code,
  };
}

/** The 404 answer for a named object of `kind` (plural resource name, `group` for non-core groups). */
export function notFound(kind: string, name: string, group = ''): { status: number; body: Json } {
  return {
    status: 404,
    body: statusBody(404, `${kind} "${name}" not found`, { name, kind, ...(group ? { group } : {}) }),
  };
}
