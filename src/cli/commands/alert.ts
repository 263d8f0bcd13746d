import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import type { InvestigationTarget } from '../../alert/types.js';
import type { IntakeAnswer } from '../../intake/types.js';
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
  maxAlertAgeMinutes: string;
  maxFutureSkewMinutes: string;
  maxPerClusterPerHour: string;
  allowedSubscriptionIds: string[];
  allowedAlertRuleIds: string[];
  url?: string;
  key?: string;
  timeoutSeconds: string;
}

/** The dry-run output: what the webhook would answer, minus starting anything. */
export interface AlertDryRunOutput {
  action: IntakeAnswer['action'];
  reason: string;
  /** The time or rate rule that decided an ignore, when one did. */
  rule: IntakeAnswer['rule'] | null;
  targets: InvestigationTarget[];
  instanceIds: string[];
  /** The HTTP status the webhook answers for this payload. */
  httpStatus: number;
}

/** Maps the intake's answer to the dry-run output (shared by the CLI and its tests). */
export function dryRunOutput(answer: IntakeAnswer): AlertDryRunOutput {
  return {
    action: answer.action,
    reason: answer.reason,
    rule: answer.rule ?? null,
    targets: answer.targets,
    instanceIds:
      answer.instances.length > 0 ? answer.instances.map((i) => i.instanceId) : (answer.windowInstanceIds ?? []),
    httpStatus: answer.httpStatus,
  };
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

function parseMinutes(flag: string, value: string, min: number, max: number): number {
  const minutes = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(minutes) || minutes < min || minutes > max) {
    throw new CliError(
      `${flag} must be a whole number between ${min} and ${max}, got ${JSON.stringify(value.slice(0, 20))}`,
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
 * `snat-responder alert <payload.json> --dry-run`: runs the webhook's own intake service on a payload (against an
 * empty in-memory store, so nothing starts) and prints `{action, reason, rule, targets, instanceIds, httpStatus}`. Exit 0 for investigate and ignore, 2 for reject
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
    .option(
      '--now <iso>',
      'time of receipt: freshness, cooldown and rate are measured from it (default: the current time)',
    )
    .addOption(
      new Option('--max-alert-age-minutes <n>', 'ignore alerts fired longer than this before receipt')
        .env('ALERT_MAX_AGE_MINUTES')
        .default('60'),
    )
    .addOption(
      new Option('--max-future-skew-minutes <n>', 'ignore alerts claiming a fire time further than this after receipt')
        .env('ALERT_MAX_FUTURE_SKEW_MINUTES')
        .default('5'),
    )
    .addOption(
      new Option('--max-per-cluster-per-hour <n>', 'investigations started per cluster in any hour')
        .env('MAX_INVESTIGATIONS_PER_CLUSTER_PER_HOUR')
        .default('12'),
    )
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
      const now = parseNow(flags.now, deps);
      // commander hands env values to argParser too, but the default array is used as-is.
      const list = (value: string[] | string) => (Array.isArray(value) ? value : collect(value));
      const settings = {
        cooldownMinutes: parseMinutes('--cooldown-minutes', flags.cooldownMinutes, 1, 1440),
        maxAlertAgeMinutes: parseMinutes('--max-alert-age-minutes', flags.maxAlertAgeMinutes, 1, 10080),
        maxFutureSkewMinutes: parseMinutes('--max-future-skew-minutes', flags.maxFutureSkewMinutes, 0, 1440),
        maxInvestigationsPerClusterPerHour: parseMinutes(
          '--max-per-cluster-per-hour',
          flags.maxPerClusterPerHour,
          1,
          1000,
        ),
        allowedSubscriptionIds: list(flags.allowedSubscriptionIds),
        allowedAlertRuleIds: list(flags.allowedAlertRuleIds),
      };
      // The webhook's own intake service, over an empty in-memory store: what a first delivery would get.
      const { IntakeService } = await import('../../intake/service.js');
      const { MemoryStarter } = await import('../../intake/memoryStarter.js');
      let failure: string | undefined;
      const intake = new IntakeService({
        settings: () => settings,
        starter: new MemoryStarter(() => now),
        log: (entry) => {
          failure = entry.error;
        },
      });
      const answer = await intake.submitAlert(text, now);
      deps.stdout(`${JSON.stringify(dryRunOutput(answer), null, 2)}\n`);
      if (answer.action === 'reject') throw new CliError(answer.reason, 2);
      if (answer.action === 'error') throw new CliError(failure ?? answer.reason, 2);
    });
}
