// Opt-in: sends one load balancer's health events (ALBHealthEvent, incl. SnatPortExhaustion) to the app's Log
// Analytics workspace. This is a write on the load balancer in the node resource group (MC_*): clusters with
// node-resource-group lockdown (AKS Automatic) refuse it, hence off by default (enableSnatHealthEventAlert).

@description('Optional. Name of the cluster\'s outbound load balancer (in this, the node resource group).')
param loadBalancerName string = 'kubernetes'

@description('Required. Log Analytics workspace that receives the health events.')
param workspaceResourceId string

resource loadBalancer 'Microsoft.Network/loadBalancers@2026-03-01' existing = {
  name: loadBalancerName
}

// 2021-05-01-preview is the newest diagnosticSettings API; the linter's suggestion (2016-09-01) is an older
// schema without logAnalyticsDestinationType, which routes health events to the ALBHealthEvent table.
#disable-next-line use-recent-api-versions
resource healthEvents 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: loadBalancer
  name: 'snat-responder-health-events'
  properties: {
    workspaceId: workspaceResourceId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        category: 'LoadBalancerHealthEvent'
        enabled: true
      }
    ]
  }
}

@description('Required. The name of the diagnostic setting.')
output name string = healthEvents.name

@description('Required. The resource id of the diagnostic setting.')
output resourceId string = healthEvents.id
