import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Exec } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { kubeConfigFromString } from '../../../src/kube/access.js';
import { EXEC_PROTOCOLS, execSocketConnector, execSocketUrl } from '../../../src/kube/execSocket.js';

// The exec socket is built from client-node's public API only. These tests pin what it relies on (KubeConfig's
// cluster and credentials, the channel framing, Exec accepting a connector), so a client-node upgrade that
// changes any of it fails here, loudly, rather than in a capture.

let server: Server | null = null;
let wss: WebSocketServer | null = null;

afterEach(async () => {
  for (const c of wss?.clients ?? []) c.terminate();
  await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
  wss = null;
});

/** A loopback server that upgrades, records the request, and runs `onSocket`. */
async function upgradeServer(onSocket: (ws: WebSocket, req: IncomingMessage) => void): Promise<string> {
  server = createServer((_req, res) => res.writeHead(403).end('forbidden'));
  wss = new WebSocketServer({ server, handleProtocols: (protocols) => [...protocols][0] ?? false });
  wss.on('connection', onSocket);
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function kubeConfig(serverUrl: string) {
  return kubeConfigFromString(
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {insecure-skip-tls-verify: true, server: "${serverUrl}"}}]`,
      'users: [{name: u, user: {token: secret-token}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
  );
}

describe('execSocketUrl', () => {
  it('maps https to wss and http to ws, keeping host, port and path', () => {
    expect(execSocketUrl('https://aks.example:443', '/api/v1/x?a=1')).toBe('wss://aks.example:443/api/v1/x?a=1');
    expect(execSocketUrl('http://127.0.0.1:8080', '/p')).toBe('ws://127.0.0.1:8080/p');
  });
});

describe('execSocketConnector', () => {
  it('opens the path with the kubeconfig credentials and the channel protocols, and splits frames by channel', async () => {
    let seen: IncomingMessage | null = null;
    const url = await upgradeServer((ws, req) => {
      seen = req;
      ws.send(Buffer.from([1, ...Buffer.from('out')]));
      ws.send(Buffer.from([255, 1]));
      ws.send('hello');
    });
    const frames: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const record = (entry: string) => {
        frames.push(entry);
        if (frames.length === 3) resolve();
        return true;
      };
      execSocketConnector(kubeConfig(url), (u, p, o) => new WebSocket(u, p, o))
        .connect(
          '/api/v1/namespaces/n/pods/p/exec?command=true',
          (t) => record(`text:${t}`),
          (stream, data) => record(`${stream}:${data.toString('hex')}`),
        )
        .catch(reject);
    });
    await done;
    expect(frames).toEqual([`1:${Buffer.from('out').toString('hex')}`, '255:01', 'text:hello']);
    const req = seen as IncomingMessage | null;
    expect(req?.url).toBe('/api/v1/namespaces/n/pods/p/exec?command=true');
    expect(req?.headers.authorization).toBe('Bearer secret-token');
    expect(req?.headers['sec-websocket-protocol']?.split(/, ?/)).toEqual([...EXEC_PROTOCOLS]);
  });

  it('closes the socket when a handler returns false', async () => {
    const closed = new Promise<number>((resolve, reject) => {
      upgradeServer((ws) => {
        ws.on('close', (code) => resolve(code));
        ws.send(Buffer.from([3, 0x7b]));
      })
        .then((url) =>
          execSocketConnector(kubeConfig(url), (u, p, o) => new WebSocket(u, p, o)).connect('/x', null, () => false),
        )
        .catch(reject);
    });
    expect(await closed).toBe(1005);
  });

  it('rejects when the server refuses the upgrade, with the HTTP status in the message', async () => {
    const url = await upgradeServer(() => undefined);
    wss?.removeAllListeners('connection');
    // A path the WebSocket server does not accept: answer with the plain HTTP 403 handler.
    server?.removeAllListeners('upgrade');
    server?.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
    await expect(
      execSocketConnector(kubeConfig(url), (u, p, o) => new WebSocket(u, p, o)).connect('/x', null, null),
    ).rejects.toThrow(/Unexpected server response: 403/);
  });

  it('is a connector client-node Exec accepts: a command runs and its status ends it', async () => {
    const url = await upgradeServer((ws) => {
      ws.send(Buffer.from([1, ...Buffer.from('netstat output')]));
      ws.send(Buffer.from([3, ...Buffer.from(JSON.stringify({ status: 'Success' }))]));
      ws.close();
    });
    const kc = kubeConfig(url);
    const chunks: Buffer[] = [];
    const stdout = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    const status = await new Promise<unknown>((resolve, reject) => {
      new Exec(
        kc,
        execSocketConnector(kc, (u, p, o) => new WebSocket(u, p, o)),
      )
        .exec('n', 'p', 'c', ['netstat', '-tn'], stdout, null, null, false, resolve)
        .catch(reject);
    });
    expect(status).toEqual({ status: 'Success' });
    expect(Buffer.concat(chunks).toString()).toBe('netstat output');
  });
});
