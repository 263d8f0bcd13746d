/**
 * One command in one container over the exec WebSocket, with the guards the
 * client lacks: a hard timeout that terminates the socket, the exit code read
 * from the status channel, and frames on unexpected channels (which make the
 * client throw an uncaught `Unknown stream` error) absorbed.
 */
import { Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import WebSocket from 'ws';
import { execSocketConnector } from './execSocket.js';

/** How one exec ended: it ran (with an exit code), failed to start, was refused, dropped, or timed out. */
export type ExecOutcome =
  /** The command ran; `exitCode` from the status channel. */
  | { kind: 'exited'; exitCode: number; stdout: string; stderr: string }
  /** The runtime could not start the command (binary missing, no such container...). */
  | { kind: 'failed'; message: string; stdout: string; stderr: string }
  /** The API server refused the upgrade (403, 404 pod gone, 400 container not found...). */
  | { kind: 'refused'; httpStatus: number | null; message: string }
  /** The stream closed before an exit status arrived. */
  | { kind: 'dropped'; stdout: string; stderr: string }
  | { kind: 'timeout' };

/** Collects a stream into memory up to `max` bytes (the rest is dropped, `truncated` set). */
class Capped extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    if (this.size < this.max) {
      const part = chunk.subarray(0, this.max - this.size);
      this.chunks.push(part);
      this.size += part.length;
      if (part.length < chunk.length) this.truncated = true;
    } else {
      this.truncated = true;
    }
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

const STATUS_STREAM = 3;
const CLOSE_SIGNAL = 255;

function exitCodeOf(status: V1Status): number | null {
  if (status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const n = Number(cause?.message);
    return Number.isInteger(n) ? n : null;
  }
  return null;
}

/**
 * Runs `command` (an argument array, never shell text) in a container.
 * Never throws for remote failures: the outcome says what happened.
 */
export async function execInContainer(
  kc: KubeConfig,
  target: { namespace: string; pod: string; container: string },
  command: string[],
  opts: { timeoutMs: number; maxOutputBytes?: number },
): Promise<ExecOutcome> {
  const stdout = new Capped(opts.maxOutputBytes ?? 16 * 1024 * 1024);
  const stderr = new Capped(64 * 1024);
  let socket: WebSocket | null = null;
  // Our own connector (public client-node API only): close-channel frames reach the guard below like any other
  // channel, instead of ending process streams.
  const handler = execSocketConnector(kc, (uri, protocols, wsOpts) => {
    socket = new WebSocket(uri, protocols, { ...wsOpts, handshakeTimeout: opts.timeoutMs });
    return socket;
  });
  const guarded = {
    connect: (
      path: string,
      text: ((t: string) => boolean) | null,
      binary: ((stream: number, buff: Buffer) => boolean) | null,
    ) =>
      handler.connect(
        path,
        text,
        binary
          ? (stream: number, buff: Buffer) => {
              if (stream === CLOSE_SIGNAL || stream > STATUS_STREAM) return true;
              try {
                return binary(stream, buff);
              } catch {
                return false;
              }
            }
          : null,
      ),
  };
  const exec = new Exec(kc, guarded);

  return await new Promise<ExecOutcome>((resolve) => {
    let settled = false;
    const finish = (o: ExecOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const s = socket as WebSocket | null;
      if (s && s.readyState !== WebSocket.CLOSED) s.terminate();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), opts.timeoutMs);
    exec
      .exec(target.namespace, target.pod, target.container, command, stdout, stderr, null, false, (status) => {
        const code = exitCodeOf(status);
        // Let the last stdout frames land before reading the buffers.
        setImmediate(() =>
          finish(
            code === null
              ? {
                  kind: 'failed',
                  message: status.message ?? status.reason ?? 'exec failed',
                  stdout: stdout.text(),
                  stderr: stderr.text(),
                }
              : { kind: 'exited', exitCode: code, stdout: stdout.text(), stderr: stderr.text() },
          ),
        );
      })
      .then((ws) => {
        ws.on('close', () =>
          setImmediate(() => finish({ kind: 'dropped', stdout: stdout.text(), stderr: stderr.text() })),
        );
        ws.on('error', () => undefined);
      })
      .catch((err: unknown) => {
        const message = (err as { message?: string })?.message ?? String(err);
        const m = /Unexpected server response: (\d+)/.exec(message);
        finish({ kind: 'refused', httpStatus: m ? Number(m[1]) : null, message });
      });
  });
}
