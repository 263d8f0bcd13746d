/**
 * RBAC as the API server evaluates it, over the manifests in `infra/k8s/`:
 * the simulated server refuses anything the responder's bindings do not
 * allow, so tests prove those manifests are sufficient and minimal.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';

/** The subject of a RoleBinding/ClusterRoleBinding: a ServiceAccount (with its namespace) or a User. */
export interface RbacSubject {
  kind: 'ServiceAccount' | 'User';
  name: string;
  namespace?: string;
}

/** What a resource request asks, as the authorizer sees it (Kubernetes RequestInfo). */
export interface RequestAttributes {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string;
  /** Namespace of the request; for a namespace object, its own name (as the API server sets it). */
  namespace?: string;
  name?: string;
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface K8sDoc {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
}

/**
 * Every document of the given `*.yaml`/`*.yml` files, and of those directly in the given folders (subfolders
 * such as `optional/` are applied only when named), parsed with the client's YAML loader.
 */
export function loadManifests(paths: string | readonly string[]): Array<Record<string, unknown>> {
  const docs: Array<Record<string, unknown>> = [];
  const load = (file: string) => {
    for (const d of loadAllYaml(readFileSync(file, 'utf8'))) if (d) docs.push(d as Record<string, unknown>);
  };
  for (const path of typeof paths === 'string' ? [paths] : paths) {
    if (/\.ya?ml$/.test(path)) {
      load(path);
      continue;
    }
    for (const f of readdirSync(path).sort()) if (/\.ya?ml$/.test(f)) load(join(path, f));
  }
  return docs;
}

/** The Roles, ClusterRoles and their bindings of a set of manifests, evaluated as Kubernetes RBAC does. */
export class RbacPolicy {
  private readonly roles = new Map<string, Rule[]>();
  private readonly clusterRoles = new Map<string, Rule[]>();
  private readonly bindings: Array<{
    namespace: string | null;
    roleKind: string;
    roleName: string;
    subjects: NonNullable<K8sDoc['subjects']>;
  }> = [];

  constructor(docs: K8sDoc[]) {
    for (const d of docs) {
      const name = d.metadata?.name ?? '';
      if (d.kind === 'Role') this.roles.set(`${d.metadata?.namespace ?? 'default'}/${name}`, d.rules ?? []);
      else if (d.kind === 'ClusterRole') this.clusterRoles.set(name, d.rules ?? []);
      else if ((d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding') && d.roleRef) {
        this.bindings.push({
          namespace: d.kind === 'RoleBinding' ? (d.metadata?.namespace ?? 'default') : null,
          roleKind: d.roleRef.kind,
          roleName: d.roleRef.name,
          subjects: d.subjects ?? [],
        });
      }
    }
  }

  /** Loads the manifests in `dirs` (folders or files, see {@link loadManifests}). */
  static fromDirectory(dirs: string | readonly string[]): RbacPolicy {
    return new RbacPolicy(loadManifests(dirs) as K8sDoc[]);
  }

  /** The user name the API server would print for `s`. */
  static userName(s: RbacSubject): string {
    return s.kind === 'ServiceAccount' ? `system:serviceaccount:${s.namespace ?? 'default'}:${s.name}` : s.name;
  }

  private matchesSubject(b: (typeof this.bindings)[number], s: RbacSubject): boolean {
    return b.subjects.some(
      (x) =>
        x.kind === s.kind &&
        x.name === s.name &&
        (s.kind !== 'ServiceAccount' || (x.namespace ?? b.namespace) === s.namespace),
    );
  }

  /** True when some binding of `subject` grants `attrs`. */
  allows(subject: RbacSubject, attrs: RequestAttributes): boolean {
    const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    const ruleOk = (r: Rule) =>
      (r.verbs.includes(attrs.verb) || r.verbs.includes('*')) &&
      (r.apiGroups ?? []).some((g) => g === attrs.apiGroup || g === '*') &&
      (r.resources ?? []).some(
        (x) => x === resource || x === '*' || (x === `${attrs.resource}/*` && attrs.subresource),
      ) &&
      (!r.resourceNames?.length || (attrs.name !== undefined && r.resourceNames.includes(attrs.name)));
    for (const b of this.bindings) {
      if (!this.matchesSubject(b, subject)) continue;
      if (b.namespace !== null && b.namespace !== attrs.namespace) continue;
      const rules =
        b.roleKind === 'ClusterRole'
          ? this.clusterRoles.get(b.roleName)
          : this.roles.get(`${b.namespace}/${b.roleName}`);
      if (rules?.some(ruleOk)) return true;
    }
    return false;
  }
}
