/**
 * The exec WebSocket, opened with client-node's PUBLIC API only. client-node's own `WebSocketHandler` is not
 * exported from the package index (it lives under `dist/`), so this module does what its `connect` does with
 * public pieces: the cluster URL from `KubeConfig.getCurrentCluster()`, credentials and TLS from
 * `KubeConfig.applyToHTTPSOptions()`, the channel sub-protocols, and the stream-number framing. `Exec` accepts any
 * object with this `connect` shape (its constructor's second parameter), so nothing private is imported.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type WebSocket from 'ws';

/** The Kubernetes remote-command sub-protocols, newest first (as client-node offers them). */
export const EXEC_PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
] as const;

/** Handles one binary frame: `stream` is the channel number, `data` the payload; false closes the socket. */
export type BinaryFrameHandler = (stream: number, data: Buffer) => boolean;

/** Handles one text frame; false closes the socket. */
export type TextFrameHandler = (text: string) => boolean;

/** The `connect` contract `Exec` calls (structurally client-node's `WebSocketInterface`). */
export interface ExecSocketConnector {
  /** Opens `path` on the current cluster; resolves once the socket is open, rejects if it fails before that. */
  connect(path: string, text: TextFrameHandler | null, binary: BinaryFrameHandler | null): Promise<WebSocket>;
}

/** How the socket is created (the caller keeps it, to terminate it on its own deadline). */
export type SocketFactory = (uri: string, protocols: string[], options: WebSocket.ClientOptions) => WebSocket;

/** The `ws://` or `wss://` URL of `path` on the cluster's server. */
export function execSocketUrl(server: string, path: string): string {
  const ssl = server.startsWith('https://');
  return `${ssl ? 'wss' : 'ws'}://${server.slice(ssl ? 8 : 7)}${path}`;
}

/**
 * A connector for `new Exec(kc, connector)`. Frames go to the handlers as client-node would pass them (text as
 * is; binary split into the channel number and the rest); close-channel frames are handed to `binary` like any
 * other channel, so the caller decides what they mean (client-node would end `process.stdout` on them).
 */
export function execSocketConnector(kc: KubeConfig, createSocket: SocketFactory): ExecSocketConnector {
  return {
    async connect(path, text, binary) {
      const cluster = kc.getCurrentCluster();
      if (!cluster) throw new Error('No cluster is defined.');
      const options: WebSocket.ClientOptions = {};
      await kc.applyToHTTPSOptions(options);
      return await new Promise<WebSocket>((resolve, reject) => {
        const socket = createSocket(execSocketUrl(cluster.server, path), [...EXEC_PROTOCOLS], options);
        let open = false;
        socket.onopen = () => {
          open = true;
          resolve(socket);
        };
        socket.onerror = (err) => {
          if (!open) reject(err);
        };
        socket.onmessage = ({ data }) => {
          if (typeof data === 'string') {
            if (text && !text(data)) socket.close();
          } else if (Buffer.isBuffer(data)) {
            if (binary && !binary(data.readUint8(0), data.subarray(1))) socket.close();
          }
        };
      });
    },
  };
}
