/**
 * The simulated ARM answers in the shapes of the official REST API specification examples
 * (Azure/azure-rest-api-specs `examples/`, the API versions the SDKs in node_modules use): every field the
 * simulator sends must exist in the example with the same JSON type. Trimmed copies of the examples, with
 * their source path and commit, are in test/fixtures/arm-spec/. Where they differ, the simulator follows
 * the example.
 */
import { readFileSync } from 'node:fs';
import { type Agent, request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArmServer, startArmServer } from '../../../src/sim/arm/server.js';
import { DEMO_CLUSTER, DEMO_LOAD_BALANCER_ID, DEMO_SUBSCRIPTION_ID, demoArmWorld } from '../../../src/sim/arm/world.js';
import { testCertificate, trustingAgent } from '../../support/tls.js';

const FIXTURES = new URL('../../fixtures/arm-spec/', import.meta.url);

/** The API versions the SDK clients send (@azure/arm-containerservice, @azure/arm-monitor metrics). */
const API = { containerService: '2026-04-01', monitorMetrics: '2024-02-01', network: '2025-07-01' } as const;

type JsonType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';

/** Every path of a JSON value and its type; array elements share the path `a[]`. */
function shape(value: unknown, path = '', out = new Map<string, Set<JsonType>>()): Map<string, Set<JsonType>> {
  const type: JsonType =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'array'
        : (typeof value as 'string' | 'number' | 'boolean' | 'object');
  if (path) out.set(path, new Set([...(out.get(path) ?? []), type]));
  if (Array.isArray(value)) for (const v of value) shape(v, `${path}[]`, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) shape(v, path ? `${path}.${k}` : k, out);
  return out;
}

function example(file: string): { source: { path: string; commit: string }; shape: Map<string, Set<JsonType>> } {
  const doc = JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as {
    source: { path: string; commit: string };
    responses: { '200': { body: unknown } };
  };
  return { source: doc.source, shape: shape(doc.responses['200'].body) };
}

/** Union of the examples' shapes (one operation may need two examples to show its optional fields). */
function reference(files: string[]): Map<string, Set<JsonType>> {
  const out = new Map<string, Set<JsonType>>();
  for (const f of files) for (const [p, t] of example(f).shape) out.set(p, new Set([...(out.get(p) ?? []), ...t]));
  return out;
}

/**
 * Fields the specification defines but none of the examples above shows, with the swagger definition that
 * defines them. Only fields the product reads belong here; anything else the simulator must not send.
 */
const SCHEMA_ONLY: Record<string, Record<string, JsonType>> = {
  managedCluster: {
    // ManagedClusterIdentity
    identity: 'object',
    'identity.type': 'string',
    // PowerState
    'properties.powerState': 'object',
    'properties.powerState.code': 'string',
    // ManagedClusterProperties.disableLocalAccounts (admin credentials refused when true)
    'properties.disableLocalAccounts': 'boolean',
    // ManagedClusterAADProfile (Entra ID integration: the responder refuses clusters without it)
    'properties.aadProfile': 'object',
    'properties.aadProfile.managed': 'boolean',
    'properties.aadProfile.enableAzureRBAC': 'boolean',
    'properties.aadProfile.tenantID': 'string',
    // ContainerServiceNetworkProfile.networkPluginMode, ManagedClusterLoadBalancerProfile.backendPoolType
    'properties.networkProfile.networkPluginMode': 'string',
    'properties.networkProfile.loadBalancerProfile.backendPoolType': 'string',
    // ManagedClusterAgentPoolProfileProperties autoscaling (port math sizes for the autoscaler maximum)
    'properties.agentPoolProfiles[].enableAutoScaling': 'boolean',
    'properties.agentPoolProfiles[].minCount': 'number',
    'properties.agentPoolProfiles[].maxCount': 'number',
  },
  metrics: {
    // MetricValue.total: the aggregation of SnatConnectionCount (the example asks average/minimum/maximum)
    'value[].timeseries[].data[].total': 'number',
    'value[].timeseries[].data[].count': 'number',
  },
  metricsBatch: {
    // MetricValue.total, as for Metrics_List: the proactive scan asks failed SnatConnectionCount as Total
    'values[].value[].timeseries[].data[].total': 'number',
  },
  serviceTags: {
    // ServiceTagInformation.serviceTagChangeNumber (read-only, the tag's iteration for the region)
    'values[].serviceTagChangeNumber': 'string',
    // ServiceTagInformationPropertiesFormat.state (read-only)
    'values[].properties.state': 'string',
    // ServiceTagInformationPropertiesFormat.networkFeatures
    'values[].properties.networkFeatures': 'array',
    'values[].properties.networkFeatures[]': 'string',
  },
};

/** Paths of `actual` whose type the reference (or the schema-only list) does not allow. */
function differences(
  actual: unknown,
  ref: Map<string, Set<JsonType>>,
  schemaOnly: Record<string, JsonType> = {},
): string[] {
  const out: string[] = [];
  for (const [p, types] of shape(actual)) {
    const allowed = new Set([...(ref.get(p) ?? []), ...(schemaOnly[p] ? [schemaOnly[p]] : [])]);
    if (allowed.size === 0) out.push(`${p}: not in the example`);
    else for (const t of types) if (!allowed.has(t)) out.push(`${p}: ${t}, the example has ${[...allowed].join('|')}`);
  }
  return out;
}

let arm: ArmServer;
let agent: Agent;

beforeAll(async () => {
  const tls = await testCertificate();
  agent = trustingAgent(tls);
  arm = await startArmServer({ world: demoArmWorld({ now: new Date('2026-11-26T10:00:00Z') }), tls });
});
afterAll(async () => {
  await arm.close();
  agent.destroy();
});

function call(method: string, path: string, body = ''): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${arm.endpoint}${path}`,
      { method, agent, headers: { authorization: 'Bearer sim', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const CLUSTER = `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/${DEMO_CLUSTER.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${DEMO_CLUSTER.name}`;

describe('simulated ARM responses have the REST specification examples’ field names and types', () => {
  it('the fixtures name their source in Azure/azure-rest-api-specs, at the API versions the SDKs use', () => {
    for (const [file, version] of [
      ['ManagedClustersGet.json', API.containerService],
      ['ManagedClustersCreate_Premium.json', API.containerService],
      ['ManagedClustersListClusterUserCredentials.json', API.containerService],
      ['LoadBalancerCreateWithOutboundRules.json', API.network],
      ['GetMetric.json', API.monitorMetrics],
      ['MetricBatchExample.json', API.monitorMetrics],
      ['ServiceTagsList.json', API.network],
    ] as const) {
      const { source } = example(file);
      expect(source.path).toContain(`/stable/${version}/examples/${file}`);
      expect(source.commit).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it('managedClusters get (ManagedClusters_Get)', async () => {
    const r = await call('GET', `${CLUSTER}?api-version=${API.containerService}`);
    expect(r.status).toBe(200);
    const ref = reference(['ManagedClustersGet.json', 'ManagedClustersCreate_Premium.json']);
    expect(differences(r.body, ref, SCHEMA_ONLY.managedCluster)).toEqual([]);
    // The fields the resolver reads are there.
    expect(shape(r.body).has('properties.nodeResourceGroup')).toBe(true);
    expect(shape(r.body).has('properties.networkProfile.outboundType')).toBe(true);
  });

  it('listClusterUserCredential (ManagedClusters_ListClusterUserCredentials)', async () => {
    const r = await call('POST', `${CLUSTER}/listClusterUserCredential?api-version=${API.containerService}`);
    expect(r.status).toBe(200);
    expect(differences(r.body, reference(['ManagedClustersListClusterUserCredentials.json']))).toEqual([]);
  });

  it('loadBalancers get (LoadBalancers_Get)', async () => {
    const r = await call('GET', `${DEMO_LOAD_BALANCER_ID}?api-version=${API.network}`);
    expect(r.status).toBe(200);
    expect(differences(r.body, reference(['LoadBalancerCreateWithOutboundRules.json']))).toEqual([]);
  });

  it('metrics list (Metrics_List), with every aggregation the product asks for', async () => {
    const q = new URLSearchParams({
      'api-version': API.monitorMetrics,
      metricnames: 'UsedSnatPorts,AllocatedSnatPorts,SnatConnectionCount',
      metricnamespace: 'Microsoft.Network/loadBalancers',
      aggregation: 'average,maximum,total',
      interval: 'PT1M',
      timespan: '2026-11-26T09:30:00Z/2026-11-26T10:00:00Z',
      $filter: "BackendIPAddress eq '*'",
      top: '50',
    });
    const r = await call('GET', `${DEMO_LOAD_BALANCER_ID}/providers/Microsoft.Insights/metrics?${q}`);
    expect(r.status).toBe(200);
    expect(differences(r.body, reference(['GetMetric.json']), SCHEMA_ONLY.metrics)).toEqual([]);
    expect(shape(r.body).has('value[].timeseries[].data[].maximum')).toBe(true);
  });

  it('metrics batch (MetricsBatch_Batch, the regional data plane), as the proactive scan asks it', async () => {
    const q = new URLSearchParams({
      'api-version': API.monitorMetrics,
      metricnamespace: 'Microsoft.Network/loadBalancers',
      metricnames: 'UsedSnatPorts,AllocatedSnatPorts,SnatConnectionCount',
      aggregation: 'maximum,total',
      interval: 'PT1M',
      starttime: '2026-11-26T09:30:00Z',
      endtime: '2026-11-26T10:00:00Z',
      filter: "BackendIPAddress eq '*'",
      top: '5000',
    });
    const r = await call(
      'POST',
      `/subscriptions/${DEMO_SUBSCRIPTION_ID}/metrics:getBatch?${q}`,
      JSON.stringify({ resourceids: [DEMO_LOAD_BALANCER_ID] }),
    );
    expect(r.status).toBe(200);
    expect(differences(r.body, reference(['MetricBatchExample.json']), SCHEMA_ONLY.metricsBatch)).toEqual([]);
    expect(shape(r.body).has('values[].resourceid')).toBe(true);
  });

  it('service tags (ServiceTags_List), when the simulator serves them', async (ctx) => {
    const r = await call(
      'GET',
      `/subscriptions/${DEMO_SUBSCRIPTION_ID}/providers/Microsoft.Network/locations/${DEMO_CLUSTER.location}/serviceTags?api-version=${API.network}`,
    );
    if (r.status === 404 && JSON.stringify(r.body).includes('is not simulated')) {
      process.stderr.write('SKIPPED service tags shape: the ARM simulator does not serve serviceTags yet\n');
      return ctx.skip();
    }
    expect(r.status).toBe(200);
    expect(differences(r.body, reference(['ServiceTagsList.json']), SCHEMA_ONLY.serviceTags)).toEqual([]);
  });

  it('the comparison catches a field the example does not have, and a wrong type', () => {
    const ref = reference(['ManagedClustersListClusterUserCredentials.json']);
    expect(differences({ kubeconfigs: [{ name: 'x', value: 1, extra: true }] }, ref)).toEqual([
      'kubeconfigs[].value: number, the example has string',
      'kubeconfigs[].extra: not in the example',
    ]);
  });
});
