/**
 * Raw JSON calls to Azure REST APIs that have no SDK client in the project (subscription list, NAT gateways,
 * the regional metrics batch API), through the Azure SDK's own HTTP pipeline: bearer token for the right
 * audience, retries with backoff and `Retry-After`, the injectable HTTPS agent. Errors become the same
 * `ArmRequestError` family as the SDK adapters'. `@azure/core-rest-pipeline` is loaded on first use.
 */
import type { Pipeline } from '@azure/core-rest-pipeline';
import { translateArmError } from '../errors.js';
import type { ArmAdapterOptions } from './options.js';

/** One REST call. */
export interface ArmRestRequest {
  method: 'GET' | 'POST';
  /** Absolute URL, query included. */
  url: string;
  /** Token audience, e.g. `https://management.azure.com/.default`. */
  scope: string;
  body?: unknown;
  /** The operation, for error messages (e.g. `list NAT gateways of MC_rg`). */
  what: string;
}

/** Sends JSON requests through one pipeline per audience. */
export class ArmRestClient {
  readonly #opts: ArmAdapterOptions;
  readonly #pipelines = new Map<
    string,
    Promise<{ pipeline: Pipeline; send: (req: ArmRestRequest) => Promise<unknown> }>
  >();
  /** Requests sent (each retry counts once more), for call budgets and tests. */
  calls = 0;

  constructor(opts: ArmAdapterOptions) {
    this.#opts = opts;
  }

  /**
   * Sends one request and returns the parsed JSON body.
   *
   * @throws ArmRequestError subclasses for HTTP errors and transport failures.
   */
  async json(req: ArmRestRequest): Promise<unknown> {
    let entry = this.#pipelines.get(req.scope);
    if (!entry) {
      entry = this.#build(req.scope);
      this.#pipelines.set(req.scope, entry);
    }
    return (await entry).send(req);
  }

  async #build(scope: string) {
    const p = await import('@azure/core-rest-pipeline');
    const pipeline = p.createPipelineFromOptions({
      retryOptions: {
        maxRetries: this.#opts.retryOptions?.maxRetries ?? 3,
        ...(this.#opts.retryOptions?.retryDelayInMs !== undefined
          ? { retryDelayInMs: this.#opts.retryOptions.retryDelayInMs }
          : {}),
        ...(this.#opts.retryOptions?.maxRetryDelayInMs !== undefined
          ? { maxRetryDelayInMs: this.#opts.retryOptions.maxRetryDelayInMs }
          : {}),
      },
    });
    pipeline.addPolicy(p.bearerTokenAuthenticationPolicy({ credential: this.#opts.credential, scopes: scope }));
    const client = p.createDefaultHttpClient();
    const counter = {
      name: 'countCalls',
      sendRequest: (
        request: Parameters<typeof client.sendRequest>[0],
        next: (r: typeof request) => ReturnType<typeof client.sendRequest>,
      ) => {
        this.calls++;
        return next(request);
      },
    };
    // After the retry policy, so every attempt on the wire counts.
    pipeline.addPolicy(counter, { afterPhase: 'Retry' });
    const send = async (req: ArmRestRequest): Promise<unknown> => {
      const request = p.createPipelineRequest({
        url: req.url,
        method: req.method,
        headers: p.createHttpHeaders({
          accept: 'application/json',
          ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        }),
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      });
      // createPipelineRequest has no agent option: set it on the request (the Node HTTP client reads it).
      if (this.#opts.agent) request.agent = this.#opts.agent;
      let status: number;
      let text: string;
      try {
        const res = await pipeline.sendRequest(client, request);
        status = res.status;
        text = res.bodyAsText ?? '';
      } catch (err) {
        throw translateArmError(err, req.what);
      }
      let body: unknown = null;
      try {
        body = text === '' ? null : JSON.parse(text);
      } catch {
        body = null;
      }
      if (status < 200 || status >= 300) {
        // ARM wraps errors in `error`; the metrics APIs answer `{code, message}` flat.
        const e =
          (body as { error?: { code?: unknown; message?: unknown } } | null)?.error ??
          (body as { code?: unknown; message?: unknown } | null);
        throw translateArmError(
          {
            statusCode: status,
            code: typeof e?.code === 'string' ? e.code : undefined,
            message: typeof e?.message === 'string' ? e.message : `HTTP ${status}`,
          },
          req.what,
        );
      }
      return body;
    };
    return { pipeline, send };
  }
}

/** The ARM endpoint the adapters use (no trailing slash). */
export function armEndpoint(opts: ArmAdapterOptions): string {
  return (opts.endpoint ?? 'https://management.azure.com').replace(/\/+$/, '');
}

/** The token audience for ARM at that endpoint (the public cloud's, or the endpoint's own elsewhere). */
export function armScope(opts: ArmAdapterOptions): string {
  const endpoint = armEndpoint(opts);
  return /^https:\/\/management\.azure\.com$/i.test(endpoint)
    ? 'https://management.azure.com/.default'
    : `${endpoint}/.default`;
}
