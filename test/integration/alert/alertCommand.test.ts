import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerAlertCommand } from '../../../src/cli/commands/alert.js';
import { CliError } from '../../../src/cli/errors.js';

const payloadPath = new URL('../../fixtures/alerts/metric-static-snat.json', import.meta.url).pathname;

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server | null = null;

async function fakeFunction(status: number, body: unknown): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/alerts`, seen };
}

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

async function run(args: string[]) {
  const out: string[] = [];
  const program = new Command('snat-responder').exitOverride();
  registerAlertCommand(program, { stdout: (text) => out.push(text) });
  let error: unknown = null;
  try {
    await program.parseAsync(['alert', payloadPath, ...args], { from: 'user' });
  } catch (err) {
    error = err;
  }
  return { output: JSON.parse(out.join('') || 'null'), error };
}

describe('alert --url (live submission over loopback HTTP)', () => {
  it('POSTs the payload unchanged with the function key header and prints the answer', async () => {
    const fn = await fakeFunction(202, {
      action: 'investigate',
      reason: 'SNAT metric alert',
      instances: [{ instanceId: 'snat-x', started: true }],
    });
    const { output, error } = await run(['--url', fn.url, '--key', 'k3y']);
    expect(error).toBeNull();
    expect(fn.seen).toHaveLength(1);
    expect(fn.seen[0]).toMatchObject({ method: 'POST', url: '/api/alerts', body: readFileSync(payloadPath, 'utf8') });
    expect(fn.seen[0]!.headers['x-functions-key']).toBe('k3y');
    expect(fn.seen[0]!.headers['content-type']).toBe('application/json');
    expect(output).toMatchObject({ httpStatus: 202, action: 'investigate', instances: [{ instanceId: 'snat-x' }] });
  });

  it('exits 2 with the reason when the function rejects the payload', async () => {
    const fn = await fakeFunction(400, { action: 'reject', reason: 'This is the legacy metric alert schema' });
    const { output, error } = await run(['--url', fn.url, '--key', 'k']);
    expect(output.httpStatus).toBe(400);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).toContain('legacy metric alert schema');
  });

  it('explains a 401 (missing or wrong function key)', async () => {
    const fn = await fakeFunction(401, '');
    const { error } = await run(['--url', fn.url]);
    expect(fn.seen[0]!.headers['x-functions-key']).toBeUndefined();
    expect((error as CliError).message).toContain('--key');
  });

  it('exits 1 when the function is unreachable', async () => {
    const fn = await fakeFunction(200, {});
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = null;
    const { error } = await run(['--url', fn.url, '--timeout-seconds', '5']);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(1);
  });
});
