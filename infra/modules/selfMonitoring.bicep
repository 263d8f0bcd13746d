// The responder watches itself: log alert rules on its Application Insights component for the four ways it can
// fail silently (failed orchestrations, capture Jobs it could not delete, webhook 5xx, Teams notifications that
// did not arrive). Each rule notifies the given action group (the alert action group, or a separate ops group).
// The app exports its logs with OpenTelemetry (functions/telemetry.ts): each entry's event name, instance id,
// cluster and node are custom dimensions, so the rules match `customDimensions.event` (docs/reliability.md lists
// the events); host.json excludes traces and requests from sampling so none of them is dropped.

@description('Required. Prefix of the rule names, e.g. snat-responder-<token>.')
param namePrefix string

@description('Optional. Location of the rules (the Application Insights component\'s region).')
param location string = resourceGroup().location

@description('Required. Resource id of the Application Insights component the app logs to.')
param applicationInsightsResourceId string

@description('Required. Resource id of the action group the self-monitoring alerts notify.')
param actionGroupResourceId string

@description('Optional. Name of the orchestrator whose failures alert (functions/snatInvestigation.ts).')
param orchestratorName string = 'snatInvestigation'

@description('Optional. Name of the HTTP function that receives the alerts (functions/alertWebhook.ts).')
param webhookFunctionName string = 'alertWebhook'

@description('Optional. Tags of the rules.')
param tags object = {}

var rules = [
  {
    key: 'failed-orchestrations'
    displayName: 'snat-responder: investigation failed'
    description: 'An investigation orchestration ended Failed (a report may be missing): see the instance in the Durable history.'
    severity: 2
    query: 'traces\n| where tostring(customDimensions.Category) == "Host.Triggers.DurableTask" or tostring(customDimensions.CategoryName) == "Host.Triggers.DurableTask"\n| where tostring(customDimensions.prop__functionName) == "${orchestratorName}"\n| where tostring(customDimensions.prop__state) == "Failed" and tolower(tostring(customDimensions.prop__isReplay)) != "true"\n| summarize Failures = count()'
    measure: 'Failures'
  }
  {
    key: 'capture-job-not-deleted'
    displayName: 'snat-responder: capture Job left on a cluster'
    description: 'A privileged capture Job could not be deleted ("could not delete capture Job"); the sweeper retries, delete it by hand if it persists.'
    severity: 2
    query: 'traces\n| where tostring(customDimensions.event) == "could not delete capture Job"\n| summarize Failures = count()'
    measure: 'Failures'
  }
  {
    key: 'webhook-5xx'
    displayName: 'snat-responder: alert webhook answered 5xx'
    description: 'The alert webhook answered 5xx: 503s are retried by the action group, 500s are lost alerts (broken configuration).'
    severity: 1
    query: 'requests\n| where operation_Name == "${webhookFunctionName}" or name == "${webhookFunctionName}"\n| where toint(resultCode) >= 500\n| summarize Failures = count()'
    measure: 'Failures'
  }
  {
    key: 'notification-failed'
    displayName: 'snat-responder: Teams notification not delivered'
    description: 'A report was stored but its Teams card was not delivered ("Teams notification failed", or notifications are off because of a bad setting).'
    severity: 3
    query: 'traces\n| extend event = tostring(customDimensions.event)\n| where event == "Teams notification failed" or event startswith "Teams notifications are off"\n| summarize Failures = count()'
    measure: 'Failures'
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = [
  for rule in rules: {
    name: '${namePrefix}-${rule.key}'
    location: location
    tags: tags
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        applicationInsightsResourceId
      ]
      evaluationFrequency: 'PT5M'
      windowSize: 'PT5M'
      autoMitigate: false
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Total'
            metricMeasureColumn: rule.measure
            operator: 'GreaterThan'
            threshold: 0
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
]

@description('Required. The name prefix the rules share (each rule is <prefix>-<failure mode>).')
output name string = namePrefix

@description('Required. The resource id of the first rule (failed investigations); resourceIds lists all of them.')
output resourceId string = alertRules[0].id

@description('Required. The names of the self-monitoring alert rules.')
output names string[] = [for (rule, i) in rules: alertRules[i].name]

@description('Required. The resource ids of the self-monitoring alert rules.')
output resourceIds string[] = [for (rule, i) in rules: alertRules[i].id]
