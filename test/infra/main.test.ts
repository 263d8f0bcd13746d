import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  type ArmParameter,
  type ArmResource,
  type ArmTemplate,
  allResources,
  allTemplates,
  bicepForTests,
  buildTemplate,
  moduleOf,
  moduleTemplate,
  onlyResource,
  repoRoot,
  resourcesOf,
} from './bicep.js';

const bicep = await bicepForTests();
const empty: ArmTemplate = { resources: {}, parameters: {}, outputs: {} };
const main: ArmTemplate = bicep ? await buildTemplate(bicep, 'infra/main.bicep') : empty;
const clusters: ArmTemplate = bicep ? await buildTemplate(bicep, 'infra/clusters.bicep') : empty;

// Built-in role definition ids.
const ROLE = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  monitoringReader: '43d0d8ad-25c7-4714-9337-8ba259a9fe05',
  aksClusterUser: '4abbcc35-e782-43d8-92c5-2d3f1bd2253f',
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a',
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
} as const;

const read = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8');

const MC = 'Microsoft.ContainerService/managedClusters';
/** The Kubernetes data actions of each custom role (Azure RBAC for Kubernetes), by where it is assigned. */
const EXPECTED_DATA_ACTIONS = {
  // Cluster scope: read only (workload resolution needs replicasets and jobs).
  read: [`${MC}/nodes/read`, `${MC}/pods/read`, `${MC}/apps/replicasets/read`, `${MC}/batch/jobs/read`],
  // Capture namespace scope: the Jobs and their pods' logs (pods/log is authorized as pods/read).
  capture: [
    `${MC}/namespaces/read`,
    `${MC}/pods/read`,
    `${MC}/batch/jobs/read`,
    `${MC}/batch/jobs/write`,
    `${MC}/batch/jobs/delete`,
  ],
  // Cluster scope, only with allowPodExec.
  exec: [`${MC}/pods/exec/action`],
} as const;

const EXPECTED_APP_SETTINGS = [
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'AZURE_CLIENT_ID',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'REPORTS_ACCOUNT_URL',
  'REPORTS_CONTAINER',
  'TEAMS_WEBHOOK_URL',
  'TRACE_SECONDS',
  'COOLDOWN_MINUTES',
  'ALLOWED_SUBSCRIPTION_IDS',
  'ALLOWED_ALERT_RULE_IDS',
  'CAPTURE_NAMESPACE',
  'MAX_CONCURRENT_CAPTURES',
  'REPORT_BASE_URL',
  'SWEEP_CLUSTER_IDS',
  'PROACTIVE_CLUSTER_IDS',
  'PROACTIVE_SCAN_MINUTES',
  'REPORT_LINK_EXPIRY_HOURS',
  'ALLOW_POD_EXEC',
];

/** Resolves `[variables('a').b]` / `[variables('a')]` against a template's variables; literals pass through. */
function resolveVariable(template: ArmTemplate, expression: string): unknown {
  const match = /^\[variables\('([^']+)'\)((?:\.[A-Za-z0-9_]+)*)\]$/.exec(expression);
  if (!match) return expression;
  let value: unknown = template.variables?.[match[1] as string];
  for (const key of (match[2] ?? '').split('.').filter(Boolean)) value = (value as Record<string, unknown>)[key];
  return value;
}

/** Role definition GUIDs a roleAssignment grants (a copy loop over a variable array yields several). */
function grantedRoleIds(template: ArmTemplate, assignment: ArmResource): string[] {
  const expr = String(assignment.properties.roleDefinitionId);
  const arg = /subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', (.+)\)\]$/.exec(expr)?.[1];
  if (!arg) throw new Error(`unexpected roleDefinitionId ${expr}`);
  const loop = /^variables\('([^']+)'\)\[copyIndex\(\)\]$/.exec(arg);
  if (loop) {
    const values = template.variables?.[loop[1] as string];
    if (!Array.isArray(values)) throw new Error(`variable ${loop[1]} is not an array`);
    return values.map((v) => String(resolveVariable(template, String(v))));
  }
  if (arg.startsWith('parameters(')) return [arg];
  return [String(resolveVariable(template, `[${arg}]`))];
}

function settingsOf(site: ArmResource): Array<{ name: string; value: string }> {
  return site.properties.siteConfig.appSettings as Array<{ name: string; value: string }>;
}

describe.skipIf(!bicep)('infra/main.bicep + infra/clusters.bicep (compiled ARM templates)', () => {
  const resources = [...allResources(main), ...allResources(clusters)];
  const ofType = (type: string) =>
    resources.filter((r) => r.resource.type.toLowerCase() === type.toLowerCase() && !r.resource.existing);
  const functionTemplate = bicep ? moduleTemplate(main, 'functionApp') : main;
  const site = bicep ? onlyResource(functionTemplate, 'Microsoft.Web/sites')[1] : ({} as ArmResource);
  const settings = bicep ? settingsOf(site) : [];
  const setting = (name: string) => settings.find((s) => s.name === name)?.value;

  describe('scopes', () => {
    it('deploys at subscription scope and creates the app resource group', () => {
      expect((main as unknown as { $schema: string }).$schema.endsWith('subscriptionDeploymentTemplate.json#')).toBe(
        true,
      );
      expect(onlyResource(main, 'Microsoft.Resources/resourceGroups')[1].name).toBe(
        "[variables('names').resourceGroup]",
      );
    });

    it("keeps everything azd deploys in the app resource group, so `azd down` cannot delete a cluster's group", () => {
      for (const [symbol, r] of resourcesOf(main)) {
        if (r.type !== 'Microsoft.Resources/deployments') continue;
        expect(r.resourceGroup, symbol).toBe("[variables('names').resourceGroup]");
        expect(r.subscriptionId, symbol).toBeUndefined();
        for (const nested of allResources(r.properties.template as ArmTemplate)) {
          expect(nested.resource.type, `${symbol}/${nested.symbol}`).not.toBe('Microsoft.Resources/deployments');
        }
      }
      const cluster = JSON.stringify(clusters);
      expect(cluster).not.toContain('azd-env-name');
      expect(read('azure.yaml')).toMatch(
        /postprovision:[\s\S]*clusters\.mjs provision[\s\S]*predown:[\s\S]*clusters\.mjs down/,
      );
    });

    it("assigns roles on each cluster and its subscription, and puts the alerts in the app's resource group", () => {
      const loops = clusters.variables?.copy as Array<{ name: string; input: Record<string, string> }>;
      const input = loops.find((c) => c.name === 'targets')?.input ?? {};
      expect(input.subscriptionId).toBe("[split(parameters('clusters')[copyIndex('targets')].resourceId, '/')[2]]");
      expect(input.resourceGroup).toBe("[split(parameters('clusters')[copyIndex('targets')].resourceId, '/')[4]]");
      expect(input.nodeResourceGroup).toBe("[parameters('clusters')[copyIndex('targets')].nodeResourceGroup]");

      const clusterRoles = moduleOf(clusters, 'clusterRoles');
      expect(clusterRoles.resourceGroup).toBe("[variables('targets')[copyIndex()].resourceGroup]");
      expect(clusterRoles.subscriptionId).toBe("[variables('targets')[copyIndex()].subscriptionId]");
      const subscriptionRoles = moduleOf(clusters, 'subscriptionRoles');
      expect(subscriptionRoles.subscriptionId).toBe("[variables('clusterSubscriptionIds')[copyIndex()]]");
      expect(subscriptionRoles.resourceGroup).toBeUndefined();
      const alerts = moduleOf(clusters, 'snatAlerts');
      expect(alerts.resourceGroup).toBe("[parameters('alertResourceGroupName')]");
      expect(alerts.subscriptionId).toBeUndefined();
    });

    it('writes nothing in a node resource group (MC_*) unless the health-event diagnostics are opted in', () => {
      const inNodeGroup = resourcesOf(clusters).filter(([, r]) =>
        String(r.resourceGroup).includes('nodeResourceGroup'),
      );
      expect(inNodeGroup.map(([s]) => s)).toEqual(['healthEvents']);
      expect(moduleOf(clusters, 'healthEvents').condition).toBe(
        "[not(empty(parameters('healthEventWorkspaceResourceId')))]",
      );
      expect(main.parameters?.enableSnatHealthEventAlert?.defaultValue).toBe(false);
      // The alert rules only reference the load balancer there.
      const alerts = moduleTemplate(clusters, 'snatAlerts');
      for (const [, r] of resourcesOf(alerts).filter(([, r]) => !r.existing)) {
        expect(r.resourceGroup, r.type).toBeUndefined();
        expect(r.subscriptionId, r.type).toBeUndefined();
      }
      expect(read('infra/modules/snatAlerts.bicep')).toMatch(
        /existing = \{\n {2}name: loadBalancerName\n {2}scope: resourceGroup\(clusterSubscriptionId, nodeResourceGroup\)/,
      );
    });
  });

  describe('storage', () => {
    const accounts = ofType('Microsoft.Storage/storageAccounts');

    it('has two accounts (host, reports) from one module, both identity-only', () => {
      expect(accounts.map((a) => a.modulePath[0]).sort()).toEqual(['hostStorage', 'reportsStorage']);
      for (const { resource } of accounts) {
        expect(resource.properties.allowSharedKeyAccess).toBe(false);
        expect(resource.properties.minimumTlsVersion).toBe('TLS1_2');
        expect(resource.properties.allowBlobPublicAccess).toBe(false);
        expect(resource.properties.supportsHttpsTrafficOnly).toBe(true);
        expect(resource.properties.defaultToOAuthAuthentication).toBe(true);
      }
    });

    it('keeps every container private', () => {
      const containers = ofType('Microsoft.Storage/storageAccounts/blobServices/containers');
      expect(containers.length).toBeGreaterThan(0);
      for (const { resource } of containers) expect(resource.properties.publicAccess).toBe('None');
    });

    it('deletes reports after reportRetentionDays (default 90) with a lifecycle rule on the reports container', () => {
      expect(main.parameters?.reportRetentionDays?.defaultValue).toBe(90);
      const reports = moduleOf(main, 'reportsStorage').properties.parameters;
      expect(reports.deleteAfterDays.value).toBe("[parameters('reportRetentionDays')]");
      expect(resolveVariable(main, reports.lifecycleContainerName.value)).toBe('reports');
      expect(reports.containerNames.value.map((c: string) => resolveVariable(main, c))).toEqual(['reports']);
      expect(moduleOf(main, 'hostStorage').properties.parameters.deleteAfterDays).toBeUndefined();

      const storage = moduleTemplate(main, 'reportsStorage');
      const [, policy] = onlyResource(storage, 'Microsoft.Storage/storageAccounts/managementPolicies');
      expect(policy.condition).toBe("[not(equals(parameters('deleteAfterDays'), null()))]");
      const rule = policy.properties.policy.rules[0];
      expect(rule.definition.filters.prefixMatch).toEqual(["[format('{0}/', parameters('lifecycleContainerName'))]"]);
      expect(rule.definition.actions.baseBlob.delete.daysAfterModificationGreaterThan).toBe(
        "[parameters('deleteAfterDays')]",
      );
    });
  });

  describe('function app', () => {
    it('runs on a Flex Consumption FC1 plan', () => {
      const [, plan] = onlyResource(functionTemplate, 'Microsoft.Web/serverfarms');
      expect(plan.sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
      expect(plan.properties.reserved).toBe(true);
    });

    it('uses only the user-assigned identity, also for Key Vault references', () => {
      expect(site.identity?.type).toBe('UserAssigned');
      expect(Object.keys(site.identity?.userAssignedIdentities as object)).toEqual([
        "[format('{0}', parameters('identityResourceId'))]",
      ]);
      expect(site.properties.keyVaultReferenceIdentity).toBe("[parameters('identityResourceId')]");
    });

    it('accepts HTTPS only with TLS 1.2+, FTPS off and basic publishing credentials disabled', () => {
      expect(site.properties.httpsOnly).toBe(true);
      expect(site.properties.siteConfig.minTlsVersion).toBe('1.2');
      expect(site.properties.siteConfig.scmMinTlsVersion).toBe('1.2');
      expect(site.properties.siteConfig.ftpsState).toBe('Disabled');
      const policies = resourcesOf(functionTemplate).filter(
        ([, r]) => r.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies',
      );
      expect(policies.map(([, r]) => r.name).sort()).toEqual([
        "[format('{0}/{1}', parameters('name'), 'ftp')]",
        "[format('{0}/{1}', parameters('name'), 'scm')]",
      ]);
      for (const [, policy] of policies) expect(policy.properties.allow).toBe(false);
    });

    it('configures Node 22, 2048 MB instances, no always-ready instance by default and identity-based deployment', () => {
      const config = site.properties.functionAppConfig;
      expect(config.runtime).toEqual({ name: 'node', version: '22' });
      expect(config.scaleAndConcurrency.alwaysReady).toBe(
        "[if(greater(parameters('alwaysReadyInstanceCount'), 0), createArray(createObject('name', 'durable', 'instanceCount', parameters('alwaysReadyInstanceCount'))), createArray())]",
      );
      expect(main.parameters?.alwaysReadyInstanceCount?.defaultValue).toBe(0);
      expect(moduleOf(main, 'functionApp').properties.parameters.alwaysReadyInstanceCount.value).toBe(
        "[parameters('alwaysReadyInstanceCount')]",
      );
      expect(config.scaleAndConcurrency.instanceMemoryMB).toBe("[parameters('instanceMemoryMB')]");
      expect(functionTemplate.parameters?.instanceMemoryMB?.defaultValue).toBe(2048);
      expect(config.deployment.storage.type).toBe('blobContainer');
      expect(config.deployment.storage.authentication).toEqual({
        type: 'UserAssignedIdentity',
        userAssignedIdentityResourceId: "[parameters('identityResourceId')]",
      });
    });

    it('sets exactly the app settings the code reads', () => {
      expect(settings.map((s) => s.name)).toEqual(EXPECTED_APP_SETTINGS);
    });

    it('reaches host storage by identity, never with a key or connection string', () => {
      expect(setting('AzureWebJobsStorage__accountName')).toBe("[parameters('hostStorageAccountName')]");
      expect(setting('AzureWebJobsStorage__credential')).toBe('managedidentity');
      expect(setting('AzureWebJobsStorage__clientId')).toBe("[parameters('identityClientId')]");
      expect(setting('AZURE_CLIENT_ID')).toBe("[parameters('identityClientId')]");
      for (const { name, value } of settings) {
        expect(name).not.toBe('AzureWebJobsStorage');
        // The Application Insights connection string carries no secret (local auth is off); nothing else may.
        if (name !== 'APPLICATIONINSIGHTS_CONNECTION_STRING') expect(name).not.toMatch(/CONNECTION_?STRING|_KEY$/i);
        expect(value, name).not.toMatch(
          /AccountKey=|SharedAccessSignature|listKeys|listAccountSas|InstrumentationKey=/,
        );
      }
      expect(JSON.stringify(functionTemplate)).not.toMatch(/listKeys|listAccountSas|listServiceSas/);
    });

    it('sends telemetry with Entra ID: local auth off in Application Insights and Log Analytics', () => {
      expect(setting('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe(
        "[format('Authorization=AAD;ClientId={0}', parameters('identityClientId'))]",
      );
      expect(setting('APPLICATIONINSIGHTS_CONNECTION_STRING')).toBe(
        "[reference('applicationInsights').ConnectionString]",
      );
      const monitoring = moduleTemplate(main, 'monitoring');
      expect(onlyResource(monitoring, 'Microsoft.Insights/components')[1].properties.DisableLocalAuth).toBe(true);
      expect(onlyResource(monitoring, 'Microsoft.OperationalInsights/workspaces')[1].properties.features).toEqual({
        disableLocalAuth: true,
      });
    });

    it('reads the Teams webhook URL through a Key Vault reference', () => {
      expect(setting('TEAMS_WEBHOOK_URL')).toBe(
        "[format('@Microsoft.KeyVault(SecretUri={0})', parameters('teamsWebhookSecretUri'))]",
      );
      expect(moduleOf(main, 'functionApp').properties.parameters.teamsWebhookSecretUri.value).toBe(
        "[reference('keyVault').outputs.secretUri.value]",
      );
    });

    it('passes the product settings from the main parameters with the documented defaults', () => {
      const p = main.parameters ?? {};
      expect(p.traceSeconds?.defaultValue).toBe(60);
      expect(p.cooldownMinutes?.defaultValue).toBe(15);
      expect(p.allowedSubscriptionIds?.defaultValue).toEqual([]);
      expect(p.allowedAlertRuleIds?.defaultValue).toEqual([]);
      expect(p.captureNamespace?.defaultValue).toBe('snat-responder');
      expect(p.maxConcurrentCaptures?.defaultValue).toBe(3);
      expect(setting('REPORTS_CONTAINER')).toBe("[parameters('reportsContainerName')]");
      expect(setting('ALLOWED_SUBSCRIPTION_IDS')).toBe("[join(parameters('allowedSubscriptionIds'), ',')]");
      // An empty allowedSubscriptionIds narrows to the subscriptions the alerts come from.
      expect(moduleOf(main, 'functionApp').properties.parameters.allowedSubscriptionIds.value).toBe(
        "[variables('effectiveAllowedSubscriptionIds')]",
      );
      expect(main.variables?.effectiveAllowedSubscriptionIds).toBe(
        "[if(not(empty(parameters('allowedSubscriptionIds'))), parameters('allowedSubscriptionIds'), if(empty(variables('clusterSubscriptionIds')), createArray(), union(variables('clusterSubscriptionIds'), if(parameters('enableSnatHealthEventAlert'), createArray(subscription().subscriptionId), createArray()))))]",
      );
      expect(setting('ALLOWED_ALERT_RULE_IDS')).toBe("[join(parameters('allowedAlertRuleIds'), ',')]");
      const passed = moduleOf(main, 'functionApp').properties.parameters;
      expect(passed.traceSeconds.value).toBe("[parameters('traceSeconds')]");
      expect(passed.cooldownMinutes.value).toBe("[parameters('cooldownMinutes')]");
      expect(passed.reportsAccountUrl.value).toBe("[reference('reportsStorage').outputs.blobEndpoint.value]");
      expect(moduleTemplate(main, 'reportsStorage').outputs?.blobEndpoint?.value).toBe(
        "[format('https://{0}.blob.{1}', parameters('name'), environment().suffixes.storage)]",
      );
    });
  });

  describe('key vault', () => {
    it('uses RBAC authorization and holds the webhook URL from a secure parameter', () => {
      const kv = moduleTemplate(main, 'keyVault');
      const [, vault] = onlyResource(kv, 'Microsoft.KeyVault/vaults');
      expect(vault.properties.enableRbacAuthorization).toBe(true);
      expect(vault.properties.accessPolicies).toBeUndefined();
      const [, secret] = onlyResource(kv, 'Microsoft.KeyVault/vaults/secrets');
      expect(secret.properties.value).toBe("[parameters('teamsWebhookUrl')]");
      expect(kv.parameters?.teamsWebhookUrl?.type).toBe('securestring');
      expect(main.parameters?.teamsWebhookUrl?.type).toBe('securestring');
      expect(main.parameters?.teamsWebhookUrl?.defaultValue).toBeUndefined();
    });
  });

  describe('role assignments', () => {
    const assignments = ofType('Microsoft.Authorization/roleAssignments');

    it('live in two modules (resource group level, subscription level) and none in main', () => {
      expect(assignments.length).toBeGreaterThan(0);
      expect(assignments.every((a) => a.modulePath.length === 1)).toBe(true);
      expect(new Set(assignments.map((a) => a.modulePath[0]))).toEqual(
        new Set(['appRoles', 'clusterRoles', 'subscriptionRoles']),
      );
      const hashes = new Set(
        assignments
          .filter((a) => a.modulePath[0] !== 'subscriptionRoles')
          .map((a) => a.template.metadata?._generator?.templateHash),
      );
      expect(hashes.size).toBe(1);
    });

    const rolesTemplate = bicep ? moduleTemplate(main, 'appRoles') : main;
    const roleResources = resourcesOf(rolesTemplate).filter(
      ([, r]) => r.type === 'Microsoft.Authorization/roleAssignments',
    );

    it('names each guid(scope, principal, roleDefinitionId) with an explicit principalType', () => {
      for (const [symbol, r] of roleResources) {
        const scope = r.scope ? r.scope.slice(1, -1) : 'resourceGroup().id';
        const roleDefinition = String(r.properties.roleDefinitionId).slice(1, -1);
        if (symbol === 'reportsReader') {
          // The deployer, not the identity.
          expect(r.name).toBe(
            `[guid(${scope}, coalesce(parameters('reportsReaderPrincipalId'), ''), ${roleDefinition})]`,
          );
          expect(r.properties.principalType).toBe("[parameters('reportsReaderPrincipalType')]");
          continue;
        }
        expect(r.name, symbol).toBe(`[guid(${scope}, parameters('principalId'), ${roleDefinition})]`);
        expect(r.properties.principalId, symbol).toBe("[parameters('principalId')]");
        expect(r.properties.principalType, symbol).toBe('ServicePrincipal');
      }
    });

    /** role GUID -> scope expression of the assignment granting it. */
    const grants = new Map<string, string>();
    for (const [, r] of roleResources) {
      for (const role of grantedRoleIds(rolesTemplate, r)) grants.set(role, r.scope ?? '(resource group)');
    }

    it('grants exactly the expected roles, none of them Owner, Contributor or cluster admin', () => {
      const { monitoringReader: _subscriptionLevel, ...resourceGroupLevel } = ROLE;
      expect([...grants.keys()].sort()).toEqual(
        [
          ...Object.values(resourceGroupLevel),
          "parameters('kubernetesReadRoleDefinitionName')",
          "parameters('kubernetesCaptureRoleDefinitionName')",
          "parameters('kubernetesExecRoleDefinitionName')",
        ].sort(),
      );
      const text = JSON.stringify([main, clusters]);
      for (const forbidden of [
        '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', // Owner
        'b24988ac-6180-42a0-ab88-20f7382dd24c', // Contributor
        '0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8', // AKS Cluster Admin Role
        'b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b', // AKS RBAC Cluster Admin
        '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9', // User Access Administrator
      ]) {
        expect(text).not.toContain(forbidden);
      }
    });

    it('scopes the host storage roles to the host storage account', () => {
      for (const role of [
        ROLE.storageBlobDataOwner,
        ROLE.storageQueueDataContributor,
        ROLE.storageTableDataContributor,
      ]) {
        expect(grants.get(role)).toBe(
          "[resourceId('Microsoft.Storage/storageAccounts', parameters('hostStorageAccountName'))]",
        );
      }
      // The account the roles are granted on is the one the host and the deployment container use.
      const account = "[variables('names').hostStorage]";
      expect(moduleOf(main, 'appRoles').properties.parameters.hostStorageAccountName.value).toBe(account);
      expect(moduleOf(main, 'hostStorage').properties.parameters.name.value).toBe(account);
      expect(moduleOf(main, 'functionApp').properties.parameters.hostStorageAccountName.value).toBe(
        "[reference('hostStorage').outputs.name.value]",
      );
      expect(moduleTemplate(main, 'hostStorage').outputs?.name?.value).toBe("[parameters('name')]");
    });

    it("scopes the report writer and the deployer's reader to the reports container only", () => {
      const container =
        "[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', parameters('reportsStorageAccountName'), 'default', parameters('reportsContainerName'))]";
      expect(grants.get(ROLE.storageBlobDataContributor)).toBe(container);
      expect(grants.get(ROLE.storageBlobDataReader)).toBe(container);
      const roles = moduleOf(main, 'appRoles').properties.parameters;
      expect(resolveVariable(main, roles.reportsContainerName.value)).toBe('reports');
      expect(roles.reportsStorageAccountName.value).toBe(
        moduleOf(main, 'reportsStorage').properties.parameters.name.value,
      );
      // The deployer: azd's AZURE_PRINCIPAL_ID; nothing when it is empty.
      expect(roles.reportsReaderPrincipalId).toBe(
        "[if(empty(parameters('deployerPrincipalId')), createObject('value', null()), createObject('value', parameters('deployerPrincipalId')))]",
      );
      const file = JSON.parse(read('infra/main.parameters.json')).parameters;
      expect(file.deployerPrincipalId.value).toBe(`$${'{'}AZURE_PRINCIPAL_ID=}`);
    });

    it('lets the identity sign report links (Storage Blob Delegator on the reports account, which reads no data)', () => {
      expect(grants.get(ROLE.storageBlobDelegator)).toBe(
        "[resourceId('Microsoft.Storage/storageAccounts', parameters('reportsStorageAccountName'))]",
      );
      expect(moduleOf(main, 'appRoles').properties.parameters.grantReportLinkDelegation.value).toBe(true);
    });

    it('scopes Key Vault Secrets User to the webhook secret and the metrics publisher to Application Insights', () => {
      expect(grants.get(ROLE.keyVaultSecretsUser)).toBe(
        "[resourceId('Microsoft.KeyVault/vaults/secrets', parameters('keyVaultName'), parameters('keyVaultSecretName'))]",
      );
      expect(grants.get(ROLE.monitoringMetricsPublisher)).toBe(
        "[resourceId('Microsoft.Insights/components', parameters('applicationInsightsName'))]",
      );
    });

    it('scopes AKS Cluster User, Kubernetes read and exec to the cluster, and capture to the capture namespace', () => {
      const clusterScope =
        "[resourceId('Microsoft.ContainerService/managedClusters', parameters('managedClusterName'))]";
      expect(grants.get(ROLE.aksClusterUser)).toBe(clusterScope);
      expect(grants.get("parameters('kubernetesReadRoleDefinitionName')")).toBe(clusterScope);
      expect(grants.get("parameters('kubernetesExecRoleDefinitionName')")).toBe(clusterScope);
      // `<cluster id>/namespaces/<name>`: Azure RBAC for Kubernetes' namespace scope.
      expect(grants.get("parameters('kubernetesCaptureRoleDefinitionName')")).toBe(
        "[resourceId('Microsoft.ContainerService/managedClusters/namespaces', parameters('managedClusterName'), coalesce(parameters('captureNamespace'), 'snat-responder'))]",
      );
      const params = moduleOf(clusters, 'clusterRoles').properties.parameters;
      expect(params.managedClusterName.value).toBe("[variables('targets')[copyIndex()].name]");
      expect(params.captureNamespace.value).toBe("[parameters('captureNamespace')]");
      expect(params.kubernetesExecRoleDefinitionName).toBe(
        "[if(and(parameters('useAzureRbacForKubernetes'), parameters('allowPodExec')), createObject('value', variables('kubernetesRoles').exec.name), createObject('value', null()))]",
      );
      expect(params.hostStorageAccountName).toBeUndefined();
    });

    it('grants Monitoring Reader on each cluster subscription (lockdown refuses assignments in MC_*)', () => {
      const template = moduleTemplate(clusters, 'subscriptionRoles');
      const [, assignment] = onlyResource(template, 'Microsoft.Authorization/roleAssignments');
      expect(grantedRoleIds(template, assignment)).toEqual([ROLE.monitoringReader]);
      expect(assignment.scope).toBeUndefined();
      expect((template as unknown as { $schema: string }).$schema).toContain('subscriptionDeploymentTemplate');
      expect(Object.keys(moduleOf(clusters, 'subscriptionRoles').properties.parameters)).toEqual(['principalId']);
    });
  });

  describe('kubernetes custom roles', () => {
    const roleVariables = (clusters.variables?.kubernetesRoles ?? {}) as Record<string, { dataActions: string[] }>;

    it('split read (cluster), capture (namespace) and exec (opt-in), with data actions only', () => {
      for (const [key, expected] of Object.entries(EXPECTED_DATA_ACTIONS)) {
        expect([...(roleVariables[key]?.dataActions ?? [])].sort(), key).toEqual([...expected].sort());
      }
      const template = moduleTemplate(clusters, 'kubernetesReadRole');
      const [, role] = onlyResource(template, 'Microsoft.Authorization/roleDefinitions');
      const [permission] = role.properties.permissions;
      expect(permission.dataActions).toBe("[parameters('dataActions')]");
      expect(permission.actions).toEqual([]);
      expect(permission.notActions).toEqual([]);
      expect(permission.notDataActions).toEqual([]);
      expect(role.properties.type).toBe('CustomRole');
    });

    it('grants write and exec nowhere at cluster scope except exec when allowPodExec is on (default off)', () => {
      expect(roleVariables.read?.dataActions.every((a) => a.endsWith('/read'))).toBe(true);
      expect(clusters.parameters?.allowPodExec?.defaultValue).toBe(false);
      expect(main.parameters?.allowPodExec?.defaultValue).toBe(false);
      expect(moduleOf(clusters, 'kubernetesExecRole').condition).toBe(
        "[and(variables('defineKubernetesRoles'), parameters('allowPodExec'))]",
      );
    });

    it("are assignable only in the target clusters' resource groups and created only when needed", () => {
      for (const symbol of ['kubernetesReadRole', 'kubernetesCaptureRole']) {
        const module = moduleOf(clusters, symbol);
        expect(module.condition, symbol).toBe("[variables('defineKubernetesRoles')]");
        expect(module.properties.parameters.assignableScopes.value).toBe("[variables('clusterResourceGroupIds')]");
      }
      expect(clusters.variables?.defineKubernetesRoles).toBe(
        "[and(parameters('useAzureRbacForKubernetes'), not(empty(parameters('clusters'))))]",
      );
    });

    it('match the Kubernetes RBAC rules in infra/k8s/ (default set) and infra/k8s/optional/ (exec)', () => {
      const rulesIn = (dir: string) =>
        readdirSync(dir)
          .filter((f) => /\.ya?ml$/.test(f))
          .flatMap((f) => loadAllYaml(readFileSync(path.join(dir, f), 'utf8')) as Array<Record<string, unknown>>)
          .filter((d) => d.kind === 'Role' || d.kind === 'ClusterRole')
          .flatMap((d) => d.rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>);
      // The AKS authorization webhook's mapping: verb -> read|write|delete, except pods/exec -> pods/exec/action;
      // other subresources (pods/log) check their parent resource's action.
      const verbAction: Record<string, string> = {
        get: 'read',
        list: 'read',
        watch: 'read',
        create: 'write',
        update: 'write',
        patch: 'write',
        delete: 'delete',
      };
      const mapped = (rules: ReturnType<typeof rulesIn>) => {
        const actions = new Set<string>();
        for (const rule of rules) {
          for (const group of rule.apiGroups) {
            for (const resource of rule.resources) {
              for (const verb of rule.verbs) {
                const [base, sub] = resource.split('/');
                const action = base === 'pods' && sub === 'exec' ? 'pods/exec/action' : `${base}/${verbAction[verb]}`;
                actions.add([MC, group, action].filter(Boolean).join('/'));
              }
            }
          }
        }
        return actions;
      };
      const k8s = path.join(repoRoot, 'infra/k8s');
      const azureDefault = new Set([...EXPECTED_DATA_ACTIONS.read, ...EXPECTED_DATA_ACTIONS.capture]);
      const manifestDefault = mapped(rulesIn(k8s));
      expect(manifestDefault.size).toBeGreaterThan(0);
      // Everything the manifests allow maps to one of the Azure roles (pods/exec only to the opt-in exec role).
      const azureAll = [...azureDefault, ...EXPECTED_DATA_ACTIONS.exec];
      for (const action of manifestDefault) expect(azureAll, action).toContain(action);
      const optional = path.join(k8s, 'optional');
      if (existsSync(optional)) {
        for (const action of mapped(rulesIn(optional))) {
          expect(azureAll, action).toContain(action);
        }
      }
    });
  });

  describe('alerting', () => {
    const actionGroupTemplate = bicep ? moduleTemplate(main, 'actionGroup') : main;

    it('calls the function with the common alert schema: a function key or Entra ID, never listKeys', () => {
      const [, group] = onlyResource(actionGroupTemplate, 'Microsoft.Insights/actionGroups');
      expect(group.properties.webhookReceivers).toHaveLength(1);
      const [receiver] = group.properties.webhookReceivers;
      expect(receiver).toBe(
        "[if(variables('useEntra'), createObject('name', 'snat-responder', 'serviceUri', variables('webhookUrlWithKey'), 'useCommonAlertSchema', true(), 'useAadAuth', true(), 'objectId', parameters('entraApplicationObjectId'), 'identifierUri', parameters('entraIdentifierUri'), 'tenantId', tenant().tenantId), createObject('name', 'snat-responder', 'serviceUri', variables('webhookUrlWithKey'), 'useCommonAlertSchema', true(), 'useAadAuth', false()))]",
      );
      expect(actionGroupTemplate.variables?.webhookUrlWithKey).toBe(
        "[format('{0}?code={1}', variables('webhookUrl'), parameters('alertFunctionKey'))]",
      );
      expect(actionGroupTemplate.parameters?.alertFunctionKey?.type).toBe('securestring');
      expect(actionGroupTemplate.parameters?.alertFunctionRoute?.defaultValue).toBe('alerts');
      expect(JSON.stringify([main, clusters])).not.toMatch(/listKeys|host\/default/);
      // The key comes from the azd environment (the preprovision hook creates it), never a literal.
      const file = JSON.parse(read('infra/main.parameters.json')).parameters;
      expect(file.alertWebhookKey.value).toBe(`$${'{'}SNAT_ALERT_WEBHOOK_KEY=}`);
      expect(main.parameters?.alertWebhookKey?.type).toBe('securestring');
      expect(read('azure.yaml')).toMatch(/preprovision:[\s\S]*clusters\.mjs prepare/);
      expect(read('azure.yaml')).toMatch(/postdeploy:[\s\S]*clusters\.mjs publish-key/);
    });

    it('with an Entra app registration, also sends Entra tokens, which App Service Authentication requires', () => {
      const passed = moduleOf(main, 'actionGroup').properties.parameters;
      // The function key stays in the URL (the function's own authLevel); the token is required on top.
      expect(passed.alertFunctionKey.value).toBe("[parameters('alertWebhookKey')]");
      expect(main.variables?.useEntraWebhook).toBe("[not(empty(parameters('webhookEntraClientId')))]");
      const [, auth] = onlyResource(functionTemplate, 'Microsoft.Web/sites/config');
      expect(auth.condition).toBe("[not(equals(parameters('entraClientId'), null()))]");
      expect(auth.properties.globalValidation).toEqual({
        requireAuthentication: true,
        unauthenticatedClientAction: 'Return401',
      });
      expect(auth.properties.identityProviders.azureActiveDirectory.registration.clientId).toBe(
        "[parameters('entraClientId')]",
      );
    });

    it('sets ALLOWED_ALERT_RULE_IDS to the rules this deployment creates, named as clusters.bicep names them', () => {
      expect(moduleOf(main, 'functionApp').properties.parameters.allowedAlertRuleIds.value).toBe(
        "[union(variables('createdAlertRuleIds'), parameters('allowedAlertRuleIds'))]",
      );
      const created = String(main.variables?.createdAlertRuleIds);
      const alerts = moduleTemplate(clusters, 'snatAlerts');
      const names = resourcesOf(alerts)
        .filter(([, r]) => r.type === 'Microsoft.Insights/metricAlerts')
        .map(([, r]) => r.name);
      expect(names.sort()).toEqual([
        "[__bicep.failedConnectionsAlertName(parameters('clusterResourceId'))]",
        "[__bicep.usedPortsAlertName(parameters('clusterResourceId'))]",
      ]);
      expect(created).toContain("__bicep.usedPortsAlertName(lambdaVariables('c').resourceId)");
      expect(created).toContain("__bicep.failedConnectionsAlertName(lambdaVariables('c').resourceId)");
      expect(created).toContain("'Microsoft.Insights/scheduledQueryRules', variables('names').healthEventRule");
      // One function definition, shared (same body in both templates).
      const fn = (t: ArmTemplate) =>
        JSON.stringify((t as unknown as { functions: unknown }).functions).replaceAll('../types.bicep', 'types.bicep');
      expect(fn(alerts)).toBe(fn(main));
      expect(moduleOf(clusters, 'snatAlerts').properties.parameters.clusterResourceId.value).toBe(
        "[variables('targets')[copyIndex()].resourceId]",
      );
    });

    it('never exposes a key in any output', () => {
      for (const { template, modulePath } of [...allTemplates(main), ...allTemplates(clusters, ['clusters'])]) {
        for (const [name, output] of Object.entries(template.outputs ?? {})) {
          expect(JSON.stringify(output), [...modulePath, name].join('.')).not.toMatch(
            /list[A-Z]\w*\(|secureString|alertWebhookKey|alertFunctionKey/i,
          );
        }
      }
    });

    const alertsTemplate = bicep ? moduleTemplate(clusters, 'snatAlerts') : empty;
    const metricAlerts = resourcesOf(alertsTemplate).filter(([, r]) => r.type === 'Microsoft.Insights/metricAlerts');

    it("watches the cluster's `kubernetes` load balancer, every minute over 5 minutes, severity 1, auto-mitigated", () => {
      expect(metricAlerts.map(([s]) => s).sort()).toEqual(['failedSnatConnections', 'usedSnatPorts']);
      expect(alertsTemplate.parameters?.loadBalancerName?.defaultValue).toBe('kubernetes');
      for (const [symbol, alert] of metricAlerts) {
        expect(alert.properties.scopes, symbol).toEqual([
          "[extensionResourceId(format('/subscriptions/{0}/resourceGroups/{1}', parameters('clusterSubscriptionId'), parameters('nodeResourceGroup')), 'Microsoft.Network/loadBalancers', parameters('loadBalancerName'))]",
        ]);
        expect(alert.properties.evaluationFrequency, symbol).toBe('PT1M');
        expect(alert.properties.windowSize, symbol).toBe('PT5M');
        expect(alert.properties.severity, symbol).toBe(1);
        expect(alert.properties.autoMitigate, symbol).toBe(true);
        expect(alert.properties.actions, symbol).toEqual([{ actionGroupId: "[parameters('actionGroupResourceId')]" }]);
      }
      expect(moduleOf(clusters, 'snatAlerts').properties.parameters.actionGroupResourceId.value).toBe(
        "[parameters('actionGroupResourceId')]",
      );
      // main hands the action group to the cluster-side deployment through its azd outputs.
      expect(main.outputs?.AZURE_ACTION_GROUP_ID?.value).toBe("[reference('actionGroup').outputs.resourceId.value]");
    });

    it("fires on average UsedSnatPorts above each cluster's own threshold, split by BackendIPAddress", () => {
      const alert = metricAlerts.find(([s]) => s === 'usedSnatPorts')?.[1] as ArmResource;
      expect(alert.properties.criteria['odata.type']).toBe(
        'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria',
      );
      const [criterion] = alert.properties.criteria.allOf;
      expect(criterion).toMatchObject({
        metricNamespace: 'Microsoft.Network/loadBalancers',
        metricName: 'UsedSnatPorts',
        timeAggregation: 'Average',
        operator: 'GreaterThan',
        threshold: "[parameters('usedSnatPortsThreshold')]",
        dimensions: [{ name: 'BackendIPAddress', operator: 'Include', values: ['*'] }],
      });
      expect(moduleOf(clusters, 'snatAlerts').properties.parameters.usedSnatPortsThreshold.value).toBe(
        "[variables('targets')[copyIndex()].usedSnatPortsThreshold]",
      );
      // The percentage is main's parameter (default 80); the hook turns it into per-cluster thresholds.
      expect(main.parameters?.snatUsedPortsPercent?.defaultValue).toBe(80);
      expect(main.outputs?.SNAT_USED_PORTS_PERCENT?.value).toBe("[parameters('snatUsedPortsPercent')]");
      expect(main.parameters?.snatUsedPortsThreshold).toBeUndefined();
      expect(
        Object.keys(
          main.definitions?.clusterWiringType?.properties ?? clusters.definitions?.clusterWiringType?.properties ?? {},
        ).sort(),
      ).toEqual(['allocatedPortsPerNode', 'nodeResourceGroup', 'resourceId', 'usedSnatPortsThreshold']);
    });

    it('fires on any failed SNAT connection (SnatConnectionCount Total, ConnectionState failed)', () => {
      const alert = metricAlerts.find(([s]) => s === 'failedSnatConnections')?.[1] as ArmResource;
      const [criterion] = alert.properties.criteria.allOf;
      expect(criterion).toMatchObject({
        metricName: 'SnatConnectionCount',
        timeAggregation: 'Total',
        operator: 'GreaterThan',
        threshold: 0,
      });
      expect(criterion.dimensions).toEqual([
        { name: 'ConnectionState', operator: 'Include', values: ['failed'] },
        { name: 'BackendIPAddress', operator: 'Include', values: ['*'] },
      ]);
    });

    it('adds the ALBHealthEvent log alert and the diagnostic settings only when enabled (default off)', () => {
      expect(main.parameters?.enableSnatHealthEventAlert?.defaultValue).toBe(false);
      expect(moduleOf(main, 'healthEventAlert').condition).toBe("[parameters('enableSnatHealthEventAlert')]");
      const [, rule] = onlyResource(moduleTemplate(main, 'healthEventAlert'), 'Microsoft.Insights/scheduledQueryRules');
      expect(rule.properties.criteria.allOf[0].query).toContain('ALBHealthEvent');
      expect(rule.properties.criteria.allOf[0].query).toContain('HealthEventType == "SnatPortExhaustion"');
      // Split by load balancer and node IP, the dimensions the alert intake reads (docs/alerts.md).
      expect(rule.properties.criteria.allOf[0].dimensions.map((d: { name: string }) => d.name)).toEqual([
        'LoadBalancerResourceId',
        'BackendIP',
      ]);
      expect(rule.properties.actions.actionGroups).toEqual(["[parameters('actionGroupResourceId')]"]);
      const [, diagnostics] = onlyResource(
        moduleTemplate(clusters, 'healthEvents'),
        'Microsoft.Insights/diagnosticSettings',
      );
      expect(diagnostics.properties.logs).toEqual([{ category: 'LoadBalancerHealthEvent', enabled: true }]);
    });
  });

  describe('region, network and report links', () => {
    it('limits the region to Flex Consumption regions and lets azd prompt for it', () => {
      const location = main.parameters?.location as ArmParameter & {
        allowedValues?: string[];
        metadata?: { azd?: unknown };
      };
      expect(location.allowedValues).toEqual(expect.arrayContaining(['westeurope', 'eastus', 'swedencentral']));
      expect(location.allowedValues?.every((r) => /^[a-z0-9]+$/.test(r))).toBe(true);
      expect(location.metadata?.azd).toEqual({ type: 'location' });
    });

    it('integrates with a VNet only when vnetEnabled (default off): delegated subnet, NAT gateway, DNS links', () => {
      expect(main.parameters?.vnetEnabled?.defaultValue).toBe(false);
      expect(moduleOf(main, 'network').condition).toBe("[parameters('vnetEnabled')]");
      expect(site.properties.virtualNetworkSubnetId).toBe("[parameters('virtualNetworkSubnetId')]");
      const network = moduleTemplate(main, 'network');
      const [, vnet] = onlyResource(network, 'Microsoft.Network/virtualNetworks');
      const [subnet] = vnet.properties.subnets;
      expect(subnet.properties.delegations[0].properties.serviceName).toBe('Microsoft.App/environments');
      expect(subnet.properties.natGateway).toEqual({
        id: "[resourceId('Microsoft.Network/natGateways', format('ng-{0}', parameters('name')))]",
      });
      const [, ip] = onlyResource(network, 'Microsoft.Network/publicIPAddresses');
      expect(ip.properties.publicIPAllocationMethod).toBe('Static');
      expect(main.outputs?.SNAT_EGRESS_IP?.value).toBe(
        "[if(parameters('vnetEnabled'), reference('network').outputs.egressIpAddress.value, '')]",
      );
    });

    it('passes the report link lifetime (default 72 hours, at most 168) to the app', () => {
      const p = main.parameters?.reportLinkExpiryHours as ArmParameter & { maxValue?: number };
      expect(p.defaultValue).toBe(72);
      expect(p.maxValue).toBe(168);
      expect(setting('REPORT_LINK_EXPIRY_HOURS')).toBe("[string(parameters('reportLinkExpiryHours'))]");
      expect(setting('ALLOW_POD_EXEC')).toBe("[string(parameters('allowPodExec'))]");
    });

    it('turns the proactive watch on for the target clusters by default, every 5 minutes', () => {
      expect(main.parameters?.proactiveWatch?.defaultValue).toBe(true);
      expect(main.parameters?.proactiveScanMinutes?.defaultValue).toBe(5);
      const passed = moduleOf(main, 'functionApp').properties.parameters;
      expect(passed.proactiveClusterIds).toBe(
        "[if(parameters('proactiveWatch'), createObject('value', map(parameters('targetClusters'), lambda('c', lambdaVariables('c').resourceId))), createObject('value', createArray()))]",
      );
      expect(setting('PROACTIVE_CLUSTER_IDS')).toBe("[join(parameters('proactiveClusterIds'), ',')]");
      expect(setting('PROACTIVE_SCAN_MINUTES')).toBe("[string(parameters('proactiveScanMinutes'))]");
    });
  });

  describe('declarations (AVM style)', () => {
    const prefix = /^(Required|Optional|Conditional)\. .+\.$/s;

    it('describes every parameter and output of every template as Required./Optional./Conditional. ... .', () => {
      for (const { template, modulePath } of [...allTemplates(main), ...allTemplates(clusters, ['clusters'])]) {
        const where = modulePath.join('.') || 'main';
        for (const [name, p] of Object.entries(template.parameters ?? {})) {
          expect(p.metadata?.description ?? '', `${where} param ${name}`).toMatch(prefix);
        }
        for (const [name, o] of Object.entries(template.outputs ?? {})) {
          expect(o.metadata?.description ?? '', `${where} output ${name}`).toMatch(prefix);
        }
      }
    });

    it('outputs name and resourceId from every module (and principalId from the identity)', () => {
      for (const [symbol, r] of [...resourcesOf(main), ...resourcesOf(clusters)]) {
        if (r.type !== 'Microsoft.Resources/deployments') continue;
        const outputs = Object.keys((r.properties.template as ArmTemplate).outputs ?? {});
        expect(outputs, symbol).toEqual(expect.arrayContaining(['name', 'resourceId']));
      }
      expect(Object.keys(moduleTemplate(main, 'identity').outputs ?? {})).toEqual(
        expect.arrayContaining(['principalId', 'clientId']),
      );
    });

    it('outputs UPPER_SNAKE names only at the top level, including the ones azd and the docs use', () => {
      const names = Object.keys(main.outputs ?? {});
      for (const name of names) expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(names).toEqual(
        expect.arrayContaining([
          'AZURE_FUNCTION_APP_NAME',
          'AZURE_RESOURCE_GROUP',
          'REPORTS_CONTAINER_URL',
          'AZURE_MANAGED_IDENTITY_PRINCIPAL_ID',
          'AZURE_CLIENT_ID',
        ]),
      );
    });

    it('types targetClusters as targetClusterType { resourceId, nodeResourceGroup?, maxNodes? }', () => {
      expect(main.parameters?.targetClusters?.items?.$ref).toBe('#/definitions/targetClusterType');
      const properties = main.definitions?.targetClusterType?.properties ?? {};
      expect(Object.keys(properties).sort()).toEqual(['maxNodes', 'nodeResourceGroup', 'resourceId']);
      expect(properties.nodeResourceGroup?.nullable).toBe(true);
      expect(properties.maxNodes?.nullable).toBe(true);
    });
  });
});
