/**
 * Request-level fault hooks for the loopback API server: small functions the server asks, for every request,
 * whether to answer it with an error instead (fault scenarios, resilience tests). Kept apart from the server so
 * scenarios can add hooks without touching its routing.
 */

/** A request as a hook sees it. */
export interface HookedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
}

/** Returns an HTTP status to fail the request with, or null to let it through. */
export type RequestFaultHook = (request: HookedRequest) => number | null;

/**
 * Fails every `n`th request (counting only those `filter` accepts) with `status`: a flaky API server.
 * Discovery and access reviews are left alone by default, as kubectl-style clients cache them.
 *
 * @example const flaky = failEveryNth(3); // requests 3, 6, 9, ... answer 500
 */
export function failEveryNth(
  n: number,
  status = 500,
  filter: (r: HookedRequest) => boolean = (r) => r.path.startsWith('/api/v1/') || r.path.startsWith('/apis/batch/'),
): RequestFaultHook & { readonly failed: number } {
  let seen = 0;
  let failed = 0;
  const hook = ((r: HookedRequest) => {
    if (!filter(r)) return null;
    seen += 1;
    if (seen % n !== 0) return null;
    failed += 1;
    return status;
  }) as RequestFaultHook & { readonly failed: number };
  Object.defineProperty(hook, 'failed', { get: () => failed });
  return hook;
}
