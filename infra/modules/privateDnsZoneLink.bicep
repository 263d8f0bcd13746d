// Links an existing private DNS zone (in this resource group) to a VNet, without auto-registration.

@description('Required. Name of the private DNS zone, e.g. privatelink.westeurope.azmk8s.io.')
param zoneName string

@description('Required. Name of the link.')
param linkName string

@description('Required. Resource id of the VNet to link.')
param virtualNetworkId string

resource zone 'Microsoft.Network/privateDnsZones@2024-06-01' existing = {
  name: zoneName
}

resource link 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: zone
  name: linkName
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkId
    }
  }
}

@description('Required. The name of the link.')
output name string = link.name

@description('Required. The resource id of the link.')
output resourceId string = link.id
