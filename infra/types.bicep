// User-defined types shared by main.bicep and its modules.

@export()
@description('An AKS cluster the responder watches (metric alerts on its outbound load balancer) and may investigate.')
type targetClusterType = {
  @description('Required. Resource id of the AKS managed cluster (/subscriptions/.../resourceGroups/.../providers/Microsoft.ContainerService/managedClusters/NAME).')
  @minLength(1)
  resourceId: string

  @description('Required. Name of the cluster\'s node resource group (`az aks show --query nodeResourceGroup -o tsv`), which holds the outbound load balancer named `kubernetes`.')
  @minLength(1)
  nodeResourceGroup: string
}
