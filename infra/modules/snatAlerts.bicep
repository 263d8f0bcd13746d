// SNAT alerts for one AKS cluster, deployed into its node resource group where the outbound load balancer
// `kubernetes` lives. Both rules split by BackendIPAddress (the node IP) so each alert names one node.

@description('Required. Name of the AKS cluster, used in the alert names.')
param clusterName string

@description('Required. Resource id of the action group the alerts notify.')
param actionGroupResourceId string

@description('Optional. Name of the cluster\'s outbound load balancer.')
param loadBalancerName string = 'kubernetes'

@description('Optional. Average UsedSnatPorts per backend (node) above which the alert fires.')
@minValue(1)
param usedSnatPortsThreshold int = 900

@description('Optional. Send the load balancer\'s health events (ALBHealthEvent) to this workspace; null to leave diagnostics unchanged.')
param healthEventWorkspaceResourceId string?

@description('Optional. Tags of the alert rules.')
param tags object = {}

resource loadBalancer 'Microsoft.Network/loadBalancers@2026-03-01' existing = {
  name: loadBalancerName
}

resource usedSnatPorts 'Microsoft.Insights/metricAlerts@2026-01-01' = {
  name: 'snat-used-ports-${clusterName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Average UsedSnatPorts of a node on ${clusterName} above ${usedSnatPortsThreshold}: snat-responder investigates which pods hold the ports.'
    severity: 1
    enabled: true
    scopes: [
      loadBalancer.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    autoMitigate: true
    targetResourceType: 'Microsoft.Network/loadBalancers'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'UsedSnatPortsHigh'
          metricNamespace: 'Microsoft.Network/loadBalancers'
          metricName: 'UsedSnatPorts'
          timeAggregation: 'Average'
          operator: 'GreaterThan'
          threshold: usedSnatPortsThreshold
          dimensions: [
            {
              name: 'BackendIPAddress'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroupResourceId
      }
    ]
  }
}

resource failedSnatConnections 'Microsoft.Insights/metricAlerts@2026-01-01' = {
  name: 'snat-failed-connections-${clusterName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Failed outbound SNAT connections on a node of ${clusterName}: ports are exhausted now.'
    severity: 1
    enabled: true
    scopes: [
      loadBalancer.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    autoMitigate: true
    targetResourceType: 'Microsoft.Network/loadBalancers'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'FailedSnatConnections'
          metricNamespace: 'Microsoft.Network/loadBalancers'
          metricName: 'SnatConnectionCount'
          timeAggregation: 'Total'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'ConnectionState'
              operator: 'Include'
              values: [
                'failed'
              ]
            }
            {
              name: 'BackendIPAddress'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroupResourceId
      }
    ]
  }
}

// 2021-05-01-preview is the newest diagnosticSettings API; the linter's suggestion (2016-09-01) is an older
// schema without logAnalyticsDestinationType, which routes health events to the ALBHealthEvent table.
#disable-next-line use-recent-api-versions
resource healthEvents 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (healthEventWorkspaceResourceId != null) {
  scope: loadBalancer
  name: 'snat-responder-health-events'
  properties: {
    workspaceId: healthEventWorkspaceResourceId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        category: 'LoadBalancerHealthEvent'
        enabled: true
      }
    ]
  }
}

@description('Required. The name of the UsedSnatPorts alert rule.')
output name string = usedSnatPorts.name

@description('Required. The resource id of the UsedSnatPorts alert rule.')
output resourceId string = usedSnatPorts.id

@description('Required. The resource id of the failed SNAT connections alert rule.')
output failedConnectionsResourceId string = failedSnatConnections.id
