/**
 * The Function App's log export, end to end in a child process (as a worker loads it): the real Azure Monitor
 * exporter posts to a loopback ingestion endpoint, and the envelopes must carry the correlation keys and the event
 * as custom dimensions (`baseData.properties`, the `customDimensions` column of `traces`).
 *
 * A child process because the exporter schedules its own background work (configuration polling) a few seconds
 * after it starts: the child exits first, so nothing ever leaves the machine.
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt, PROJECT_ROOT } from '../../support/cli.js';
import { testCertificate } from '../../support/tls.js';

const IKEY = '0b8f7c1e-1d2a-4c3b-9e8f-7a6b5c4d3e2f';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACE_PARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

interface Envelope {
  name: string;
  iKey: string;
  tags: Record<string, string>;
  data: { baseType: string; baseData: { message: string; severityLevel: string; properties: Record<string, string> } };
}

let server: Server;
let endpoint: string;
let envelopes: Envelope[] = [];
let paths: string[] = [];
/** The loopback certificate, trusted by the child through NODE_EXTRA_CA_CERTS (the exporter only speaks HTTPS). */
let caFile: string;

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

beforeAll(async () => {
  ensureBuilt();
  const cert = await testCertificate();
  caFile = join(tmpdir(), `snat-telemetry-ca-${process.pid}.pem`);
  writeFileSync(caFile, cert.cert);
  server = createServer({ cert: cert.cert, key: cert.key }, async (req, res) => {
    paths.push(`${req.method} ${req.url}`);
    const text = (await body(req)).toString('utf8');
    const items = text.trim().startsWith('[')
      ? JSON.parse(text)
      : text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
    envelopes.push(...(items as Envelope[]));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(caFile, { force: true });
});

beforeEach(() => {
  envelopes = [];
  paths = [];
});

const dist = (file: string) => pathToFileURL(join(PROJECT_ROOT, 'dist', file)).href;

/**
 * Loads the built functions/telemetry.js under the host stand-in with `env` as the app settings, logs one entry
 * through an invocation's logger, flushes, and prints what reached the invocation context's own log methods.
 */
async function runWorker(env: Record<string, string>) {
  const script = `
    import { installFunctionsHostStandIn } from ${JSON.stringify(dist('src/sim/durable/hostStandIn.js'))};
    installFunctionsHostStandIn();
    const { functionLogger, flushTelemetry } = await import(${JSON.stringify(dist('functions/telemetry.js'))});
    const lines = [];
    const context = {
      traceContext: { traceParent: ${JSON.stringify(TRACE_PARENT)}, traceState: '', attributes: {} },
      log: (...a) => lines.push(['log', ...a]),
      warn: (...a) => lines.push(['warn', ...a]),
      error: (...a) => lines.push(['error', ...a]),
    };
    functionLogger(context, { instanceId: 'snat-abc-1', cluster: 'aks-prod', node: 'aks-nodepool1-0' })
      .error('could not delete capture Job', { jobName: 'snat-capture-x1', attempts: 3, detail: { status: 503 } });
    await flushTelemetry();
    process.stdout.write(JSON.stringify({ lines }) + '\\n');
  `;
  // Asynchronous: the ingestion endpoint answers from this process's event loop.
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_EXTRA_CA_CERTS: caFile,
      APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
      APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const run = { status, stdout, stderr };
  if (run.status !== 0) throw new Error(`worker failed (${run.status}): ${run.stderr}`);
  const last = run.stdout.trim().split('\n').at(-1) ?? '{}';
  return { ...(JSON.parse(last) as { lines: unknown[][] }), stdout: run.stdout, stderr: run.stderr };
}

describe('functions/telemetry.ts (Application Insights log export)', () => {
  it('exports an entry as a trace whose correlation keys and fields are custom dimensions', async () => {
    const connectionString = `InstrumentationKey=${IKEY};IngestionEndpoint=${endpoint}`;
    const result = await runWorker({ APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString });

    const traces = envelopes.filter((e) => e.data.baseType === 'MessageData');
    expect(traces).toHaveLength(1);
    const trace = traces[0] as Envelope;
    expect(paths.some((p) => p.startsWith('POST /v2.1/track'))).toBe(true);
    expect(trace.iKey).toBe(IKEY);
    expect(trace.data.baseData.message).toBe('could not delete capture Job');
    expect(trace.data.baseData.severityLevel).toBe('Error');
    expect(trace.data.baseData.properties).toMatchObject({
      event: 'could not delete capture Job',
      level: 'error',
      instanceId: 'snat-abc-1',
      cluster: 'aks-prod',
      node: 'aks-nodepool1-0',
      jobName: 'snat-capture-x1',
      attempts: '3',
      detail: '{"status":503}',
    });
    // Correlated with the invocation's trace: operation_Id is the W3C trace id.
    expect(trace.tags['ai.operation.id']).toBe(TRACE_ID);
    // Exported once: not also written through the invocation context (the host would forward it a second time).
    expect(result.lines).toEqual([]);
    // The connection string itself is never part of what is logged.
    expect(JSON.stringify(trace.data)).not.toContain('IngestionEndpoint');
  });

  it('writes the one JSON line through the invocation context and exports nothing without a connection string', async () => {
    const result = await runWorker({});
    expect(envelopes).toEqual([]);
    expect(result.lines).toHaveLength(1);
    const [level, line] = result.lines[0] as [string, string];
    expect(level).toBe('error');
    expect(JSON.parse(line)).toEqual({
      level: 'error',
      message: 'could not delete capture Job',
      instanceId: 'snat-abc-1',
      cluster: 'aks-prod',
      node: 'aks-nodepool1-0',
      jobName: 'snat-capture-x1',
      attempts: 3,
      detail: { status: 503 },
    });
  });

  it('turns the export off with one warning naming the setting when the connection string is malformed', async () => {
    const bad = `IngestionEndpoint=${endpoint};Secretish=hunter2`;
    const result = await runWorker({ APPLICATIONINSIGHTS_CONNECTION_STRING: bad });
    expect(envelopes).toEqual([]);
    const warning = result.stdout
      .split('\n')
      .concat(result.stderr.split('\n'))
      .find((l) => l.includes('Application Insights export is off'));
    expect(warning).toBeDefined();
    expect(warning).toContain('APPLICATIONINSIGHTS_CONNECTION_STRING');
    expect(warning).not.toContain('hunter2');
    expect(result.lines).toHaveLength(1);
  });
});
