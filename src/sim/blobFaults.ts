/**
 * A fault layer in front of Azurite: a loopback HTTP proxy that forwards every Blob request unchanged, except
 * during a planned outage, when it answers 503 `ServerBusy` exactly as Azure Storage does. The outage is measured
 * on the world's clock (virtual in the demo and the tests), so durable timers that skip time also end it.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { closeLoopbackServer, listenLoopback } from './loopback.js';

/** When the Blob service is down. */
export interface BlobOutagePlan {
  /** The first request this matches starts the outage (e.g. the first evidence upload). */
  startsWith: (request: { method: string; path: string }) => boolean;
  /** How long the outage lasts on the clock, in milliseconds. */
  durationMs: number;
}

/** A running proxy in front of Azurite that answers 503 during planned outages. */
export interface BlobFaultProxy {
  /** Azurite's connection string with its BlobEndpoint moved to the proxy. */
  connectionString: string;
  /** Requests answered 503 so far. */
  readonly refused: number;
  /** Requests forwarded so far. */
  readonly forwarded: number;
  /** Clock times (ms) the last outage began and ends; null until one began. */
  readonly outage: { fromMs: number; toMs: number } | null;
  /** Plans the next outage (replacing any planned one); null plans none. Past outages stay counted. */
  arm(plan: BlobOutagePlan | null): void;
  close(): Promise<void>;
}

const SERVER_BUSY =
  '<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code>' +
  '<Message>The server is currently unable to receive requests. Please retry your request.</Message></Error>';

/**
 * Starts the proxy on `127.0.0.1:0` in front of the Blob endpoint of `connectionString`.
 *
 * @example
 * const proxy = await startBlobFaultProxy(azurite.connectionString, {
 *   clock: () => virtual.now(),
 *   outage: { startsWith: (r) => r.path.includes('/evidence/'), durationMs: 30_000 },
 * });
 */
export async function startBlobFaultProxy(
  connectionString: string,
  opts: { clock: () => number; outage?: BlobOutagePlan },
): Promise<BlobFaultProxy> {
  const endpoint = /BlobEndpoint=([^;]+)/i.exec(connectionString)?.[1];
  if (!endpoint) throw new Error('the connection string has no BlobEndpoint to put the fault proxy in front of');
  const target = new URL(endpoint);
  let refused = 0;
  let forwarded = 0;
  let outage: { fromMs: number; toMs: number } | null = null;
  let planned: BlobOutagePlan | null = opts.outage ?? null;

  const down = (req: IncomingMessage): boolean => {
    const now = opts.clock();
    if (planned?.startsWith({ method: req.method ?? 'GET', path: req.url ?? '/' })) {
      outage = { fromMs: now, toMs: now + planned.durationMs };
      planned = null;
    }
    return outage !== null && now >= outage.fromMs && now < outage.toMs;
  };

  const server = createServer((req, res) => {
    if (down(req)) {
      refused++;
      req.resume(); // drain the upload so the client sees the answer, not a reset
      req.on('end', () => {
        res.writeHead(503, {
          'content-type': 'application/xml',
          'x-ms-error-code': 'ServerBusy',
          'content-length': Buffer.byteLength(SERVER_BUSY),
        });
        res.end(SERVER_BUSY);
      });
      return;
    }
    forwarded++;
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const port = await listenLoopback(server);
  const proxied = new URL(endpoint);
  proxied.port = String(port);
  return {
    connectionString: connectionString.replace(endpoint, proxied.href.replace(/\/$/, '')),
    get refused() {
      return refused;
    },
    get forwarded() {
      return forwarded;
    },
    get outage() {
      return outage;
    },
    arm(plan) {
      planned = plan;
    },
    close: () => closeLoopbackServer(server),
  };
}
