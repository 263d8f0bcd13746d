/**
 * `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews` (what `kubectl auth can-i` sends), answered by
 * the same {@link SimAuthorizer} that enforces every other request.
 */
import type { SimAuthorizer, SimUser } from './authorizer.js';
import type { RequestAttributes } from './rbac.js';

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Evaluates a SelfSubjectAccessReview body for `user`. Returns the review with its `status`, or a one-line
 * error for a body that names neither resource nor non-resource attributes (the API server's 422).
 */
export function selfSubjectAccessReview(
  body: Json,
  user: SimUser,
  authorizer: SimAuthorizer,
): { ok: true; review: Json } | { ok: false; message: string } {
  const spec = (body.spec as Json | undefined) ?? {};
  const ra = spec.resourceAttributes as Json | undefined;
  const nra = spec.nonResourceAttributes as Json | undefined;
  if ((ra && nra) || (!ra && !nra)) {
    return {
      ok: false,
      message:
        'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    };
  }
  let allowed: boolean;
  if (ra) {
    const attrs: RequestAttributes = {
      verb: str(ra.verb) ?? '',
      apiGroup: typeof ra.group === 'string' ? ra.group : '',
      resource: str(ra.resource) ?? '',
      ...(str(ra.subresource) ? { subresource: str(ra.subresource) } : {}),
      ...(str(ra.namespace) ? { namespace: str(ra.namespace) } : {}),
      ...(str(ra.name) ? { name: str(ra.name) } : {}),
    };
    allowed = authorizer.allows(user, attrs);
  } else {
    allowed = authorizer.allowsPath(user, str(nra?.path) ?? '', str(nra?.verb) ?? '');
  }
  return {
    ok: true,
    review: {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec,
      status: allowed
        ? { allowed: true, reason: user.subject ? 'RBAC: allowed by the bindings in infra/k8s' : '' }
        : { allowed: false },
    },
  };
}
