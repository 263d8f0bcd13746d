import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
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
} as const;

const read = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8');

const EXPECTED_DATA_ACTIONS = [
  'Microsoft.ContainerService/managedClusters/nodes/read',
  'Microsoft.ContainerService/managedClusters/namespaces/read',
  'Microsoft.ContainerService/managedClusters/pods/read',
  'Microsoft.ContainerService/managedClusters/pods/exec/action',
  'Microsoft.ContainerService/managedClusters/batch/jobs/read',
  'Microsoft.ContainerService/managedClusters/batch/jobs/write',
  'Microsoft.ContainerService/managedClusters/batch/jobs/delete',
];

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
        /postprovision:[\s\S]*clusters\.ts provision[\s\S]*predown:[\s\S]*clusters\.ts down/,
      );
    });

    it('puts role assignments and alerts of each cluster in its own and its node resource group', () => {
      const loops = clusters.variables?.copy as Array<{ name: string; input: Record<string, string> }>;
      const input = loops.find((c) => c.name === 'clusters')?.input ?? {};
      expect(input.subscriptionId).toBe(
        "[split(parameters('targetClusters')[copyIndex('clusters')].resourceId, '/')[2]]",
      );
      expect(input.resourceGroup).toBe(
        "[split(parameters('targetClusters')[copyIndex('clusters')].resourceId, '/')[4]]",
      );
      expect(input.nodeResourceGroup).toBe("[parameters('targetClusters')[copyIndex('clusters')].nodeResourceGroup]");

      const clusterRoles = moduleOf(clusters, 'clusterRoles');
      expect(clusterRoles.resourceGroup).toBe("[variables('clusters')[copyIndex()].resourceGroup]");
      expect(clusterRoles.subscriptionId).toBe("[variables('clusters')[copyIndex()].subscriptionId]");
      for (const symbol of ['nodeResourceGroupRoles', 'snatAlerts']) {
        const module = moduleOf(clusters, symbol);
        expect(module.resourceGroup, symbol).toBe("[variables('clusters')[copyIndex()].nodeResourceGroup]");
        expect(module.subscriptionId, symbol).toBe("[variables('clusters')[copyIndex()].subscriptionId]");
      }
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

    it('configures Node 22, 2048 MB instances, an always-ready durable instance and identity-based deployment', () => {
      const config = site.properties.functionAppConfig;
      expect(config.runtime).toEqual({ name: 'node', version: '22' });
      expect(config.scaleAndConcurrency.alwaysReady).toEqual([{ name: 'durable', instanceCount: 1 }]);
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

    it('all live in one module (one compiled template) and none in main', () => {
      expect(assignments.length).toBeGreaterThan(0);
      const hashes = new Set(assignments.map((a) => a.template.metadata?._generator?.templateHash));
      expect(hashes.size).toBe(1);
      expect(assignments.every((a) => a.modulePath.length === 1)).toBe(true);
      expect(new Set(assignments.map((a) => a.modulePath[0]))).toEqual(
        new Set(['appRoles', 'clusterRoles', 'nodeResourceGroupRoles']),
      );
    });

    const rolesTemplate = bicep ? moduleTemplate(main, 'appRoles') : main;
    const roleResources = resourcesOf(rolesTemplate).filter(
      ([, r]) => r.type === 'Microsoft.Authorization/roleAssignments',
    );

    it('names each guid(scope, principalId, roleDefinitionId) with principalType ServicePrincipal', () => {
      for (const [symbol, r] of roleResources) {
        const scope = r.scope ? r.scope.slice(1, -1) : 'resourceGroup().id';
        const roleDefinition = String(r.properties.roleDefinitionId).slice(1, -1);
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
      expect([...grants.keys()].sort()).toEqual(
        [...Object.values(ROLE), "parameters('kubernetesRoleDefinitionName')"].sort(),
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

    it('scopes the report writer to the reports container only', () => {
      expect(grants.get(ROLE.storageBlobDataContributor)).toBe(
        "[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', parameters('reportsStorageAccountName'), 'default', parameters('reportsContainerName'))]",
      );
      const roles = moduleOf(main, 'appRoles').properties.parameters;
      expect(resolveVariable(main, roles.reportsContainerName.value)).toBe('reports');
      expect(roles.reportsStorageAccountName.value).toBe(
        moduleOf(main, 'reportsStorage').properties.parameters.name.value,
      );
    });

    it('scopes Key Vault Secrets User to the webhook secret and the metrics publisher to Application Insights', () => {
      expect(grants.get(ROLE.keyVaultSecretsUser)).toBe(
        "[resourceId('Microsoft.KeyVault/vaults/secrets', parameters('keyVaultName'), parameters('keyVaultSecretName'))]",
      );
      expect(grants.get(ROLE.monitoringMetricsPublisher)).toBe(
        "[resourceId('Microsoft.Insights/components', parameters('applicationInsightsName'))]",
      );
    });

    it('scopes AKS Cluster User and the Kubernetes data-action role to the cluster', () => {
      const clusterScope =
        "[resourceId('Microsoft.ContainerService/managedClusters', parameters('managedClusterName'))]";
      expect(grants.get(ROLE.aksClusterUser)).toBe(clusterScope);
      expect(grants.get("parameters('kubernetesRoleDefinitionName')")).toBe(clusterScope);
      const params = moduleOf(clusters, 'clusterRoles').properties.parameters;
      expect(params.managedClusterName.value).toBe("[variables('clusters')[copyIndex()].name]");
      expect(params.hostStorageAccountName).toBeUndefined();
      expect(params.grantMonitoringReaderOnResourceGroup).toBeUndefined();
    });

    it('grants Monitoring Reader on the node resource group and nothing else there', () => {
      expect(grants.get(ROLE.monitoringReader)).toBe('(resource group)');
      const params = moduleOf(clusters, 'nodeResourceGroupRoles').properties.parameters;
      expect(Object.keys(params).sort()).toEqual(['grantMonitoringReaderOnResourceGroup', 'principalId']);
      expect(params.grantMonitoringReaderOnResourceGroup.value).toBe(true);
      const monitoringReader = roleResources.find(([s]) => s === 'monitoringReader')?.[1];
      expect(monitoringReader?.condition).toBe("[parameters('grantMonitoringReaderOnResourceGroup')]");
    });
  });

  describe('kubernetes custom role', () => {
    const template = bicep ? moduleTemplate(clusters, 'kubernetesRole') : empty;
    const role = bicep ? onlyResource(template, 'Microsoft.Authorization/roleDefinitions')[1] : ({} as ArmResource);

    it('holds exactly the data actions the responder uses, and no control-plane actions', () => {
      expect(role.properties.permissions).toHaveLength(1);
      const [permission] = role.properties.permissions;
      expect([...permission.dataActions].sort()).toEqual([...EXPECTED_DATA_ACTIONS].sort());
      expect(permission.actions).toEqual([]);
      expect(permission.notActions).toEqual([]);
      expect(permission.notDataActions).toEqual([]);
      expect(role.properties.type).toBe('CustomRole');
    });

    it("is assignable only in the target clusters' resource groups and created only when needed", () => {
      const module = moduleOf(clusters, 'kubernetesRole');
      expect(module.condition).toBe(
        "[and(parameters('useAzureRbacForKubernetes'), not(empty(parameters('targetClusters'))))]",
      );
      expect(module.properties.parameters.assignableScopes.value).toBe("[variables('clusterResourceGroupIds')]");
    });

    it('matches the Kubernetes RBAC rules in infra/k8s/ (the alternative to Azure RBAC)', () => {
      const dir = path.join(repoRoot, 'infra/k8s');
      const documents = readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .flatMap((f) => loadAllYaml(readFileSync(path.join(dir, f), 'utf8')) as Array<Record<string, unknown>>);
      const rules = documents
        .filter((d) => d.kind === 'Role' || d.kind === 'ClusterRole')
        .flatMap((d) => d.rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>);
      expect(rules.length).toBeGreaterThan(0);
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
      const mapped = new Set<string>();
      for (const rule of rules) {
        for (const group of rule.apiGroups) {
          for (const resource of rule.resources) {
            for (const verb of rule.verbs) {
              const [base, sub] = resource.split('/');
              const action = base === 'pods' && sub === 'exec' ? 'pods/exec/action' : `${base}/${verbAction[verb]}`;
              mapped.add(['Microsoft.ContainerService/managedClusters', group, action].filter(Boolean).join('/'));
            }
          }
        }
      }
      expect([...mapped].sort()).toEqual([...EXPECTED_DATA_ACTIONS].sort());
    });
  });

  describe('alerting', () => {
    const actionGroupTemplate = bicep ? moduleTemplate(main, 'actionGroup') : main;

    it('calls the function with the common alert schema and the host key from listKeys', () => {
      const [, group] = onlyResource(actionGroupTemplate, 'Microsoft.Insights/actionGroups');
      expect(group.properties.webhookReceivers).toHaveLength(1);
      const [receiver] = group.properties.webhookReceivers;
      expect(receiver.useCommonAlertSchema).toBe(true);
      expect(receiver.serviceUri).toBe(
        "[format('https://{0}/api/{1}?code={2}', reference(resourceId('Microsoft.Web/sites', parameters('functionAppName')), '2025-03-01').defaultHostName, parameters('alertFunctionRoute'), listKeys(format('{0}/host/default', resourceId('Microsoft.Web/sites', parameters('functionAppName'))), '2025-03-01').functionKeys.default)]",
      );
      expect(actionGroupTemplate.parameters?.alertFunctionRoute?.defaultValue).toBe('alerts');
    });

    it('never exposes a key in any output', () => {
      for (const { template, modulePath } of [...allTemplates(main), ...allTemplates(clusters, ['clusters'])]) {
        for (const [name, output] of Object.entries(template.outputs ?? {})) {
          expect(JSON.stringify(output), [...modulePath, name].join('.')).not.toMatch(/list[A-Z]\w*\(|secureString/i);
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
          "[resourceId('Microsoft.Network/loadBalancers', parameters('loadBalancerName'))]",
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

    it('fires on average UsedSnatPorts above the threshold (default 900), split by BackendIPAddress', () => {
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
      expect(main.parameters?.snatUsedPortsThreshold?.defaultValue).toBe(900);
      expect(main.outputs?.SNAT_USED_PORTS_THRESHOLD?.value).toBe("[parameters('snatUsedPortsThreshold')]");
      expect(clusters.parameters?.snatUsedPortsThreshold?.defaultValue).toBe(900);
      expect(moduleOf(clusters, 'snatAlerts').properties.parameters.usedSnatPortsThreshold.value).toBe(
        "[parameters('snatUsedPortsThreshold')]",
      );
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

    it('adds the ALBHealthEvent log alert only when enabled (default off)', () => {
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
      const [, diagnostics] = onlyResource(alertsTemplate, 'Microsoft.Insights/diagnosticSettings');
      expect(diagnostics.condition).toBe("[not(equals(parameters('healthEventWorkspaceResourceId'), null()))]");
      expect(diagnostics.properties.logs).toEqual([{ category: 'LoadBalancerHealthEvent', enabled: true }]);
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

    it('types targetClusters as targetClusterType { resourceId, nodeResourceGroup }', () => {
      expect(main.parameters?.targetClusters?.items?.$ref).toBe('#/definitions/targetClusterType');
      expect(Object.keys(main.definitions?.targetClusterType?.properties ?? {}).sort()).toEqual([
        'nodeResourceGroup',
        'resourceId',
      ]);
    });
  });
});
