import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createArgs,
  deleteArgs,
  HookConfigError,
  main,
  parametersFile,
  parseTargetClusters,
  readInputs,
  stackName,
} from '../../infra/hooks/clusters.js';
import { repoRoot } from './bicep.js';

const CLUSTER = '/subscriptions/1111/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/prod';

/** The azd environment after `azd provision` of infra/main.bicep (its outputs plus azd's own values). */
function azdEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    AZURE_ENV_NAME: 'dev',
    AZURE_LOCATION: 'westeurope',
    AZURE_SUBSCRIPTION_ID: '2222',
    SNAT_RESOURCE_TOKEN: 'abc123',
    SNAT_TARGET_CLUSTERS: JSON.stringify([{ resourceId: CLUSTER, nodeResourceGroup: 'MC_rg-aks_prod_westeurope' }]),
    AZURE_MANAGED_IDENTITY_PRINCIPAL_ID: '00000000-0000-0000-0000-00000000000a',
    AZURE_ACTION_GROUP_ID: '/subscriptions/2222/resourceGroups/rg-dev/providers/Microsoft.Insights/actionGroups/ag',
    SNAT_USED_PORTS_THRESHOLD: '900',
    SNAT_HEALTH_EVENT_ALERT: 'false',
    SNAT_USE_AZURE_RBAC_FOR_KUBERNETES: 'true',
    AZURE_LOG_ANALYTICS_WORKSPACE_ID:
      '/subscriptions/2222/resourceGroups/rg-dev/providers/Microsoft.OperationalInsights/workspaces/log',
    ...overrides,
  };
}

describe('infra/hooks/clusters.ts', () => {
  describe('parseTargetClusters', () => {
    it('reads the JSON array azd stores for the array output', () => {
      expect(parseTargetClusters(azdEnv().SNAT_TARGET_CLUSTERS)).toEqual([
        { resourceId: CLUSTER, nodeResourceGroup: 'MC_rg-aks_prod_westeurope' },
      ]);
    });

    it('treats unset or blank as no clusters', () => {
      expect(parseTargetClusters(undefined)).toEqual([]);
      expect(parseTargetClusters('  ')).toEqual([]);
    });

    it('throws naming the variable and the entry when an entry is malformed', () => {
      expect(() => parseTargetClusters('{')).toThrow(/SNAT_TARGET_CLUSTERS is not valid JSON/);
      expect(() => parseTargetClusters('{"a":1}')).toThrow(/must be a JSON array/);
      expect(() => parseTargetClusters('[{"resourceId":"/subscriptions/1/resourceGroups/r"}]')).toThrow(
        /SNAT_TARGET_CLUSTERS\[0\]\.resourceId/,
      );
      expect(() => parseTargetClusters(JSON.stringify([{ resourceId: CLUSTER }]))).toThrow(HookConfigError);
      expect(() => parseTargetClusters(JSON.stringify([{ resourceId: CLUSTER, nodeResourceGroup: '' }]))).toThrow(
        /SNAT_TARGET_CLUSTERS\[0\]\.nodeResourceGroup/,
      );
    });
  });

  describe('readInputs', () => {
    it('maps the azd outputs to the stack inputs', () => {
      expect(readInputs(azdEnv())).toMatchObject({
        environmentName: 'dev',
        resourceToken: 'abc123',
        snatUsedPortsThreshold: 900,
        useAzureRbacForKubernetes: true,
        healthEventWorkspaceResourceId: '',
      });
    });

    it('passes the workspace only when the health event alert is on', () => {
      const inputs = readInputs(azdEnv({ SNAT_HEALTH_EVENT_ALERT: 'true' }));
      expect(inputs.healthEventWorkspaceResourceId).toMatch(/workspaces\/log$/);
    });

    it('throws naming a missing or malformed value', () => {
      expect(() => readInputs(azdEnv({ AZURE_MANAGED_IDENTITY_PRINCIPAL_ID: '' }))).toThrow(
        /AZURE_MANAGED_IDENTITY_PRINCIPAL_ID is not set/,
      );
      expect(() => readInputs(azdEnv({ SNAT_USED_PORTS_THRESHOLD: '9.5' }))).toThrow(/SNAT_USED_PORTS_THRESHOLD/);
      expect(() => readInputs(azdEnv({ SNAT_USE_AZURE_RBAC_FOR_KUBERNETES: 'yes' }))).toThrow(
        /SNAT_USE_AZURE_RBAC_FOR_KUBERNETES must be true or false/,
      );
    });
  });

  describe('az arguments', () => {
    it('creates the stack so that resources leaving the template are deleted, without deny settings', () => {
      const args = createArgs(readInputs(azdEnv()), 'infra/clusters.bicep', '/tmp/p.json');
      expect(args.slice(0, 3)).toEqual(['stack', 'sub', 'create']);
      expect(args).toEqual(
        expect.arrayContaining(['--name', 'snat-responder-clusters-dev', '--subscription', '2222', '--yes']),
      );
      expect(args[args.indexOf('--action-on-unmanage') + 1]).toBe('deleteAll');
      expect(args[args.indexOf('--deny-settings-mode') + 1]).toBe('none');
      expect(args[args.indexOf('--template-file') + 1]).toBe('infra/clusters.bicep');
      expect(args[args.indexOf('--parameters') + 1]).toBe('@/tmp/p.json');
    });

    it('deletes the stack with every resource it manages', () => {
      const args = deleteArgs('dev', '2222');
      expect(args.slice(0, 3)).toEqual(['stack', 'sub', 'delete']);
      expect(args[args.indexOf('--name') + 1]).toBe(stackName('dev'));
      expect(args[args.indexOf('--action-on-unmanage') + 1]).toBe('deleteAll');
    });

    it('writes exactly the parameters infra/clusters.bicep declares', () => {
      const declared = [
        ...readFileSync(path.join(repoRoot, 'infra/clusters.bicep'), 'utf8').matchAll(/^param (\w+) /gm),
      ].map((m) => m[1]);
      const written = JSON.parse(parametersFile(readInputs(azdEnv()))).parameters as Record<string, unknown>;
      expect(Object.keys(written).sort()).toEqual(declared.sort());
    });
  });

  describe('main with a stand-in az', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'snat-hook-'));
    const log = path.join(dir, 'calls.log');
    const captured = path.join(dir, 'parameters.json');
    const fakeAz = path.join(dir, 'az');
    // Records each call; copies the parameters file (deleted by the hook afterwards); `show` answers FAKE_SHOW.
    writeFileSync(
      fakeAz,
      [
        '#!/usr/bin/env bash',
        `echo "$*" >> "${log}"`,
        'prev=""',
        'for a in "$@"; do',
        `  if [ "$prev" = "--parameters" ]; then cp "\${a#@}" "${captured}"; fi`,
        '  prev="$a"',
        'done',
        'if [ "$3" = "show" ] && [ "$FAKE_SHOW" = "missing" ]; then',
        '  echo "ERROR: (DeploymentStackNotFound) The deployment stack could not be found." >&2; exit 3',
        'fi',
        'exit 0',
        '',
      ].join('\n'),
    );
    chmodSync(fakeAz, 0o755);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const calls = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);

    it("provision deploys infra/clusters.bicep with the environment's values", () => {
      rmSync(log, { force: true });
      expect(main(['provision'], azdEnv({ AZ_CLI: fakeAz }))).toBe(0);
      expect(calls()).toHaveLength(1);
      expect(calls()[0]).toContain(`--template-file ${path.join(repoRoot, 'infra', 'clusters.bicep')}`);
      const parameters = JSON.parse(readFileSync(captured, 'utf8')).parameters;
      expect(parameters.targetClusters.value).toEqual([
        { resourceId: CLUSTER, nodeResourceGroup: 'MC_rg-aks_prod_westeurope' },
      ]);
      expect(parameters.principalId.value).toBe('00000000-0000-0000-0000-00000000000a');
    });

    it('down deletes the stack when it exists', () => {
      rmSync(log, { force: true });
      expect(main(['down'], azdEnv({ AZ_CLI: fakeAz, FAKE_SHOW: 'found' }))).toBe(0);
      expect(calls().map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual(['stack sub show', 'stack sub delete']);
    });

    it('down succeeds without deleting anything when the stack was never created', () => {
      rmSync(log, { force: true });
      expect(main(['down'], azdEnv({ AZ_CLI: fakeAz, FAKE_SHOW: 'missing' }))).toBe(0);
      expect(calls().map((c) => c.split(' ')[2])).toEqual(['show']);
    });

    it("fails with the variable's name and calls nothing when the environment is incomplete", () => {
      rmSync(log, { force: true });
      expect(main(['provision'], azdEnv({ AZ_CLI: fakeAz, AZURE_ACTION_GROUP_ID: undefined }))).toBe(1);
      expect(calls()).toEqual([]);
      expect(main(['bogus'], azdEnv({ AZ_CLI: fakeAz }))).toBe(2);
    });
  });
});
