/**
 * The resource routes of the simulated API server: which handler answers a method and path, and the
 * authorization attributes of the request (authorized by the caller before the handler runs). Served: nodes,
 * pods (list, get, delete, log), namespaces, batch/v1 Jobs (create, list, get, delete; the scenario's workload
 * Jobs read-only) and apps/v1 ReplicaSets (read-only). Exec is not a route: it is a WebSocket upgrade (./exec.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { KubeAccess } from './access.js';
import { notFound, statusBody } from './apiStatus.js';
import type { SimCluster } from './cluster.js';
import type { JobTimelines } from './jobTimeline.js';
import { podLog } from './podLog.js';
import type { RequestAttributes } from './rbac.js';
import { readJsonBody } from './requestBody.js';
import { kubeVerb } from './requestInfo.js';
import type { ScenarioNode, ScenarioPod } from './scenario.js';
import { namespaceJson, nodeJson, replicaSetsOf } from './scenarioObjects.js';
import { fieldOf } from './selectors.js';

type Json = Record<string, unknown>;

/** A handler's answer: status and JSON object or text body. */
export interface RouteAnswer {
  status: number;
  body: Json | string;
}

/** A matched route: the request's authorization attributes and the handler to run once they are allowed. */
export interface Route {
  attrs: RequestAttributes;
  handle: () => RouteAnswer | Promise<RouteAnswer>;
}

/** The server parts the routes read and change. */
export interface RouteContext {
  cluster: SimCluster;
  jobs: JobTimelines;
  access: KubeAccess;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A `<Kind>List` at the cluster's current resourceVersion. */
function list(cluster: SimCluster, kind: string, apiVersion: string, items: Json[]): Json {
  return {
    kind: `${kind}List`,
    apiVersion,
    metadata: { resourceVersion: String(cluster.versions.current()) },
    items,
  };
}

/**
 * Pods as they are now. Lists are not filtered here: the dispatcher applies the request's selectors to every
 * list and watch in one place (./selectors.ts `filterItems`), answering 400 for a malformed one.
 */
function podList(jobs: JobTimelines, items: Json[]): Json[] {
  return items.map((p) => jobs.refreshPod(p));
}

/** The scenario pods whose API object is still there. */
function livePodsOf(cluster: SimCluster): ScenarioPod[] {
  return [...cluster.scenarioPods.values()].filter((p) => cluster.pods.has(`${p.namespace}/${p.name}`));
}

/**
 * The route for `method` and `path`, or null when the server does not serve it (the caller still authorizes
 * first: 403 before 404, as the real server does).
 *
 * @example const r = route({ cluster, jobs, access }, 'GET', '/api/v1/nodes', new URLSearchParams(), req);
 */
export function route(
  sim: RouteContext,
  method: string,
  path: string,
  q: URLSearchParams,
  req: IncomingMessage,
): Route | null {
  const { cluster, jobs, access } = sim;
  const parts = path.split('/').filter(Boolean);
  const verbOf = (named: boolean) => kubeVerb(method, named, q);
  // /api/v1/...
  if (parts[0] === 'api' && parts[1] === 'v1') {
    const rest = parts.slice(2);
    if (rest[0] === 'nodes') {
      const name = rest[1];
      return {
        attrs: { verb: verbOf(Boolean(name)), apiGroup: '', resource: 'nodes', ...(name ? { name } : {}) },
        handle: () => {
          const notReady = (n: ScenarioNode) =>
            cluster.faults.jobStuck === 'NodeNotReady' &&
            [...jobs.records.values()].some((r) => !r.deleted && jobs.nodeOf(r) === n.name);
          const present = cluster.scenario.nodes.filter((n) => !cluster.deletedNodes.has(n.name));
          if (name) {
            const n = present.find((x) => x.name === name);
            return n ? { status: 200, body: nodeJson(n, notReady(n)) } : notFound('nodes', name);
          }
          return {
            status: 200,
            body: list(
              cluster,
              'Node',
              'v1',
              present.map((n) => nodeJson(n, notReady(n))),
            ),
          };
        },
      };
    }
    if (rest[0] === 'pods' && rest.length === 1) {
      return {
        attrs: { verb: verbOf(false), apiGroup: '', resource: 'pods' },
        handle: () => ({ status: 200, body: list(cluster, 'Pod', 'v1', podList(jobs, [...cluster.pods.values()])) }),
      };
    }
    if (rest[0] === 'namespaces' && rest.length === 1 && method === 'GET') {
      return {
        attrs: { verb: verbOf(false), apiGroup: '', resource: 'namespaces' },
        handle: () => ({
          status: 200,
          body: list(cluster, 'Namespace', 'v1', cluster.scenario.namespaces.map(namespaceJson)),
        }),
      };
    }
    if (rest[0] === 'namespaces' && rest[1]) {
      const ns = rest[1];
      if (rest.length === 2) {
        return {
          attrs: { verb: verbOf(true), apiGroup: '', resource: 'namespaces', namespace: ns, name: ns },
          handle: () => {
            const n = cluster.scenario.namespaces.find((x) => x.name === ns);
            if (!n) return notFound('namespaces', ns);
            return { status: 200, body: namespaceJson(n) };
          },
        };
      }
      if (rest[2] === 'pods') {
        const name = rest[3];
        const sub = rest[4];
        if (!name) {
          return {
            attrs: { verb: verbOf(false), apiGroup: '', resource: 'pods', namespace: ns },
            handle: () => ({
              status: 200,
              body: list(
                cluster,
                'Pod',
                'v1',
                podList(
                  jobs,
                  [...cluster.pods.values()].filter((p) => fieldOf(p, 'metadata.namespace') === ns),
                ),
              ),
            }),
          };
        }
        if (!sub) {
          return {
            attrs: { verb: verbOf(true), apiGroup: '', resource: 'pods', namespace: ns, name },
            handle: () => {
              const p = cluster.pods.get(`${ns}/${name}`);
              if (!p) return notFound('pods', name);
              if (method === 'DELETE') {
                cluster.deletePod(ns, name);
                return { status: 200, body: p };
              }
              return { status: 200, body: jobs.refreshPod(p) };
            },
          };
        }
        if (sub === 'log') {
          return {
            attrs: { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log', namespace: ns, name },
            handle: () => podLog(cluster, jobs, ns, name, q),
          };
        }
      }
    }
  }
  // /apis/batch/v1/jobs (all namespaces)
  if (path === '/apis/batch/v1/jobs' && method === 'GET') {
    return {
      attrs: { verb: verbOf(false), apiGroup: 'batch', resource: 'jobs' },
      handle: () => ({ status: 200, body: list(cluster, 'Job', 'batch/v1', jobs.list()) }),
    };
  }
  // /apis/apps/v1[/namespaces/NS]/replicasets[/NAME] (read-only)
  const rs = /^\/apis\/apps\/v1(?:\/namespaces\/([^/]+))?\/replicasets(?:\/([^/]+))?$/.exec(path);
  if (rs && method === 'GET') {
    const [, ns, name] = rs;
    return {
      attrs: {
        verb: verbOf(Boolean(name)),
        apiGroup: 'apps',
        resource: 'replicasets',
        ...(ns ? { namespace: ns } : {}),
        ...(name ? { name } : {}),
      },
      handle: () => {
        const items = replicaSetsOf(livePodsOf(cluster), cluster.controllers).filter(
          (r) => !ns || fieldOf(r, 'metadata.namespace') === ns,
        );
        if (!name) return { status: 200, body: list(cluster, 'ReplicaSet', 'apps/v1', items) };
        const found = items.find((r) => fieldOf(r, 'metadata.name') === name);
        return found ? { status: 200, body: found } : notFound('replicasets.apps', name, 'apps');
      },
    };
  }
  // /apis/batch/v1/namespaces/NS/jobs[/NAME]
  if (
    parts[0] === 'apis' &&
    parts[1] === 'batch' &&
    parts[2] === 'v1' &&
    parts[3] === 'namespaces' &&
    parts[4] &&
    parts[5] === 'jobs'
  ) {
    const ns = parts[4];
    const name = parts[6];
    return {
      attrs: {
        verb: verbOf(Boolean(name)),
        apiGroup: 'batch',
        resource: 'jobs',
        namespace: ns,
        ...(name ? { name } : {}),
      },
      handle: async () => {
        if (method === 'POST' && !name) {
          const body = await readJsonBody(req);
          const jn = fieldOf(body, 'metadata.name') ?? '';
          if (!cluster.scenario.namespaces.some((n) => n.name === ns)) return notFound('namespaces', ns);
          if (!DNS1123_LABEL.test(jn) || jn.length > 63) {
            return {
              status: 422,
              body: statusBody(
                422,
                `Job.batch "${jn}" is invalid: metadata.name: Invalid value: "${jn}": must be no more than 63 characters and a DNS-1123 label`,
                {
                  name: jn,
                  group: 'batch',
                  kind: 'Job',
                },
              ),
            };
          }
          if (jobs.exists(ns, jn)) {
            return {
              status: 409,
              body: statusBody(409, `jobs.batch "${jn}" already exists`, { name: jn, group: 'batch', kind: 'jobs' }),
            };
          }
          const denied = access.admit(
            access.authenticate(req),
            {
              group: 'batch',
              version: 'v1',
              resource: 'jobs',
              operation: 'CREATE',
              namespace: ns,
              name: jn,
              object: { ...body, apiVersion: 'batch/v1', kind: 'Job' },
            },
            cluster.namespaceLabels(ns),
          );
          if (denied) {
            return { status: denied.code, body: statusBody(denied.code, denied.message, undefined, denied.reason) };
          }
          const r = jobs.create(ns, body);
          return { status: 201, body: cluster.versions.stamp(jobs.status(r)) };
        }
        if (method === 'GET' && !name) {
          // Selectors are applied by the dispatcher, as on every list.
          const items = [...jobs.records.values()]
            .filter((r) => !r.deleted && fieldOf(r.job, 'metadata.namespace') === ns)
            .map((r) => jobs.status(r));
          return { status: 200, body: list(cluster, 'Job', 'batch/v1', items) };
        }
        const r = name ? jobs.records.get(`${ns}/${name}`) : undefined;
        const workloadJob = name && method === 'GET' ? cluster.controllers.get(`Job/${ns}/${name}`) : undefined;
        if (!r && workloadJob) return { status: 200, body: workloadJob };
        if (!r || r.deleted || !name) return notFound('jobs.batch', name ?? '', 'batch');
        if (method === 'GET') {
          return { status: 200, body: jobs.read(r) };
        }
        if (method === 'DELETE') {
          const body = await readJsonBody(req);
          const policy = q.get('propagationPolicy') ?? (body.propagationPolicy as string | undefined) ?? 'Orphan';
          jobs.delete(ns, name, policy);
          return {
            status: 200,
            body: {
              kind: 'Status',
              apiVersion: 'v1',
              metadata: {},
              status: 'Success',
              details: { name, group: 'batch', kind: 'jobs', uid: fieldOf(r.job, 'metadata.uid') },
            },
          };
        }
      },
    } as Route;
  }
  return null;
}
