/**
 * Azure service tags through ARM: `GET /subscriptions/{s}/providers/Microsoft.Network/locations/{location}/serviceTags`
 * (the same schema as the downloadable ServiceTags_Public JSON). Azure publishes new ranges about weekly, so one
 * answer per subscription and location is kept for a day. The SDK pipeline (bearer token, retries) is loaded on
 * first use.
 */
import type { ServiceClient } from '@azure/core-client';
import { parseServiceTags, ServiceTagIndex } from '../../analysis/serviceTags.js';
import { translateArmError } from '../errors.js';
import { type ArmAdapterOptions, perSubscription, sdkClientOptions } from './options.js';

/** How long a fetched document is reused. */
export const SERVICE_TAGS_TTL_MS = 24 * 60 * 60 * 1000;
const API_VERSION = '2024-05-01';

/** Service tags for a cluster's region, as the report uses them. */
export interface ServiceTagSource {
  forLocation(subscriptionId: string, location: string): Promise<ServiceTagIndex>;
}

/** Reads service tags through ARM and caches each region's index for {@link SERVICE_TAGS_TTL_MS}. */
export class ArmServiceTags implements ServiceTagSource {
  readonly #opts: ArmAdapterOptions;
  readonly #now: () => number;
  readonly #cache = new Map<string, { at: number; index: Promise<ServiceTagIndex> }>();
  readonly #client = perSubscription(async () => {
    const { ServiceClient } = await import('@azure/core-client');
    const o = sdkClientOptions(this.#opts);
    return new ServiceClient({
      credential: this.#opts.credential,
      endpoint: o.endpoint ?? 'https://management.azure.com',
      credentialScopes: o.credentials?.scopes ?? ['https://management.azure.com/.default'],
      ...(o.agent ? { agent: o.agent } : {}),
      ...(o.retryOptions ? { retryOptions: o.retryOptions } : {}),
    }) as ServiceClient;
  });

  constructor(opts: ArmAdapterOptions, clock: { now(): number } = Date) {
    this.#opts = opts;
    this.#now = () => clock.now();
  }

  /**
   * The index for `location`, from the cache when it is younger than a day.
   *
   * @throws ArmRequestError subclasses when ARM refuses; ServiceTagsFormatError when the answer has another schema.
   */
  forLocation(subscriptionId: string, location: string): Promise<ServiceTagIndex> {
    if (!/^[a-z0-9]+$/i.test(location)) return Promise.reject(new Error(`invalid Azure location "${location}"`));
    const key = `${subscriptionId.toLowerCase()}/${location.toLowerCase()}`;
    const hit = this.#cache.get(key);
    if (hit && this.#now() - hit.at < SERVICE_TAGS_TTL_MS) return hit.index;
    const index = this.#fetch(subscriptionId, location);
    this.#cache.set(key, { at: this.#now(), index });
    // A failure is not cached: the next investigation asks again.
    index.catch(() => {
      if (this.#cache.get(key)?.index === index) this.#cache.delete(key);
    });
    return index;
  }

  async #fetch(subscriptionId: string, location: string): Promise<ServiceTagIndex> {
    const what = `read service tags of ${location}`;
    try {
      const [client, { createPipelineRequest, RestError }] = await Promise.all([
        this.#client(subscriptionId),
        import('@azure/core-rest-pipeline'),
      ]);
      const base = (sdkClientOptions(this.#opts).endpoint ?? 'https://management.azure.com').replace(/\/+$/, '');
      const url = `${base}/subscriptions/${encodeURIComponent(subscriptionId)}/providers/Microsoft.Network/locations/${encodeURIComponent(location)}/serviceTags?api-version=${API_VERSION}`;
      const res = await client.sendRequest(createPipelineRequest({ url, method: 'GET' }));
      const body = res.bodyAsText ? (JSON.parse(res.bodyAsText) as unknown) : null;
      if (res.status < 200 || res.status >= 300) {
        const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
        throw new RestError(err?.message ?? `HTTP ${res.status}`, {
          statusCode: res.status,
          ...(err?.code ? { code: err.code } : {}),
        });
      }
      return new ServiceTagIndex(parseServiceTags(body));
    } catch (err) {
      if (err instanceof Error && err.name === 'ServiceTagsFormatError') throw err;
      throw translateArmError(err, what);
    }
  }
}
