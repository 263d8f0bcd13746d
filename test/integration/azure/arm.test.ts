import { type Agent, request } from 'node:https';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ArmClusterResolver } from '../../../src/azure/arm/clusterResolver.js';
import { AKS_SERVER_SCOPE, AksCredentialProvider, usesExternalAuth } from '../../../src/azure/arm/kubeCredentials.js';
import { parseLoadBalancerId } from '../../../src/azure/arm/resourceId.js';
import { ArmServiceTags } from '../../../src/azure/arm/serviceTags.js';
import { SnatMetricsReader } from '../../../src/azure/arm/snatMetrics.js';
import {
  ArmAuthorizationError,
  ArmNotFoundError,
  ArmUnavailableError,
  ClusterCredentialsError,
  ClusterNotFoundError,
  InvalidArgumentError,
  InvalidResourceIdError,
} from '../../../src/azure/errors.js';
import { snatSupport } from '../../../src/investigation/clusterInfo.js';
import { simArmAdapterOptions, staticTokenCredential } from '../../../src/sim/arm/credential.js';
import { type ArmServer, parseMetricsFilter, startArmServer } from '../../../src/sim/arm/server.js';
import { SIM_SERVICE_TAGS_CHANGE_NUMBER } from '../../../src/sim/arm/serviceTags.js';
import {
  type ArmWorld,
  DEMO_CLUSTER,
  DEMO_HOT_NODE,
  DEMO_LOAD_BALANCER_ID,
  DEMO_SUBSCRIPTION_ID,
  demoArmWorld,
} from '../../../src/sim/arm/world.js';
import { testCertificate, trustingAgent } from '../../support/tls.js';

/** A static credential that records the scopes it was asked for. */
function staticCredential(token = 'test-arm-token'): TokenCredential & { scopes: string[] } {
  const scopes: string[] = [];
  return {
    scopes,
    async getToken(scope: string | string[]): Promise<AccessToken> {
      scopes.push(...(Array.isArray(scope) ? scope : [scope]));
      return {
        token: `${token}:${Array.isArray(scope) ? scope[0] : scope}`,
        expiresOnTimestamp: Date.now() + 3_600_000,
      };
    },
  };
}

const NOW = new Date('2026-11-03T09:30:00.000Z');
const WINDOW = { start: new Date(NOW.getTime() - 30 * 60_000), end: new Date(NOW.getTime() + 60_000) };

let world: ArmWorld;
let arm: ArmServer;
let agent: Agent;
let credential: ReturnType<typeof staticCredential>;

function opts() {
  return { credential, endpoint: arm.endpoint, agent, retryOptions: { maxRetries: 0 } };
}

beforeAll(async () => {
  const tls = await testCertificate();
  agent = trustingAgent(tls);
  world = demoArmWorld({ now: NOW });
  world.listPageSize = 1; // exercise nextLink paging with the real SDK pager
  arm = await startArmServer({ world, tls });
});

afterAll(async () => {
  await arm.close();
});

beforeEach(() => {
  world.faults.length = 0;
  arm.requests.length = 0;
  credential = staticCredential();
});

describe('parseLoadBalancerId', () => {
  it('parses an id with or without the leading slash, case-insensitively', () => {
    const ref = parseLoadBalancerId(DEMO_LOAD_BALANCER_ID.slice(1).replace('resourceGroups', 'resourcegroups'));
    expect(ref).toEqual({
      id: DEMO_LOAD_BALANCER_ID,
      subscriptionId: DEMO_SUBSCRIPTION_ID,
      resourceGroup: DEMO_CLUSTER.nodeResourceGroup,
      name: 'kubernetes',
    });
  });

  it('throws InvalidResourceIdError for a non load balancer id', () => {
    expect(() =>
      parseLoadBalancerId('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip'),
    ).toThrow(InvalidResourceIdError);
    expect(() =>
      parseLoadBalancerId(
        `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/r'g/providers/Microsoft.Network/loadBalancers/k`,
      ),
    ).toThrow(/unexpected characters/);
  });

  it.each([
    [
      'a ".." segment',
      `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/..`,
      /"\.\." segment/,
    ],
    [
      'a ".." in the path',
      `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/../providers/Microsoft.Network/loadBalancers/kubernetes`,
      /"\.\." segment/,
    ],
    [
      'an empty segment',
      `/subscriptions/${DEMO_SUBSCRIPTION_ID}//resourceGroups/rg/providers/Microsoft.Network/loadBalancers/kubernetes`,
      /empty segment/,
    ],
    ['a trailing slash', `${DEMO_LOAD_BALANCER_ID}/`, /empty segment/],
    ['a child resource', `${DEMO_LOAD_BALANCER_ID}/frontendIPConfigurations/x`, /not a load balancer id/],
    [
      'a subscription that is not a GUID',
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/k',
      /not a GUID/,
    ],
    [
      'another provider path',
      `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.Network2/loadBalancers/k`,
      /not a load balancer id/,
    ],
  ])('refuses an id with %s', (_what, id, message) => {
    expect(() => parseLoadBalancerId(id)).toThrow(InvalidResourceIdError);
    expect(() => parseLoadBalancerId(id)).toThrow(message);
  });
});

describe('ArmClusterResolver', () => {
  describe('resolveFromLoadBalancer', () => {
    it('finds the cluster whose node resource group holds the load balancer, across list pages', async () => {
      const info = await new ArmClusterResolver(opts()).resolveFromLoadBalancer(
        DEMO_LOAD_BALANCER_ID.replace(DEMO_CLUSTER.nodeResourceGroup, DEMO_CLUSTER.nodeResourceGroup.toUpperCase()),
      );
      expect(info).toEqual({
        resourceId: `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-weu`,
        name: 'aks-prod-weu',
        resourceGroup: 'rg-prod',
        subscriptionId: DEMO_SUBSCRIPTION_ID,
        nodeResourceGroup: 'MC_rg-prod_aks-prod-weu_westeurope',
        outboundType: 'loadBalancer',
        aadProfile: { managed: true, enableAzureRbac: true },
        disableLocalAccounts: false,
        kubernetesVersion: '1.32.4',
        outboundPorts: null,
        managedOutboundIpCount: 1,
        idleTimeoutMinutes: 30,
        nodeCount: 4,
        location: 'westeurope',
        agentPools: [
          {
            name: 'nodepool1',
            count: 4,
            enableAutoScaling: true,
            maxCount: 10,
            maxSurge: null,
            usesLoadBalancer: true,
          },
        ],
        ipFamilies: ['IPv4'],
        managedOutboundIpv6Count: null,
      });
      const lists = arm.requests.filter((r) => r.path.endsWith('/managedClusters'));
      expect(lists).toHaveLength(2);
      expect(lists[1]?.query.$skipToken).toBe('1');
      expect(credential.scopes[0]).toBe(`${arm.endpoint}/.default`);
    });

    it('reports explicit outbound ports and treats 0 as automatic', async () => {
      const props = world.clusters[1]?.properties as {
        networkProfile: { loadBalancerProfile: Record<string, unknown> };
      };
      props.networkProfile.loadBalancerProfile.allocatedOutboundPorts = 4000;
      try {
        const info = await new ArmClusterResolver(opts()).resolveFromLoadBalancer(DEMO_LOAD_BALANCER_ID);
        expect(info.outboundPorts).toBe(4000);
      } finally {
        props.networkProfile.loadBalancerProfile.allocatedOutboundPorts = 0;
      }
    });

    it('throws ClusterNotFoundError when no cluster owns the resource group', async () => {
      const lb = DEMO_LOAD_BALANCER_ID.replace(DEMO_CLUSTER.nodeResourceGroup, 'MC_other');
      await expect(new ArmClusterResolver(opts()).resolveFromLoadBalancer(lb)).rejects.toThrow(ClusterNotFoundError);
      await expect(new ArmClusterResolver(opts()).resolveFromLoadBalancer(lb)).rejects.toThrow(
        /aks-batch-neu, aks-prod-weu/,
      );
    });

    it('throws InvalidResourceIdError before calling ARM', async () => {
      await expect(new ArmClusterResolver(opts()).resolveFromLoadBalancer('kubernetes')).rejects.toThrow(
        InvalidResourceIdError,
      );
      expect(arm.requests).toHaveLength(0);
    });

    it('translates 403 into ArmAuthorizationError with the ARM code', async () => {
      world.faults.push({ pathIncludes: '/managedClusters', status: 403 });
      const err = await new ArmClusterResolver(opts()).resolveFromLoadBalancer(DEMO_LOAD_BALANCER_ID).catch((e) => e);
      expect(err).toBeInstanceOf(ArmAuthorizationError);
      expect(err).toMatchObject({ statusCode: 403, code: 'AuthorizationFailed', retryable: false });
    });

    it('translates 429 and 500 into retryable ArmUnavailableError', async () => {
      world.faults.push({ pathIncludes: '/managedClusters', status: 429, retryAfter: '1' });
      const throttled = await new ArmClusterResolver(opts())
        .resolveFromLoadBalancer(DEMO_LOAD_BALANCER_ID)
        .catch((e) => e);
      expect(throttled).toBeInstanceOf(ArmUnavailableError);
      expect(throttled).toMatchObject({ statusCode: 429, retryable: true });

      world.faults.push({ pathIncludes: '/managedClusters', status: 500 });
      const failed = await new ArmClusterResolver(opts())
        .resolveFromLoadBalancer(DEMO_LOAD_BALANCER_ID)
        .catch((e) => e);
      expect(failed).toBeInstanceOf(ArmUnavailableError);
      expect(failed).toMatchObject({ statusCode: 500, code: 'InternalServerError' });
    });

    it('succeeds after a transient 503 when the SDK retry policy is on', async () => {
      world.faults.push({ pathIncludes: '/managedClusters', status: 503, retryAfter: '0' });
      const resolver = new ArmClusterResolver({ ...opts(), retryOptions: { maxRetries: 2, retryDelayInMs: 10 } });
      await expect(resolver.resolveFromLoadBalancer(DEMO_LOAD_BALANCER_ID)).resolves.toMatchObject({
        name: 'aks-prod-weu',
      });
      expect(arm.requests.filter((r) => r.path.endsWith('/managedClusters')).length).toBe(3);
    });

    it('translates an unknown subscription (404) into ArmNotFoundError', async () => {
      const lb = DEMO_LOAD_BALANCER_ID.replace(DEMO_SUBSCRIPTION_ID, '00000000-0000-0000-0000-000000000000');
      const err = await new ArmClusterResolver(opts()).resolveFromLoadBalancer(lb).catch((e) => e);
      expect(err).toBeInstanceOf(ArmNotFoundError);
      expect(err.code).toBe('SubscriptionNotFound');
    });
  });

  describe('snatSupport', () => {
    it('supports loadBalancer and explains NAT gateway and UDR', () => {
      expect(snatSupport({ name: 'a', outboundType: 'loadBalancer' }).supported).toBe(true);
      const nat = snatSupport({ name: 'a', outboundType: 'managedNATGateway' });
      expect(nat).toMatchObject({ supported: false });
      expect(nat.reason).toMatch(/NAT gateway/);
      expect(snatSupport({ name: 'a', outboundType: 'userDefinedRouting' }).reason).toMatch(/firewall/);
    });
  });
});

describe('SnatMetricsReader', () => {
  describe('nodeSnapshot', () => {
    it('merges used, allocated and failed connections per minute for one node', async () => {
      const points = await new SnatMetricsReader(opts()).nodeSnapshot(DEMO_LOAD_BALANCER_ID, DEMO_HOT_NODE.ip, WINDOW);
      expect(points).toHaveLength(31);
      expect(points.every((p) => p.allocatedPorts === 1024)).toBe(true);
      const first = points[0];
      const last = points.at(-1);
      expect(first?.timestamp).toBe('2026-11-03T09:00:00.000Z');
      expect(first?.usedPorts).toBeLessThan(200);
      expect(last?.usedPorts).toBeGreaterThan(950);
      expect(first?.failedConnections).toBe(0);
      expect(last?.failedConnections).toBeGreaterThan(0);
      expect(points.filter((p) => (p.failedConnections ?? 0) > 0)).toHaveLength(10);

      const metricCalls = arm.requests.filter((r) => r.path.endsWith('/providers/Microsoft.Insights/metrics'));
      expect(metricCalls).toHaveLength(2);
      expect(metricCalls.every((r) => r.path.startsWith('/subscriptions/'))).toBe(true);
      const failed = metricCalls.find((r) => r.query.metricnames === 'SnatConnectionCount');
      expect(failed?.query.$filter).toBe("BackendIPAddress eq '10.224.0.7' and ConnectionState eq 'failed'");
      expect(failed?.query.aggregation).toBe('Total');
      expect(failed?.query.interval).toBe('PT1M');
    });

    it('reads the whole load balancer when the backend IP is null', async () => {
      const points = await new SnatMetricsReader(opts()).nodeSnapshot(DEMO_LOAD_BALANCER_ID, null, WINDOW);
      expect(points.at(-1)?.allocatedPorts).toBe(1024);
      expect(points.at(-1)?.failedConnections).toBeGreaterThan(0);
    });

    it('returns null values for minutes without data', async () => {
      const later = { start: new Date(NOW.getTime() + 10 * 60_000), end: new Date(NOW.getTime() + 13 * 60_000) };
      const points = await new SnatMetricsReader(opts()).nodeSnapshot(DEMO_LOAD_BALANCER_ID, DEMO_HOT_NODE.ip, later);
      expect(points).toHaveLength(3);
      expect(points.every((p) => p.usedPorts === null && p.allocatedPorts === null)).toBe(true);
    });

    it('refuses a backend IP that is not an IP (it would go into the filter)', async () => {
      await expect(
        new SnatMetricsReader(opts()).nodeSnapshot(DEMO_LOAD_BALANCER_ID, "10.0.0.1' or 1 eq '1", WINDOW),
      ).rejects.toThrow(InvalidArgumentError);
    });

    it('translates a metrics 500 into ArmUnavailableError', async () => {
      world.faults.push({ pathIncludes: '/Microsoft.Insights/metrics', status: 500, times: 2 });
      await expect(
        new SnatMetricsReader(opts()).nodeSnapshot(DEMO_LOAD_BALANCER_ID, DEMO_HOT_NODE.ip, WINDOW),
      ).rejects.toThrow(ArmUnavailableError);
    });
  });

  describe('worstBackends', () => {
    it('ranks backends by peak used ports and raises top above the default 10', async () => {
      const worst = await new SnatMetricsReader(opts()).worstBackends(DEMO_LOAD_BALANCER_ID, WINDOW, 2);
      expect(worst).toHaveLength(2);
      expect(worst[0]?.backendIp).toBe('10.224.0.7');
      expect(worst[0]?.maxUsedPorts).toBeGreaterThan(950);
      expect(worst[1]?.maxUsedPorts).toBeLessThan(100);
      const call = arm.requests.find((r) => r.path.endsWith('/metrics'));
      expect(call?.query.$filter).toBe("BackendIPAddress eq '*'");
      expect(Number(call?.query.top)).toBeGreaterThan(10);
    });

    it('sees every backend of a large pool (more than the 10 series Azure returns by default)', async () => {
      const big = demoArmWorld({ now: NOW });
      const lb = big.loadBalancers[0];
      if (!lb) throw new Error('demo world has no load balancer');
      for (let i = 0; i < 40; i++) {
        lb.metrics.push({
          metric: 'UsedSnatPorts',
          dimensions: { BackendIPAddress: `10.224.1.${i}`, FrontendIPAddress: '20.105.42.17', ProtocolType: 'TCP' },
          points: [{ timestamp: NOW.toISOString(), value: i === 39 ? 2000 : 10 }],
        });
      }
      const tls = await testCertificate();
      const other = await startArmServer({ world: big, tls });
      try {
        const reader = new SnatMetricsReader({ ...opts(), endpoint: other.endpoint });
        const worst = await reader.worstBackends(DEMO_LOAD_BALANCER_ID, WINDOW, 3);
        expect(worst.map((w) => w.backendIp)).toEqual(['10.224.1.39', '10.224.0.7', '10.224.0.6']);
      } finally {
        await other.close();
      }
    });
  });
});

describe('AksCredentialProvider', () => {
  describe('kubeconfigFor', () => {
    it('returns the kubeconfig and an AKS-scoped token for an Entra ID cluster', async () => {
      const info = await new ArmClusterResolver(opts()).resolveFromLoadBalancer(DEMO_LOAD_BALANCER_ID);
      const aks = staticCredential('aks');
      const result = await new AksCredentialProvider({ ...opts(), aksTokenCredential: aks }).kubeconfigFor(info);
      expect(result.kubeconfigYaml).toMatch(/command: kubelogin/);
      expect(result.kubeconfigYaml).toMatch(/server: https:\/\/aks-prod-weu/);
      expect(result.bearerToken).toBe(`aks:${AKS_SERVER_SCOPE}`);
      expect(aks.scopes).toEqual([AKS_SERVER_SCOPE]);
      const post = arm.requests.find((r) => r.path.endsWith('/listClusterUserCredential'));
      expect(post?.method).toBe('POST');
    });

    it('refuses a cluster without Entra ID (local accounts) unless allowLocalAccounts', async () => {
      const local = demoArmWorld({ now: NOW, aad: false, kubeApiServer: 'http://127.0.0.1:6443' });
      const tls = await testCertificate();
      const other = await startArmServer({ world: local, tls });
      try {
        const o = { ...opts(), endpoint: other.endpoint };
        const info = await new ArmClusterResolver(o).resolveFromLoadBalancer(DEMO_LOAD_BALANCER_ID);
        expect(info.aadProfile).toBeNull();
        const err = await new AksCredentialProvider(o).kubeconfigFor(info).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ClusterCredentialsError);
        expect((err as ClusterCredentialsError).retryable).toBe(false);
        expect((err as Error).message).toBe(
          'Refused: cluster aks-prod-weu has no Entra ID integration (its users are local accounts); local accounts are admin-grade. Enable Entra ID integration on the cluster (az aks update --enable-aad), or set ALLOW_ADMIN_CREDENTIALS=true to accept them.',
        );
        const result = await new AksCredentialProvider({ ...o, allowLocalAccounts: true }).kubeconfigFor(info);
        expect(result.bearerToken).toBeNull();
        expect(result.localAccount).toBe(true);
        expect(result.kubeconfigYaml).toMatch(/server: http:\/\/127\.0\.0\.1:6443/);
      } finally {
        await other.close();
      }
    });

    it('refuses a kubeconfig that carries a client certificate, even on an Entra ID cluster', async () => {
      const info = await new ArmClusterResolver(opts()).resolveFromLoadBalancer(DEMO_LOAD_BALANCER_ID);
      const cluster = world.clusters.find((c) => c.name === info.name);
      if (!cluster) throw new Error('demo cluster missing');
      const original = cluster.kubeconfigYaml;
      cluster.kubeconfigYaml = original.replace(
        / {2}user:\n[\s\S]*$/,
        '  user:\n    client-certificate-data: LS0tLS1CRUdJTg==\n    client-key-data: LS0tLS1CRUdJTg==\n',
      );
      try {
        const err = await new AksCredentialProvider(opts()).kubeconfigFor(info).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ClusterCredentialsError);
        expect((err as Error).message).toMatch(/carries a local credential \(client-certificate-data\)/);
        const allowed = await new AksCredentialProvider({ ...opts(), allowLocalAccounts: true }).kubeconfigFor(info);
        expect(allowed.localAccount).toBe(true);
      } finally {
        cluster.kubeconfigYaml = original;
      }
    });

    it('an Entra ID cluster with the kubelogin kubeconfig is not a local account', async () => {
      const info = await new ArmClusterResolver(opts()).resolveFromLoadBalancer(DEMO_LOAD_BALANCER_ID);
      const result = await new AksCredentialProvider({
        ...opts(),
        aksTokenCredential: staticCredential('aks'),
      }).kubeconfigFor(info);
      expect(result.localAccount).toBe(false);
    });

    it('wraps a failing token credential in a retryable ClusterCredentialsError', async () => {
      const info = await new ArmClusterResolver(opts()).resolveFromLoadBalancer(DEMO_LOAD_BALANCER_ID);
      const broken: TokenCredential = {
        getToken: async () => {
          throw new Error('IMDS unavailable');
        },
      };
      const err = await new AksCredentialProvider({ ...opts(), aksTokenCredential: broken })
        .kubeconfigFor(info)
        .catch((e) => e);
      expect(err).toBeInstanceOf(ClusterCredentialsError);
      expect(err.retryable).toBe(true);
      expect(err.cause.message).toBe('IMDS unavailable');
    });

    it('translates 403 on listClusterUserCredential into ArmAuthorizationError', async () => {
      const info = await new ArmClusterResolver(opts()).resolveFromLoadBalancer(DEMO_LOAD_BALANCER_ID);
      world.faults.push({ method: 'POST', pathIncludes: 'listClusterUserCredential', status: 403 });
      await expect(new AksCredentialProvider(opts()).kubeconfigFor(info)).rejects.toThrow(ArmAuthorizationError);
    });

    it('translates a missing cluster into ArmNotFoundError', async () => {
      const info = await new ArmClusterResolver(opts()).resolveFromLoadBalancer(DEMO_LOAD_BALANCER_ID);
      const err = await new AksCredentialProvider(opts()).kubeconfigFor({ ...info, name: 'gone' }).catch((e) => e);
      expect(err).toBeInstanceOf(ArmNotFoundError);
      expect(err.message).toMatch(/managedClusters\/gone/);
    });
  });

  describe('usesExternalAuth', () => {
    it('detects exec and auth-provider users only', () => {
      expect(usesExternalAuth('users:\n- name: u\n  user:\n    exec:\n      command: kubelogin\n')).toBe(true);
      expect(usesExternalAuth('users:\n- name: u\n  user:\n    auth-provider:\n      name: azure\n')).toBe(true);
      expect(usesExternalAuth('users:\n- name: u\n  user:\n    token: abc\n')).toBe(false);
    });
  });
});

describe('startArmServer', () => {
  it('parses the metrics filter subset and rejects anything else', () => {
    expect(parseMetricsFilter("BackendIPAddress eq '10.0.0.1' and ConnectionState eq 'failed'")).toEqual([
      { dimension: 'BackendIPAddress', value: '10.0.0.1' },
      { dimension: 'ConnectionState', value: 'failed' },
    ]);
    expect(() => parseMetricsFilter("BackendIPAddress ne '1'")).toThrow(/Invalid \$filter/);
  });

  it('answers 401 without a bearer token and 400 without api-version', async () => {
    const get = (path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${arm.endpoint}${path}`, { agent, headers }, (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const unauth = await get(
      `/subscriptions/${DEMO_SUBSCRIPTION_ID}/providers/Microsoft.ContainerService/managedClusters?api-version=1`,
      {},
    );
    expect(unauth.status).toBe(401);
    expect(JSON.parse(unauth.body)).toMatchObject({ error: { code: 'AuthenticationFailed' } });
    const noVersion = await get(
      `/subscriptions/${DEMO_SUBSCRIPTION_ID}/providers/Microsoft.ContainerService/managedClusters`,
      {
        authorization: 'Bearer x',
      },
    );
    expect(noVersion.status).toBe(400);
    expect(JSON.parse(noVersion.body)).toMatchObject({ error: { code: 'MissingApiVersionParameter' } });
  });

  it('works with simArmAdapterOptions and a static credential', async () => {
    const tls = await testCertificate();
    const o = simArmAdapterOptions(arm, tls);
    const info = await new ArmClusterResolver(o).resolveFromLoadBalancer(DEMO_LOAD_BALANCER_ID);
    expect(info.name).toBe('aks-prod-weu');
    expect((await staticTokenCredential('t').getToken('x'))?.token).toBe('t');
    o.agent?.destroy();
  });

  it('serves managedClusters.get to the real SDK client, and 404 ResourceNotFound for unknown clusters', async () => {
    const { ContainerServiceClient } = await import('@azure/arm-containerservice');
    const client = new ContainerServiceClient(credential, DEMO_SUBSCRIPTION_ID, {
      endpoint: arm.endpoint,
      agent,
      retryOptions: { maxRetries: 0 },
    });
    const mc = await client.managedClusters.get('rg-prod', 'aks-prod-weu');
    expect(mc.nodeResourceGroup).toBe(DEMO_CLUSTER.nodeResourceGroup);
    expect(mc.networkProfile?.loadBalancerProfile?.managedOutboundIPs?.count).toBe(1);
    const err = await client.managedClusters.get('rg-prod', 'nope').catch((e) => e);
    expect(err).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });
});

describe('ArmClusterResolver: agent pools for port math', () => {
  it("reads each pool's count, autoscaling maximum, maxSurge and node public IPs, and dual-stack frontends", async () => {
    const cluster = world.clusters[1]!;
    const saved = structuredClone(cluster.properties);
    const props = cluster.properties as {
      agentPoolProfiles: Array<Record<string, unknown>>;
      networkProfile: { ipFamilies?: string[]; loadBalancerProfile: { managedOutboundIPs: Record<string, number> } };
    };
    props.agentPoolProfiles.push(
      {
        name: 'spot',
        count: 2,
        enableAutoScaling: true,
        minCount: 0,
        maxCount: 20,
        upgradeSettings: { maxSurge: '33%' },
      },
      { name: 'edge', count: 3, enableNodePublicIP: true, upgradeSettings: { maxSurge: '1' } },
    );
    props.networkProfile.ipFamilies = ['IPv4', 'IPv6'];
    props.networkProfile.loadBalancerProfile.managedOutboundIPs.countIPv6 = 2;
    try {
      const info = await new ArmClusterResolver(opts()).resolveFromLoadBalancer(DEMO_LOAD_BALANCER_ID);
      expect(info.agentPools).toEqual([
        { name: 'nodepool1', count: 4, enableAutoScaling: true, maxCount: 10, maxSurge: null, usesLoadBalancer: true },
        { name: 'spot', count: 2, enableAutoScaling: true, maxCount: 20, maxSurge: '33%', usesLoadBalancer: true },
        { name: 'edge', count: 3, enableAutoScaling: false, maxCount: null, maxSurge: '1', usesLoadBalancer: false },
      ]);
      expect(info.ipFamilies).toEqual(['IPv4', 'IPv6']);
      expect(info.managedOutboundIpv6Count).toBe(2);
    } finally {
      cluster.properties = saved;
    }
  });
});

describe('ArmServiceTags', () => {
  it("fetches the region's service tags through ARM and classifies with them", async () => {
    world.serviceTagRequests = 0;
    const index = await new ArmServiceTags(opts()).forLocation(DEMO_SUBSCRIPTION_ID, 'westeurope');
    expect(index.changeNumber).toBe(SIM_SERVICE_TAGS_CHANGE_NUMBER);
    expect(index.cloud).toBe('Public');
    expect(index.lookup('20.60.1.12')?.tag).toBe('Storage.WestEurope');
    expect(index.lookup('2603:1020:200::4')?.tag).toBe('Storage.WestEurope');
    const call = arm.requests.find((r) => r.path.endsWith('/serviceTags'));
    expect(call?.path).toBe(
      `/subscriptions/${DEMO_SUBSCRIPTION_ID}/providers/Microsoft.Network/locations/westeurope/serviceTags`,
    );
    expect(call?.query['api-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(credential.scopes[0]).toBe(`${arm.endpoint}/.default`);
  });

  it("keeps a region's tags for a day, then asks again", async () => {
    world.serviceTagRequests = 0;
    let now = Date.parse('2026-11-03T09:30:00Z');
    const tags = new ArmServiceTags(opts(), { now: () => now });
    await tags.forLocation(DEMO_SUBSCRIPTION_ID, 'westeurope');
    now += 23 * 3_600_000;
    await tags.forLocation(DEMO_SUBSCRIPTION_ID, 'WestEurope');
    expect(world.serviceTagRequests).toBe(1);
    await tags.forLocation(DEMO_SUBSCRIPTION_ID, 'northeurope');
    expect(world.serviceTagRequests).toBe(2);
    now += 2 * 3_600_000;
    await tags.forLocation(DEMO_SUBSCRIPTION_ID, 'westeurope');
    expect(world.serviceTagRequests).toBe(3);
  });

  it('translates a refusal, does not cache it, and refuses an odd location before calling ARM', async () => {
    world.serviceTagRequests = 0;
    const tags = new ArmServiceTags(opts());
    world.faults.push({ pathIncludes: '/serviceTags', status: 403, code: 'AuthorizationFailed' });
    const err = await tags.forLocation(DEMO_SUBSCRIPTION_ID, 'westeurope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArmAuthorizationError);
    expect((err as ArmAuthorizationError).code).toBe('AuthorizationFailed');
    expect((await tags.forLocation(DEMO_SUBSCRIPTION_ID, 'westeurope')).changeNumber).toBe(
      SIM_SERVICE_TAGS_CHANGE_NUMBER,
    );
    await expect(tags.forLocation(DEMO_SUBSCRIPTION_ID, '../x')).rejects.toThrow(/invalid Azure location/);
  });
});
