/**
 * Who may do what on the loopback Kubernetes API server: one decision function used both to enforce requests
 * and to answer SelfSubjectAccessReviews (`kubectl auth can-i`), so a refusal and `can-i` never disagree.
 * The bindings come from `infra/k8s` (evaluated by {@link RbacPolicy}); on top, as on every cluster, the
 * built-in roles bound to `system:authenticated` (discovery and self reviews), and `system:masters` for the
 * admin identity. Like a real cluster, this is RBAC only: admission policies are not consulted.
 */
import { isDiscoveryPath } from './discovery.js';
import { RbacPolicy, type RbacSubject, type RequestAttributes } from './rbac.js';

/** An authenticated identity: its user name, groups, and the RBAC subject its bindings name (null: admin). */
export interface SimUser {
  name: string;
  groups: readonly string[];
  /** The subject `infra/k8s` bindings are matched against; null for a `system:masters` member. */
  subject: RbacSubject | null;
}

/** The cluster administrator (`system:masters`, allowed everything), as in an AKS admin kubeconfig. */
export const SIM_ADMIN: SimUser = {
  name: 'kubernetes-admin',
  groups: ['system:masters', 'system:authenticated'],
  subject: null,
};

/** The user for `subject`, with the groups the API server would give it. */
export function simUser(subject: RbacSubject): SimUser {
  const groups =
    subject.kind === 'ServiceAccount'
      ? ['system:serviceaccounts', `system:serviceaccounts:${subject.namespace ?? 'default'}`, 'system:authenticated']
      : ['system:authenticated'];
  return { name: RbacPolicy.userName(subject), groups, subject };
}

/** Resource requests every authenticated user may make (the built-in `system:basic-user` role). */
function builtInAllows(a: RequestAttributes): boolean {
  return (
    a.apiGroup === 'authorization.k8s.io' &&
    (a.resource === 'selfsubjectaccessreviews' || a.resource === 'selfsubjectrulesreviews') &&
    a.verb === 'create'
  );
}

/** The decision function of the server; `policy` null means no RBAC is enforced (everyone may do anything). */
export class SimAuthorizer {
  constructor(private readonly policy: RbacPolicy | null) {}

  /** True when `user` may make the resource request `a`. */
  allows(user: SimUser, a: RequestAttributes): boolean {
    if (!this.policy || user.subject === null || user.groups.includes('system:masters')) return true;
    return builtInAllows(a) || this.policy.allows(user.subject, a);
  }

  /** True when `user` may `verb` the non-resource URL `path` (only discovery is granted to everyone). */
  allowsPath(user: SimUser, path: string, verb: string): boolean {
    if (!this.policy || user.subject === null || user.groups.includes('system:masters')) return true;
    return verb === 'get' && isDiscoveryPath(path);
  }
}
