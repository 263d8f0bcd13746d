import { DEMO_FRONTEND_IP, DEMO_HOT_NODE, DEMO_LOAD_BALANCER_ID, DEMO_SUBSCRIPTION_ID } from './arm/world.js';

/**
 * The alert the demo delivers: a Common Alert Schema metric alert on the simulated cluster's `kubernetes`
 * load balancer, UsedSnatPorts split by BackendIPAddress, firing for the hot node, as an action group sends it.
 */
export function demoAlertPayload(firedAt: Date): Record<string, unknown> {
  const end = new Date(Math.floor(firedAt.getTime() / 60_000) * 60_000);
  const start = new Date(end.getTime() - 5 * 60_000);
  const ruleId = `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/rg-snat-responder/providers/microsoft.insights/metricAlerts/snat-used-ports-aks-prod-weu`;
  return {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId: `/subscriptions/${DEMO_SUBSCRIPTION_ID}/providers/Microsoft.AlertsManagement/alerts/8d6f2c1a-3b4e-4f5a-9c8d-7e6f5a4b3c2d`,
        alertRule: 'snat-used-ports-aks-prod-weu',
        severity: 'Sev1',
        signalType: 'Metric',
        monitorCondition: 'Fired',
        monitoringService: 'Platform',
        alertTargetIDs: [DEMO_LOAD_BALANCER_ID.toLowerCase()],
        configurationItems: ['kubernetes'],
        originAlertId: `${DEMO_SUBSCRIPTION_ID}_rg-snat-responder_microsoft.insights_metricAlerts_snat-used-ports-aks-prod-weu`,
        firedDateTime: firedAt.toISOString(),
        description: 'A node is running out of outbound SNAT ports',
        essentialsVersion: '1.0',
        alertContextVersion: '1.0',
        alertRuleID: ruleId,
      },
      alertContext: {
        properties: null,
        conditionType: 'SingleResourceMultipleMetricCriteria',
        condition: {
          windowSize: 'PT5M',
          allOf: [
            {
              metricName: 'UsedSnatPorts',
              metricNamespace: 'Microsoft.Network/loadBalancers',
              operator: 'GreaterThan',
              threshold: '900',
              timeAggregation: 'Average',
              dimensions: [
                { name: 'FrontendIPAddress', value: DEMO_FRONTEND_IP },
                { name: 'BackendIPAddress', value: DEMO_HOT_NODE.ip },
                { name: 'ProtocolType', value: 'TCP' },
              ],
              metricValue: 1008.2,
            },
          ],
          windowStartTime: start.toISOString(),
          windowEndTime: end.toISOString(),
        },
      },
      customProperties: null,
    },
  };
}
