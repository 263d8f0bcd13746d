/**
 * One HTTP request's path through the simulated API server, in the real server's order: authentication, the
 * injected faults (node loss, delays, error answers, request hooks), discovery, SelfSubjectAccessReviews, the
 * refusal of protobuf bodies it cannot read, the resource route (./routes.ts) and its authorization (403
 * before 404), then the answer: JSON, a server-side Table (./table.ts) or a watch stream (./watch.ts), with
 * selectors applied and resourceVersions stamped. Every answer is recorded in `state.requests`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { forbiddenMessage, type KubeAccess } from './access.js';
import { selfSubjectAccessReview } from './accessReview.js';
import { statusBody } from './apiStatus.js';
import type { SimCluster } from './cluster.js';
import { discoveryAnswer } from './discovery.js';
import type { FaultCounter } from './faults.js';
import type { JobTimelines } from './jobTimeline.js';
import type { NodeLoss } from './nodeLoss.js';
import { PROTOBUF_CONTENT_TYPE } from './protobuf.js';
import type { RequestAttributes } from './rbac.js';
import { readReviewBody } from './requestBody.js';
import { requestInfo } from './requestInfo.js';
import { type Route, route } from './routes.js';
import { filterItems } from './selectors.js';
import type { KubeServerState } from './state.js';
import { TABLE_CONTENT_TYPE, toTable, wantsTable } from './table.js';
import { serveWatch } from './watch.js';

type Json = Record<string, unknown>;

/** The server parts one request reads and changes. */
export interface KubeRequestContext {
  cluster: SimCluster;
  jobs: JobTimelines;
  access: KubeAccess;
  nodes: NodeLoss;
  state: KubeServerState;
  /** Hands out the path faults (`apiErrors`, `delays`) within their `times`. */
  faults: FaultCounter;
  /** Aborted when the server closes: ends open watches. */
  stop: AbortSignal;
  /** `127.0.0.1:PORT`, for discovery answers. */
  address(): string;
}

/** The Table kind of a GET answer kubectl can print server-side (a list of, or one, Pod/Node/Job/...). */
function tableKind(body: Json): { kind: string; items: Json[] } | null {
  const kind = typeof body.kind === 'string' ? body.kind : '';
  if (kind.endsWith('List') && Array.isArray(body.items))
    return { kind: kind.slice(0, -4), items: body.items as Json[] };
  if (kind && kind !== 'Status' && body.metadata) return { kind, items: [body] };
  return null;
}

/** Serves `?watch=true` on a list route: the list's items now, then their changes (./watch.ts). */
async function watch(
  sim: KubeRequestContext,
  r: Route,
  first: Json,
  q: URLSearchParams,
  accept: string,
  res: ServerResponse,
  record: (status: number) => void,
): Promise<void> {
  const kind = tableKind(first)?.kind ?? '';
  const table = wantsTable(accept);
  const items = async (): Promise<Json[]> => {
    const out = await r.handle();
    const list = (typeof out.body === 'object' ? out.body.items : undefined) as Json[] | undefined;
    return filterItems(kind, list ?? [], q);
  };
  try {
    await items(); // a malformed selector is a 400, before the stream starts
  } catch (err) {
    record(400);
    const text = JSON.stringify(statusBody(400, (err as Error).message));
    res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  record(200);
  const timeout = Number.parseInt(q.get('timeoutSeconds') ?? '', 10);
  await serveWatch(
    res,
    {
      items: async () => (await items()).map((o) => sim.cluster.versions.stamp(o)),
      present: (item) =>
        table
          ? toTable(kind, [item], {
              now: sim.cluster.clock(),
              resourceVersion: String((item.metadata as Json).resourceVersion ?? ''),
              includeObject: q.get('includeObject'),
            })
          : item,
      versions: sim.cluster.versions,
    },
    {
      contentType: table ? TABLE_CONTENT_TYPE : 'application/json',
      timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : null,
      resourceVersion: q.get('resourceVersion'),
      stop: sim.stop,
    },
  );
}

/**
 * Answers one HTTP request (every path but the exec upgrade).
 *
 * @example const server = https.createServer(tls, (req, res) => void handleKubeRequest(sim, req, res));
 */
export async function handleKubeRequest(
  sim: KubeRequestContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  const method = req.method ?? 'GET';
  const send = (status: number, body: Json | string, contentType?: string) => {
    sim.state.requests.push({ method, path: `${url.pathname}${url.search}`, status });
    if (res.destroyed) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': contentType ?? (typeof body === 'string' ? 'text/plain' : 'application/json'),
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };
  try {
    const user = sim.access.authenticate(req);
    if (!user) return send(401, statusBody(401, 'Unauthorized'));
    sim.nodes.applyFault();
    const delay = sim.faults.take(sim.cluster.faults.delays, method, url.pathname);
    if (delay) await new Promise((r) => setTimeout(r, delay.ms));
    const fault = sim.faults.take(sim.cluster.faults.apiErrors, method, url.pathname);
    const hooked = fault?.status ?? sim.cluster.faults.requestHook?.({ method, path: url.pathname }) ?? null;
    if (hooked !== null)
      return send(hooked, statusBody(hooked, hooked >= 500 ? 'etcdserver: request timed out' : 'injected fault'));
    const accept = req.headers.accept ?? '';
    if (method === 'GET') {
      const d = discoveryAnswer(url.pathname, accept, sim.address());
      if (d) {
        if (!sim.access.authorizer.allowsPath(user, url.pathname, 'get'))
          return send(403, statusBody(403, `forbidden: User "${user.name}" cannot get path "${url.pathname}"`));
        return send(200, d.body, d.contentType);
      }
    }
    if (url.pathname === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' && method === 'POST') {
      const attrs: RequestAttributes = {
        verb: 'create',
        apiGroup: 'authorization.k8s.io',
        resource: 'selfsubjectaccessreviews',
      };
      if (!sim.access.authorize(user, attrs)) return send(403, statusBody(403, forbiddenMessage(user, attrs)));
      let body: Json;
      try {
        body = await readReviewBody(req);
      } catch (err) {
        return send(400, statusBody(400, (err as Error).message));
      }
      const review = selfSubjectAccessReview(body, user, sim.access.authorizer);
      return review.ok ? send(201, review.review) : send(422, statusBody(422, review.message));
    }
    if (
      (method === 'POST' || method === 'PUT' || method === 'PATCH') &&
      (req.headers['content-type'] ?? '').startsWith(PROTOBUF_CONTENT_TYPE)
    ) {
      // Only SelfSubjectAccessReviews are decoded from protobuf; say so rather than misread a body.
      return send(
        415,
        statusBody(
          415,
          `the simulated API server reads protobuf bodies only for SelfSubjectAccessReview; send ${url.pathname} as application/json (e.g. kubectl create -f FILE)`,
          undefined,
          'UnsupportedMediaType',
        ),
      );
    }
    const r = route(sim, method, url.pathname, url.searchParams, req);
    if (!r) {
      // Not served here: still authorize first, as the real server does (403 before 404).
      const a = requestInfo(method, url.pathname, url.searchParams);
      if (a && !sim.access.authorize(user, a)) return send(403, statusBody(403, forbiddenMessage(user, a)));
      return send(404, statusBody(404, 'the server could not find the requested resource'));
    }
    if (!sim.access.authorize(user, r.attrs))
      return send(
        403,
        statusBody(403, forbiddenMessage(user, r.attrs), { name: r.attrs.name, kind: r.attrs.resource }),
      );
    const out = await r.handle();
    if (r.attrs.verb === 'watch' && out.status === 200 && typeof out.body === 'object') {
      return await watch(sim, r, out.body, url.searchParams, accept, res, (status) =>
        sim.state.requests.push({ method, path: `${url.pathname}${url.search}`, status }),
      );
    }
    if (method === 'GET' && out.status === 200 && typeof out.body === 'object') {
      let body = out.body;
      const listed = tableKind(body);
      if (listed && body.kind === `${listed.kind}List`) {
        try {
          const items = filterItems(listed.kind, listed.items, url.searchParams).map((o) =>
            sim.cluster.versions.stamp(o),
          );
          body = { ...body, metadata: { resourceVersion: String(sim.cluster.versions.current()) }, items };
        } catch (err) {
          return send(400, statusBody(400, (err as Error).message));
        }
      } else if (listed) body = sim.cluster.versions.stamp(body);
      const table = tableKind(body);
      if (table && wantsTable(accept)) {
        return send(
          200,
          toTable(table.kind, table.kind === listed?.kind && body.items ? (body.items as Json[]) : table.items, {
            now: sim.cluster.clock(),
            resourceVersion: String(sim.cluster.versions.current()),
            includeObject: url.searchParams.get('includeObject'),
          }),
          TABLE_CONTENT_TYPE,
        );
      }
      return send(200, body);
    }
    send(out.status, out.body);
  } catch (err) {
    send(500, statusBody(500, (err as Error).message));
  }
}
