import { spawnSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bindingsYaml,
  createArgs,
  deleteArgs,
  HookError,
  manifestRoles,
  parametersFile,
  parseTargetClusters,
  readInputs,
  stackName,
  wireCluster,
} from '../../infra/hooks/clusters.mjs';
import { repoRoot } from './bicep.js';

const HOOK = path.join(repoRoot, 'infra/hooks/clusters.mjs');
const CLUSTER_A = '/subscriptions/1111/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/prod';
const CLUSTER_B = '/subscriptions/1111/resourceGroups/rg-big/providers/Microsoft.ContainerService/managedClusters/big';
const PRINCIPAL = '00000000-0000-0000-0000-00000000000a';

/**
 * The machine's own Node (what azd runs), not the project's npm-installed Node 22: the first `node` on PATH outside
 * node_modules, or SYSTEM_NODE.
 */
function systemNode(): string {
  if (process.env.SYSTEM_NODE) return process.env.SYSTEM_NODE;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || dir.includes('node_modules')) continue;
    const candidate = path.join(dir, 'node');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  throw new Error('no node on PATH outside node_modules: set SYSTEM_NODE');
}

const NODE = systemNode();
const NODE_VERSION = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();

/** `az aks show` answers of the stand-in az, by cluster id. */
const CLUSTERS: Record<string, unknown> = {
  [CLUSTER_A]: {
    name: 'prod',
    nodeResourceGroup: 'MC_rg-aks_prod_westeurope',
    networkProfile: { outboundType: 'loadBalancer', loadBalancerProfile: { allocatedOutboundPorts: 0 } },
    agentPoolProfiles: [
      { name: 'system', count: 3, enableAutoScaling: false, upgradeSettings: { maxSurge: '1' } },
      { name: 'user', count: 12, enableAutoScaling: true, maxCount: 40, upgradeSettings: { maxSurge: '10%' } },
    ],
  },
  [CLUSTER_B]: {
    name: 'big',
    nodeResourceGroup: 'MC_rg-big_big_westeurope',
    networkProfile: { outboundType: 'loadBalancer', loadBalancerProfile: { allocatedOutboundPorts: 2000 } },
    agentPoolProfiles: [{ name: 'user', count: 30, enableAutoScaling: true, maxCount: 60 }],
  },
};

/** The azd environment after `azd provision` of infra/main.bicep (its outputs plus azd's own values). */
function azdEnv(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    AZURE_ENV_NAME: 'dev',
    AZURE_LOCATION: 'westeurope',
    AZURE_SUBSCRIPTION_ID: '2222',
    AZURE_RESOURCE_GROUP: 'rg-dev',
    AZURE_FUNCTION_APP_NAME: 'func-abc123',
    SNAT_RESOURCE_TOKEN: 'abc123',
    SNAT_TARGET_CLUSTERS: JSON.stringify([{ resourceId: CLUSTER_A }, { resourceId: CLUSTER_B }]),
    AZURE_MANAGED_IDENTITY_PRINCIPAL_ID: PRINCIPAL,
    AZURE_ACTION_GROUP_ID: '/subscriptions/2222/resourceGroups/rg-dev/providers/Microsoft.Insights/actionGroups/ag',
    SNAT_USED_PORTS_PERCENT: '80',
    SNAT_HEALTH_EVENT_ALERT: 'false',
    SNAT_USE_AZURE_RBAC_FOR_KUBERNETES: 'true',
    SNAT_ALLOW_POD_EXEC: 'false',
    CAPTURE_NAMESPACE: 'snat-responder',
    AZURE_LOG_ANALYTICS_WORKSPACE_ID:
      '/subscriptions/2222/resourceGroups/rg-dev/providers/Microsoft.OperationalInsights/workspaces/log',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

describe('infra/hooks/clusters.mjs', () => {
  describe('parseTargetClusters', () => {
    it('reads the JSON array azd stores, the node resource group and maxNodes being optional', () => {
      expect(
        parseTargetClusters(JSON.stringify([{ resourceId: CLUSTER_A }, { resourceId: CLUSTER_B, maxNodes: 80 }])),
      ).toEqual([
        { resourceId: CLUSTER_A, nodeResourceGroup: null, maxNodes: null },
        { resourceId: CLUSTER_B, nodeResourceGroup: null, maxNodes: 80 },
      ]);
      expect(parseTargetClusters(undefined)).toEqual([]);
      expect(parseTargetClusters('  ')).toEqual([]);
    });

    it('throws naming the variable and the entry when an entry is malformed', () => {
      expect(() => parseTargetClusters('{')).toThrow(/SNAT_TARGET_CLUSTERS is not valid JSON/);
      expect(() => parseTargetClusters('{"a":1}')).toThrow(/must be a JSON array/);
      expect(() => parseTargetClusters('[{"resourceId":"/subscriptions/1/resourceGroups/r"}]')).toThrow(
        /SNAT_TARGET_CLUSTERS\[0\]\.resourceId/,
      );
      expect(() => parseTargetClusters(JSON.stringify([{ resourceId: `${CLUSTER_A}/../x` }]))).toThrow(HookError);
      expect(() => parseTargetClusters(JSON.stringify([{ resourceId: CLUSTER_A, nodeResourceGroup: 'a/b' }]))).toThrow(
        /\[0\]\.nodeResourceGroup/,
      );
      expect(() => parseTargetClusters(JSON.stringify([{ resourceId: CLUSTER_A, maxNodes: 0 }]))).toThrow(
        /\[0\]\.maxNodes/,
      );
    });
  });

  describe('readInputs', () => {
    it('maps the azd outputs to the stack inputs', () => {
      expect(readInputs(azdEnv())).toMatchObject({
        environmentName: 'dev',
        appResourceGroup: 'rg-dev',
        alertPercent: 80,
        useAzureRbacForKubernetes: true,
        allowPodExec: false,
        healthEventWorkspaceResourceId: '',
      });
      expect(readInputs(azdEnv({ SNAT_USED_PORTS_PERCENT: undefined })).alertPercent).toBe(80);
    });

    it('throws naming a missing or malformed value', () => {
      expect(() => readInputs(azdEnv({ AZURE_MANAGED_IDENTITY_PRINCIPAL_ID: '' }))).toThrow(
        /AZURE_MANAGED_IDENTITY_PRINCIPAL_ID is not set/,
      );
      expect(() => readInputs(azdEnv({ SNAT_USED_PORTS_PERCENT: '120' }))).toThrow(/SNAT_USED_PORTS_PERCENT/);
      expect(() => readInputs(azdEnv({ SNAT_USE_AZURE_RBAC_FOR_KUBERNETES: 'yes' }))).toThrow(
        /SNAT_USE_AZURE_RBAC_FOR_KUBERNETES must be true or false/,
      );
    });
  });

  describe('wireCluster', () => {
    it('derives the node resource group, ports per node and threshold from az aks show', () => {
      const [a, b] = parseTargetClusters(azdEnv().SNAT_TARGET_CLUSTERS) as [never, never];
      // prod: 3 + 1 surge + 40 + 4 surge = 48 nodes reachable: 1024 per node, alert above 819.
      expect(wireCluster(a, CLUSTERS[CLUSTER_A], 80)).toMatchObject({
        nodeResourceGroup: 'MC_rg-aks_prod_westeurope',
        allocatedPortsPerNode: 1024,
        usedSnatPortsThreshold: 819,
      });
      expect(wireCluster(b, CLUSTERS[CLUSTER_B], 80)).toMatchObject({
        allocatedPortsPerNode: 2000,
        usedSnatPortsThreshold: 1600,
      });
    });

    it('refuses clusters without load balancer SNAT metrics', () => {
      const nat = { name: 'nat', nodeResourceGroup: 'MC_x', networkProfile: { outboundType: 'managedNATGateway' } };
      expect(() => wireCluster({ resourceId: CLUSTER_A, nodeResourceGroup: null, maxNodes: null }, nat, 80)).toThrow(
        /outbound type managedNATGateway/,
      );
    });
  });

  describe('az arguments and stack parameters', () => {
    it('creates the stack so that resources leaving the template are deleted, without deny settings', () => {
      const args = createArgs(readInputs(azdEnv()), 'infra/clusters.bicep', '/tmp/p.json');
      expect(args.slice(0, 3)).toEqual(['stack', 'sub', 'create']);
      expect(args).toEqual(
        expect.arrayContaining(['--name', 'snat-responder-clusters-dev', '--subscription', '2222', '--yes']),
      );
      expect(args[args.indexOf('--action-on-unmanage') + 1]).toBe('deleteAll');
      expect(args[args.indexOf('--deny-settings-mode') + 1]).toBe('none');
      expect(args[args.indexOf('--parameters') + 1]).toBe('@/tmp/p.json');
      const del = deleteArgs('dev', '2222');
      expect(del.slice(0, 3)).toEqual(['stack', 'sub', 'delete']);
      expect(del[del.indexOf('--name') + 1]).toBe(stackName('dev'));
    });

    it('writes exactly the parameters infra/clusters.bicep declares', () => {
      const declared = [
        ...readFileSync(path.join(repoRoot, 'infra/clusters.bicep'), 'utf8').matchAll(/^param (\w+) /gm),
      ].map((m) => m[1]);
      const written = JSON.parse(parametersFile(readInputs(azdEnv()), [])).parameters as Record<string, unknown>;
      expect(Object.keys(written).sort()).toEqual(declared.sort());
    });
  });

  describe('Kubernetes RBAC bindings (the variant without Azure RBAC for Kubernetes)', () => {
    it('binds the identity as a User to every Role and ClusterRole of the default manifests', () => {
      const roles = manifestRoles(path.join(repoRoot, 'infra/k8s'), false);
      expect(roles.length).toBeGreaterThanOrEqual(2);
      expect(roles.some((r) => r.kind === 'Role')).toBe(true);
      expect(roles.some((r) => r.kind === 'ClusterRole')).toBe(true);
      const yaml = bindingsYaml(PRINCIPAL, roles, 'snat-responder');
      for (const role of roles) expect(yaml).toContain(`  kind: ${role.kind}\n  name: ${role.name}`);
      expect(yaml.match(/kind: User/g)).toHaveLength(roles.length);
      expect(yaml).toContain(`name: ${PRINCIPAL}`);
      expect(() => bindingsYaml('not-a-guid', roles, 'snat-responder')).toThrow(/not an object id/);
    });
  });

  describe(`as azd runs it: the system Node (${NODE_VERSION}) and a stand-in az`, () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'snat-hook-'));
    const bin = path.join(dir, 'bin');
    const log = path.join(dir, 'calls.log');
    const captured = path.join(dir, 'parameters.json');
    const clustersDir = path.join(dir, 'clusters');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    // A stand-in `az` (and `azd`) on PATH: records each call, answers `account show` unless FAKE_LOGGED_OUT,
    // `aks show --ids X` from clusters/<base64url of X>.json, and copies the stack's parameters file.
    const fakeAz = [
      '#!/bin/sh',
      `echo "az $*" >> "${log}"`,
      'case "$1 $2" in',
      '  "account show")',
      '    if [ -n "$FAKE_LOGGED_OUT" ]; then echo "ERROR: Please run \'az login\' to setup account." >&2; exit 1; fi',
      '    echo 2222; exit 0;;',
      '  "aks show")',
      `    f="${clustersDir}/$(printf %s "$4" | base64 -w0 | tr '+/' '-_' | tr -d '=').json"`,
      '    if [ -f "$f" ]; then cat "$f"; exit 0; fi',
      '    echo "ERROR: (ResourceNotFound) not found" >&2; exit 3;;',
      'esac',
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
    ].join('\n');
    const fakeAzd = ['#!/bin/sh', `echo "azd $*" >> "${log}"`, 'exit 0', ''].join('\n');
    mkdirSync(bin);
    mkdirSync(clustersDir);
    for (const [name, text] of [
      ['az', fakeAz],
      ['azd', fakeAzd],
    ] as const) {
      writeFileSync(path.join(bin, name), text);
      chmodSync(path.join(bin, name), 0o755);
    }
    for (const [id, json] of Object.entries(CLUSTERS)) {
      writeFileSync(path.join(clustersDir, `${Buffer.from(id).toString('base64url')}.json`), JSON.stringify(json));
    }

    /** Runs the hook with the system Node; PATH holds the stand-ins (or nothing with `noAz`). */
    function hook(args: string[], env: Record<string, string> = azdEnv(), noAz = false) {
      rmSync(log, { force: true });
      const result = spawnSync(NODE, [HOOK, ...args], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { PATH: noAz ? path.join(dir, 'empty') : `${bin}:/usr/bin:/bin`, HOME: dir, ...env },
      });
      const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
      return { code: result.status, stdout: result.stdout, stderr: result.stderr, calls };
    }

    it('runs on a Node 20 or newer without flags', () => {
      expect(Number(/^v(\d+)/.exec(NODE_VERSION)?.[1])).toBeGreaterThanOrEqual(20);
    });

    it('--help works without az', () => {
      const result = hook(['--help'], {}, true);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^usage: node infra\/hooks\/clusters\.mjs <action>/);
      expect(result.stdout).toContain('provision');
      expect(result.stderr).toBe('');
    });

    it('prints one clear line when az is missing', () => {
      for (const action of ['provision', 'down', 'publish-key']) {
        const result = hook([action], azdEnv({ SNAT_ALERT_WEBHOOK_KEY: 'k' }), true);
        expect(result.code, action).toBe(1);
        expect(result.stderr.trim().split('\n'), action).toEqual([
          expect.stringMatching(/^snat-responder: the Azure CLI \(az\) is not installed or not on PATH: install it/),
        ]);
      }
    });

    it('prints one clear line when az is not signed in, before anything else', () => {
      const result = hook(['provision'], azdEnv({ FAKE_LOGGED_OUT: '1' }));
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        'snat-responder: the Azure CLI is not signed in: run `az login` (the same tenant as `azd auth login`), then retry',
      ]);
      expect(result.calls).toEqual(['az account show --query id --output tsv --only-show-errors']);
    });

    it('provision reads every cluster and deploys the stack with per-cluster thresholds', () => {
      const result = hook(['provision']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.calls.map((c) => c.split(' ').slice(1, 4).join(' '))).toEqual([
        'account show --query',
        'aks show --ids',
        'aks show --ids',
        'stack sub create',
      ]);
      expect(result.stdout).toContain(
        'prod: automatic allocation for up to 48 nodes (autoscaler maximum plus upgrade surge): 1024 per node; UsedSnatPorts alert above 819 (80%)',
      );
      expect(result.stdout).toContain(
        'big: allocatedOutboundPorts 2000 per node; UsedSnatPorts alert above 1600 (80%)',
      );
      expect(result.calls[3]).toContain(`--template-file ${path.join(repoRoot, 'infra', 'clusters.bicep')}`);
      const parameters = JSON.parse(readFileSync(captured, 'utf8')).parameters;
      expect(parameters.clusters.value).toEqual([
        {
          resourceId: CLUSTER_A,
          nodeResourceGroup: 'MC_rg-aks_prod_westeurope',
          allocatedPortsPerNode: 1024,
          usedSnatPortsThreshold: 819,
        },
        {
          resourceId: CLUSTER_B,
          nodeResourceGroup: 'MC_rg-big_big_westeurope',
          allocatedPortsPerNode: 2000,
          usedSnatPortsThreshold: 1600,
        },
      ]);
      expect(parameters.alertResourceGroupName.value).toBe('rg-dev');
      expect(parameters.principalId.value).toBe(PRINCIPAL);
    });

    it('provision stops with the cluster named when one cannot be read, deploying nothing', () => {
      const missing = CLUSTER_A.replace('/prod', '/gone');
      const result = hook(['provision'], azdEnv({ SNAT_TARGET_CLUSTERS: JSON.stringify([{ resourceId: missing }]) }));
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `snat-responder: reading cluster ${missing} failed: (ResourceNotFound) not found`,
      );
      expect(result.calls.some((c) => c.includes('stack sub create'))).toBe(false);
    });

    it('provision writes the Kubernetes bindings when the clusters use Kubernetes RBAC', () => {
      const env = azdEnv({ SNAT_USE_AZURE_RBAC_FOR_KUBERNETES: 'false', AZURE_ENV_NAME: `hooktest-${process.pid}` });
      const file = path.join(repoRoot, '.azure', env.AZURE_ENV_NAME as string, 'snat-k8s-bindings.yaml');
      try {
        const result = hook(['provision'], env);
        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`kubectl apply -f infra/k8s/ -f ${file}`);
        expect(readFileSync(file, 'utf8')).toContain(`name: ${PRINCIPAL}`);
      } finally {
        rmSync(path.dirname(file), { recursive: true, force: true });
      }
    });

    it('prepare creates the webhook key once with azd env set, without az', () => {
      const created = hook(['prepare'], azdEnv({ AZD_CLI: path.join(bin, 'azd') }), true);
      expect(created.code).toBe(0);
      expect(created.calls).toHaveLength(1);
      expect(created.calls[0]).toMatch(/^azd env set SNAT_ALERT_WEBHOOK_KEY [A-Za-z0-9_-]{43}$/);
      const kept = hook(['prepare'], azdEnv({ AZD_CLI: path.join(bin, 'azd'), SNAT_ALERT_WEBHOOK_KEY: 'existing' }));
      expect(kept.code).toBe(0);
      expect(kept.calls).toEqual([]);
    });

    it("publish-key sets the key on the alert function only (a function key, never the host's)", () => {
      const result = hook(['publish-key'], azdEnv({ SNAT_ALERT_WEBHOOK_KEY: 'k3y' }));
      expect(result.code).toBe(0);
      expect(result.calls[1]).toBe(
        'az functionapp function keys set --resource-group rg-dev --name func-abc123 --function-name alertWebhook --key-name azure-monitor --key-value k3y --output none --only-show-errors',
      );
      expect(result.stdout).not.toContain('k3y');
    });

    it('down deletes the stack when it exists, and succeeds without deleting when it never existed', () => {
      const found = hook(['down'], azdEnv({ FAKE_SHOW: 'found' }));
      expect(found.code).toBe(0);
      expect(found.calls.map((c) => c.split(' ').slice(1, 4).join(' '))).toEqual([
        'account show --query',
        'stack sub show',
        'stack sub delete',
      ]);
      const missing = hook(['down'], azdEnv({ FAKE_SHOW: 'missing' }));
      expect(missing.code).toBe(0);
      expect(missing.calls.map((c) => c.split(' ')[3])).toEqual(['--query', 'show']);
    });

    it("fails with the variable's name when the environment is incomplete, and with usage on a bad action", () => {
      const result = hook(['provision'], azdEnv({ AZURE_ACTION_GROUP_ID: undefined }));
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        'snat-responder: AZURE_ACTION_GROUP_ID is not set in the azd environment (run azd provision first)',
      );
      expect(result.calls.some((c) => c.includes('stack'))).toBe(false);
      const bogus = hook(['bogus']);
      expect(bogus.code).toBe(2);
      expect(bogus.stderr).toContain('unknown action "bogus"');
    });
  });
});
