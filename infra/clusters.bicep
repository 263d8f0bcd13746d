// The cluster side of snat-responder: per target cluster, the identity's access (AKS Cluster User and the Kubernetes
// roles on the cluster, Monitoring Reader on its subscription) and the SNAT alerts on its outbound load balancer,
// which live in the app's resource group. Nothing is written in a node resource group (MC_*) unless the opt-in
// health-event diagnostic setting is on. Deployed as a subscription deployment stack by infra/hooks/clusters.mjs
// after `azd provision` (with thresholds read from each cluster) and deleted with the stack before `azd down`.
targetScope = 'subscription'

metadata name = 'snat-responder cluster wiring'
metadata description = 'Role assignments on the AKS clusters snat-responder watches and SNAT alerts on their load balancers.'

import { clusterWiringType } from 'types.bicep'

@description('Required. azd environment name (names the custom roles).')
@minLength(1)
param environmentName string

@description('Required. Resource token of the app deployment (output SNAT_RESOURCE_TOKEN of main.bicep).')
@minLength(1)
param resourceToken string

@description('Required. The target clusters with what the hook read from them (node resource group, ports per node, threshold).')
param clusters clusterWiringType[]

@description('Required. Resource group of the app (output AZURE_RESOURCE_GROUP), in this subscription: the alert rules go there.')
@minLength(1)
param alertResourceGroupName string

@description('Required. Principal (object) id of the responder\'s managed identity (output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID).')
@minLength(1)
param principalId string

@description('Required. Resource id of the action group wired to the alert webhook (output AZURE_ACTION_GROUP_ID).')
@minLength(1)
param actionGroupResourceId string

@description('Optional. Grant Kubernetes access through Azure RBAC for Kubernetes Authorization (custom roles); false when Kubernetes RBAC bindings from infra/k8s/ are used instead.')
param useAzureRbacForKubernetes bool = true

@description('Optional. Also grant pods/exec on the cluster (netstat inside candidate pods); off by default.')
param allowPodExec bool = false

@description('Optional. Kubernetes namespace of the capture Jobs: the scope of the capture role.')
@minLength(1)
@maxLength(63)
param captureNamespace string = 'snat-responder'

@description('Optional. Log Analytics workspace that receives the load balancers\' health events (ALBHealthEvent, a write in MC_*); empty to leave their diagnostics unchanged.')
param healthEventWorkspaceResourceId string = ''

@description('Optional. Resource id of the app\'s VNet (output SNAT_VNET_ID); empty without VNet integration.')
param appVirtualNetworkId string = ''

@description('Optional. Private DNS zones (resource ids) to link to the app\'s VNet, e.g. a private cluster\'s privatelink.<region>.azmk8s.io zone (output SNAT_PRIVATE_DNS_ZONE_IDS).')
param privateDnsZoneIds string[] = []

// Not `azd-env-name`: azd must not mistake anything outside the app's resource group for its own.
var tags = {
  'snat-responder-env': environmentName
  application: 'snat-responder'
}
var roleSuffix = '(${environmentName}-${resourceToken})'
// The data actions of each role (Azure RBAC for Kubernetes Authorization). infra/k8s/ holds the same split as
// Kubernetes RBAC: a read-only ClusterRole, a Role in the capture namespace, and the opt-in exec ClusterRole.
var kubernetesRoles = {
  read: {
    name: guid(subscription().id, 'snat-responder-read', roleSuffix)
    roleName: 'snat-responder Kubernetes read ${roleSuffix}'
    roleDescription: 'snat-responder: read nodes, pods, replicasets and jobs (workload resolution). Assigned on the cluster.'
    dataActions: [
      'Microsoft.ContainerService/managedClusters/nodes/read'
      'Microsoft.ContainerService/managedClusters/pods/read'
      'Microsoft.ContainerService/managedClusters/apps/replicasets/read'
      'Microsoft.ContainerService/managedClusters/batch/jobs/read'
    ]
  }
  capture: {
    name: guid(subscription().id, 'snat-responder-capture', roleSuffix)
    roleName: 'snat-responder Kubernetes capture ${roleSuffix}'
    roleDescription: 'snat-responder: create, read and delete capture Jobs and read their pods\' logs. Assigned on the capture namespace only.'
    dataActions: [
      'Microsoft.ContainerService/managedClusters/namespaces/read'
      'Microsoft.ContainerService/managedClusters/pods/read'
      'Microsoft.ContainerService/managedClusters/batch/jobs/read'
      'Microsoft.ContainerService/managedClusters/batch/jobs/write'
      'Microsoft.ContainerService/managedClusters/batch/jobs/delete'
    ]
  }
  exec: {
    name: guid(subscription().id, 'snat-responder-exec', roleSuffix)
    roleName: 'snat-responder Kubernetes pod exec ${roleSuffix}'
    roleDescription: 'snat-responder: exec netstat in candidate pods (opt-in allowPodExec). Assigned on the cluster.'
    dataActions: [
      'Microsoft.ContainerService/managedClusters/pods/exec/action'
    ]
  }
}

// Resource ids look like /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}.
var targets = [
  for c in clusters: {
    resourceId: c.resourceId
    subscriptionId: split(c.resourceId, '/')[2]
    resourceGroup: split(c.resourceId, '/')[4]
    name: last(split(c.resourceId, '/'))
    nodeResourceGroup: c.nodeResourceGroup
    allocatedPortsPerNode: c.allocatedPortsPerNode
    usedSnatPortsThreshold: c.usedSnatPortsThreshold
  }
]
var clusterResourceGroupIds = union(map(targets, c => '/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}'), [])
var clusterSubscriptionIds = union(map(targets, c => c.subscriptionId), [])
var defineKubernetesRoles = useAzureRbacForKubernetes && !empty(clusters)

module kubernetesReadRole 'modules/kubernetesRoleDefinition.bicep' = if (defineKubernetesRoles) {
  name: 'snat-kubernetes-read-role-${resourceToken}'
  params: {
    name: kubernetesRoles.read.name
    roleName: kubernetesRoles.read.roleName
    roleDescription: kubernetesRoles.read.roleDescription
    dataActions: kubernetesRoles.read.dataActions
    assignableScopes: clusterResourceGroupIds
  }
}

module kubernetesCaptureRole 'modules/kubernetesRoleDefinition.bicep' = if (defineKubernetesRoles) {
  name: 'snat-kubernetes-capture-role-${resourceToken}'
  params: {
    name: kubernetesRoles.capture.name
    roleName: kubernetesRoles.capture.roleName
    roleDescription: kubernetesRoles.capture.roleDescription
    dataActions: kubernetesRoles.capture.dataActions
    assignableScopes: clusterResourceGroupIds
  }
}

module kubernetesExecRole 'modules/kubernetesRoleDefinition.bicep' = if (defineKubernetesRoles && allowPodExec) {
  name: 'snat-kubernetes-exec-role-${resourceToken}'
  params: {
    name: kubernetesRoles.exec.name
    roleName: kubernetesRoles.exec.roleName
    roleDescription: kubernetesRoles.exec.roleDescription
    dataActions: kubernetesRoles.exec.dataActions
    assignableScopes: clusterResourceGroupIds
  }
}

module clusterRoles 'modules/roleAssignments.bicep' = [
  for (c, i) in targets: {
    name: 'roles-cluster-${i}-${resourceToken}'
    scope: resourceGroup(c.subscriptionId, c.resourceGroup)
    params: {
      principalId: principalId
      managedClusterName: c.name
      kubernetesReadRoleDefinitionName: useAzureRbacForKubernetes ? kubernetesRoles.read.name : null
      kubernetesCaptureRoleDefinitionName: useAzureRbacForKubernetes ? kubernetesRoles.capture.name : null
      captureNamespace: captureNamespace
      kubernetesExecRoleDefinitionName: useAzureRbacForKubernetes && allowPodExec ? kubernetesRoles.exec.name : null
    }
    dependsOn: [
      kubernetesReadRole
      kubernetesCaptureRole
      kubernetesExecRole
    ]
  }
]

module subscriptionRoles 'modules/subscriptionRoles.bicep' = [
  for (subscriptionId, i) in clusterSubscriptionIds: {
    name: 'roles-subscription-${i}-${resourceToken}'
    scope: subscription(subscriptionId)
    params: {
      principalId: principalId
    }
  }
]

module snatAlerts 'modules/snatAlerts.bicep' = [
  for (c, i) in targets: {
    name: 'snat-alerts-${i}-${resourceToken}'
    scope: resourceGroup(alertResourceGroupName)
    params: {
      clusterResourceId: c.resourceId
      clusterSubscriptionId: c.subscriptionId
      nodeResourceGroup: c.nodeResourceGroup
      actionGroupResourceId: actionGroupResourceId
      usedSnatPortsThreshold: c.usedSnatPortsThreshold
      allocatedPortsPerNode: c.allocatedPortsPerNode
      tags: tags
    }
  }
]

module healthEvents 'modules/loadBalancerHealthEvents.bicep' = [
  for (c, i) in targets: if (!empty(healthEventWorkspaceResourceId)) {
    name: 'snat-health-events-${i}-${resourceToken}'
    scope: resourceGroup(c.subscriptionId, c.nodeResourceGroup)
    params: {
      workspaceResourceId: healthEventWorkspaceResourceId
    }
  }
]

// Private DNS zones may live in any resource group or subscription: each link is deployed where its zone is. A zone
// in a node resource group (the AKS-managed one) is a write in MC_*: lockdown refuses it, use a custom zone there.
module dnsLinks 'modules/privateDnsZoneLink.bicep' = [
  for (zoneId, i) in (empty(appVirtualNetworkId) ? [] : privateDnsZoneIds): {
    name: 'snat-dns-link-${i}-${resourceToken}'
    scope: resourceGroup(split(zoneId, '/')[2], split(zoneId, '/')[4])
    params: {
      zoneName: last(split(zoneId, '/'))
      linkName: 'snat-responder-${resourceToken}'
      virtualNetworkId: appVirtualNetworkId
    }
  }
]

@description('Required. The resource ids of the custom Kubernetes roles (read, capture, exec); empty strings for those not defined.')
output kubernetesRoleDefinitionIds string[] = [
  defineKubernetesRoles ? kubernetesReadRole!.outputs.resourceId : ''
  defineKubernetesRoles ? kubernetesCaptureRole!.outputs.resourceId : ''
  defineKubernetesRoles && allowPodExec ? kubernetesExecRole!.outputs.resourceId : ''
]

@description('Required. The resource ids of the UsedSnatPorts alert rules, one per target cluster.')
output usedSnatPortsAlertIds string[] = [for (c, i) in targets: snatAlerts[i].outputs.resourceId]
