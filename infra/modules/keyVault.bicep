// Key Vault in RBAC mode holding the Teams Workflows webhook URL. The function reads it through a Key Vault
// reference resolved with its user-assigned identity (Key Vault Secrets User on this secret only).

@description('Required. Name of the Key Vault.')
@minLength(3)
@maxLength(24)
param name string

@description('Optional. Location of the Key Vault.')
param location string = resourceGroup().location

@description('Required. Name of the secret that holds the Teams webhook URL.')
param secretName string

@description('Required. The Teams Workflows webhook URL (it embeds a signature: treat it as a secret).')
@secure()
param teamsWebhookUrl string

@description('Optional. Tags of the Key Vault.')
param tags object = {}

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = {
  parent: vault
  name: secretName
  properties: {
    value: teamsWebhookUrl
    contentType: 'text/plain; teams-workflows-webhook-url'
  }
}

@description('Required. The name of the Key Vault.')
output name string = vault.name

@description('Required. The resource id of the Key Vault.')
output resourceId string = vault.id

@description('Required. The name of the secret holding the Teams webhook URL.')
output secretName string = secret.name

@description('Required. The versionless URI of the secret, for a Key Vault reference that follows rotation.')
output secretUri string = secret.properties.secretUri
