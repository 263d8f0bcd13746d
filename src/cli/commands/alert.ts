import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { AlertConfigError } from '../../alert/errors.js';
import type { AlertDecision, InvestigationTarget } from '../../alert/types.js';
import { CliError } from '../errors.js';
import { collect } from '../output.js';

/** What `alert` touches outside itself; tests replace these. */
export interface AlertCommandIo {
  stdout(text: string): void;
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
  fetch: typeof fetch;
  now(): Date;
}

interface AlertFlags {
  dryRun?: boolean;
  cooldownMinutes: string;
  now?: string;
  allowedSubscriptionIds: string[];
  allowedAlertRuleIds: string[];
  url?: string;
  key?: string;
  timeoutSeconds: string;
}

/** The dry-run output: what the webhook would answer, minus starting anything. */
export interface AlertDryRunOutput {
  action: AlertDecision['action'];
  reason: string;
  targets: InvestigationTarget[];
  instanceIds: string[];
  /** The HTTP status the webhook answers for this payload. */
  httpStatus: number;
}

/** Maps a decision to the dry-run output (shared by the CLI and its tests). */
export function dryRunOutput(decision: AlertDecision): AlertDryRunOutput {
  switch (decision.action) {
    case 'investigate':
      return {
        action: 'investigate',
        reason: decision.reason,
        targets: decision.targets,
        instanceIds: decision.requests.map((r) => r.instanceId),
        httpStatus: 202,
      };
    case 'ignore':
      return {
        action: 'ignore',
        reason: decision.reason,
        targets: [],
        instanceIds: decision.resolvedInstanceIds,
        httpStatus: 200,
      };
    case 'reject':
      return { action: 'reject', reason: decision.reason, targets: [], instanceIds: [], httpStatus: decision.status };
  }
}

const defaultIo: AlertCommandIo = {
  stdout: (text) => process.stdout.write(text),
  readFile: (path) => readFile(path, 'utf8'),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  fetch: (input, init) => fetch(input, init),
  now: () => new Date(),
};

function parseCooldown(value: string): number {
  const minutes = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
    throw new CliError(
      `--cooldown-minutes must be a whole number between 1 and 1440, got ${JSON.stringify(value.slice(0, 20))}`,
    );
  }
  return minutes;
}

function parseNow(value: string | undefined, io: AlertCommandIo): Date {
  if (value === undefined) return io.now();
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new CliError(
      `--now must be an ISO 8601 time such as 2026-11-04T12:15:00Z, got ${JSON.stringify(value.slice(0, 40))}`,
    );
  return date;
}

async function readPayload(path: string, io: AlertCommandIo): Promise<string> {
  try {
    return path === '-' ? await io.readStdin() : await io.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read the payload ${JSON.stringify(path)}${code ? ` (${code})` : ''}`, 2, { cause: err });
  }
}

/** POSTs the payload to a deployed alert webhook and prints what it answered. */
async function submit(text: string, flags: AlertFlags, io: AlertCommandIo): Promise<void> {
  let url: URL;
  try {
    url = new URL(flags.url ?? '');
  } catch {
    throw new CliError('--url must be the function URL, such as https://<app>.azurewebsites.net/api/alerts');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CliError('--url must be an http(s) URL');
  const timeoutMs = Number(flags.timeoutSeconds) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new CliError('--timeout-seconds must be a positive number');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (flags.key) headers['x-functions-key'] = flags.key;
  let response: Response;
  try {
    response = await io.fetch(url, { method: 'POST', headers, body: text, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new CliError(`could not reach ${url.origin}: ${(err as Error).message}`, 1, { cause: err });
  }
  const raw = await response.text();
  let body: unknown = raw;
  try {
    body = JSON.parse(raw);
  } catch {
    // Not JSON (the host's own 401/404 pages): print it as text.
  }
  const output =
    typeof body === 'object' && body !== null
      ? { httpStatus: response.status, ...body }
      : { httpStatus: response.status, body };
  io.stdout(`${JSON.stringify(output, null, 2)}\n`);
  if (response.status === 401)
    throw new CliError(
      'the function answered 401: pass the function key with --key (or SNAT_RESPONDER_FUNCTION_KEY)',
      2,
    );
  if (response.status >= 400 && response.status < 500) {
    const reason = (body as { reason?: unknown })?.reason;
    throw new CliError(typeof reason === 'string' ? reason : `the function answered ${response.status}`, 2);
  }
  if (response.status >= 500) throw new CliError(`the function answered ${response.status}`, 1);
}

/**
 * `snat-responder alert <payload.json> --dry-run`: runs the webhook's own decision (`decideAlert`) on a payload
 * and prints `{action, reason, targets, instanceIds, httpStatus}`. Exit 0 for investigate and ignore, 2 for reject
 * (reason also on stderr). With `--url` (and `--key`) it POSTs the payload to a deployed function instead.
 */
export function registerAlertCommand(program: Command, io: Partial<AlertCommandIo> = {}): void {
  const deps: AlertCommandIo = { ...defaultIo, ...io };
  program
    .command('alert')
    .description(
      'decide what the alert webhook does with an Azure Monitor alert payload (--dry-run), or send it to a deployed function (--url)',
    )
    .argument('<payload>', 'alert payload JSON file (common alert schema), or - for stdin')
    .option('--dry-run', 'decide locally with the webhook code path; start nothing')
    .addOption(new Option('--cooldown-minutes <n>', 'dedup window in minutes').env('COOLDOWN_MINUTES').default('15'))
    .option('--now <iso>', 'time of receipt, used for the window when the alert has no firedDateTime (default: now)')
    .addOption(
      new Option('--allowed-subscription-ids <ids>', 'subscription allowlist (comma-separated, repeatable)')
        .env('ALLOWED_SUBSCRIPTION_IDS')
        .argParser(collect)
        .default([]),
    )
    .addOption(
      new Option(
        '--allowed-alert-rule-ids <ids>',
        'alert rule allowlist, resource ids or names (comma-separated, repeatable)',
      )
        .env('ALLOWED_ALERT_RULE_IDS')
        .argParser(collect)
        .default([]),
    )
    .option('--url <url>', 'POST the payload to this deployed alert webhook instead of deciding locally')
    .addOption(new Option('--key <key>', 'function key for --url').env('SNAT_RESPONDER_FUNCTION_KEY'))
    .option('--timeout-seconds <n>', 'timeout for --url', '30')
    .action(async (payload: string, flags: AlertFlags) => {
      const text = await readPayload(payload, deps);
      if (!flags.dryRun) {
        if (!flags.url) {
          throw new CliError(
            "live submission needs the deployed function's URL: pass --url https://<app>.azurewebsites.net/api/alerts and --key <function key> (or SNAT_RESPONDER_FUNCTION_KEY), or use --dry-run to see the decision locally",
          );
        }
        await submit(text, flags, deps);
        return;
      }
      const cooldownMinutes = parseCooldown(flags.cooldownMinutes);
      const now = parseNow(flags.now, deps);
      // commander hands env values to argParser too, but the default array is used as-is.
      const list = (value: string[] | string) => (Array.isArray(value) ? value : collect(value));
      let decision: AlertDecision;
      try {
        const { decideAlert } = await import('../../alert/decide.js');
        decision = decideAlert(
          text,
          {
            cooldownMinutes,
            allowedSubscriptionIds: list(flags.allowedSubscriptionIds),
            allowedAlertRuleIds: list(flags.allowedAlertRuleIds),
          },
          now,
        );
      } catch (err) {
        if (err instanceof AlertConfigError) throw new CliError(err.message, 2, { cause: err });
        throw err;
      }
      deps.stdout(`${JSON.stringify(dryRunOutput(decision), null, 2)}\n`);
      if (decision.action === 'reject') throw new CliError(decision.reason, 2);
    });
}
