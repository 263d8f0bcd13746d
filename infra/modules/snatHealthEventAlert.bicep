// Optional log alert on the load balancers' SNAT exhaustion health events (table ALBHealthEvent), fed by the
// diagnostic settings that snatAlerts.bicep adds to each target cluster's load balancer.

@description('Required. Name of the scheduled query rule.')
param name string

@description('Optional. Location of the rule (the workspace\'s region).')
param location string = resourceGroup().location

@description('Required. Resource id of the Log Analytics workspace that receives ALBHealthEvent.')
param workspaceResourceId string

@description('Required. Resource id of the action group the alert notifies.')
param actionGroupResourceId string

@description('Optional. Tags of the rule.')
param tags object = {}

resource rule 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    displayName: 'SNAT port exhaustion health events'
    description: 'The load balancer reported SnatPortExhaustion: snat-responder investigates the worst nodes.'
    severity: 1
    enabled: true
    scopes: [
      workspaceResourceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          // ALBHealthEvent has no backend column: the node IP is taken from the event's Description so the alert
          // intake can name the node (docs/alerts.md); without it the intake investigates the worst nodes.
          query: '''
ALBHealthEvent
| where HealthEventType == "SnatPortExhaustion"
| extend BackendIP = extract(@"(\d{1,3}(?:\.\d{1,3}){3})", 1, Description)
| summarize Events = count() by LoadBalancerResourceId, BackendIP
'''
          timeAggregation: 'Total'
          metricMeasureColumn: 'Events'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'LoadBalancerResourceId'
              operator: 'Include'
              values: [
                '*'
              ]
            }
            {
              name: 'BackendIP'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        actionGroupResourceId
      ]
    }
  }
}

@description('Required. The name of the scheduled query rule.')
output name string = rule.name

@description('Required. The resource id of the scheduled query rule.')
output resourceId string = rule.id
