/**
 * API discovery for the loopback Kubernetes API server: `/version`, the legacy documents (`/api`, `/api/v1`,
 * `/apis`, `/apis/GROUP[/VERSION]`) and the aggregated discovery kubectl asks for first
 * (`Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`). Every document is derived
 * from one table of the resources the simulator serves, so discovery, `kubectl api-resources`, `auth can-i`
 * and the routes can never disagree about a resource's group, kind or scope.
 */

/** The Kubernetes version the simulated control plane reports (kubectl speaks its current protocols to it). */
export const SIM_KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.7' } as const;

type Json = Record<string, unknown>;

/** One resource of the table: what discovery says about it. */
export interface SimResource {
  group: string;
  version: string;
  /** Plural name (`pods`). */
  name: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  verbs: readonly string[];
  shortNames?: readonly string[];
  categories?: readonly string[];
  /** Subresources: name, the kind they answer with, their verbs. */
  subresources?: ReadonlyArray<{
    name: string;
    kind: string;
    group?: string;
    version?: string;
    verbs: readonly string[];
  }>;
}

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

/** Every resource the simulator serves (and the product or its RBAC names). */
export const SIM_RESOURCES: readonly SimResource[] = [
  {
    group: '',
    version: 'v1',
    name: 'namespaces',
    singularName: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
  },
  {
    group: '',
    version: 'v1',
    name: 'nodes',
    singularName: 'node',
    kind: 'Node',
    namespaced: false,
    verbs: CRUD,
    shortNames: ['no'],
  },
  {
    group: '',
    version: 'v1',
    name: 'pods',
    singularName: 'pod',
    kind: 'Pod',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    ],
  },
  {
    group: 'apps',
    version: 'v1',
    name: 'replicasets',
    singularName: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['rs'],
    categories: ['all'],
  },
  {
    group: 'batch',
    version: 'v1',
    name: 'jobs',
    singularName: 'job',
    kind: 'Job',
    namespaced: true,
    verbs: CRUD,
    categories: ['all'],
    subresources: [{ name: 'status', kind: 'Job', verbs: ['get', 'patch', 'update'] }],
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    name: 'selfsubjectaccessreviews',
    singularName: 'selfsubjectaccessreview',
    kind: 'SelfSubjectAccessReview',
    namespaced: false,
    verbs: ['create'],
  },
];

/** The API groups (other than core) in the order `/apis` lists them. */
function groups(): string[] {
  return [...new Set(SIM_RESOURCES.map((r) => r.group).filter((g) => g !== ''))];
}

function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Looks up a served resource by group and plural name. */
export function findResource(group: string, name: string): SimResource | undefined {
  return SIM_RESOURCES.find((r) => r.group === group && r.name === name);
}

const AGGREGATED_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** True when the client accepts aggregated discovery v2 (kubectl 1.30+ asks for it first). */
function wantsAggregated(accept: string): boolean {
  return accept
    .split(',')
    .map((part) => part.replace(/\s+/g, '').split(';'))
    .some(
      (params) =>
        params.includes('g=apidiscovery.k8s.io') &&
        params.includes('v=v2') &&
        params.includes('as=APIGroupDiscoveryList'),
    );
}

function legacyResources(group: string, version: string): Json {
  const items: Json[] = [];
  for (const r of SIM_RESOURCES.filter((x) => x.group === group && x.version === version)) {
    items.push({
      name: r.name,
      singularName: r.singularName,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    });
    for (const s of r.subresources ?? []) {
      items.push({
        name: `${r.name}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group !== undefined ? { group: s.group } : {}),
        ...(s.version !== undefined ? { version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources: items };
}

function apiGroup(name: string): Json {
  const versions = [...new Set(SIM_RESOURCES.filter((r) => r.group === name).map((r) => r.version))].map((v) => ({
    groupVersion: `${name}/${v}`,
    version: v,
  }));
  return { name, versions, preferredVersion: versions[0] };
}

function aggregatedGroup(name: string): Json {
  const versions = [...new Set(SIM_RESOURCES.filter((r) => r.group === name).map((r) => r.version))];
  return {
    metadata: name ? { name } : {},
    versions: versions.map((version) => ({
      version,
      resources: SIM_RESOURCES.filter((r) => r.group === name && r.version === version).map((r) => ({
        resource: r.name,
        responseKind: { group: r.group, version: r.version, kind: r.kind },
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: r.singularName,
        verbs: r.verbs,
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
        ...(r.categories ? { categories: r.categories } : {}),
        ...(r.subresources
          ? {
              subresources: r.subresources.map((s) => ({
                subresource: s.name,
                responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind },
                verbs: s.verbs,
              })),
            }
          : {}),
      })),
      freshness: 'Current',
    })),
  };
}

/** A discovery answer: the JSON body and the content type that tells the client which document it is. */
export interface DiscoveryAnswer {
  contentType: string;
  body: Json;
}

/**
 * Answers a discovery GET, or returns null when `path` is not a discovery document.
 *
 * @param serverAddress `host:port` the server is reached at (for `serverAddressByClientCIDRs`).
 */
export function discoveryAnswer(path: string, accept: string, serverAddress: string): DiscoveryAnswer | null {
  const json = (body: Json): DiscoveryAnswer => ({ contentType: 'application/json', body });
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/version') {
    return json({
      ...SIM_KUBERNETES_VERSION,
      gitCommit: 'a3c7e9f21b4d8e6f0c2a5b7d9e1f3a5c7e9b1d3f',
      gitTreeState: 'clean',
      buildDate: '2026-10-15T09:12:44Z',
      goVersion: 'go1.23.10',
      compiler: 'gc',
      platform: 'linux/amd64',
    });
  }
  if (p === '/api') {
    if (wantsAggregated(accept)) {
      return aggregatedList([aggregatedGroup('')]);
    }
    return json({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    });
  }
  if (p === '/apis') {
    if (wantsAggregated(accept)) {
      return aggregatedList(groups().map(aggregatedGroup));
    }
    return json({ kind: 'APIGroupList', apiVersion: 'v1', groups: groups().map(apiGroup) });
  }
  if (p === '/api/v1') return json(legacyResources('', 'v1'));
  const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(p);
  if (m?.[1] && groups().includes(m[1])) {
    const group = m[1];
    if (!m[2]) return json({ kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) });
    if (SIM_RESOURCES.some((r) => r.group === group && r.version === m[2])) return json(legacyResources(group, m[2]));
  }
  return null;
}

/** Paths every authenticated user may read (the built-in `system:discovery` and `system:public-info-viewer`). */
export function isDiscoveryPath(path: string): boolean {
  const p = path.replace(/\/+$/, '') || '/';
  return (
    p === '/version' || p === '/api' || p === '/apis' || /^\/api\/v1$/.test(p) || /^\/apis\/[^/]+(\/[^/]+)?$/.test(p)
  );
}

/** The aggregated discovery answer (`apidiscovery.k8s.io/v2`) for `/api` or `/apis`. */
function aggregatedList(items: Json[]): DiscoveryAnswer {
  return {
    contentType: AGGREGATED_TYPE,
    body: { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items },
  };
}
