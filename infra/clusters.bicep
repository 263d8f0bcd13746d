// The cluster side of snat-responder: per target cluster, the identity's access (AKS Cluster User, the custom
// Kubernetes data-action role, Monitoring Reader on the node resource group) and the SNAT alerts on the outbound
// load balancer. Deployed as a subscription deployment stack by infra/hooks/clusters.ts after `azd provision`
// and deleted with the stack before `azd down`, which therefore never sees the clusters' resource groups.
targetScope = 'subscription'

metadata name = 'snat-responder cluster wiring'
metadata description = 'Role assignments and SNAT alerts in the resource groups of the AKS clusters snat-responder watches.'

import { targetClusterType } from 'types.bicep'

@description('Required. azd environment name (names the custom role).')
@minLength(1)
param environmentName string

@description('Required. Resource token of the app deployment (output SNAT_RESOURCE_TOKEN of main.bicep).')
@minLength(1)
param resourceToken string

@description('Required. AKS clusters to watch.')
param targetClusters targetClusterType[]

@description('Required. Principal (object) id of the responder\'s managed identity (output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID).')
@minLength(1)
param principalId string

@description('Required. Resource id of the action group wired to the alert webhook (output AZURE_ACTION_GROUP_ID).')
@minLength(1)
param actionGroupResourceId string

@description('Optional. Average UsedSnatPorts per node above which the alert fires.')
@minValue(1)
param snatUsedPortsThreshold int = 900

@description('Optional. Grant Kubernetes access through Azure RBAC for Kubernetes Authorization (custom role); false when Kubernetes RBAC bindings from infra/k8s/ are used instead.')
param useAzureRbacForKubernetes bool = true

@description('Optional. Log Analytics workspace that receives the load balancers\' health events (ALBHealthEvent); empty to leave their diagnostics unchanged.')
param healthEventWorkspaceResourceId string = ''

// Not `azd-env-name`: azd must not mistake anything in the clusters' resource groups for its own.
var tags = {
  'snat-responder-env': environmentName
  application: 'snat-responder'
}
var roleName = 'snat-responder Kubernetes access (${environmentName}-${resourceToken})'
var kubernetesRoleDefinitionName = guid(subscription().id, roleName)

// Resource ids look like /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}.
var clusters = [
  for c in targetClusters: {
    subscriptionId: split(c.resourceId, '/')[2]
    resourceGroup: split(c.resourceId, '/')[4]
    name: last(split(c.resourceId, '/'))
    nodeResourceGroup: c.nodeResourceGroup
  }
]
var clusterResourceGroupIds = union(map(clusters, c => '/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}'), [])

module kubernetesRole 'modules/kubernetesRoleDefinition.bicep' = if (useAzureRbacForKubernetes && !empty(targetClusters)) {
  name: 'snat-kubernetes-role-${resourceToken}'
  params: {
    name: kubernetesRoleDefinitionName
    roleName: roleName
    assignableScopes: clusterResourceGroupIds
  }
}

module clusterRoles 'modules/roleAssignments.bicep' = [
  for (c, i) in clusters: {
    name: 'roles-cluster-${i}-${resourceToken}'
    scope: resourceGroup(c.subscriptionId, c.resourceGroup)
    params: {
      principalId: principalId
      managedClusterName: c.name
      kubernetesRoleDefinitionName: useAzureRbacForKubernetes ? kubernetesRoleDefinitionName : null
    }
    dependsOn: [
      kubernetesRole
    ]
  }
]

module nodeResourceGroupRoles 'modules/roleAssignments.bicep' = [
  for (c, i) in clusters: {
    name: 'roles-nodes-${i}-${resourceToken}'
    scope: resourceGroup(c.subscriptionId, c.nodeResourceGroup)
    params: {
      principalId: principalId
      grantMonitoringReaderOnResourceGroup: true
    }
  }
]

module snatAlerts 'modules/snatAlerts.bicep' = [
  for (c, i) in clusters: {
    name: 'snat-alerts-${i}-${resourceToken}'
    scope: resourceGroup(c.subscriptionId, c.nodeResourceGroup)
    params: {
      clusterName: c.name
      actionGroupResourceId: actionGroupResourceId
      usedSnatPortsThreshold: snatUsedPortsThreshold
      healthEventWorkspaceResourceId: empty(healthEventWorkspaceResourceId) ? null : healthEventWorkspaceResourceId
      tags: tags
    }
  }
]

@description('Conditional. The resource id of the custom Kubernetes role; empty when Azure RBAC for Kubernetes is not used or there are no clusters.')
output kubernetesRoleDefinitionId string = useAzureRbacForKubernetes && !empty(targetClusters) ? kubernetesRole!.outputs.resourceId : ''

@description('Required. The resource ids of the UsedSnatPorts alert rules, one per target cluster.')
output usedSnatPortsAlertIds string[] = [for (c, i) in clusters: snatAlerts[i].outputs.resourceId]
