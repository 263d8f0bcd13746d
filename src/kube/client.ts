/**
 * Internal: API clients with a per-request timeout, and translation of the
 * client's exceptions into this adapter's errors. Not part of the public API.
 */
import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  createConfiguration,
  type KubeConfig,
  type Middleware,
  ServerConfiguration,
} from '@kubernetes/client-node';
import { parseRetryAfter } from '../http/retryAfter.js';
import { KubeApiError, KubeConfigError, KubeForbiddenError, KubeTimeoutError, KubeUnreachableError } from './errors.js';
import { retryTransient } from './retry.js';

/** Default per-request timeout: the API server answers simple reads in milliseconds; 15 s means trouble. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** The typed API clients for one cluster, and what error messages need to say about it. */
export interface KubeClients {
  /** Pods, nodes, namespaces, pod logs. */
  core: CoreV1Api;
  /** Jobs. */
  batch: BatchV1Api;
  /** ReplicaSets, Deployments and the other controllers a pod's workload is read from. */
  apps: AppsV1Api;
  /** The API server URL, named in error messages. */
  server: string;
  /** Per-request timeout in ms. */
  timeoutMs: number;
  /** Pause before the one retry of a transient failure (see `retry.ts`); default its constant. */
  retryDelayMs?: number;
}

/** Builds the typed clients; every request gets an AbortSignal that fires after `timeoutMs`. */
export function makeClients(kc: KubeConfig, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): KubeClients {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeConfigError('kubeconfig has no current cluster');
  const timeout: Middleware = {
    pre: async (ctx) => {
      ctx.setSignal(AbortSignal.timeout(timeoutMs));
      return ctx;
    },
    post: async (ctx) => ctx,
  };
  const config = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [timeout],
  });
  return {
    core: new CoreV1Api(config),
    batch: new BatchV1Api(config),
    apps: new AppsV1Api(config),
    server: cluster.server,
    timeoutMs,
  };
}

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { retryAfterSeconds?: unknown };
}

/**
 * The wait a refusal asks for: the `Retry-After` header, else the Status's `details.retryAfterSeconds` (API
 * priority and fairness and an overloaded server send both), in ms; null when neither is given.
 */
function retryAfterOf(err: ApiException<unknown>, body: StatusBody): number | null {
  const header = Object.entries(err.headers ?? {}).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  const fromHeader = parseRetryAfter(header);
  if (fromHeader !== null) return fromHeader;
  const seconds = body.details?.retryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : null;
}

function statusBody(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return body && typeof body === 'object' ? (body as StatusBody) : {};
}

/** Translates anything the client throws into a `KubeError`; `what` says what was attempted. */
export function translate(err: unknown, what: string, clients: Pick<KubeClients, 'server' | 'timeoutMs'>): Error {
  if (err instanceof ApiException) {
    const body = statusBody(err.body);
    const detail = body.message ?? `HTTP ${err.code}`;
    const msg = `${what}: ${detail}`;
    if (err.code === 401 || err.code === 403) {
      return new KubeForbiddenError(msg, err.code, body.reason ?? null, { cause: err });
    }
    return new KubeApiError(msg, err.code, body.reason ?? null, { cause: err, retryAfterMs: retryAfterOf(err, body) });
  }
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return new KubeTimeoutError(
      `${what}: no answer from ${clients.server} within ${clients.timeoutMs} ms`,
      clients.timeoutMs,
      {
        cause: err,
      },
    );
  }
  if (e?.name === 'TypeError' && /fetch failed/i.test(e.message ?? '')) {
    const code = e.cause?.code ?? e.cause?.message ?? 'network error';
    return new KubeUnreachableError(`${what}: cannot reach API server ${clients.server} (${code})`, clients.server, {
      cause: err,
    });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Runs one API call, translates its failure, and retries a single transient failure (5xx, 429, connection reset)
 * once after a short pause (`retry.ts`). Every call in this adapter is safe to repeat: reads, deletes (404 after
 * a repeat is "done") and the capture Job create (409 on a repeat is checked against the owner annotation). A
 * call that is not safe to repeat must not come through here.
 */
export async function call<T>(clients: KubeClients, what: string, fn: () => Promise<T>): Promise<T> {
  return retryTransient(
    async () => {
      try {
        return await fn();
      } catch (err) {
        throw translate(err, what, clients);
      }
    },
    clients.retryDelayMs === undefined ? {} : { delayMs: clients.retryDelayMs },
  );
}

/** True when `err` is a translated 404. */
export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404;
}
