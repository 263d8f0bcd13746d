import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ALERT_INTAKE_DEFAULTS } from '../../alert/types.js';
import { CliError } from '../errors.js';
import { writeFileAtomic } from '../output.js';
import { checkServeFlags, type DemoServeFlags, runDemoServe } from './demoServe.js';

interface DemoFlags extends DemoServeFlags {
  out?: string;
  alert?: string;
  scenario?: string;
  listScenarios?: boolean;
  json?: boolean;
}

function firedDateTimeOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { data?: { essentials?: { firedDateTime?: unknown } } })?.data?.essentials
      ?.firedDateTime;
  } catch {
    return undefined;
  }
}

/** Reads and checks `--alert` before anything starts, so a bad payload exits 2 and writes nothing. */
async function loadAlert(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(
      `--alert: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const { decideAlert } = await import('../../alert/decide.js');
  // The demo delivers the payload as if it fired just now (see runDemo), so freshness is judged at its own time.
  const fired = Date.parse(String(firedDateTimeOf(text) ?? ''));
  const decision = decideAlert(
    text,
    { cooldownMinutes: ALERT_INTAKE_DEFAULTS.cooldownMinutes, allowedSubscriptionIds: [], allowedAlertRuleIds: [] },
    Number.isFinite(fired) ? new Date(fired) : new Date(),
  );
  if (decision.action === 'reject') throw new CliError(`--alert: ${decision.reason}`);
  if (decision.action === 'ignore')
    throw new CliError(`--alert: the webhook would ignore this alert: ${decision.reason}`);
  return JSON.parse(text) as unknown;
}

/** `snat-responder demo`: the whole product on a simulated cluster, on this machine, in seconds. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'run a complete investigation on a built-in simulated AKS cluster (loopback only) and write the report',
    )
    .option(
      '-o, --out <dir>',
      'where to write report.json, report.md, report.html, teams-card.json and evidence/ (the stored bundle) (default ./demo-output); with --scenario: summary.json and each stored report',
    )
    .option('--alert <file>', 'deliver this Common Alert Schema payload instead of the built-in SNAT alert')
    .option('--serve', 'keep the simulated world running for kubectl and investigate (until Ctrl-C)')
    .option('--state-dir <dir>', 'with --serve: where to write the kubeconfigs, endpoints.json and ready')
    .option('--list-scenarios', 'print the names of the runnable scenarios, one per line')
    .option('--scenario <name>', 'run a concurrency or fault scenario (see --list-scenarios) and print its summary')
    .option('--json', 'with --scenario: print the summary as one JSON object on the last stdout line')
    .action(async (flags: DemoFlags) => {
      checkServeFlags(flags);
      if (flags.serve) {
        if (flags.scenario !== undefined || flags.listScenarios) {
          throw new CliError('--serve and --scenario do not go together');
        }
        return runDemoServe(flags);
      }
      if (flags.listScenarios || flags.scenario !== undefined) {
        const { runScenarioCommand } = await import('./demoScenario.js');
        await runScenarioCommand(flags);
        return;
      }
      if (flags.json) throw new CliError('--json needs --scenario NAME');
      const alert = flags.alert ? await loadAlert(flags.alert) : undefined;
      const out = resolve(flags.out ?? './demo-output');
      const started = performance.now();
      const { runDemo } = await import('../../sim/demo.js');
      process.stderr.write('snat-responder demo: starting the simulated world (ARM, Kubernetes API, Azurite, Teams)\n');
      // evidence/ is replaced whole: stale files from an earlier run must not mix into this bundle.
      await rm(join(out, 'evidence'), { recursive: true, force: true });
      const result = await runDemo({
        ...(alert !== undefined ? { alert } : {}),
        evidenceDir: join(out, 'evidence'),
        onProgress: (line) => process.stderr.write(`  phase: ${line}\n`),
      });
      if (!result.report || !result.files) {
        throw new CliError(`the alert did not start an investigation (webhook answered ${result.webhookStatus})`, 1);
      }
      const paths = {
        json: join(out, 'report.json'),
        markdown: join(out, 'report.md'),
        html: join(out, 'report.html'),
        card: join(out, 'teams-card.json'),
      };
      await rm(join(out, 'teams-card.json'), { force: true });
      await writeFileAtomic(paths.json, result.files.json);
      await writeFileAtomic(paths.markdown, result.files.markdown);
      await writeFileAtomic(paths.html, result.files.html);
      if (result.teamsPayload) await writeFileAtomic(paths.card, `${JSON.stringify(result.teamsPayload, null, 2)}\n`);

      const lines = [
        '',
        `Verdict: ${result.report.verdict.summary}`,
        `Status:  ${result.report.investigation.status} (instance ${result.instanceId})`,
        '',
        'Written:',
        `  ${paths.markdown}`,
        `  ${paths.html}`,
        `  ${paths.json}`,
        ...(result.teamsPayload ? [`  ${paths.card}  (the Adaptive Card the Teams channel received)`] : []),
        `  ${join(out, 'evidence')}  (the evidence bundle as stored, redacted; re-analyse: snat-responder analyze ${join(out, 'evidence')})`,
        '',
        'Timings (wall clock; durable timers skipped ' +
          `${Math.round(result.timings.virtualSkippedMs / 1000)} s of virtual time):`,
        `  simulated world start-up: ${Object.entries(result.timings.startupMs)
          .map(([k, v]) => `${k} ${v} ms`)
          .join(', ')}`,
        ...result.timings.activities.map(
          (a) =>
            `  ${a.activity.padEnd(18)} ${String(a.wallMs).padStart(5)} ms${a.phase === 'failed' ? '  (failed, retried)' : ''}`,
        ),
        `  total: ${Math.round(performance.now() - started)} ms; capture Jobs left in the cluster: ${result.jobsLeft}`,
        '',
      ];
      process.stdout.write(lines.join('\n'));
    });
}
