#!/usr/bin/env node
// azd hooks of snat-responder (azure.yaml). Plain JavaScript: azd runs the `node` on PATH, often Node 20, so this
// file needs no build, no flags and no npm install.
//
//   preprovision   node infra/hooks/clusters.mjs prepare      the alert webhook's function key, once per environment
//   postprovision  node infra/hooks/clusters.mjs provision    reads each cluster, deploys infra/clusters.bicep as a stack
//   postdeploy     node infra/hooks/clusters.mjs publish-key  sets that key on the deployed alert function
//   predown        node infra/hooks/clusters.mjs down         deletes the stack (and only what it manages)
//
// Why a stack: `azd down` deletes every resource group its deployment contains. The role assignments live on the
// clusters and their subscriptions; were they part of main.bicep, `azd down` would delete those groups. A deployment
// stack deletes exactly the resources it manages, never a resource group it did not create.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { azJson, ensureAzReady, firstLine, HookError, runCli } from './lib/azCli.mjs';
import {
  AllocationError,
  DEFAULT_ALERT_PERCENT,
  outboundAllocation,
  usedPortsThreshold,
} from './lib/outboundAllocation.mjs';

export { HookError };

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');

/** The alert function (functions/alertWebhook.ts) and the name of the key the action group uses. */
export const ALERT_FUNCTION = { name: 'alertWebhook', keyName: 'azure-monitor' };

const USAGE = `usage: node infra/hooks/clusters.mjs <action>

Actions (azd runs them from azure.yaml; each reads the azd environment from process.env):
  prepare       preprovision: create SNAT_ALERT_WEBHOOK_KEY in the azd environment when missing (no az needed)
  provision     postprovision: read every target cluster with az, derive its SNAT alert threshold, and deploy
                infra/clusters.bicep as the deployment stack snat-responder-clusters-<environment>
  publish-key   postdeploy: set SNAT_ALERT_WEBHOOK_KEY as the alert function's own key (never the host key)
  down          predown: delete the stack and every resource it manages
  bindings      print the Kubernetes RoleBinding/ClusterRoleBinding for the managed identity (Kubernetes RBAC
                clusters; no az needed)

Options:
  -h, --help    this text

Environment: AZURE_ENV_NAME, AZURE_LOCATION, AZURE_SUBSCRIPTION_ID and main.bicep's outputs (azd sets them).
AZ_CLI / AZD_CLI name other az / azd executables (tests).`;

const CLUSTER_ID =
  /^\/subscriptions\/[0-9a-f-]+\/resourceGroups\/[-\w._()]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[-\w]+$/i;

/**
 * @typedef {object} TargetCluster
 * @property {string} resourceId
 * @property {string | null} nodeResourceGroup Optional: read from the cluster when absent.
 * @property {number | null} maxNodes Optional: the largest node count (clusters with node auto-provisioning).
 */

/**
 * @typedef {object} StackInputs
 * @property {string} environmentName
 * @property {string} location
 * @property {string} subscriptionId
 * @property {string} resourceToken
 * @property {string} appResourceGroup
 * @property {TargetCluster[]} targetClusters
 * @property {string} principalId
 * @property {string} actionGroupResourceId
 * @property {number} alertPercent
 * @property {boolean} useAzureRbacForKubernetes
 * @property {boolean} allowPodExec
 * @property {string} captureNamespace
 * @property {string} healthEventWorkspaceResourceId
 * @property {string} appVirtualNetworkId
 * @property {string[]} privateDnsZoneIds
 */

/**
 * @typedef {object} WiredCluster What infra/clusters.bicep gets per cluster (its clusterWiringType).
 * @property {string} resourceId
 * @property {string} nodeResourceGroup
 * @property {number} allocatedPortsPerNode
 * @property {number} usedSnatPortsThreshold
 */

/**
 * @param {NodeJS.ProcessEnv} env
 * @param {string} name
 * @returns {string}
 */
function required(env, name) {
  const value = env[name]?.trim();
  if (!value) throw new HookError(`${name} is not set in the azd environment (run azd provision first)`);
  return value;
}

/**
 * @param {NodeJS.ProcessEnv} env
 * @param {string} name
 * @param {boolean} fallback
 * @returns {boolean}
 */
function flag(env, name, fallback) {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new HookError(`${name} must be true or false, got "${value}"`);
}

/**
 * Parses SNAT_TARGET_CLUSTERS: a JSON array of {resourceId, nodeResourceGroup?, maxNodes?}.
 * @param {string | undefined} text
 * @returns {TargetCluster[]}
 * @throws {HookError} naming the variable and the bad entry.
 */
export function parseTargetClusters(text) {
  if (!text?.trim()) return [];
  /** @type {unknown} */
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HookError('SNAT_TARGET_CLUSTERS is not valid JSON', { cause: error });
  }
  if (!Array.isArray(value)) throw new HookError('SNAT_TARGET_CLUSTERS must be a JSON array');
  return value.map((entry, i) => {
    const c = /** @type {Record<string, unknown> | null} */ (entry);
    const id = c?.resourceId;
    if (typeof id !== 'string' || !CLUSTER_ID.test(id)) {
      throw new HookError(`SNAT_TARGET_CLUSTERS[${i}].resourceId must be an AKS managed cluster resource id`);
    }
    const nrg = c?.nodeResourceGroup;
    if (nrg !== undefined && nrg !== null && (typeof nrg !== 'string' || !/^[-\w._()]+$/.test(nrg))) {
      throw new HookError(`SNAT_TARGET_CLUSTERS[${i}].nodeResourceGroup must be a resource group name`);
    }
    const maxNodes = c?.maxNodes;
    if (maxNodes !== undefined && maxNodes !== null && (!Number.isInteger(maxNodes) || Number(maxNodes) < 1)) {
      throw new HookError(`SNAT_TARGET_CLUSTERS[${i}].maxNodes must be a positive whole number`);
    }
    return {
      resourceId: id,
      nodeResourceGroup: typeof nrg === 'string' ? nrg : null,
      maxNodes: typeof maxNodes === 'number' ? maxNodes : null,
    };
  });
}

/**
 * Reads the stack inputs from the azd environment (main.bicep's outputs plus azd's own values).
 * @param {NodeJS.ProcessEnv} env
 * @returns {StackInputs}
 */
export function readInputs(env) {
  const percentText = env.SNAT_USED_PORTS_PERCENT?.trim() || String(DEFAULT_ALERT_PERCENT);
  const alertPercent = Number(percentText);
  if (!/^\d+$/.test(percentText) || alertPercent < 1 || alertPercent > 100) {
    throw new HookError(`SNAT_USED_PORTS_PERCENT must be a whole number from 1 to 100, got "${percentText}"`);
  }
  const healthEvents = flag(env, 'SNAT_HEALTH_EVENT_ALERT', false);
  return {
    environmentName: required(env, 'AZURE_ENV_NAME'),
    location: required(env, 'AZURE_LOCATION'),
    subscriptionId: required(env, 'AZURE_SUBSCRIPTION_ID'),
    resourceToken: required(env, 'SNAT_RESOURCE_TOKEN'),
    appResourceGroup: required(env, 'AZURE_RESOURCE_GROUP'),
    targetClusters: parseTargetClusters(env.SNAT_TARGET_CLUSTERS),
    principalId: required(env, 'AZURE_MANAGED_IDENTITY_PRINCIPAL_ID'),
    actionGroupResourceId: required(env, 'AZURE_ACTION_GROUP_ID'),
    alertPercent,
    useAzureRbacForKubernetes: flag(env, 'SNAT_USE_AZURE_RBAC_FOR_KUBERNETES', true),
    allowPodExec: flag(env, 'SNAT_ALLOW_POD_EXEC', false),
    captureNamespace: env.CAPTURE_NAMESPACE?.trim() || 'snat-responder',
    healthEventWorkspaceResourceId: healthEvents ? required(env, 'AZURE_LOG_ANALYTICS_WORKSPACE_ID') : '',
    appVirtualNetworkId: env.SNAT_VNET_ID?.trim() ?? '',
    privateDnsZoneIds: parseIdList(env.SNAT_PRIVATE_DNS_ZONE_IDS, 'SNAT_PRIVATE_DNS_ZONE_IDS'),
  };
}

/**
 * Parses a JSON array of resource ids as azd stores an array output.
 * @param {string | undefined} text
 * @param {string} name
 * @returns {string[]}
 */
function parseIdList(text, name) {
  if (!text?.trim()) return [];
  /** @type {unknown} */
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HookError(`${name} is not valid JSON`, { cause: error });
  }
  if (
    !Array.isArray(value) ||
    !value.every(
      (v) =>
        typeof v === 'string' &&
        /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^.][^/]*\/[^/]+\/[^/]+$/i.test(v) &&
        !v.split('/').includes('..'),
    )
  ) {
    throw new HookError(`${name} must be a JSON array of resource ids`);
  }
  return value;
}

/**
 * Derives what the stack needs for one cluster from `az aks show` JSON: node resource group, ports per node and
 * the used-ports threshold at `percent` of them.
 * @param {TargetCluster} target
 * @param {any} cluster
 * @param {number} percent
 * @returns {WiredCluster & { basis: string }}
 * @throws {HookError} for a cluster without load balancer SNAT metrics or without a derivable allocation.
 */
export function wireCluster(target, cluster, percent) {
  const name = String(cluster?.name ?? target.resourceId.split('/').pop());
  const outboundType = cluster?.networkProfile?.outboundType ?? 'loadBalancer';
  if (outboundType !== 'loadBalancer') {
    throw new HookError(
      `cluster ${name} has outbound type ${outboundType}: only outbound type loadBalancer has load balancer SNAT metrics to alert on; remove it from SNAT_TARGET_CLUSTERS`,
    );
  }
  const nodeResourceGroup = target.nodeResourceGroup ?? cluster?.nodeResourceGroup;
  if (typeof nodeResourceGroup !== 'string' || !nodeResourceGroup) {
    throw new HookError(`cluster ${name} reports no node resource group; set nodeResourceGroup in its entry`);
  }
  try {
    const allocation = outboundAllocation(cluster, { maxNodes: target.maxNodes });
    return {
      resourceId: target.resourceId,
      nodeResourceGroup,
      allocatedPortsPerNode: allocation.portsPerNode,
      usedSnatPortsThreshold: usedPortsThreshold(allocation.portsPerNode, percent),
      basis: allocation.basis,
    };
  } catch (error) {
    if (error instanceof AllocationError) throw new HookError(`cluster ${name}: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * The deployment stack's name for an azd environment.
 * @param {string} environmentName
 */
export function stackName(environmentName) {
  return `snat-responder-clusters-${environmentName}`;
}

/**
 * ARM parameters file content for infra/clusters.bicep.
 * @param {StackInputs} inputs
 * @param {WiredCluster[]} clusters
 * @returns {string}
 */
export function parametersFile(inputs, clusters) {
  /** @param {unknown} v */
  const value = (v) => ({ value: v });
  return JSON.stringify(
    {
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#',
      contentVersion: '1.0.0.0',
      parameters: {
        environmentName: value(inputs.environmentName),
        resourceToken: value(inputs.resourceToken),
        clusters: value(
          clusters.map((c) => ({
            resourceId: c.resourceId,
            nodeResourceGroup: c.nodeResourceGroup,
            allocatedPortsPerNode: c.allocatedPortsPerNode,
            usedSnatPortsThreshold: c.usedSnatPortsThreshold,
          })),
        ),
        alertResourceGroupName: value(inputs.appResourceGroup),
        principalId: value(inputs.principalId),
        actionGroupResourceId: value(inputs.actionGroupResourceId),
        useAzureRbacForKubernetes: value(inputs.useAzureRbacForKubernetes),
        allowPodExec: value(inputs.allowPodExec),
        captureNamespace: value(inputs.captureNamespace),
        healthEventWorkspaceResourceId: value(inputs.healthEventWorkspaceResourceId),
        appVirtualNetworkId: value(inputs.appVirtualNetworkId),
        privateDnsZoneIds: value(inputs.privateDnsZoneIds),
      },
    },
    null,
    2,
  );
}

/**
 * `az` arguments that create or update the stack; resources that leave the template are deleted.
 * @param {StackInputs} inputs
 * @param {string} templateFile
 * @param {string} parametersPath
 */
export function createArgs(inputs, templateFile, parametersPath) {
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

/**
 * `az` arguments that delete the stack and every resource it manages (never a resource group it did not create).
 * @param {string} environmentName
 * @param {string} subscriptionId
 */
export function deleteArgs(environmentName, subscriptionId) {
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

/**
 * Names of the Roles and ClusterRoles in the default manifests (top level of infra/k8s/, or infra/k8s/optional/
 * too when pod exec is allowed), with the namespace of each Role.
 * @param {string} k8sDir
 * @param {boolean} includeOptional
 * @returns {Array<{ kind: 'Role' | 'ClusterRole', name: string, namespace: string | null }>}
 */
export function manifestRoles(k8sDir, includeOptional) {
  const dirs = [k8sDir, ...(includeOptional ? [path.join(k8sDir, 'optional')] : [])];
  /** @type {Array<{ kind: 'Role' | 'ClusterRole', name: string, namespace: string | null }>} */
  const roles = [];
  for (const dir of dirs) {
    /** @type {string[]} */
    let files = [];
    try {
      files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    } catch {
      continue;
    }
    for (const file of files.sort()) {
      for (const doc of readFileSync(path.join(dir, file), 'utf8').split(/^---\s*$/m)) {
        const kind = /^kind:\s*(Role|ClusterRole)\s*$/m.exec(doc)?.[1];
        if (!kind) continue;
        // metadata's own name/namespace: the first two-space-indented keys after `metadata:`.
        const metadata = /^metadata:\s*\n((?:[ \t]+.*\n?)*)/m.exec(doc)?.[1] ?? '';
        const name = /^ {2}name:\s*["']?([-\w.]+)["']?\s*$/m.exec(metadata)?.[1];
        const namespace = /^ {2}namespace:\s*["']?([-\w.]+)["']?\s*$/m.exec(metadata)?.[1] ?? null;
        if (name) roles.push({ kind: /** @type {'Role' | 'ClusterRole'} */ (kind), name, namespace });
      }
    }
  }
  return roles;
}

/**
 * Kubernetes bindings of the managed identity's object id (a `User` for AKS's Entra ID integration) to the roles
 * of infra/k8s/: the Kubernetes-RBAC variant's equivalent of what Bicep assigns with Azure RBAC for Kubernetes.
 * @param {string} principalId
 * @param {Array<{ kind: 'Role' | 'ClusterRole', name: string, namespace: string | null }>} roles
 * @param {string} captureNamespace
 * @returns {string}
 */
export function bindingsYaml(principalId, roles, captureNamespace) {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(principalId)) {
    throw new HookError(`AZURE_MANAGED_IDENTITY_PRINCIPAL_ID "${principalId}" is not an object id (GUID)`);
  }
  if (roles.length === 0) throw new HookError('infra/k8s/ holds no Role or ClusterRole to bind');
  const docs = roles.map((role) => {
    const isRole = role.kind === 'Role';
    const lines = [
      'apiVersion: rbac.authorization.k8s.io/v1',
      `kind: ${isRole ? 'RoleBinding' : 'ClusterRoleBinding'}`,
      'metadata:',
      `  name: ${role.name}-identity`,
      ...(isRole ? [`  namespace: ${role.namespace ?? captureNamespace}`] : []),
      '  labels:',
      '    app.kubernetes.io/name: snat-responder',
      'subjects:',
      '  - apiGroup: rbac.authorization.k8s.io',
      '    kind: User',
      `    name: ${principalId}`,
      'roleRef:',
      '  apiGroup: rbac.authorization.k8s.io',
      `  kind: ${role.kind}`,
      `  name: ${role.name}`,
    ];
    return lines.join('\n');
  });
  return `# Generated by infra/hooks/clusters.mjs for the managed identity ${principalId}.\n${docs.join('\n---\n')}\n`;
}

/**
 * Runs a hook action; returns the process exit code. Errors the user must fix print one line.
 * @param {string[]} argv
 * @param {NodeJS.ProcessEnv} env
 * @param {{ out?: (text: string) => void, err?: (text: string) => void }} [io]
 * @returns {number}
 */
export function main(argv, env, io = {}) {
  const out = io.out ?? ((text) => process.stdout.write(text));
  const err = io.err ?? ((text) => process.stderr.write(text));
  const action = argv[0];
  if (action === undefined || action === '-h' || action === '--help' || argv.includes('--help')) {
    out(`${USAGE}\n`);
    return action === undefined ? 2 : 0;
  }
  try {
    switch (action) {
      case 'prepare':
        return prepare(env, out);
      case 'provision':
        return provision(env, out, err);
      case 'publish-key':
        return publishKey(env, out, err);
      case 'down':
        return down(env, out, err);
      case 'bindings': {
        const inputs = {
          principalId: required(env, 'AZURE_MANAGED_IDENTITY_PRINCIPAL_ID'),
          namespace: env.CAPTURE_NAMESPACE?.trim() || 'snat-responder',
          exec: flag(env, 'SNAT_ALLOW_POD_EXEC', false),
        };
        out(
          bindingsYaml(
            inputs.principalId,
            manifestRoles(path.join(REPO, 'infra', 'k8s'), inputs.exec),
            inputs.namespace,
          ),
        );
        return 0;
      }
      default:
        err(`snat-responder: unknown action "${action}"\n${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    if (error instanceof HookError) {
      err(`snat-responder: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/**
 * preprovision: a random function key for the alert webhook, kept in the azd environment so every provision
 * passes the same one to the action group (no listKeys at deployment time, no race with the host's start).
 * @param {NodeJS.ProcessEnv} env
 * @param {(text: string) => void} out
 */
function prepare(env, out) {
  if (env.SNAT_ALERT_WEBHOOK_KEY?.trim()) return 0;
  const key = randomBytes(32).toString('base64url');
  const result = runCli(['env', 'set', 'SNAT_ALERT_WEBHOOK_KEY', key], env, { executable: env.AZD_CLI ?? 'azd' });
  if (result.status !== 0) {
    throw new HookError(`azd env set SNAT_ALERT_WEBHOOK_KEY failed: ${firstLine(result.stderr)}`);
  }
  out('snat-responder: created the alert webhook key (SNAT_ALERT_WEBHOOK_KEY in the azd environment)\n');
  return 0;
}

/**
 * postprovision: reads each cluster, derives its thresholds and deploys infra/clusters.bicep as a stack.
 * @param {NodeJS.ProcessEnv} env
 * @param {(text: string) => void} out
 * @param {(text: string) => void} err
 */
function provision(env, out, err) {
  ensureAzReady(env);
  const inputs = readInputs(env);
  /** @type {WiredCluster[]} */
  const wired = [];
  for (const target of inputs.targetClusters) {
    const cluster = azJson(['aks', 'show', '--ids', target.resourceId], env, `cluster ${target.resourceId}`);
    const w = wireCluster(target, cluster, inputs.alertPercent);
    out(
      `snat-responder: ${cluster?.name ?? target.resourceId}: ${w.basis}; UsedSnatPorts alert above ${w.usedSnatPortsThreshold} (${inputs.alertPercent}%)\n`,
    );
    wired.push(w);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'snat-clusters-'));
  try {
    const parametersPath = path.join(dir, 'clusters.parameters.json');
    writeFileSync(parametersPath, parametersFile(inputs, wired));
    out(`snat-responder: wiring ${wired.length} cluster(s) (stack ${stackName(inputs.environmentName)})\n`);
    const templateFile = path.join(REPO, 'infra', 'clusters.bicep');
    const result = runCli(createArgs(inputs, templateFile, parametersPath), env, { inheritStdout: true });
    if (result.status !== 0) {
      err(result.stderr);
      return result.status;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!inputs.useAzureRbacForKubernetes && wired.length > 0) {
    const file = path.join(REPO, '.azure', inputs.environmentName, 'snat-k8s-bindings.yaml');
    mkdirSync(path.dirname(file), { recursive: true });
    const roles = manifestRoles(path.join(REPO, 'infra', 'k8s'), inputs.allowPodExec);
    writeFileSync(file, bindingsYaml(inputs.principalId, roles, inputs.captureNamespace));
    out(`snat-responder: Kubernetes RBAC clusters: on each one run kubectl apply -f infra/k8s/ -f ${file}\n`);
  }
  return 0;
}

/**
 * postdeploy: sets the environment's key as the alert function's own key (function scope, not a host key).
 * @param {NodeJS.ProcessEnv} env
 * @param {(text: string) => void} out
 * @param {(text: string) => void} err
 */
function publishKey(env, out, err) {
  ensureAzReady(env);
  const key = required(env, 'SNAT_ALERT_WEBHOOK_KEY');
  const resourceGroup = required(env, 'AZURE_RESOURCE_GROUP');
  const app = required(env, 'AZURE_FUNCTION_APP_NAME');
  const args = [
    'functionapp',
    'function',
    'keys',
    'set',
    '--resource-group',
    resourceGroup,
    '--name',
    app,
    '--function-name',
    ALERT_FUNCTION.name,
    '--key-name',
    ALERT_FUNCTION.keyName,
    '--key-value',
    key,
    '--output',
    'none',
    '--only-show-errors',
  ];
  const result = runCli(args, env);
  if (result.status !== 0) {
    err(`snat-responder: setting the ${ALERT_FUNCTION.name} key failed: ${firstLine(result.stderr)}\n`);
    return result.status;
  }
  out(`snat-responder: the action group's key is set on function ${ALERT_FUNCTION.name} of ${app}\n`);
  return 0;
}

/**
 * predown: deletes the stack when it exists.
 * @param {NodeJS.ProcessEnv} env
 * @param {(text: string) => void} out
 * @param {(text: string) => void} err
 */
function down(env, out, err) {
  ensureAzReady(env);
  const environmentName = required(env, 'AZURE_ENV_NAME');
  const subscriptionId = required(env, 'AZURE_SUBSCRIPTION_ID');
  const show = ['stack', 'sub', 'show', '--name', stackName(environmentName), '--subscription', subscriptionId];
  const shown = runCli([...show, '--only-show-errors', '--output', 'none'], env);
  if (shown.status !== 0) {
    // Never provisioned (or already removed): nothing to delete.
    if (/not ?found/i.test(shown.stderr)) return 0;
    err(shown.stderr);
    return shown.status;
  }
  out(`snat-responder: removing the cluster wiring (stack ${stackName(environmentName)})\n`);
  const result = runCli(deleteArgs(environmentName, subscriptionId), env, { inheritStdout: true });
  if (result.status !== 0) err(result.stderr);
  return result.status;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2), process.env);
}
