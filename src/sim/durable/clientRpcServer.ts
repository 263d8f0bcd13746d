/**
 * A loopback stand-in for the Durable extension's local RPC endpoint (the `rpcBaseUrl` the
 * extension hands to `df.input.durableClient()`), answering the v3 `DurableClient` from a
 * {@link ReplayDriver}. Routes, status codes and payloads follow the extension's HTTP API
 * handler: start (`POST orchestrators/{name}/{id?}`), status (`GET instances/{id}`), list
 * (`GET instances/`), terminate and purge. Other operations answer 501.
 *
 * Starting it also registers the `durableClient` binding data with the Functions host stand-in,
 * so `df.getClient(context)` works inside HTTP handlers invoked through it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenLoopback } from '../loopback.js';
import { OrchestrationAlreadyExistsError, ReplayDriverError } from './errors.js';
import type { FunctionsRegistry } from './hostStandIn.js';
import type { OrchestrationStatus, ReplayDriver } from './replayDriver.js';

/** The durable client binding data, as the extension serializes it (`OrchestrationClientInputData`). */
export interface OrchestrationClientInputData {
  taskHubName: string;
  connectionName: string | null;
  creationUrls: { createNewInstancePostUri: string; createAndWaitOnNewInstancePostUri: string };
  managementUrls: {
    id: string;
    statusQueryGetUri: string;
    sendEventPostUri: string;
    terminatePostUri: string;
    rewindPostUri: string;
    purgeHistoryDeleteUri: string;
    restartPostUri: string;
    suspendPostUri: string;
    resumePostUri: string;
  };
  baseUrl: string;
  requiredQueryStringParameters: string;
  rpcBaseUrl: string;
}

/** Options of {@link startClientRpcServer}. */
export interface ClientRpcServerOptions {
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** Task hub name in URLs and binding data (default `TestHubName`). */
  taskHubName?: string;
  /** Origin of the public webhook URLs (default `http://localhost:7071`, what the host uses locally). */
  webhookOrigin?: string;
  /** The `code=` system key appended to webhook URLs (default `sim-system-key`). */
  systemKey?: string;
  /** Storage connection name in status URLs (default `Storage`). */
  connectionName?: string;
}

/** A running RPC endpoint. */
export interface ClientRpcServer {
  /** e.g. `http://127.0.0.1:41234/durabletask/` */
  readonly rpcBaseUrl: string;
  /** The binding data `df.getClient(context)` receives. */
  clientInputData(): OrchestrationClientInputData;
  /** Stops listening and removes the `durableClient` binding data from the registry. */
  close(): Promise<void>;
}

const rpcPath = '/durabletask/';
const webhookPath = '/runtime/webhooks/durabletask';
const instanceIdPlaceholder = 'INSTANCEID';

/**
 * Starts the RPC endpoint on 127.0.0.1 and wires the `durableClient` binding into `registry`.
 *
 * @example
 * const rpc = await startClientRpcServer(driver, registry);
 * const res = await registry.invokeHttp('httpStart', { method: 'POST', url: '/api/start/hello', body: {} });
 * await rpc.close();
 */
export async function startClientRpcServer(
  driver: ReplayDriver,
  registry: FunctionsRegistry,
  options: ClientRpcServerOptions = {},
): Promise<ClientRpcServer> {
  const taskHubName = options.taskHubName ?? 'TestHubName';
  const systemKey = options.systemKey ?? 'sim-system-key';
  const connectionName = options.connectionName ?? 'Storage';
  const webhookOrigin = options.webhookOrigin ?? 'http://localhost:7071';
  const links = { taskHubName, systemKey, connectionName };

  const server = createServer((req, res) => {
    handle(driver, links, req, res).catch((err: unknown) => {
      send(res, 500, {
        Message: 'Something went wrong while processing your request',
        ExceptionMessage: messageOf(err),
      });
    });
  });
  const port = await listenLoopback(server, options.port ?? 0);
  const rpcBaseUrl = `http://127.0.0.1:${port}${rpcPath}`;

  const clientInputData = (): OrchestrationClientInputData => {
    const base = `${webhookOrigin}${webhookPath}`;
    const instancePrefix = `${base}/orchestrators/{functionName}[/{instanceId}]`;
    return {
      taskHubName,
      connectionName: null,
      creationUrls: {
        createNewInstancePostUri: `${instancePrefix}?code=${systemKey}`,
        createAndWaitOnNewInstancePostUri: `${instancePrefix}?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=${systemKey}`,
      },
      managementUrls: managementPayload(webhookOrigin, instanceIdPlaceholder, links),
      baseUrl: base,
      requiredQueryStringParameters: `code=${systemKey}`,
      rpcBaseUrl,
    };
  };
  registry.setBindingDataProvider('durableClient', () => ({ string: JSON.stringify(clientInputData()) }));

  return {
    rpcBaseUrl,
    clientInputData,
    close: async () => {
      registry.setBindingDataProvider('durableClient', undefined);
      await closeServer(server);
    },
  };
}

interface LinkSettings {
  taskHubName: string;
  systemKey: string;
  connectionName: string;
}

/** The extension's `HttpManagementPayload` for one instance id. */
function managementPayload(origin: string, instanceId: string, links: LinkSettings) {
  const prefix = `${origin}${webhookPath}/instances/${encodeURIComponent(instanceId)}`;
  const suffix = `taskHub=${encodeURIComponent(links.taskHubName)}&connection=${encodeURIComponent(links.connectionName)}&code=${links.systemKey}`;
  return {
    id: instanceId,
    statusQueryGetUri: `${prefix}?${suffix}`,
    sendEventPostUri: `${prefix}/raiseEvent/{eventName}?${suffix}`,
    terminatePostUri: `${prefix}/terminate?reason={text}&${suffix}`,
    rewindPostUri: `${prefix}/rewind?reason={text}&${suffix}`,
    purgeHistoryDeleteUri: `${prefix}?${suffix}`,
    restartPostUri: `${prefix}/restart?${suffix}`,
    suspendPostUri: `${prefix}/suspend?reason={text}&${suffix}`,
    resumePostUri: `${prefix}/resume?reason={text}&${suffix}`,
  };
}

async function handle(driver: ReplayDriver, links: LinkSettings, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
  const method = (req.method ?? 'GET').toUpperCase();
  if (!url.pathname.startsWith(rpcPath)) return send(res, 404);
  const segments = url.pathname
    .slice(rpcPath.length)
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
  const [controller, first, second] = segments;
  const body = await readBody(req);

  if (controller === 'orchestrators' && first) {
    if (method !== 'POST' || segments.length > 3) return send(res, 404);
    let input: unknown;
    try {
      input = body.length > 0 ? (JSON.parse(body) as unknown) : undefined;
    } catch {
      return send(res, 400, { Message: 'Invalid JSON content' });
    }
    try {
      const { instanceId } = await driver.start(first, input, second);
      // Like the extension: the check-status response, built from the request's own origin.
      const payload = managementPayload(url.origin, instanceId, links);
      const { rewindPostUri: _rewind, ...body202 } = payload;
      return send(res, 202, body202, { Location: payload.statusQueryGetUri, 'Retry-After': '10' });
    } catch (err) {
      if (err instanceof OrchestrationAlreadyExistsError) return send(res, 409, { Message: err.message });
      if (err instanceof ReplayDriverError) return send(res, 400, { Message: err.message });
      throw err;
    }
  }

  if (controller === 'instances') {
    if (!first) {
      if (method === 'GET')
        return send(
          res,
          200,
          driver.listStatuses().map((s) => statusPayload(s)),
        );
      return send(res, 404);
    }
    const status = driver.getStatus(first, { showHistory: url.searchParams.get('showHistory') === 'true' });
    if (!second) {
      if (method === 'GET') {
        if (!status) return send(res, 404);
        const running = status.runtimeStatus === 'Pending' || status.runtimeStatus === 'Running';
        const code = running ? 202 : 200;
        const headers: Record<string, string> = running ? { Location: url.href, 'Retry-After': '5' } : {};
        return send(res, code, statusPayload(status, url.searchParams.get('showInput') !== 'false'), headers);
      }
      if (method === 'DELETE') {
        if (!status) return send(res, 404);
        if (!driver.purge(first)) {
          return send(res, 412, {
            Message: `Only orchestrations in a terminal state can be purged, but the orchestration with instance ID ${first} has status ${status.runtimeStatus}`,
          });
        }
        return send(res, 200, { instancesDeleted: 1 });
      }
      return send(res, 404);
    }
    if (method === 'POST' && second.toLowerCase() === 'terminate') {
      if (!status) return send(res, 404);
      if (!driver.terminate(first, url.searchParams.get('reason') ?? '')) return send(res, 410);
      return send(res, 202);
    }
    if (method === 'POST' && second.toLowerCase() === 'raiseevent' && segments[3]) {
      if (!status) return send(res, 404);
      let data: unknown = null;
      try {
        data = body.length > 0 ? (JSON.parse(body) as unknown) : null;
      } catch {
        return send(res, 400, { Message: 'Invalid JSON content' });
      }
      // Like the extension: 202 accepted, 410 Gone when the instance has already finished.
      return send(res, driver.raiseEvent(first, segments[3], data) ? 202 : 410);
    }
    return send(res, 501, { Message: `The replay driver does not implement '${second}'.` });
  }
  if (controller === 'entities') return send(res, 501, { Message: 'Entities are not supported by the replay driver.' });
  return send(res, 404);
}

/** The extension's `StatusResponsePayload`: times without milliseconds, `historyEvents` when asked. */
function statusPayload(status: OrchestrationStatus, showInput = true) {
  const payload: Record<string, unknown> = {
    name: status.name,
    instanceId: status.instanceId,
    runtimeStatus: status.runtimeStatus,
    input: showInput ? status.input : null,
    customStatus: status.customStatus,
    output: status.output,
    createdTime: `${status.createdTime.slice(0, 19)}Z`,
    lastUpdatedTime: `${status.lastUpdatedTime.slice(0, 19)}Z`,
  };
  if (status.history) payload.historyEvents = status.history;
  return payload;
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers }).end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
