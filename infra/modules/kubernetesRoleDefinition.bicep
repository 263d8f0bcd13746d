// Custom role for Azure RBAC for Kubernetes Authorization with exactly the data actions the responder uses.
// The AKS authorization webhook maps a Kubernetes request to `<group>/<resource>/<read|write|delete>`; the only
// subresource with its own action is pods/exec (`pods/exec/action`). `get pods/log` is therefore authorized by
// `pods/read`; there is no separate pods/log data action to grant.
targetScope = 'subscription'

@description('Required. Name (GUID) of the role definition.')
param name string

@description('Required. Role name, unique in the tenant.')
param roleName string

@description('Required. Scopes where the role can be assigned (the target clusters\' resource groups).')
@minLength(1)
param assignableScopes string[]

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: name
  properties: {
    roleName: roleName
    description: 'snat-responder: read nodes, namespaces and pods (incl. logs), exec into pods, and create/read/delete capture Jobs.'
    type: 'CustomRole'
    assignableScopes: assignableScopes
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: [
          'Microsoft.ContainerService/managedClusters/nodes/read'
          'Microsoft.ContainerService/managedClusters/namespaces/read'
          'Microsoft.ContainerService/managedClusters/pods/read'
          'Microsoft.ContainerService/managedClusters/pods/exec/action'
          'Microsoft.ContainerService/managedClusters/batch/jobs/read'
          'Microsoft.ContainerService/managedClusters/batch/jobs/write'
          'Microsoft.ContainerService/managedClusters/batch/jobs/delete'
        ]
        notDataActions: []
      }
    ]
  }
}

@description('Required. The name (GUID) of the role definition.')
output name string = role.name

@description('Required. The resource id of the role definition in this subscription.')
output resourceId string = role.id
