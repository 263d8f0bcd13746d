// User-defined types and functions shared by main.bicep, clusters.bicep and their modules.

@export()
@description('An AKS cluster the responder watches (metric alerts on its outbound load balancer) and may investigate.')
type targetClusterType = {
  @description('Required. Resource id of the AKS managed cluster (/subscriptions/.../resourceGroups/.../providers/Microsoft.ContainerService/managedClusters/NAME).')
  @minLength(1)
  resourceId: string

  @description('Optional. Name of the cluster\'s node resource group; the postprovision hook reads it from the cluster when absent.')
  nodeResourceGroup: string?

  @description('Optional. Largest node count the cluster reaches, for clusters whose node pools have no maximum (node auto-provisioning); the hook otherwise adds up autoscaler maximums and upgrade surge.')
  @minValue(1)
  maxNodes: int?
}

@export()
@description('A target cluster as the postprovision hook hands it to clusters.bicep, with what it read from the cluster.')
type clusterWiringType = {
  @description('Required. Resource id of the AKS managed cluster.')
  @minLength(1)
  resourceId: string

  @description('Required. Name of the cluster\'s node resource group, which holds the outbound load balancer `kubernetes`.')
  @minLength(1)
  nodeResourceGroup: string

  @description('Required. SNAT ports each node gets: the configured allocatedOutboundPorts, or the automatic share for the largest backend pool the cluster can reach.')
  @minValue(1)
  allocatedPortsPerNode: int

  @description('Required. Average UsedSnatPorts per node above which the alert fires (a percentage of allocatedPortsPerNode).')
  @minValue(1)
  usedSnatPortsThreshold: int
}

@export()
@description('Name of the UsedSnatPorts alert rule of a cluster: the cluster name plus a hash of its id (two clusters may share a name).')
func usedPortsAlertName(clusterResourceId string) string =>
  'snat-used-ports-${last(split(clusterResourceId, '/'))}-${take(uniqueString(toLower(clusterResourceId)), 6)}'

@export()
@description('Name of the failed SNAT connections alert rule of a cluster.')
func failedConnectionsAlertName(clusterResourceId string) string =>
  'snat-failed-connections-${last(split(clusterResourceId, '/'))}-${take(uniqueString(toLower(clusterResourceId)), 6)}'
