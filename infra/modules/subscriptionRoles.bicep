// Monitoring Reader for the responder's identity on a target cluster's subscription.
//
// Why the subscription and not a resource group: the outbound load balancer whose metrics the responder reads lives
// in the node resource group (MC_*), which is not inside the cluster's resource group, and node-resource-group
// lockdown (the default on AKS Automatic) refuses every write there, role assignments included. The responder also
// lists the subscription's managed clusters to map a load balancer back to its cluster. Monitoring Reader reads
// resource configuration and monitoring data only: no data plane, no keys, no writes.
targetScope = 'subscription'

@description('Required. Principal (object) id of the responder\'s user-assigned managed identity.')
param principalId string

var monitoringReader = '43d0d8ad-25c7-4714-9337-8ba259a9fe05'

resource monitoringReaderAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringReader))
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringReader)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'snat-responder: find the cluster behind a load balancer and read its SNAT metrics (no writes in MC_*).'
  }
}

@description('Required. The name of the role assignment.')
output name string = monitoringReaderAssignment.name

@description('Required. The resource id of the role assignment.')
output resourceId string = monitoringReaderAssignment.id
