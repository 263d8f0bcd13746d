/**
 * Exec over WebSocket, as the API server proxies it to the kubelet: `GET .../pods/NAME/exec?command=...` upgraded
 * under the `v5.channel.k8s.io` (or `v4`) subprotocol, authorized as `get` and `create` on `pods/exec`, admitted
 * as a `CONNECT`; then stdout on channel 1, stderr on 2 and the exit status (a `kind: Status`) on channel 3.
 * The simulated containers answer `netstat -ptn`, `cat /proc/net/tcp[6]` and the net-tools install, from the
 * scenario's sockets; the exec faults (latency, hang, dropped stream, pod deleted, unknown channel, exit 127)
 * bend that.
 */
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { forbiddenMessage, type KubeAccess } from './access.js';
import { STATUS_REASONS, statusBody } from './apiStatus.js';
import type { SimCluster } from './cluster.js';
import { netstatPtn, procNetTcp } from './formats.js';
import type { RequestAttributes } from './rbac.js';
import type { ScenarioContainer, ScenarioPod } from './scenario.js';
import type { KubeServerState } from './state.js';

type Json = Record<string, unknown>;

/** The server parts exec reads and changes. */
export interface ExecContext {
  cluster: SimCluster;
  access: KubeAccess;
  state: KubeServerState;
}

/** Answers a refused upgrade with a plain HTTP error and its Status body. */
function refuseUpgrade(socket: Duplex, status: number, body: Json): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_REASONS[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/**
 * Serves exec upgrades on `server`; returns how to end every open exec stream (for the server's close).
 *
 * @example const execs = serveExecUpgrades(server, { cluster, access, state }); // on close: execs.close()
 */
export function serveExecUpgrades(server: Server, sim: ExecContext): { close(): void } {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => {
      for (const p of ['v5.channel.k8s.io', 'v4.channel.k8s.io']) if (protocols.has(p)) return p;
      return false;
    },
  });
  const { cluster, access, state } = sim;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    const record = (status: number) =>
      state.requests.push({ method: 'GET', path: `${url.pathname}${url.search}`, status });
    const user = access.authenticate(req);
    if (!user) {
      record(401);
      return refuseUpgrade(socket, 401, statusBody(401, 'Unauthorized'));
    }
    if (!m) {
      record(404);
      return refuseUpgrade(socket, 404, statusBody(404, 'the server could not find the requested resource'));
    }
    const ns = decodeURIComponent(m[1] ?? '');
    const name = decodeURIComponent(m[2] ?? '');
    // WebSocket exec is a GET authorized as `get`; newer API servers also check `create`.
    for (const verb of ['get', 'create']) {
      const a: RequestAttributes = { verb, apiGroup: '', resource: 'pods', subresource: 'exec', namespace: ns, name };
      if (!access.authorize(user, a)) {
        record(403);
        return refuseUpgrade(socket, 403, statusBody(403, forbiddenMessage(user, a)));
      }
    }
    const pod = cluster.scenarioPods.get(`${ns}/${name}`);
    if (!pod || !cluster.pods.has(`${ns}/${name}`)) {
      record(404);
      return refuseUpgrade(socket, 404, statusBody(404, `pods "${name}" not found`, { name, kind: 'pods' }));
    }
    const containerName = url.searchParams.get('container') ?? pod.containers[0]?.name;
    const container = pod.containers.find((c) => c.name === containerName);
    if (!container) {
      record(400);
      return refuseUpgrade(socket, 400, statusBody(400, `container ${containerName} is not valid for pod ${name}`));
    }
    const command = url.searchParams.getAll('command');
    const denied = access.admit(
      user,
      {
        group: '',
        version: 'v1',
        resource: 'pods',
        subresource: 'exec',
        operation: 'CONNECT',
        namespace: ns,
        name,
        object: {
          kind: 'PodExecOptions',
          apiVersion: 'v1',
          command,
          container: container.name,
          stdin: url.searchParams.get('stdin') === 'true',
          stdout: url.searchParams.get('stdout') === 'true',
          stderr: url.searchParams.get('stderr') === 'true',
          tty: url.searchParams.get('tty') === 'true',
        },
      },
      cluster.namespaceLabels(ns),
    );
    if (denied) {
      record(denied.code);
      return refuseUpgrade(socket, denied.code, statusBody(denied.code, denied.message, undefined, denied.reason));
    }
    record(101);
    wss.handleUpgrade(req, socket, head, (ws) => {
      void serveExec(sim, ws, pod, container, command);
    });
  });
  return {
    close: () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}

/** One frame on `channel`. */
function send(ws: WebSocket, channel: number, data: string | Buffer): void {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
  ws.send(Buffer.concat([Buffer.from([channel]), b]));
}

/** The exit status of a binary the container does not have: the runtime's error, or `sh`'s exit 127. */
function notFoundBinary(ws: WebSocket, bin: string, exit127: boolean): void {
  if (exit127) {
    send(ws, 2, `sh: ${bin}: not found\n`);
    send(
      ws,
      3,
      JSON.stringify({
        metadata: {},
        status: 'Failure',
        message: 'command terminated with non-zero exit code: exit status 127',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '127' }] },
      }),
    );
  } else {
    const message = `OCI runtime exec failed: exec failed: unable to start container process: exec: "${bin}": executable file not found in $PATH: unknown`;
    send(
      ws,
      3,
      JSON.stringify({
        metadata: {},
        status: 'Failure',
        message,
        reason: 'InternalError',
        details: { causes: [{ message }] },
        code: 500,
      }),
    );
  }
}

/** Runs one exec on a scenario container and answers on the socket's channels. */
async function serveExec(
  sim: ExecContext,
  ws: WebSocket,
  pod: ScenarioPod,
  container: ScenarioContainer,
  command: string[],
): Promise<void> {
  const { state } = sim;
  const key = `${pod.namespace}/${pod.name}`;
  state.exec.total++;
  state.exec.active++;
  state.exec.peak = Math.max(state.exec.peak, state.exec.active);
  let counted = true;
  const release = () => {
    if (counted) state.exec.active--;
    counted = false;
  };
  ws.on('close', release);
  ws.on('error', () => undefined);
  const f = state.faults;
  if (f.execHang?.includes(key)) return; // never answers; the client must time out
  if (f.execLatencyMs) await new Promise((r) => setTimeout(r, f.execLatencyMs));
  if (ws.readyState !== ws.OPEN) return;
  if (f.execUnknownChannel?.includes(key)) send(ws, 7, 'unexpected');
  if (f.execDeletePod?.includes(key)) {
    state.deletePod(pod.namespace, pod.name);
    ws.terminate();
    return;
  }
  const bin = command[0] ?? '';
  const exit127 = f.missingBinaryExit127 === true;
  let out: string | null = null;
  if (bin === 'netstat') {
    if (!container.hasNetstat) return finishExec(ws, () => notFoundBinary(ws, 'netstat', exit127), release);
    out = netstatPtn(pod.sockets);
  } else if (bin === 'cat' && command.slice(1).every((a) => a === '/proc/net/tcp' || a === '/proc/net/tcp6')) {
    if (container.hasCat === false) return finishExec(ws, () => notFoundBinary(ws, 'cat', exit127), release);
    out = procNetTcp(pod.sockets);
  } else if (bin === 'sh') {
    if (!container.canInstallNetTools) return finishExec(ws, () => notFoundBinary(ws, 'sh', exit127), release);
    container.hasNetstat = true;
    out = 'Setting up net-tools (2.10-0.1ubuntu4) ...\n';
  } else {
    return finishExec(ws, () => notFoundBinary(ws, bin, exit127), release);
  }
  if (f.execDropSocket?.includes(key)) {
    send(ws, 1, out.slice(0, Math.floor(out.length / 3)));
    setTimeout(() => ws.terminate(), 5);
    return;
  }
  finishExec(
    ws,
    () => {
      // Large outputs arrive in several frames, as from the real server.
      for (let i = 0; i < out.length; i += 16 * 1024) send(ws, 1, out.slice(i, i + 16 * 1024));
      send(ws, 3, JSON.stringify({ metadata: {}, status: 'Success' }));
    },
    release,
  );
}

/** Writes the answer, releases the exec's place in the counters and closes the stream normally. */
function finishExec(ws: WebSocket, write: () => void, release?: () => void): void {
  write();
  release?.();
  ws.close(1000);
}
