/**
 * A small service-tag document in the schema ARM (`Microsoft.Network/locations/{location}/serviceTags`) and the
 * downloadable `ServiceTags_Public_*.json` share. It holds the ranges the simulated cluster talks to: the demo's
 * Storage endpoint (20.60.1.12, 52.239.170.36 in Storage.WestEurope), an IPv6 Storage prefix, and the generic
 * AzureCloud tag a more specific tag must win over.
 */
export const SIM_SERVICE_TAGS_CHANGE_NUMBER = 318;

/** The document ARM answers for any location of the public cloud. */
export function simServiceTags(subscriptionId: string): Record<string, unknown> {
  const tag = (name: string, region: string, systemService: string, addressPrefixes: string[], change = 12) => ({
    name,
    id: name,
    serviceTagChangeNumber: String(change),
    properties: {
      // ARM types it as a string (the downloadable file has a number; the parser takes both).
      changeNumber: String(change),
      region,
      state: 'GA',
      systemService,
      addressPrefixes,
      networkFeatures: ['API', 'NSG', 'UDR', 'FW'],
    },
  });
  return {
    name: 'Public',
    id: `/subscriptions/${subscriptionId}/providers/Microsoft.Network/serviceTags/Public`,
    type: 'Microsoft.Network/serviceTags',
    changeNumber: String(SIM_SERVICE_TAGS_CHANGE_NUMBER),
    cloud: 'Public',
    values: [
      tag('AzureCloud', '', '', ['20.0.0.0/8', '52.224.0.0/11', '2603:1000::/24'], 97),
      tag('AzureCloud.westeurope', 'westeurope', '', ['20.60.0.0/16', '52.239.128.0/17', '2603:1020:200::/46'], 97),
      tag('Storage', '', 'AzureStorage', ['20.60.0.0/16', '52.239.128.0/17', '2603:1020:200::/48']),
      tag('Storage.WestEurope', 'westeurope', 'AzureStorage', [
        '20.60.0.0/16',
        '52.239.170.0/24',
        '2603:1020:200::/48',
      ]),
      tag('Sql.WestEurope', 'westeurope', 'AzureSQL', ['20.61.96.0/19', '2603:1020:201::/48']),
      tag('AzureKeyVault.WestEurope', 'westeurope', 'AzureKeyVault', ['20.61.80.0/24']),
      tag('AzureFrontDoor.Frontend', '', 'AzureFrontDoor', ['204.79.197.0/24', '2603:1061:13f1::/48']),
      tag('AzureMonitor', '', 'AzureMonitor', ['20.62.140.0/24']),
    ],
  };
}
