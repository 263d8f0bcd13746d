/** Options shared by the ARM adapters: injectable endpoint, credential, HTTPS agent and retry policy. */
import type { Agent } from 'node:https';
import type { TokenCredential } from '@azure/identity';

/** Retry settings passed to the SDK pipeline (`maxRetries: 0` in fault tests). */
export interface ArmRetryOptions {
  /** Retries after the first try (SDK default 3). */
  maxRetries?: number;
  /** First backoff delay in ms, growing exponentially (SDK default 1,000). */
  retryDelayInMs?: number;
  /** Longest single backoff delay in ms (SDK default 64,000). */
  maxRetryDelayInMs?: number;
}

/** What every ARM adapter is built with; only `credential` is required. */
export interface ArmAdapterOptions {
  /**
   * Accepted for symmetry with the SDK clients; the adapters always use the subscription inside the
   * resource id they are given (load balancer id, ClusterInfo), so one adapter serves many subscriptions.
   */
  subscriptionId?: string;
  /** Identity for ARM calls: the managed identity named by AZURE_CLIENT_ID, else `DefaultAzureCredential`. */
  credential: TokenCredential;
  /** ARM endpoint, `https://management.azure.com` by default (the simulated world passes its loopback URL). */
  endpoint?: string;
  /** HTTPS agent, e.g. `new https.Agent({ ca })` to trust a test certificate. */
  agent?: Agent;
  /** SDK retry policy; the SDK defaults when absent. */
  retryOptions?: ArmRetryOptions;
}

/** Client options in the shape both ARM SDK clients accept. */
export function sdkClientOptions(opts: ArmAdapterOptions): {
  endpoint?: string;
  agent?: Agent;
  retryOptions?: ArmRetryOptions;
  credentials?: { scopes: string[] };
} {
  const out: ReturnType<typeof sdkClientOptions> = {};
  if (opts.endpoint) {
    out.endpoint = opts.endpoint.replace(/\/+$/, '');
    // The SDKs ask for `https://management.azure.com/.default` whatever the endpoint; keep that
    // for the public cloud and use the endpoint's own audience elsewhere (sovereign clouds, the simulator).
    if (!/^https:\/\/management\.azure\.com$/i.test(out.endpoint)) {
      out.credentials = { scopes: [`${out.endpoint}/.default`] };
    }
  }
  if (opts.agent) out.agent = opts.agent;
  if (opts.retryOptions) out.retryOptions = opts.retryOptions;
  return out;
}

/**
 * One SDK client per subscription, created on first use (the SDK module is imported then too, which keeps
 * importing the adapters cheap). Subscription ids compare case-insensitively, as ARM does.
 *
 * @example
 * readonly #client = perSubscription((sub) => import('@azure/arm-monitor').then((m) => new m.MonitorClient(cred, sub, o)));
 */
export function perSubscription<T>(
  create: (subscriptionId: string) => Promise<T>,
): (subscriptionId: string) => Promise<T> {
  const clients = new Map<string, Promise<T>>();
  return (subscriptionId) => {
    const key = subscriptionId.toLowerCase();
    let client = clients.get(key);
    if (!client) {
      client = create(subscriptionId);
      clients.set(key, client);
    }
    return client;
  };
}
