// The responder's only credential: a user-assigned managed identity used by the host, the code and Key Vault references.

@description('Required. Name of the user-assigned managed identity.')
param name string

@description('Optional. Location of the identity.')
param location string = resourceGroup().location

@description('Optional. Tags of the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Required. The name of the identity.')
output name string = identity.name

@description('Required. The resource id of the identity.')
output resourceId string = identity.id

@description('Required. The principal (object) id of the identity, for role assignments and Kubernetes RBAC bindings.')
output principalId string = identity.properties.principalId

@description('Required. The client (application) id of the identity, for AZURE_CLIENT_ID and AzureWebJobsStorage__clientId.')
output clientId string = identity.properties.clientId
