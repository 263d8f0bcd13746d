/**
 * Starting and stopping the simulated world's HTTP(S) servers: they listen on 127.0.0.1 only (never another
 * interface), on a port the system picks unless one is asked for.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * Listens on 127.0.0.1 and resolves the port (rejects when the port cannot be bound).
 *
 * @example const port = await listenLoopback(server); // `http://127.0.0.1:${port}`
 */
export async function listenLoopback(server: HttpServer | HttpsServer, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Drops every open connection (keep-alive ones too) and resolves once the server is closed. */
export function closeLoopbackServer(server: HttpServer | HttpsServer): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
