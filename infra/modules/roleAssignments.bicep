// Every role assignment of the responder's identity, each at the narrowest scope that works. Deployed once per
// resource group that holds a scope: the app's own group (storage, Key Vault, Application Insights), each target
// cluster's group (the cluster) and each node resource group (Monitoring Reader for the load balancer metrics).
// Names are guid(scope, principalId, roleDefinitionId), so redeploying is idempotent.

@description('Required. Principal (object) id of the responder\'s user-assigned managed identity.')
param principalId string

@description('Optional. Host storage account (in this resource group): Blob Data Owner, Queue Data Contributor and Table Data Contributor on the account.')
param hostStorageAccountName string?

@description('Optional. Reports storage account (in this resource group); see reportsContainerName.')
param reportsStorageAccountName string?

@description('Conditional. Reports container: Storage Blob Data Contributor on this container only. Required if reportsStorageAccountName is set.')
param reportsContainerName string?

@description('Optional. Key Vault (in this resource group); see keyVaultSecretName.')
param keyVaultName string?

@description('Conditional. Secret the identity may read (Key Vault Secrets User on the secret only). Required if keyVaultName is set.')
param keyVaultSecretName string?

@description('Optional. Application Insights component (in this resource group): Monitoring Metrics Publisher, because local auth is off.')
param applicationInsightsName string?

@description('Optional. AKS cluster (in this resource group): Azure Kubernetes Service Cluster User Role, and the custom Kubernetes role when kubernetesRoleDefinitionName is set.')
param managedClusterName string?

@description('Optional. Name (GUID) of the custom Kubernetes data-action role to assign on the cluster; null when Kubernetes RBAC bindings are used instead.')
param kubernetesRoleDefinitionName string?

@description('Optional. Grant Monitoring Reader on this resource group (a node resource group: load balancer metrics).')
param grantMonitoringReaderOnResourceGroup bool = false

// Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  monitoringReader: '43d0d8ad-25c7-4714-9337-8ba259a9fe05'
  aksClusterUser: '4abbcc35-e782-43d8-92c5-2d3f1bd2253f'
}

var hostStorageRoles = [
  roleIds.storageBlobDataOwner
  roleIds.storageQueueDataContributor
  roleIds.storageTableDataContributor
]

resource hostStorage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = if (hostStorageAccountName != null) {
  name: hostStorageAccountName!
}

resource hostStorageAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in hostStorageRoles: if (hostStorageAccountName != null) {
    scope: hostStorage
    name: guid(hostStorage.id, principalId, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId))
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: principalId
      principalType: 'ServicePrincipal'
      description: 'snat-responder: Functions host and Durable task hub storage.'
    }
  }
]

resource reportsStorage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = if (reportsStorageAccountName != null) {
  name: reportsStorageAccountName!

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource container 'containers' existing = {
      name: reportsContainerName!
    }
  }
}

resource reportsWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (reportsStorageAccountName != null) {
  scope: reportsStorage::blobService::container
  name: guid(
    reportsStorage::blobService::container.id,
    principalId,
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataContributor)
  )
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'snat-responder: write investigation reports and evidence.'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = if (keyVaultName != null) {
  name: keyVaultName!

  resource secret 'secrets' existing = {
    name: keyVaultSecretName!
  }
}

resource secretReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (keyVaultName != null) {
  scope: vault::secret
  name: guid(
    vault::secret.id,
    principalId,
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
  )
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'snat-responder: resolve the Key Vault reference of TEAMS_WEBHOOK_URL.'
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = if (applicationInsightsName != null) {
  name: applicationInsightsName!
}

resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (applicationInsightsName != null) {
  scope: applicationInsights
  name: guid(
    applicationInsights.id,
    principalId,
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
  )
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'snat-responder: send telemetry to Application Insights with Entra ID (local auth is off).'
  }
}

resource cluster 'Microsoft.ContainerService/managedClusters@2026-08-01' existing = if (managedClusterName != null) {
  name: managedClusterName!
}

resource clusterUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (managedClusterName != null) {
  scope: cluster
  name: guid(cluster.id, principalId, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.aksClusterUser))
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.aksClusterUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'snat-responder: read the cluster and list its user kubeconfig.'
  }
}

resource kubernetesDataActions 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (managedClusterName != null && kubernetesRoleDefinitionName != null) {
  scope: cluster
  name: guid(
    cluster.id,
    principalId,
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', kubernetesRoleDefinitionName!)
  )
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', kubernetesRoleDefinitionName!)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'snat-responder: Kubernetes data actions through Azure RBAC for Kubernetes Authorization.'
  }
}

resource monitoringReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantMonitoringReaderOnResourceGroup) {
  name: guid(resourceGroup().id, principalId, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringReader))
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringReader)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'snat-responder: read the outbound load balancer and its SNAT metrics.'
  }
}

var hostStorageAssignmentIds = [
  for (roleId, i) in hostStorageRoles: hostStorageAccountName != null ? hostStorageAssignments[i].id : ''
]

@description('Required. The name of the resource group the assignments were made in.')
output name string = resourceGroup().name

@description('Required. The resource id of the resource group the assignments were made in.')
output resourceId string = resourceGroup().id

@description('Conditional. The resource ids of the role assignments this deployment made; empty when no scope parameter was set.')
output roleAssignmentIds string[] = filter(
  concat(
    hostStorageAssignmentIds,
    [
      reportsStorageAccountName != null ? reportsWriter.id : ''
      keyVaultName != null ? secretReader.id : ''
      applicationInsightsName != null ? telemetryPublisher.id : ''
      managedClusterName != null ? clusterUser.id : ''
      managedClusterName != null && kubernetesRoleDefinitionName != null ? kubernetesDataActions.id : ''
      grantMonitoringReaderOnResourceGroup ? monitoringReader.id : ''
    ]
  ),
  id => !empty(id)
)
