import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CliError } from '../errors.js';
import { writeFileAtomic } from '../output.js';

/** The flags of `demo` that concern scenarios. */
export interface DemoScenarioFlags {
  out?: string;
  alert?: string;
  scenario?: string;
  listScenarios?: boolean;
  json?: boolean;
}

/**
 * `demo --list-scenarios` and `demo --scenario NAME [--out DIR] [--json]`. Exits 0 when the scenario ran,
 * whatever it showed; 2 for an unknown name or conflicting flags.
 */
export async function runScenarioCommand(flags: DemoScenarioFlags): Promise<void> {
  const { SCENARIOS, findScenario } = await import('../../sim/scenarios/registry.js');
  if (flags.listScenarios) {
    if (flags.scenario !== undefined) throw new CliError('--list-scenarios and --scenario do not go together');
    process.stdout.write(`${SCENARIOS.map((s) => s.name).join('\n')}\n`);
    return;
  }
  if (flags.alert) throw new CliError('--alert and --scenario do not go together (a scenario delivers its own alerts)');
  const name = flags.scenario ?? '';
  const scenario = findScenario(name);
  if (!scenario) {
    throw new CliError(
      `--scenario: unknown scenario ${JSON.stringify(name.slice(0, 60))}; one of: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  }
  const { runScenario } = await import('../../sim/scenarios/run.js');
  process.stderr.write(`snat-responder demo: scenario ${scenario.name}: ${scenario.description}\n`);
  const { summary, reports, files } = await runScenario(scenario, {
    onProgress: (line) => process.stderr.write(`  ${line}\n`),
  });
  if (flags.out) {
    const out = resolve(flags.out);
    await mkdir(out, { recursive: true });
    await writeFileAtomic(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    for (const [i, report] of reports.entries()) {
      for (const [file, text] of Object.entries(report.files)) {
        await writeFileAtomic(join(out, 'reports', `${i + 1}-${report.node}`, file), text);
      }
    }
    for (const [path, text] of Object.entries(files)) await writeFileAtomic(join(out, path), text);
    process.stderr.write(`  written to ${out}\n`);
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const lines = [
    `Scenario: ${summary.scenario}`,
    `Webhook:  ${summary.webhook.delivered} delivered, statuses ${summary.webhook.statuses.join(', ') || '-'}`,
    ...summary.webhook.reasons.map((r) => `          ${r}`),
    ...(summary.onDemand.delivered > 0
      ? [`On demand: ${summary.onDemand.delivered} requests, statuses ${summary.onDemand.statuses.join(', ')}`]
      : []),
    `Capture Jobs: ${summary.captureJobs.created} created, at most ${summary.captureJobs.maxConcurrent} at once, ${summary.captureJobs.leftBehind} left behind`,
    `Investigations: ${summary.investigations.length}`,
    ...summary.investigations.map(
      (i) =>
        `  ${i.node}: ${i.status}, report ${i.reportStored ? 'stored' : 'NOT stored'}, ${i.notified ? 'notified' : 'not notified'}, ${i.requests} request(s) (${i.instanceId})`,
    ),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}
