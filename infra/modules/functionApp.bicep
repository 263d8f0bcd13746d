// Flex Consumption plan + Function App (Node 22). Identity only: the user-assigned identity reaches the host
// storage, the deployment container, Application Insights and Key Vault; no key or connection string with a
// secret is stored in app settings. Optional: VNet integration (a delegated subnet) and App Service
// Authentication with Entra ID (the action group's secure webhook).

@description('Required. Name of the Function App.')
param name string

@description('Required. Name of the Flex Consumption plan.')
param planName string

@description('Optional. Location of the plan and the app.')
param location string = resourceGroup().location

@description('Optional. Tags of the plan and the app (the app also gets azd-service-name).')
param tags object = {}

@description('Optional. azd service name the app is tagged with.')
param serviceName string = 'api'

@description('Required. Resource id of the user-assigned managed identity.')
param identityResourceId string

@description('Required. Client id of the user-assigned managed identity.')
param identityClientId string

@description('Required. Name of the host storage account (AzureWebJobsStorage by identity).')
param hostStorageAccountName string

@description('Required. Blob container in the host storage account that receives deployment packages.')
param deploymentContainerName string

@description('Required. Name of the Application Insights component (in this resource group).')
param applicationInsightsName string

@description('Required. Reports blob endpoint (https://ACCOUNT.blob.SUFFIX).')
param reportsAccountUrl string

@description('Required. Reports container name.')
param reportsContainerName string

@description('Required. Versionless URI of the Key Vault secret holding the Teams webhook URL.')
param teamsWebhookSecretUri string

@description('Required. Seconds the node trace runs (TRACE_SECONDS).')
param traceSeconds int

@description('Required. Minutes during which repeated alerts for one target start nothing new (COOLDOWN_MINUTES).')
param cooldownMinutes int

@description('Required. Subscription ids whose alerts are accepted; empty accepts all (ALLOWED_SUBSCRIPTION_IDS).')
param allowedSubscriptionIds string[]

@description('Required. Alert rule ids whose alerts are accepted; empty accepts all (ALLOWED_ALERT_RULE_IDS).')
param allowedAlertRuleIds string[]

@description('Required. Kubernetes namespace of the capture Jobs (CAPTURE_NAMESPACE).')
param captureNamespace string

@description('Required. Cluster-wide cap on concurrent node captures (MAX_CONCURRENT_CAPTURES).')
param maxConcurrentCaptures int

@description('Optional. Public base URL under which reports are linked from Teams cards (REPORT_BASE_URL); empty links the blob URL.')
param reportBaseUrl string = ''

@description('Optional. AKS cluster resource ids the capture Job sweeper visits (SWEEP_CLUSTER_IDS).')
param sweepClusterIds string[] = []

@description('Optional. AKS cluster resource ids the proactive watch scans; empty turns it off (PROACTIVE_CLUSTER_IDS).')
param proactiveClusterIds string[] = []

@description('Optional. Minutes between two proactive scans (PROACTIVE_SCAN_MINUTES).')
@minValue(1)
@maxValue(60)
param proactiveScanMinutes int = 5

@description('Required. Hours a signed report link stays valid, at most 168 (REPORT_LINK_EXPIRY_HOURS).')
@minValue(1)
@maxValue(168)
param reportLinkExpiryHours int

@description('Required. Whether the responder may exec netstat in pods (ALLOW_POD_EXEC).')
param allowPodExec bool

@description('Optional. Always-ready instances of the durable group (orchestrations and activities); 0 bills nothing while idle, 1 removes cold starts of the investigation at a constant cost.')
@minValue(0)
@maxValue(5)
param alwaysReadyInstanceCount int = 0

@description('Optional. Subnet (delegated to Microsoft.App/environments) for VNet integration; null for none.')
param virtualNetworkSubnetId string?

@description('Optional. Client id of an Entra ID app registration: turns on App Service Authentication, which then requires its tokens on every route; null leaves authentication to function keys.')
param entraClientId string?

@description('Conditional. Audiences accepted with entraClientId (its Application ID URI). Required if entraClientId is set.')
param entraAllowedAudiences string[] = []

@description('Optional. Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Optional. Upper bound on instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityResourceId
    virtualNetworkSubnetId: virtualNetworkSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      // The names below are the contract with src/config (docs/configuration.md, docs/deploy.md).
      appSettings: [
        { name: 'AzureWebJobsStorage__accountName', value: hostStorageAccountName }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        { name: 'AZURE_CLIENT_ID', value: identityClientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsights.properties.ConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD;ClientId=${identityClientId}' }
        { name: 'REPORTS_ACCOUNT_URL', value: reportsAccountUrl }
        { name: 'REPORTS_CONTAINER', value: reportsContainerName }
        { name: 'TEAMS_WEBHOOK_URL', value: '@Microsoft.KeyVault(SecretUri=${teamsWebhookSecretUri})' }
        { name: 'TRACE_SECONDS', value: string(traceSeconds) }
        { name: 'COOLDOWN_MINUTES', value: string(cooldownMinutes) }
        { name: 'ALLOWED_SUBSCRIPTION_IDS', value: join(allowedSubscriptionIds, ',') }
        { name: 'ALLOWED_ALERT_RULE_IDS', value: join(allowedAlertRuleIds, ',') }
        { name: 'CAPTURE_NAMESPACE', value: captureNamespace }
        { name: 'MAX_CONCURRENT_CAPTURES', value: string(maxConcurrentCaptures) }
        // Empty counts as unset for the app: reports are then linked by signed blob URLs.
        { name: 'REPORT_BASE_URL', value: reportBaseUrl }
        { name: 'SWEEP_CLUSTER_IDS', value: join(sweepClusterIds, ',') }
        { name: 'PROACTIVE_CLUSTER_IDS', value: join(proactiveClusterIds, ',') }
        { name: 'PROACTIVE_SCAN_MINUTES', value: string(proactiveScanMinutes) }
        { name: 'REPORT_LINK_EXPIRY_HOURS', value: string(reportLinkExpiryHours) }
        { name: 'ALLOW_POD_EXEC', value: string(allowPodExec) }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: 'https://${hostStorageAccountName}.blob.${environment().suffixes.storage}/${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: alwaysReadyInstanceCount > 0
          ? [
              {
                name: 'durable'
                instanceCount: alwaysReadyInstanceCount
              }
            ]
          : []
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// No publishing with user/password: deployments go through Entra ID (azd uses OneDeploy with a token).
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

// Entra ID in front of every route: tokens for the app registration (the action group's secure webhook, people
// calling the on-demand endpoint) pass; anything else gets 401 before any function runs.
resource authentication 'Microsoft.Web/sites/config@2025-03-01' = if (entraClientId != null) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: entraAllowedAudiences
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

@description('Required. The name of the Function App.')
output name string = site.name

@description('Required. The resource id of the Function App.')
output resourceId string = site.id

@description('Required. The default host name of the Function App.')
output defaultHostName string = site.properties.defaultHostName

@description('Required. The resource id of the Flex Consumption plan.')
output planResourceId string = plan.id
