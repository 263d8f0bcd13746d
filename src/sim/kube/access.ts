/**
 * Every request's passage through the server's access control, in Kubernetes' order: authentication (bearer
 * tokens: the admin's and the `rbac` subject's), authorization (./authorizer.ts, refusals recorded with the
 * message the real server prints), then admission (ValidatingAdmissionPolicies, denials recorded).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type AdmissionDenial, AdmissionPolicies, type AdmissionRequest } from './admission.js';
import { SIM_ADMIN, SimAuthorizer, type SimUser, simUser } from './authorizer.js';
import { loadManifests, RbacPolicy, type RbacSubject, type RequestAttributes } from './rbac.js';

/**
 * The manifests to enforce and for whom: RBAC (Role/ClusterRole and bindings) and, when they hold them,
 * ValidatingAdmissionPolicies (e.g. `[infra/k8s, infra/k8s/optional]`).
 */
export interface KubeRbacOptions {
  /** Folders or files of manifests. */
  manifestsDir: string | readonly string[];
  /** Who the server's non-admin token authenticates as. */
  subject: RbacSubject;
}

/** The message a real API server gives a refused request (what kubectl prints after `Error from server (Forbidden):`). */
export function forbiddenMessage(user: SimUser, a: RequestAttributes): string {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope =
    a.namespace && a.resource !== 'namespaces'
      ? ` in the namespace "${a.namespace}"`
      : a.resource === 'namespaces'
        ? ''
        : ' at the cluster scope';
  return `${res}${a.name ? ` "${a.name}"` : ''} is forbidden: User "${user.name}" cannot ${a.verb} resource "${res}" in API group "${a.apiGroup}"${scope}`;
}

/** Authentication, authorization and admission for one simulated API server, with what each refused. */
export class KubeAccess {
  /** The admin's bearer token (`system:masters`). */
  readonly adminToken = randomBytes(16).toString('hex');
  /** The bearer token of the `rbac` subject, or the admin's when no RBAC is enforced. */
  readonly token: string;
  /** The decision function shared by enforcement and SelfSubjectAccessReviews. */
  readonly authorizer: SimAuthorizer;
  /** RBAC refusals: what was asked and not allowed. */
  readonly forbidden: RequestAttributes[] = [];
  /** Admission refusals (ValidatingAdmissionPolicy): the request and the denial. */
  readonly admissionDenied: Array<{ request: AdmissionRequest; denial: AdmissionDenial }> = [];
  private readonly users: Map<string, SimUser>;
  private readonly admission: AdmissionPolicies | null;

  /** @param rbac What to enforce; without it every authenticated request is allowed and admitted. */
  constructor(rbac?: KubeRbacOptions) {
    const manifests = rbac ? loadManifests(rbac.manifestsDir) : null;
    this.authorizer = new SimAuthorizer(manifests ? new RbacPolicy(manifests) : null);
    // ValidatingAdmissionPolicies in the same manifests (infra/k8s/optional/) run after authorization, as in Kubernetes.
    this.admission = manifests ? new AdmissionPolicies(manifests) : null;
    this.token = rbac ? randomBytes(16).toString('hex') : this.adminToken;
    this.users = new Map<string, SimUser>([[this.adminToken, SIM_ADMIN]]);
    if (rbac) this.users.set(this.token, simUser(rbac.subject));
  }

  /** The user a request's bearer token belongs to, or null (401). */
  authenticate(req: IncomingMessage): SimUser | null {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    return (m?.[1] && this.users.get(m[1])) || null;
  }

  /** Enforces `a` for `user`, recording refusals. */
  authorize(user: SimUser, a: RequestAttributes): boolean {
    const ok = this.authorizer.allows(user, a);
    if (!ok) this.forbidden.push(a);
    return ok;
  }

  /**
   * Runs the loaded ValidatingAdmissionPolicies on `request` from `user` in a namespace labelled `namespaceLabels`;
   * returns the denial (recorded) or null.
   */
  admit(
    user: SimUser | null,
    request: Omit<AdmissionRequest, 'userName'>,
    namespaceLabels: Record<string, string>,
  ): AdmissionDenial | null {
    if (!this.admission) return null;
    const full: AdmissionRequest = { ...request, userName: user?.name ?? 'system:anonymous' };
    const denial = this.admission.review(full, namespaceLabels);
    if (denial) this.admissionDenied.push({ request: full, denial });
    return denial;
  }
}
