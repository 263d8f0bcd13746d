import { afterEach, describe, expect, it, vi } from 'vitest';
import { installFunctionsHostStandIn } from '../../../src/sim/durable/hostStandIn.js';

const registry = installFunctionsHostStandIn();
const KEY = 'c2VjcmV0LWtleQ==';
const KV = '@Microsoft.KeyVault(SecretUri=https://kv-snat.vault.azure.net/secrets/teams-webhook/)';

/** Runs the registered appStart hooks with `env` as the app settings; returns the JSON lines by level. */
async function startWith(env: Record<string, string>) {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  const lines: Array<{ level: string; message: string } & Record<string, unknown>> = [];
  const capture = (...args: unknown[]) => lines.push(JSON.parse(String(args[0])));
  vi.spyOn(console, 'log').mockImplementation(capture);
  vi.spyOn(console, 'warn').mockImplementation(capture);
  vi.spyOn(console, 'error').mockImplementation(capture);
  await import('../../../functions/appStart.js');
  await registry.startApp();
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('appStart hook', () => {
  it('logs the effective settings once as JSON, secrets masked, and warns that notifications are off', async () => {
    const lines = await startWith({
      TEAMS_WEBHOOK_URL: KV,
      REPORTS_CONNECTION_STRING: `AccountName=devstoreaccount1;AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:1/x`,
      TRACE_SECONDS: '90',
    });
    const info = lines.find((l) => l.message === 'effective settings');
    expect(info).toMatchObject({ level: 'info', component: 'appStart' });
    const settings = info?.settings as Record<string, unknown>;
    expect(settings.TRACE_SECONDS).toBe(90);
    expect(settings.REPORTS_CONNECTION_STRING).toBe('<set>');
    expect(settings.TEAMS_WEBHOOK_URL).toBe('<not set>');
    const warnings = lines.filter((l) => l.level === 'warn').map((l) => l.message);
    expect(
      warnings.some((w) => /^Teams notifications are off: TEAMS_WEBHOOK_URL is an unresolved Key Vault/.test(w)),
    ).toBe(true);
    const all = JSON.stringify(lines);
    expect(all).not.toContain(KEY);
    expect(all).not.toContain('kv-snat');
  });

  it('names an invalid setting at start-up instead of at the first alert', async () => {
    const lines = await startWith({ COOLDOWN_MINUTES: 'soon' });
    const error = lines.find((l) => l.level === 'error');
    expect(error?.message).toBe('invalid settings');
    expect(error?.issues).toEqual([
      { setting: 'COOLDOWN_MINUTES', message: 'must be a whole number between 1 and 1440, got "soon"' },
    ]);
  });
});
