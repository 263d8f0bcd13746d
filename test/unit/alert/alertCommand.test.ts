import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { instanceIdFor } from '../../../src/alert/instanceId.js';
import { registerAlertCommand } from '../../../src/cli/commands/alert.js';
import { CliError } from '../../../src/cli/errors.js';

const FIXTURES = new URL('../../fixtures/alerts/', import.meta.url);
const path = (name: string) => new URL(name, FIXTURES).pathname;
const LB =
  '/subscriptions/00000000-1111-2222-3333-444444444444/resourcegroups/mc_shop-rg_aks-shop_westeurope/providers/microsoft.network/loadbalancers/kubernetes';

async function run(args: string[], stdin = '') {
  const out: string[] = [];
  const program = new Command('snat-responder').exitOverride();
  registerAlertCommand(program, {
    stdout: (text) => out.push(text),
    readStdin: async () => stdin,
    now: () => new Date('2026-11-04T13:02:00Z'),
    fetch: () => Promise.reject(new Error('no network in unit tests')),
  });
  let error: unknown = null;
  try {
    await program.parseAsync(['alert', ...args], { from: 'user' });
  } catch (err) {
    error = err;
  }
  const text = out.join('');
  return { text, output: text ? JSON.parse(text) : null, error };
}

describe('registerAlertCommand', () => {
  describe('--dry-run', () => {
    it('prints investigate with targets and the same instance ids as the webhook, exit 0', async () => {
      const { output, error } = await run([path('metric-two-backend-ips.json'), '--dry-run']);
      expect(error).toBeNull();
      expect(output).toMatchObject({ action: 'investigate', httpStatus: 202 });
      expect(output.targets).toEqual([
        { loadBalancerId: LB, backendIp: '10.224.0.5' },
        { loadBalancerId: LB, backendIp: '10.224.0.6' },
      ]);
      expect(output.instanceIds).toEqual(
        output.targets.map((t: { loadBalancerId: string; backendIp: string }) =>
          instanceIdFor(t, Date.parse('2026-11-04T12:17:42Z'), 15),
        ),
      );
      expect(Object.keys(output).sort()).toEqual(['action', 'httpStatus', 'instanceIds', 'reason', 'rule', 'targets']);
    });

    it('honours --cooldown-minutes and --now', async () => {
      const body = JSON.parse(readFileSync(path('metric-static-snat.json'), 'utf8'));
      delete body.data.essentials.firedDateTime;
      const { output } = await run(
        ['-', '--dry-run', '--cooldown-minutes', '60', '--now', '2026-11-04T12:59:00Z'],
        JSON.stringify(body),
      );
      expect(output.instanceIds[0]).toMatch(/-20261104T1200Z$/);
    });

    it('measures freshness from --now: forged 1970 and 2099 fire times are ignored with the rule, exit 0', async () => {
      const body = JSON.parse(readFileSync(path('metric-static-snat.json'), 'utf8'));
      const real = body.data.essentials.firedDateTime as string;
      const now = new Date(Date.parse(real) + 4 * 60_000).toISOString();
      const fresh = await run(['-', '--dry-run', '--now', now], JSON.stringify(body));
      expect(fresh.output).toMatchObject({ action: 'investigate', httpStatus: 202, rule: null });
      for (const [fired, rule] of [
        ['1970-01-01T00:00:00Z', 'stale'],
        ['2099-01-01T00:00:00Z', 'future'],
      ] as const) {
        body.data.essentials.firedDateTime = fired;
        const { output, error } = await run(['-', '--dry-run', '--now', now], JSON.stringify(body));
        expect(error).toBeNull();
        expect(output).toMatchObject({ action: 'ignore', rule, httpStatus: 200, instanceIds: [] });
        expect(output.reason).toContain(rule === 'stale' ? 'before it was received' : 'after it was received');
      }
    });

    it('honours --max-alert-age-minutes', async () => {
      const body = JSON.parse(readFileSync(path('metric-static-snat.json'), 'utf8'));
      const now = new Date(Date.parse(body.data.essentials.firedDateTime) + 30 * 60_000).toISOString();
      const strict = await run(['-', '--dry-run', '--now', now, '--max-alert-age-minutes', '20'], JSON.stringify(body));
      expect(strict.output).toMatchObject({ action: 'ignore', rule: 'stale' });
      const bad = await run(['-', '--dry-run', '--max-alert-age-minutes', 'old'], JSON.stringify(body));
      expect(bad.error).toBeInstanceOf(CliError);
      expect(String(bad.error)).toContain('--max-alert-age-minutes');
    });

    it('prints ignore with exit 0 for a non-SNAT alert', async () => {
      const { output, error } = await run([path('sample-metric-cpu-static.json'), '--dry-run']);
      expect(error).toBeNull();
      expect(output).toMatchObject({ action: 'ignore', targets: [], instanceIds: [], httpStatus: 200 });
    });

    it('lists the window instance ids for a Resolved alert', async () => {
      const { output } = await run([path('metric-snat-resolved.json'), '--dry-run']);
      expect(output.action).toBe('ignore');
      expect(output.instanceIds).toHaveLength(1);
    });

    it('prints reject and exits 2 with the reason (which main writes to stderr)', async () => {
      const { output, error } = await run([path('legacy-metric-alert.json'), '--dry-run']);
      expect(output).toMatchObject({ action: 'reject', httpStatus: 400 });
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(2);
      expect((error as CliError).message).toBe(output.reason);
    });

    it('applies the allowlists (403)', async () => {
      const { output, error } = await run([
        path('metric-static-snat.json'),
        '--dry-run',
        '--allowed-subscription-ids',
        'ffffffff-0000-0000-0000-000000000000',
      ]);
      expect(output).toMatchObject({ action: 'reject', httpStatus: 403 });
      expect((error as CliError).exitCode).toBe(2);
    });

    it('refuses a bad --cooldown-minutes or --now, and an unreadable file, with exit 2', async () => {
      for (const args of [
        [path('metric-static-snat.json'), '--dry-run', '--cooldown-minutes', '0'],
        [path('metric-static-snat.json'), '--dry-run', '--now', 'noon'],
        ['/nonexistent/alert.json', '--dry-run'],
      ]) {
        const { error, text } = await run(args);
        expect(error).toBeInstanceOf(CliError);
        expect((error as CliError).exitCode).toBe(2);
        expect(text).toBe('');
      }
    });
  });

  describe('without --dry-run', () => {
    it('explains that live submission needs the function URL', async () => {
      const { error, text } = await run([path('metric-static-snat.json')]);
      expect(text).toBe('');
      expect((error as CliError).message).toContain('--url');
      expect((error as CliError).message).toContain('--dry-run');
    });
  });
});
