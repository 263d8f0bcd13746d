/**
 * A loopback stand-in for a Teams Workflows webhook: records the payloads it receives, answers 202,
 * refuses bodies above the Teams size limit with 413, and follows a script of answers for fault tests.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { closeLoopbackServer, listenLoopback } from '../loopback.js';

/** One scripted answer (consumed in order; afterwards the sink answers 202). */
export interface TeamsSinkResponse {
  status: number;
  /** `Retry-After` header value (seconds or an HTTP date). */
  retryAfter?: string;
}

/** A running Teams Workflows webhook sink. */
export interface TeamsSink {
  /** The webhook URL, shaped like a Workflows URL with a `sig` query parameter. */
  url: string;
  /** Every JSON payload received, in order (including refused ones). */
  received: unknown[];
  /** Payloads answered with 2xx. */
  delivered: unknown[];
  /** Status answered to each request, in order. */
  statuses: number[];
  close(): Promise<void>;
}

/** Rough Teams limit for a Workflows message (about 28 KB). */
export const TEAMS_MAX_BYTES = 28 * 1024;

/**
 * Start the sink on `127.0.0.1:0`.
 *
 * @example
 * const sink = await startTeamsSink({ script: [{ status: 429, retryAfter: '1' }] });
 * await new TeamsNotifier({ webhookUrl: sink.url }).send(() => payload);
 */
export async function startTeamsSink(
  opts: { script?: TeamsSinkResponse[]; maxBytes?: number; successStatus?: number } = {},
): Promise<TeamsSink> {
  const script = [...(opts.script ?? [])];
  const maxBytes = opts.maxBytes ?? TEAMS_MAX_BYTES;
  const received: unknown[] = [];
  const delivered: unknown[] = [];
  const statuses: number[] = [];
  const sig = randomBytes(24).toString('base64url');
  const path = '/workflows/5e1d7c3a9b2f4e60a8d1c0b2e3f4a5b6/triggers/manual/paths/invoke';

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, headers: Record<string, string> = {}, text = '') => {
        statuses.push(status);
        res.writeHead(status, { 'content-type': 'text/plain', ...headers });
        res.end(text);
      };
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method !== 'POST' || url.pathname !== path || url.searchParams.get('sig') !== sig) {
        return answer(404, {}, 'unknown workflow');
      }
      const body = Buffer.concat(chunks);
      let payload: unknown;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        return answer(400, {}, 'body is not JSON');
      }
      received.push(payload);
      const scripted = script.shift();
      if (scripted) {
        if (scripted.status >= 200 && scripted.status < 300) delivered.push(payload);
        return answer(scripted.status, scripted.retryAfter ? { 'retry-after': scripted.retryAfter } : {});
      }
      if (body.length > maxBytes) return answer(413, {}, 'Request entity too large');
      delivered.push(payload);
      answer(opts.successStatus ?? 202);
    });
  });

  const port = await listenLoopback(server);
  return {
    url: `http://127.0.0.1:${port}${path}?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}`,
    received,
    delivered,
    statuses,
    close: () => closeLoopbackServer(server),
  };
}
