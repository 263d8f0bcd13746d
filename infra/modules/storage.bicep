// A storage account reachable only with Entra ID tokens (shared keys off), private containers,
// and an optional lifecycle rule that deletes old blobs.

@description('Required. Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Optional. Location of the storage account.')
param location string = resourceGroup().location

@description('Optional. Private blob containers to create.')
param containerNames string[] = []

@description('Optional. Days after the last modification when blobs in `lifecycleContainerName` are deleted; null for no lifecycle rule.')
@minValue(1)
param deleteAfterDays int?

@description('Conditional. Container the lifecycle rule applies to. Required if deleteAfterDays is set.')
param lifecycleContainerName string?

@description('Optional. Tags of the storage account.')
param tags object = {}

resource account 'Microsoft.Storage/storageAccounts@2026-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-06-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-06-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2026-06-01' = if (deleteAfterDays != null) {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-after-${deleteAfterDays}-days'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${lifecycleContainerName!}/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: deleteAfterDays!
                }
              }
            }
          }
        }
      ]
    }
  }
}

@description('Required. The name of the storage account.')
output name string = account.name

@description('Required. The resource id of the storage account.')
output resourceId string = account.id

@description('Required. The blob endpoint, without a trailing slash (https://NAME.blob.SUFFIX).')
output blobEndpoint string = 'https://${account.name}.blob.${environment().suffixes.storage}'
