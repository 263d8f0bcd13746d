// Optional VNet integration of the Function App (vnetEnabled): a VNet with a subnet delegated to
// Microsoft.App/environments (what Flex Consumption requires) and a NAT gateway that gives the app one static egress
// IP (to add to an API server's authorized IP ranges). Private clusters also need the API server's private DNS zone
// linked to this VNet (infra/clusters.bicep does it, outside the app's resource group) and a network path to the
// cluster's VNet (peering), which the cluster owner sets up: docs/deploy.md.

@description('Required. Name prefix of the network resources.')
param name string

@description('Optional. Location of the resources.')
param location string = resourceGroup().location

@description('Optional. Address space of the VNet (the app subnet takes all of it).')
param addressPrefix string = '10.240.0.0/24'

@description('Optional. Tags of the resources.')
param tags object = {}

resource egressIp 'Microsoft.Network/publicIPAddresses@2026-03-01' = {
  name: 'pip-${name}'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
  }
}

resource natGateway 'Microsoft.Network/natGateways@2026-03-01' = {
  name: 'ng-${name}'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    idleTimeoutInMinutes: 4
    publicIpAddresses: [
      {
        id: egressIp.id
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2026-03-01' = {
  name: 'vnet-${name}'
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: addressPrefix
          natGateway: {
            id: natGateway.id
          }
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
    ]
  }
}

@description('Required. The name of the VNet.')
output name string = vnet.name

@description('Required. The resource id of the VNet.')
output resourceId string = vnet.id

@description('Required. The resource id of the app subnet (virtualNetworkSubnetId of the Function App).')
output subnetId string = vnet.properties.subnets[0].id

@description('Required. The static egress IP of the app (add it to authorized IP ranges of API servers).')
output egressIpAddress string = egressIp.properties.ipAddress
