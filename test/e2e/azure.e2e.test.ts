/**
 * Opt-in end-to-end test against a real Azure subscription: the ARM adapters (cluster behind a load balancer,
 * SNAT metrics, worst backends, AKS user credentials) and, when given, the reports container.
 *
 *   SNAT_E2E_LOAD_BALANCER_ID=/subscriptions/<id>/resourceGroups/MC_.../providers/Microsoft.Network/loadBalancers/kubernetes \
 *   [SNAT_E2E_REPORTS_ACCOUNT_URL=https://<account>.blob.core.windows.net] \
 *   npx vitest run test/e2e/azure.e2e.test.ts
 *
 * Credentials come from DefaultAzureCredential (`az login`, a managed identity, or AZURE_* variables); the identity
 * needs the roles docs/security.md lists. It reads only, except one small blob it writes and deletes again.
 */
import { DefaultAzureCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { ArmClusterResolver } from '../../src/azure/arm/clusterResolver.js';
import { AksCredentialProvider } from '../../src/azure/arm/kubeCredentials.js';
import { SnatMetricsReader } from '../../src/azure/arm/snatMetrics.js';
import { BlobReportStore } from '../../src/azure/blob/reportStore.js';
import { snatSupport } from '../../src/investigation/clusterInfo.js';
import { kubeConfigFromString } from '../../src/kube/access.js';

const loadBalancerId = process.env.SNAT_E2E_LOAD_BALANCER_ID;
const reportsUrl = process.env.SNAT_E2E_REPORTS_ACCOUNT_URL;
if (!loadBalancerId) {
  console.log(
    '[azure e2e] skipped: set SNAT_E2E_LOAD_BALANCER_ID (and optionally SNAT_E2E_REPORTS_ACCOUNT_URL) to run against a real subscription (docs/deploy.md)',
  );
}

describe.runIf(Boolean(loadBalancerId))('azure e2e (real subscription)', () => {
  const credential = new DefaultAzureCredential();
  const window = { start: new Date(Date.now() - 30 * 60_000), end: new Date() };

  it('resolves the cluster, reads its SNAT metrics and fetches a usable kubeconfig', { timeout: 120_000 }, async () => {
    const cluster = await new ArmClusterResolver({ credential }).resolveFromLoadBalancer(loadBalancerId!);
    expect(cluster.nodeResourceGroup.toLowerCase()).toBe(loadBalancerId!.split('/')[4]!.toLowerCase());
    const support = snatSupport(cluster);
    console.log(`[azure e2e] cluster ${cluster.name}, outbound ${cluster.outboundType}: ${support.reason}`);

    const metrics = new SnatMetricsReader({ credential });
    const worst = await metrics.worstBackends(loadBalancerId!, window, 3);
    const points = await metrics.nodeSnapshot(loadBalancerId!, worst[0]?.backendIp ?? null, window);
    expect(points.length).toBeGreaterThan(0);
    console.log(
      `[azure e2e] worst backends: ${worst.map((w) => `${w.backendIp}=${w.maxUsedPorts}`).join(', ') || 'none'}`,
    );

    const { kubeconfigYaml, bearerToken } = await new AksCredentialProvider({ credential }).kubeconfigFor(cluster);
    const kc = kubeConfigFromString(kubeconfigYaml, bearerToken ? { bearerToken } : {});
    expect(kc.getCurrentCluster()?.server).toMatch(/^https:\/\//);
  });

  it.runIf(Boolean(reportsUrl))(
    'writes, reads back and removes a blob in the reports container',
    { timeout: 60_000 },
    async () => {
      const store = await BlobReportStore.fromAccountUrl(reportsUrl!, credential);
      const prefix = store.reportPrefix({
        cluster: 'e2e',
        node: 'probe',
        timestamp: new Date(),
        instanceId: `e2e-${Date.now()}`,
      });
      await store.putFile(prefix, 'probe.txt', 'snat-responder e2e probe');
      expect((await store.readFile(prefix, 'probe.txt')).toString('utf8')).toBe('snat-responder e2e probe');
      await store.deleteFile(prefix, 'probe.txt');
      expect(await store.listFiles(prefix)).toEqual([]);
    },
  );
});
