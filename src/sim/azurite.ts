/**
 * Launches Azurite's Blob service (the real storage emulator) in memory on a free loopback port,
 * for integration tests and the demo.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = {
  name: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
} as const;

/** A running Azurite Blob service. */
export interface AzuriteBlob {
  /** `http://127.0.0.1:<port>/devstoreaccount1`. */
  blobEndpoint: string;
  /** A connection string with the well-known development account, for the SDK. */
  connectionString: string;
  /** Stops the Azurite process. */
  stop(): Promise<void>;
}

/** Thrown when Azurite cannot be started. */
export class AzuriteStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AzuriteStartError';
  }
}

/**
 * Start Azurite Blob (`--inMemoryPersistence --blobPort 0 --skipApiVersionCheck`) and wait until it listens.
 *
 * @param opts.timeoutMs - how long to wait for the listening line (default 15 s).
 * @throws AzuriteStartError when the package is missing, the process exits, or it does not listen in time.
 * @example
 * const azurite = await startAzurite();
 * const store = await BlobReportStore.fromConnectionString(azurite.connectionString);
 * await azurite.stop();
 */
export async function startAzurite(opts: { timeoutMs?: number } = {}): Promise<AzuriteBlob> {
  // Generous: on a loaded machine (CI, several test files at once) Azurite's boot alone has taken over 15 s.
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let main: string;
  try {
    main = join(dirname(createRequire(import.meta.url).resolve('azurite/package.json')), 'dist/src/blob/main.js');
  } catch (err) {
    throw new AzuriteStartError(
      'The azurite package is not installed (a dependency of snat-responder): run `npm ci` in the project folder.',
      {
        cause: err,
      },
    );
  }
  const child = spawn(
    process.execPath,
    [
      main,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--silent',
      '--skipApiVersionCheck',
    ],
    { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] },
  );

  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    let err = '';
    const fail = (message: string, cause?: unknown) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new AzuriteStartError(`${message}${err ? `; stderr: ${err.trim().slice(0, 500)}` : ''}`, { cause }));
    };
    const timer = setTimeout(() => fail(`Azurite did not start listening within ${timeoutMs} ms`), timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const m = /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    child.once('error', (e) => fail('Azurite could not be spawned', e));
    child.once('exit', (code, signal) => fail(`Azurite exited before listening (code ${code}, signal ${signal})`));
  });
  child.removeAllListeners('exit');
  // Keep the pipes drained so Azurite never blocks on a full stdout.
  child.stdout?.resume();
  child.stderr?.resume();

  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT.name}`;
  return {
    blobEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT.name};AccountKey=${AZURITE_ACCOUNT.key};BlobEndpoint=${blobEndpoint};`,
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
