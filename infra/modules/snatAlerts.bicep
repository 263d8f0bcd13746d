// SNAT alerts for one AKS cluster. The rules live in the app's resource group and are scoped to the outbound load
// balancer `kubernetes` in the node resource group: nothing is written in MC_* (node-resource-group lockdown, AKS
// Automatic). Both rules split by BackendIPAddress (the node IP) so each alert names one node.
import { failedConnectionsAlertName, usedPortsAlertName } from '../types.bicep'

@description('Required. Resource id of the AKS cluster (names the rules, as main.bicep computes them for ALLOWED_ALERT_RULE_IDS).')
param clusterResourceId string

@description('Required. Subscription of the cluster and its node resource group.')
param clusterSubscriptionId string

@description('Required. Node resource group of the cluster, which holds the outbound load balancer.')
param nodeResourceGroup string

@description('Required. Resource id of the action group the alerts notify.')
param actionGroupResourceId string

@description('Optional. Name of the cluster\'s outbound load balancer.')
param loadBalancerName string = 'kubernetes'

@description('Required. Average UsedSnatPorts per backend (node) above which the alert fires.')
@minValue(1)
param usedSnatPortsThreshold int

@description('Required. SNAT ports each node gets (the threshold\'s basis, quoted in the rule description).')
@minValue(1)
param allocatedPortsPerNode int

@description('Optional. Tags of the alert rules.')
param tags object = {}

var clusterName = last(split(clusterResourceId, '/'))

resource loadBalancer 'Microsoft.Network/loadBalancers@2026-03-01' existing = {
  name: loadBalancerName
  scope: resourceGroup(clusterSubscriptionId, nodeResourceGroup)
}

resource usedSnatPorts 'Microsoft.Insights/metricAlerts@2026-01-01' = {
  name: usedPortsAlertName(clusterResourceId)
  location: 'global'
  tags: tags
  properties: {
    description: 'Average UsedSnatPorts of a node on ${clusterName} above ${usedSnatPortsThreshold} of its ${allocatedPortsPerNode} ports: snat-responder investigates which pods hold the ports.'
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
  name: failedConnectionsAlertName(clusterResourceId)
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

@description('Required. The name of the UsedSnatPorts alert rule.')
output name string = usedSnatPorts.name

@description('Required. The resource id of the UsedSnatPorts alert rule.')
output resourceId string = usedSnatPorts.id

@description('Required. The resource id of the failed SNAT connections alert rule.')
output failedConnectionsResourceId string = failedSnatConnections.id
