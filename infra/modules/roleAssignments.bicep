// Every resource-group-level role assignment of snat-responder, each at the narrowest scope that works. Deployed once
// per resource group that holds a scope: the app's own group (storage, Key Vault, Application Insights; the
// deployer's read access to reports) and each target cluster's group (the cluster, and its capture namespace).
// Nothing is ever assigned in a node resource group (MC_*): node-resource-group lockdown refuses it, so the
// subscription-level Monitoring Reader lives in subscriptionRoles.bicep.
// Names are guid(scope, principalId, roleDefinitionId), so redeploying is idempotent.

@description('Required. Principal (object) id of the responder\'s user-assigned managed identity.')
param principalId string

@description('Optional. Host storage account (in this resource group): Blob Data Owner, Queue Data Contributor and Table Data Contributor on the account.')
param hostStorageAccountName string?

@description('Optional. Reports storage account (in this resource group); see reportsContainerName.')
param reportsStorageAccountName string?

@description('Conditional. Reports container: Storage Blob Data Contributor on this container only. Required if reportsStorageAccountName is set.')
param reportsContainerName string?

@description('Optional. Reports storage account: Storage Blob Delegator on the account, so the identity can sign user-delegation SAS links to reports. Requires reportsStorageAccountName.')
param grantReportLinkDelegation bool = false

@description('Optional. Object id of a person or pipeline (the deployer) that gets Storage Blob Data Reader on the reports container; null for none.')
param reportsReaderPrincipalId string?

@description('Optional. Principal type of reportsReaderPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param reportsReaderPrincipalType string = 'User'

@description('Optional. Key Vault (in this resource group); see keyVaultSecretName.')
param keyVaultName string?

@description('Conditional. Secret the identity may read (Key Vault Secrets User on the secret only). Required if keyVaultName is set.')
param keyVaultSecretName string?

@description('Optional. Application Insights component (in this resource group): Monitoring Metrics Publisher, because local auth is off.')
param applicationInsightsName string?

@description('Optional. AKS cluster (in this resource group): Azure Kubernetes Service Cluster User Role, plus the custom Kubernetes roles named below.')
param managedClusterName string?

@description('Optional. Name (GUID) of the read-only Kubernetes role, assigned on the whole cluster; null when Kubernetes RBAC bindings are used instead.')
param kubernetesReadRoleDefinitionName string?

@description('Optional. Name (GUID) of the capture Kubernetes role (Jobs, pod logs), assigned on the capture namespace only; null when Kubernetes RBAC bindings are used instead.')
param kubernetesCaptureRoleDefinitionName string?

@description('Conditional. Kubernetes namespace of the capture Jobs, the scope of the capture role. Required if kubernetesCaptureRoleDefinitionName is set.')
param captureNamespace string?

@description('Optional. Name (GUID) of the pod exec Kubernetes role, assigned on the cluster; null unless pod exec is allowed.')
param kubernetesExecRoleDefinitionName string?

// Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
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

resource linkSigner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (reportsStorageAccountName != null && grantReportLinkDelegation) {
  scope: reportsStorage
  name: guid(
    reportsStorage.id,
    principalId,
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDelegator)
  )
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDelegator)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'snat-responder: get a user delegation key to sign short-lived read-only links to reports (no data access by itself).'
  }
}

resource reportsReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (reportsStorageAccountName != null && reportsReaderPrincipalId != null) {
  scope: reportsStorage::blobService::container
  name: guid(
    reportsStorage::blobService::container.id,
    reportsReaderPrincipalId ?? '',
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataReader)
  )
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataReader)
    principalId: reportsReaderPrincipalId!
    principalType: reportsReaderPrincipalType
    description: 'snat-responder: the deployer reads stored reports (az storage blob ... --auth-mode login).'
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

// Read-only Kubernetes rights (nodes, pods, replicasets, jobs) on the whole cluster: workload resolution.
resource kubernetesRead 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (managedClusterName != null && kubernetesReadRoleDefinitionName != null) {
  scope: cluster
  name: guid(
    cluster.id,
    principalId,
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', kubernetesReadRoleDefinitionName!)
  )
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', kubernetesReadRoleDefinitionName!)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'snat-responder: read nodes, pods, replicasets and jobs (Azure RBAC for Kubernetes, cluster scope).'
  }
}

// The namespace is not an ARM resource with Bicep types: its id `<cluster id>/namespaces/<name>` is the scope
// Azure RBAC for Kubernetes defines for namespace-level assignments (as in `az role assignment create --scope`).
#disable-next-line BCP081
resource captureNamespaceScope 'Microsoft.ContainerService/managedClusters/namespaces@2026-08-01' existing = if (managedClusterName != null && kubernetesCaptureRoleDefinitionName != null) {
  parent: cluster
  name: captureNamespace ?? 'snat-responder'
}

// Job create/delete and pod logs only in the capture namespace: no privileged pod anywhere else.
resource kubernetesCapture 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (managedClusterName != null && kubernetesCaptureRoleDefinitionName != null) {
  scope: captureNamespaceScope
  name: guid(
    captureNamespaceScope.id,
    principalId,
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', kubernetesCaptureRoleDefinitionName!)
  )
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', kubernetesCaptureRoleDefinitionName!)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'snat-responder: create, read and delete capture Jobs and read their logs, in the capture namespace only.'
  }
}

// Opt-in (allowPodExec): netstat inside candidate pods.
resource kubernetesExec 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (managedClusterName != null && kubernetesExecRoleDefinitionName != null) {
  scope: cluster
  name: guid(
    cluster.id,
    principalId,
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', kubernetesExecRoleDefinitionName!)
  )
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', kubernetesExecRoleDefinitionName!)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'snat-responder: exec netstat in candidate pods (allowPodExec).'
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
      reportsStorageAccountName != null && grantReportLinkDelegation ? linkSigner.id : ''
      reportsStorageAccountName != null && reportsReaderPrincipalId != null ? reportsReader.id : ''
      keyVaultName != null ? secretReader.id : ''
      applicationInsightsName != null ? telemetryPublisher.id : ''
      managedClusterName != null ? clusterUser.id : ''
      managedClusterName != null && kubernetesReadRoleDefinitionName != null ? kubernetesRead.id : ''
      managedClusterName != null && kubernetesCaptureRoleDefinitionName != null ? kubernetesCapture.id : ''
      managedClusterName != null && kubernetesExecRoleDefinitionName != null ? kubernetesExec.id : ''
    ]
  ),
  id => !empty(id)
)
