// A custom role for Azure RBAC for Kubernetes Authorization holding exactly the data actions given. The AKS
// authorization webhook maps a Kubernetes request to `<group>/<resource>/<read|write|delete>`; the only subresource
// with its own action is pods/exec (`pods/exec/action`). `get pods/log` is therefore authorized by `pods/read`.
// clusters.bicep defines three: read-only (cluster scope), capture (namespace scope) and, opt-in, exec.
targetScope = 'subscription'

@description('Required. Name (GUID) of the role definition.')
param name string

@description('Required. Role name, unique in the tenant.')
param roleName string

@description('Required. What the role allows, for people reading the role list.')
param roleDescription string

@description('Required. The Kubernetes data actions (Microsoft.ContainerService/managedClusters/...).')
@minLength(1)
param dataActions string[]

@description('Required. Scopes where the role can be assigned (the target clusters\' resource groups).')
@minLength(1)
param assignableScopes string[]

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: name
  properties: {
    roleName: roleName
    description: roleDescription
    type: 'CustomRole'
    assignableScopes: assignableScopes
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: dataActions
        notDataActions: []
      }
    ]
  }
}

@description('Required. The name (GUID) of the role definition.')
output name string = role.name

@description('Required. The resource id of the role definition in this subscription.')
output resourceId string = role.id
