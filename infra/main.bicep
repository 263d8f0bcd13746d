// snat-responder: the app `azd up` provisions, all in its own resource group (subscription scope so the
// deployment can create that group). Nothing here touches the target clusters' resource groups: `azd down`
// deletes every resource group its deployment contains, so the cluster-side role assignments and the alerts (whose
// thresholds come from each cluster) live in infra/clusters.bicep, deployed and removed as a deployment stack by the
// azd hooks (infra/hooks/clusters.mjs). The alert rules themselves sit in this app's resource group.
targetScope = 'subscription'

metadata name = 'snat-responder'
metadata description = 'Finds the AKS pods that exhaust a node\'s outbound SNAT ports: alert -> Durable Functions investigation -> report in Blob Storage + Teams card.'

import { failedConnectionsAlertName, targetClusterType, usedPortsAlertName } from 'types.bicep'

@description('Required. azd environment name; names the resource group and seeds resource names.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Required. Azure region of the app\'s resources: one that offers the Flex Consumption plan (`az functionapp list-flexconsumption-locations`).')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Optional. Resource group of the app; null or empty means rg-<environmentName>.')
param resourceGroupName string?

@description('Optional. AKS clusters to watch: metric alerts on each outbound load balancer and the identity\'s access to each cluster.')
param targetClusters targetClusterType[] = []

@description('Required. Teams Workflows webhook URL ("When a Teams webhook request is received"); stored in Key Vault only.')
@secure()
param teamsWebhookUrl string

@description('Optional. Seconds the node trace runs during an investigation (the range of src/config/ranges.ts).')
@minValue(5)
@maxValue(600)
param traceSeconds int = 60

@description('Optional. Minutes during which repeated alerts for one node start no new investigation.')
@minValue(1)
@maxValue(1440)
param cooldownMinutes int = 15

@description('Optional. Subscription ids whose alerts are accepted; empty means the target clusters\' subscriptions (all, when there are no target clusters).')
param allowedSubscriptionIds string[] = []

@description('Optional. Alert rule ids accepted besides the rules this deployment creates (ALLOWED_ALERT_RULE_IDS is always set to those).')
param allowedAlertRuleIds string[] = []

@description('Optional. Days a stored report (and its evidence) is kept before the lifecycle rule deletes it.')
@minValue(1)
@maxValue(3650)
param reportRetentionDays int = 90

@description('Optional. Percentage of each cluster\'s SNAT ports per node at which the UsedSnatPorts alert fires; the postprovision hook reads the allocation from the cluster.')
@minValue(1)
@maxValue(100)
param snatUsedPortsPercent int = 80

@description('Optional. Also alert on the load balancers\' SnatPortExhaustion health events: adds a diagnostic setting on each load balancer, a write in the node resource group that clusters with node-resource-group lockdown (AKS Automatic) refuse.')
param enableSnatHealthEventAlert bool = false

@description('Optional. Grant Kubernetes access through Azure RBAC for Kubernetes Authorization (custom role); set false when the clusters use Kubernetes RBAC bindings from infra/k8s/ instead.')
param useAzureRbacForKubernetes bool = true

@description('Optional. Kubernetes namespace where the capture Jobs run (must match infra/k8s/).')
@minLength(1)
@maxLength(63)
param captureNamespace string = 'snat-responder'

@description('Optional. Cluster-wide cap on concurrent node captures (the range of src/config/ranges.ts).')
@minValue(1)
@maxValue(50)
param maxConcurrentCaptures int = 3

@description('Optional. Public base URL under which reports are linked from Teams cards (your own front end); empty links each report with a signed read-only URL.')
param reportBaseUrl string = ''

@description('Optional. Resource id of an operations action group (e-mail, paging) for the self-monitoring alerts; null sends them to the alert action group, whose only receiver is the webhook.')
param opsActionGroupResourceId string?

@description('Optional. Hours a signed report link (user-delegation SAS, read-only, one blob) stays valid; at most 168 (7 days, the longest a user delegation key lives).')
@minValue(1)
@maxValue(168)
param reportLinkExpiryHours int = 72

@description('Optional. Let the responder exec netstat inside candidate pods (Kubernetes pods/exec rights); off by default, the node-side socket table is used instead.')
param allowPodExec bool = false

@description('Optional. Run the proactive SNAT watch on the target clusters: every proactiveScanMinutes it forecasts each node from the load balancer metrics and investigates nodes trending to exhaustion before any alert fires (PROACTIVE_CLUSTER_IDS).')
param proactiveWatch bool = true

@description('Optional. Minutes between two proactive scans (PROACTIVE_SCAN_MINUTES).')
@minValue(1)
@maxValue(60)
param proactiveScanMinutes int = 5

@description('Optional. Always-ready instances for the durable group; 0 (default) bills nothing while idle at the cost of a cold start when an alert arrives.')
@minValue(0)
@maxValue(5)
param alwaysReadyInstanceCount int = 0

@description('Optional. The alert function\'s own key, used in the action group\'s webhook URL (the preprovision hook creates SNAT_ALERT_WEBHOOK_KEY).')
@secure()
param alertWebhookKey string = ''

@description('Optional. Client (application) id of an Entra ID app registration for the secure webhook; with it, App Service Authentication guards every route and the action group sends Entra tokens besides the key.')
param webhookEntraClientId string = ''

@description('Conditional. Object id of that app registration (the action group\'s secure webhook). Required if webhookEntraClientId is set.')
param webhookEntraObjectId string = ''

@description('Conditional. Application ID URI of that app registration (the token audience). Required if webhookEntraClientId is set.')
param webhookEntraIdentifierUri string = ''

@description('Optional. Integrate the Function App with a new VNet: delegated subnet, NAT gateway with a static egress IP, private DNS links. Off by default.')
param vnetEnabled bool = false

@description('Optional. Address space of that VNet.')
param vnetAddressPrefix string = '10.240.0.0/24'

@description('Optional. Private DNS zones to link to that VNet (private clusters: the zone of the API server name); the cluster-side stack makes the links.')
param privateDnsZoneIds string[] = []

@description('Optional. Object id of the deployer (azd sets AZURE_PRINCIPAL_ID): Storage Blob Data Reader on the reports container; empty for none.')
param deployerPrincipalId string = ''

@description('Optional. Principal type of deployerPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param deployerPrincipalType string = 'User'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'snat-responder'
}
var reportsContainerName = 'reports'
var deploymentContainerName = 'deployment-package'
var teamsSecretName = 'teams-webhook-url'

// Resource ids look like /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}.
var clusterSubscriptionIds = union(map(targetClusters, c => split(c.resourceId, '/')[2]), [])
var names = {
  resourceGroup: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName!
  identity: 'id-${resourceToken}'
  logAnalytics: 'log-${resourceToken}'
  applicationInsights: 'appi-${resourceToken}'
  hostStorage: 'st${resourceToken}'
  reportsStorage: 'strpt${resourceToken}'
  keyVault: 'kv-${resourceToken}'
  functionApp: 'func-${resourceToken}'
  plan: 'plan-${resourceToken}'
  actionGroup: 'ag-${resourceToken}'
  network: resourceToken
  healthEventRule: 'snat-health-events-${resourceToken}'
}
// The alert rules the deployment creates, by the names infra/clusters.bicep gives them (types.bicep): the app
// accepts those and nothing else unless allowedAlertRuleIds adds more.
var createdAlertRuleIds = concat(
  flatten(map(
    targetClusters,
    c => [
      resourceId(subscription().subscriptionId, names.resourceGroup, 'Microsoft.Insights/metricAlerts', usedPortsAlertName(c.resourceId))
      resourceId(subscription().subscriptionId, names.resourceGroup, 'Microsoft.Insights/metricAlerts', failedConnectionsAlertName(c.resourceId))
    ]
  )),
  enableSnatHealthEventAlert
    ? [resourceId(subscription().subscriptionId, names.resourceGroup, 'Microsoft.Insights/scheduledQueryRules', names.healthEventRule)]
    : []
)
var useEntraWebhook = !empty(webhookEntraClientId)
// Names and ids known before the deployment starts are passed to modules instead of outputs, so what-if can
// predict the resources; the dependsOn entries below keep the order those outputs used to imply.
var logAnalyticsResourceId = resourceId(
  subscription().subscriptionId,
  names.resourceGroup,
  'Microsoft.OperationalInsights/workspaces',
  names.logAnalytics
)
// Default allowlist: the subscriptions the alerts come from (the clusters', plus this one for the log alert,
// whose rule lives next to the workspace). Without target clusters it stays empty, which accepts any subscription.
var effectiveAllowedSubscriptionIds = !empty(allowedSubscriptionIds)
  ? allowedSubscriptionIds
  : empty(clusterSubscriptionIds)
      ? []
      : union(clusterSubscriptionIds, enableSnatHealthEventAlert ? [subscription().subscriptionId] : [])

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
  }
}

module hostStorage 'modules/storage.bicep' = {
  name: 'host-storage'
  scope: rg
  params: {
    name: names.hostStorage
    location: location
    containerNames: [
      deploymentContainerName
    ]
    tags: tags
  }
}

module reportsStorage 'modules/storage.bicep' = {
  name: 'reports-storage'
  scope: rg
  params: {
    name: names.reportsStorage
    location: location
    containerNames: [
      reportsContainerName
    ]
    deleteAfterDays: reportRetentionDays
    lifecycleContainerName: reportsContainerName
    tags: tags
  }
}

module keyVault 'modules/keyVault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    secretName: teamsSecretName
    teamsWebhookUrl: teamsWebhookUrl
    tags: tags
  }
}

module network 'modules/network.bicep' = if (vnetEnabled) {
  name: 'network'
  scope: rg
  params: {
    name: names.network
    location: location
    addressPrefix: vnetAddressPrefix
    tags: tags
  }
}

module appRoles 'modules/roleAssignments.bicep' = {
  name: 'roles-app'
  scope: rg
  params: {
    // The principal id exists only once the identity does: role assignment names depend on it by design.
    #disable-next-line what-if-short-circuiting
    principalId: identity.outputs.principalId
    hostStorageAccountName: names.hostStorage
    reportsStorageAccountName: names.reportsStorage
    reportsContainerName: reportsContainerName
    grantReportLinkDelegation: true
    reportsReaderPrincipalId: empty(deployerPrincipalId) ? null : deployerPrincipalId
    reportsReaderPrincipalType: deployerPrincipalType
    keyVaultName: names.keyVault
    keyVaultSecretName: teamsSecretName
    applicationInsightsName: names.applicationInsights
  }
  dependsOn: [
    hostStorage
    reportsStorage
    keyVault
    monitoring
  ]
}

module functionApp 'modules/functionApp.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    hostStorageAccountName: hostStorage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: names.applicationInsights
    reportsAccountUrl: reportsStorage.outputs.blobEndpoint
    reportsContainerName: reportsContainerName
    teamsWebhookSecretUri: keyVault.outputs.secretUri
    traceSeconds: traceSeconds
    cooldownMinutes: cooldownMinutes
    allowedSubscriptionIds: effectiveAllowedSubscriptionIds
    allowedAlertRuleIds: union(createdAlertRuleIds, allowedAlertRuleIds)
    captureNamespace: captureNamespace
    maxConcurrentCaptures: maxConcurrentCaptures
    reportBaseUrl: reportBaseUrl
    sweepClusterIds: map(targetClusters, c => c.resourceId)
    proactiveClusterIds: proactiveWatch ? map(targetClusters, c => c.resourceId) : []
    proactiveScanMinutes: proactiveScanMinutes
    reportLinkExpiryHours: reportLinkExpiryHours
    allowPodExec: allowPodExec
    alwaysReadyInstanceCount: alwaysReadyInstanceCount
    virtualNetworkSubnetId: vnetEnabled ? network!.outputs.subnetId : null
    entraClientId: useEntraWebhook ? webhookEntraClientId : null
    entraAllowedAudiences: useEntraWebhook ? [webhookEntraIdentifierUri, webhookEntraClientId] : []
  }
  // The host starts as soon as the site exists: give it its storage and Key Vault rights first.
  dependsOn: [
    appRoles
    monitoring
  ]
}

module actionGroup 'modules/actionGroup.bicep' = {
  name: 'action-group'
  scope: rg
  params: {
    name: names.actionGroup
    functionAppHostName: functionApp.outputs.defaultHostName
    alertFunctionKey: alertWebhookKey
    entraApplicationObjectId: useEntraWebhook ? webhookEntraObjectId : ''
    entraIdentifierUri: useEntraWebhook ? webhookEntraIdentifierUri : ''
    tags: tags
  }
}

module healthEventAlert 'modules/snatHealthEventAlert.bicep' = if (enableSnatHealthEventAlert) {
  name: 'snat-health-event-alert'
  scope: rg
  params: {
    name: names.healthEventRule
    location: location
    workspaceResourceId: monitoring.outputs.logAnalyticsResourceId
    actionGroupResourceId: actionGroup.outputs.resourceId
    tags: tags
  }
}

// Self-monitoring: failed orchestrations, undeleted capture Jobs, webhook 5xx and undelivered notifications.
module selfMonitoring 'modules/selfMonitoring.bicep' = {
  name: 'self-monitoring'
  scope: rg
  params: {
    namePrefix: 'snat-responder-${resourceToken}'
    location: location
    applicationInsightsResourceId: monitoring.outputs.resourceId
    actionGroupResourceId: opsActionGroupResourceId ?? actionGroup.outputs.resourceId
    tags: tags
  }
}

@description('Required. The region of the app\'s resources.')
output AZURE_LOCATION string = location

@description('Required. The tenant of the deployment.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Required. The resource group of the app.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('Required. The name of the Function App.')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('Required. The base URL of the Function App.')
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'

@description('Required. The alert webhook URL without its function key (the key is SNAT_ALERT_WEBHOOK_KEY in the azd environment).')
output ALERT_WEBHOOK_URL string = actionGroup.outputs.webhookUrlWithoutKey

@description('Required. The client id of the responder\'s managed identity.')
output AZURE_CLIENT_ID string = identity.outputs.clientId

@description('Required. The object id of the responder\'s managed identity (the subject of Kubernetes RBAC bindings).')
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId

@description('Required. The resource id of the responder\'s managed identity.')
output AZURE_MANAGED_IDENTITY_ID string = identity.outputs.resourceId

@description('Required. The blob endpoint of the reports storage account.')
output REPORTS_ACCOUNT_URL string = reportsStorage.outputs.blobEndpoint

@description('Required. The URL of the private reports container.')
output REPORTS_CONTAINER_URL string = '${reportsStorage.outputs.blobEndpoint}/${reportsContainerName}'

@description('Required. The name of the Key Vault holding the Teams webhook URL.')
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name

@description('Required. The name of the Application Insights component.')
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.name

@description('Required. The resource id of the action group wired to the alert webhook.')
output AZURE_ACTION_GROUP_ID string = actionGroup.outputs.resourceId

@description('Required. The Kubernetes namespace of the capture Jobs.')
output CAPTURE_NAMESPACE string = captureNamespace

@description('Required. The resource id of the Log Analytics workspace (health events of the load balancers go there).')
output AZURE_LOG_ANALYTICS_WORKSPACE_ID string = logAnalyticsResourceId

@description('Required. Token that makes resource names unique to this environment, subscription and region.')
output SNAT_RESOURCE_TOKEN string = resourceToken

// Inputs of infra/clusters.bicep, which the azd hooks deploy as a deployment stack (see infra/hooks/clusters.ts).
@description('Required. The target clusters, for the cluster-side deployment.')
output SNAT_TARGET_CLUSTERS targetClusterType[] = targetClusters

@description('Required. The UsedSnatPorts alert percentage of each cluster\'s allocation, for the cluster-side deployment.')
output SNAT_USED_PORTS_PERCENT int = snatUsedPortsPercent

@description('Required. Whether pod exec rights are granted, for the cluster-side deployment.')
output SNAT_ALLOW_POD_EXEC bool = allowPodExec

@description('Required. The alert rule ids the app accepts (ALLOWED_ALERT_RULE_IDS).')
output SNAT_ALERT_RULE_IDS string[] = union(createdAlertRuleIds, allowedAlertRuleIds)

@description('Required. The private DNS zones to link to the app\'s VNet, for the cluster-side deployment.')
output SNAT_PRIVATE_DNS_ZONE_IDS string[] = vnetEnabled ? privateDnsZoneIds : []

@description('Conditional. The resource id of the app\'s VNet with vnetEnabled; empty otherwise.')
output SNAT_VNET_ID string = vnetEnabled ? network!.outputs.resourceId : ''

@description('Conditional. The static egress IP of the app with vnetEnabled (for authorized IP ranges of API servers); empty otherwise.')
output SNAT_EGRESS_IP string = vnetEnabled ? network!.outputs.egressIpAddress : ''

@description('Required. Whether the load balancers\' health events are alerted on, for the cluster-side deployment.')
output SNAT_HEALTH_EVENT_ALERT bool = enableSnatHealthEventAlert

@description('Required. Whether Kubernetes access is granted through Azure RBAC, for the cluster-side deployment.')
output SNAT_USE_AZURE_RBAC_FOR_KUBERNETES bool = useAzureRbacForKubernetes
