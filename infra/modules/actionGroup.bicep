// Action group that calls the responder's alert webhook with the common alert schema. The URL carries the
// host's default function key, read with listKeys at deployment time (Microsoft.Web/sites/host has no Bicep
// types, hence the listKeys function on its id); the key never appears in outputs.

@description('Required. Name of the action group.')
param name string

@description('Optional. Short name shown in notifications (at most 12 characters).')
@maxLength(12)
param shortName string = 'snatresp'

@description('Required. Name of the Function App (in this resource group) that receives the alerts.')
param functionAppName string

@description('Optional. Route of the HTTP-triggered function that accepts alerts (functions/alertWebhook.ts), under /api.')
param alertFunctionRoute string = 'alerts'

@description('Optional. Tags of the action group.')
param tags object = {}

resource site 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: name
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: shortName
    enabled: true
    webhookReceivers: [
      {
        name: 'snat-responder'
        serviceUri: 'https://${site.properties.defaultHostName}/api/${alertFunctionRoute}?code=${listKeys('${site.id}/host/default', '2025-03-01').functionKeys.default}'
        useCommonAlertSchema: true
        useAadAuth: false
      }
    ]
  }
}

@description('Required. The name of the action group.')
output name string = actionGroup.name

@description('Required. The resource id of the action group.')
output resourceId string = actionGroup.id

@description('Required. The webhook URL without its key, for documentation and smoke tests.')
output webhookUrlWithoutKey string = 'https://${site.properties.defaultHostName}/api/${alertFunctionRoute}'
