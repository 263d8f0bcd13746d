/**
 * How to take an Azure service's traffic off SNAT, by service tag: the private endpoint (Private Link DNS zone) and
 * the subnet service endpoint. Apart from the service-tag document parser so that ranking and recommendations do
 * not load its schema library (zod) on every `analyze`.
 */

/** How to take a service's traffic off SNAT: the private-endpoint / service-endpoint step for its tag. */
export interface AzureServiceAdvice {
  /** `Azure Storage`. */
  service: string;
  /** Private Link DNS zone hint, e.g. `privatelink.blob.core.windows.net`; null when the service has no private endpoint. */
  privateLinkZone: string | null;
  /** `Microsoft.Storage`: the subnet service endpoint, null when none exists. */
  serviceEndpoint: string | null;
}

/** Base tag name (before the region) -> service and its private paths. */
const SERVICE_ADVICE: Record<string, AzureServiceAdvice> = {
  Storage: {
    service: 'Azure Storage',
    privateLinkZone: 'privatelink.blob.core.windows.net',
    serviceEndpoint: 'Microsoft.Storage',
  },
  Sql: {
    service: 'Azure SQL Database',
    privateLinkZone: 'privatelink.database.windows.net',
    serviceEndpoint: 'Microsoft.Sql',
  },
  AzureCosmosDB: {
    service: 'Azure Cosmos DB',
    privateLinkZone: 'privatelink.documents.azure.com',
    serviceEndpoint: 'Microsoft.AzureCosmosDB',
  },
  AzureKeyVault: {
    service: 'Azure Key Vault',
    privateLinkZone: 'privatelink.vaultcore.azure.net',
    serviceEndpoint: 'Microsoft.KeyVault',
  },
  ServiceBus: {
    service: 'Azure Service Bus',
    privateLinkZone: 'privatelink.servicebus.windows.net',
    serviceEndpoint: 'Microsoft.ServiceBus',
  },
  EventHub: {
    service: 'Azure Event Hubs',
    privateLinkZone: 'privatelink.servicebus.windows.net',
    serviceEndpoint: 'Microsoft.EventHub',
  },
  AzureContainerRegistry: {
    service: 'Azure Container Registry',
    privateLinkZone: 'privatelink.azurecr.io',
    serviceEndpoint: 'Microsoft.ContainerRegistry',
  },
  AppService: {
    service: 'Azure App Service',
    privateLinkZone: 'privatelink.azurewebsites.net',
    serviceEndpoint: 'Microsoft.Web',
  },
  CognitiveServicesFrontend: {
    service: 'Azure AI services',
    privateLinkZone: 'privatelink.cognitiveservices.azure.com',
    serviceEndpoint: 'Microsoft.CognitiveServices',
  },
  AzureMonitor: {
    service: 'Azure Monitor',
    privateLinkZone: 'privatelink.monitor.azure.com',
    serviceEndpoint: null,
  },
  PostgreSql: {
    service: 'Azure Database for PostgreSQL',
    privateLinkZone: 'privatelink.postgres.database.azure.com',
    serviceEndpoint: null,
  },
  MySql: {
    service: 'Azure Database for MySQL',
    privateLinkZone: 'privatelink.mysql.database.azure.com',
    serviceEndpoint: null,
  },
};

/**
 * The service behind a tag and how to reach it privately; null for tags with no private path (AzureCloud,
 * Microsoft Container Registry, Entra ID...), where the advice is connection reuse or a NAT gateway instead.
 *
 * @example serviceAdvice('Storage.WestEurope') // { service: 'Azure Storage', privateLinkZone: 'privatelink.blob.core.windows.net', serviceEndpoint: 'Microsoft.Storage' }
 */
export function serviceAdvice(tag: string): AzureServiceAdvice | null {
  const base = tag.split('.')[0] ?? tag;
  return SERVICE_ADVICE[base] ?? null;
}
