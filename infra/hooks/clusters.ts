// azd hook: deploys (postprovision) or removes (predown) infra/clusters.bicep as a subscription deployment stack.
//
// Why a separate stack: `azd down` deletes every resource group that its deployment contains. The alerts and role
// assignments live in the AKS clusters' resource groups and node resource groups; were they part of main.bicep,
// `azd down` would delete those groups, and the clusters with them. A deployment stack deletes exactly the
// resources it manages (`--action-on-unmanage deleteAll`), never a resource group it did not create.
//
// Runs with Node >= 22.18 (type stripping): `node infra/hooks/clusters.ts provision|down`. Reads the azd
// environment (main.bicep's outputs) from process.env and calls the Azure CLI (`az login` first).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A target cluster as main.bicep's targetClusterType. */
export interface TargetCluster {
  resourceId: string;
  nodeResourceGroup: string;
}

/** What the hook needs from the azd environment. */
export interface StackInputs {
  environmentName: string;
  location: string;
  subscriptionId: string;
  resourceToken: string;
  targetClusters: TargetCluster[];
  principalId: string;
  actionGroupResourceId: string;
  snatUsedPortsThreshold: number;
  useAzureRbacForKubernetes: boolean;
  healthEventWorkspaceResourceId: string;
}

/** Raised for a missing or malformed azd environment value; the message names it. */
export class HookConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HookConfigError';
  }
}

const CLUSTER_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+$/i;

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new HookConfigError(`${name} is not set in the azd environment (run azd provision first)`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new HookConfigError(`${name} must be true or false, got "${value}"`);
}

/**
 * Parses SNAT_TARGET_CLUSTERS: a JSON array of {resourceId, nodeResourceGroup}.
 * @throws HookConfigError naming the variable and the bad entry.
 */
export function parseTargetClusters(text: string | undefined): TargetCluster[] {
  if (!text?.trim()) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HookConfigError('SNAT_TARGET_CLUSTERS is not valid JSON', { cause: error });
  }
  if (!Array.isArray(value)) throw new HookConfigError('SNAT_TARGET_CLUSTERS must be a JSON array');
  return value.map((entry, i) => {
    const c = entry as Partial<TargetCluster> | null;
    if (typeof c?.resourceId !== 'string' || !CLUSTER_ID.test(c.resourceId)) {
      throw new HookConfigError(`SNAT_TARGET_CLUSTERS[${i}].resourceId must be an AKS managed cluster resource id`);
    }
    if (typeof c.nodeResourceGroup !== 'string' || !c.nodeResourceGroup.trim()) {
      throw new HookConfigError(
        `SNAT_TARGET_CLUSTERS[${i}].nodeResourceGroup must be the cluster's node resource group`,
      );
    }
    return { resourceId: c.resourceId, nodeResourceGroup: c.nodeResourceGroup };
  });
}

/** Reads the stack inputs from the azd environment (main.bicep's outputs plus azd's own values). */
export function readInputs(env: NodeJS.ProcessEnv): StackInputs {
  const threshold = Number(env.SNAT_USED_PORTS_THRESHOLD ?? '900');
  if (!Number.isInteger(threshold) || threshold < 1) {
    throw new HookConfigError(
      `SNAT_USED_PORTS_THRESHOLD must be a positive integer, got "${env.SNAT_USED_PORTS_THRESHOLD}"`,
    );
  }
  const healthEvents = flag(env, 'SNAT_HEALTH_EVENT_ALERT', false);
  return {
    environmentName: required(env, 'AZURE_ENV_NAME'),
    location: required(env, 'AZURE_LOCATION'),
    subscriptionId: required(env, 'AZURE_SUBSCRIPTION_ID'),
    resourceToken: required(env, 'SNAT_RESOURCE_TOKEN'),
    targetClusters: parseTargetClusters(env.SNAT_TARGET_CLUSTERS),
    principalId: required(env, 'AZURE_MANAGED_IDENTITY_PRINCIPAL_ID'),
    actionGroupResourceId: required(env, 'AZURE_ACTION_GROUP_ID'),
    snatUsedPortsThreshold: threshold,
    useAzureRbacForKubernetes: flag(env, 'SNAT_USE_AZURE_RBAC_FOR_KUBERNETES', true),
    healthEventWorkspaceResourceId: healthEvents ? required(env, 'AZURE_LOG_ANALYTICS_WORKSPACE_ID') : '',
  };
}

/** The deployment stack's name for an azd environment. */
export function stackName(environmentName: string): string {
  return `snat-responder-clusters-${environmentName}`;
}

/** ARM parameters file content for infra/clusters.bicep. */
export function parametersFile(inputs: StackInputs): string {
  const value = (v: unknown) => ({ value: v });
  return JSON.stringify(
    {
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#',
      contentVersion: '1.0.0.0',
      parameters: {
        environmentName: value(inputs.environmentName),
        resourceToken: value(inputs.resourceToken),
        targetClusters: value(inputs.targetClusters),
        principalId: value(inputs.principalId),
        actionGroupResourceId: value(inputs.actionGroupResourceId),
        snatUsedPortsThreshold: value(inputs.snatUsedPortsThreshold),
        useAzureRbacForKubernetes: value(inputs.useAzureRbacForKubernetes),
        healthEventWorkspaceResourceId: value(inputs.healthEventWorkspaceResourceId),
      },
    },
    null,
    2,
  );
}

/** `az` arguments that create or update the stack; resources that leave the template are deleted. */
export function createArgs(inputs: StackInputs, templateFile: string, parametersPath: string): string[] {
  return [
    'stack',
    'sub',
    'create',
    '--name',
    stackName(inputs.environmentName),
    '--location',
    inputs.location,
    '--subscription',
    inputs.subscriptionId,
    '--template-file',
    templateFile,
    '--parameters',
    `@${parametersPath}`,
    '--deny-settings-mode',
    'none',
    '--action-on-unmanage',
    'deleteAll',
    '--yes',
    '--only-show-errors',
  ];
}

/** `az` arguments that delete the stack and every resource it manages (never a resource group it did not create). */
export function deleteArgs(environmentName: string, subscriptionId: string): string[] {
  return [
    'stack',
    'sub',
    'delete',
    '--name',
    stackName(environmentName),
    '--subscription',
    subscriptionId,
    '--action-on-unmanage',
    'deleteAll',
    '--yes',
    '--only-show-errors',
  ];
}

/** Runs the Azure CLI (AZ_CLI overrides the executable, for tests); stderr is echoed unless quiet. */
function az(args: string[], env: NodeJS.ProcessEnv, quiet = false): { status: number; stderr: string } {
  const result = spawnSync(env.AZ_CLI ?? 'az', args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  if (result.stderr && !quiet) process.stderr.write(result.stderr);
  return { status: result.status ?? 1, stderr: result.stderr ?? '' };
}

/** Runs the hook; returns the process exit code. */
export function main(argv: string[], env: NodeJS.ProcessEnv): number {
  const action = argv[0];
  const templateFile = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'clusters.bicep');
  try {
    if (action === 'provision') {
      const inputs = readInputs(env);
      const dir = mkdtempSync(path.join(tmpdir(), 'snat-clusters-'));
      try {
        const parametersPath = path.join(dir, 'clusters.parameters.json');
        writeFileSync(parametersPath, parametersFile(inputs));
        process.stdout.write(
          `snat-responder: wiring ${inputs.targetClusters.length} cluster(s) (stack ${stackName(inputs.environmentName)})\n`,
        );
        return az(createArgs(inputs, templateFile, parametersPath), env).status;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    if (action === 'down') {
      const environmentName = required(env, 'AZURE_ENV_NAME');
      const subscriptionId = required(env, 'AZURE_SUBSCRIPTION_ID');
      const show = ['stack', 'sub', 'show', '--name', stackName(environmentName), '--subscription', subscriptionId];
      const shown = az([...show, '--only-show-errors', '--output', 'none'], env, true);
      if (shown.status !== 0) {
        // Never provisioned (or already removed): nothing to delete.
        if (/not ?found/i.test(shown.stderr)) return 0;
        process.stderr.write(shown.stderr);
        return shown.status;
      }
      process.stdout.write(`snat-responder: removing the cluster wiring (stack ${stackName(environmentName)})\n`);
      return az(deleteArgs(environmentName, subscriptionId), env).status;
    }
    process.stderr.write('usage: node infra/hooks/clusters.ts provision|down\n');
    return 2;
  } catch (error) {
    if (error instanceof HookConfigError) {
      process.stderr.write(`snat-responder: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2), process.env);
}
