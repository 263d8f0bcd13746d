import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ArmTemplate,
  bicepForTests,
  buildTemplate,
  moduleOf,
  moduleTemplate,
  repoRoot,
  runBicep,
} from './bicep.js';

const bicep = await bicepForTests();
const main: ArmTemplate | null = bicep ? await buildTemplate(bicep, 'infra/main.bicep') : null;
const read = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8');
const source = read('infra/modules/selfMonitoring.bicep');

describe.skipIf(!bicep)('infra/modules/selfMonitoring.bicep', () => {
  it('lints clean', async () => {
    const result = await runBicep(bicep as string, ['lint', 'infra/modules/selfMonitoring.bicep']);
    expect(result.stderr.trim()).toBe('');
    expect(result.code).toBe(0);
  });

  it('is deployed by main.bicep on the app insights component, to the ops or the alert action group', () => {
    const module = moduleOf(main as ArmTemplate, 'selfMonitoring');
    const params = module.properties.parameters as Record<string, { value: string }>;
    expect(params.applicationInsightsResourceId?.value).toContain("'monitoring'");
    expect(params.actionGroupResourceId?.value).toContain("parameters('opsActionGroupResourceId')");
    expect(params.actionGroupResourceId?.value).toContain("'actionGroup'");
  });

  it('creates one scheduled-query rule per failure mode, each with an action', () => {
    const template = moduleTemplate(main as ArmTemplate, 'selfMonitoring');
    const rules = Object.values(template.resources).filter((r) => r.type === 'Microsoft.Insights/scheduledQueryRules');
    expect(rules).toHaveLength(1);
    expect(rules[0]?.copy?.count).toContain("variables('rules')");
    const keys = ((template.variables?.rules ?? []) as Array<{ key: string }>).map((r) => r.key);
    expect(keys).toEqual(['failed-orchestrations', 'capture-job-not-deleted', 'webhook-5xx', 'notification-failed']);
    expect(rules[0]?.properties.actions.actionGroups).toHaveLength(1);
  });
});

describe('self-monitoring queries', () => {
  // The log rules match message texts: each must be what the app actually logs.
  it.each([
    ['could not delete capture Job', ['functions/snatInvestigation.ts', 'src/investigation/sweep.ts']],
    ['Teams notification failed', ['src/investigation/steps/reportSteps.ts']],
    ['Teams notifications are off', ['src/config/settings.ts']],
  ])('"%s" is logged by the app', (phrase, files) => {
    expect(source).toContain(`"${phrase}"`);
    for (const file of files) expect(read(file)).toContain(phrase);
  });

  it('queries the orchestrator and webhook by their registered names', () => {
    expect(source).toContain(`param orchestratorName string = 'snatInvestigation'`);
    expect(read('src/investigation/orchestratorNames.ts')).toMatch(
      /SNAT_INVESTIGATION_ORCHESTRATOR = 'snatInvestigation'/,
    );
    expect(source).toContain(`param webhookFunctionName string = 'alertWebhook'`);
    expect(read('functions/alertWebhook.ts')).toContain(`functions.app.http('alertWebhook'`);
  });
});
