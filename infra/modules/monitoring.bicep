// Log Analytics workspace + workspace-based Application Insights, both with local (key) auth disabled:
// telemetry is ingested with the function's managed identity (Monitoring Metrics Publisher).

@description('Required. Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Required. Name of the Application Insights component.')
param applicationInsightsName string

@description('Optional. Location of the resources.')
param location string = resourceGroup().location

@description('Optional. Days the workspace keeps data.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

@description('Optional. Tags of the resources.')
param tags object = {}

resource workspace 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      disableLocalAuth: true
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

@description('Required. The name of the Application Insights component.')
output name string = applicationInsights.name

@description('Required. The resource id of the Application Insights component.')
output resourceId string = applicationInsights.id

@description('Required. The name of the Log Analytics workspace.')
output logAnalyticsName string = workspace.name

@description('Required. The resource id of the Log Analytics workspace.')
output logAnalyticsResourceId string = workspace.id
