// Action group that calls the responder's alert webhook with the common alert schema. The URL carries a
// function-specific key: the azd environment's SNAT_ALERT_WEBHOOK_KEY, which the postdeploy hook sets as the alert
// function's own key (it opens that one function only; never the host key, and nothing is read with listKeys at
// deployment time, so there is no race with the host's first start). With an Entra ID app registration the action
// group also sends a token for it (secure webhook, useAadAuth), which App Service Authentication on the Function App
// requires: the key alone is then not enough.

@description('Required. Name of the action group.')
param name string

@description('Optional. Short name shown in notifications (at most 12 characters).')
@maxLength(12)
param shortName string = 'snatresp'

@description('Required. Default host name of the Function App that receives the alerts.')
param functionAppHostName string

@description('Optional. Route of the HTTP-triggered function that accepts alerts (functions/alertWebhook.ts), under /api.')
param alertFunctionRoute string = 'alerts'

@description('Optional. The alert function\'s own key (function scope, never the host key).')
@secure()
param alertFunctionKey string = ''

@description('Optional. Object id of the Entra ID app registration the secure webhook requests tokens for; empty for key authentication.')
param entraApplicationObjectId string = ''

@description('Optional. Application ID URI of that app registration (the token audience), e.g. api://snat-responder-<env>.')
param entraIdentifierUri string = ''

@description('Optional. Tags of the action group.')
param tags object = {}

var useEntra = !empty(entraApplicationObjectId)
var webhookUrl = 'https://${functionAppHostName}/api/${alertFunctionRoute}'
var webhookUrlWithKey = '${webhookUrl}?code=${alertFunctionKey}'

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: name
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: shortName
    enabled: true
    webhookReceivers: [
      useEntra
        ? {
            name: 'snat-responder'
            serviceUri: webhookUrlWithKey
            useCommonAlertSchema: true
            useAadAuth: true
            objectId: entraApplicationObjectId
            identifierUri: entraIdentifierUri
            tenantId: tenant().tenantId
          }
        : {
            name: 'snat-responder'
            serviceUri: webhookUrlWithKey
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

@description('Required. The webhook URL without any key, for documentation and smoke tests.')
output webhookUrlWithoutKey string = webhookUrl
