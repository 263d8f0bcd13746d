import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kubeConfigFromFile, kubeConfigFromString } from '../../../src/kube/access.js';
import { KubeConfigError } from '../../../src/kube/errors.js';

// The shape `az aks get-credentials` / listClusterUserCredentials returns on an Entra ID cluster.
const AAD_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: aks-prod
  cluster:
    server: https://aks-prod-dns-12345678.hcp.westeurope.azmk8s.io:443
    certificate-authority-data: LS0tLS1CRUdJTi0tLS0t
contexts:
- name: aks-prod
  context:
    cluster: aks-prod
    user: clusterUser_rg_aks-prod
- name: other
  context:
    cluster: aks-prod
    user: clusterUser_rg_aks-prod
current-context: aks-prod
users:
- name: clusterUser_rg_aks-prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --login, devicecode, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]
`;

const dir = mkdtempSync(join(tmpdir(), 'snat-kc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kubeConfigFromString', () => {
  describe('bearer token', () => {
    it('replaces the kubelogin exec plugin with the token and keeps cluster and context', () => {
      const kc = kubeConfigFromString(AAD_KUBECONFIG, { bearerToken: 'eyJ0eXAi.token' });
      expect(kc.getCurrentContext()).toBe('aks-prod');
      expect(kc.getCurrentCluster()?.server).toBe('https://aks-prod-dns-12345678.hcp.westeurope.azmk8s.io:443');
      expect(kc.getCurrentCluster()?.caData).toBe('LS0tLS1CRUdJTi0tLS0t');
      expect(kc.getCurrentUser()).toEqual({ name: 'clusterUser_rg_aks-prod', token: 'eyJ0eXAi.token' });
    });

    it('sends the token as the Authorization header', async () => {
      const kc = kubeConfigFromString(AAD_KUBECONFIG, { bearerToken: 'tok' });
      const opts: { headers?: Record<string, string> } = {};
      await kc.applyToHTTPSOptions(opts);
      expect(opts.headers?.Authorization).toBe('Bearer tok');
    });
  });

  describe('errors', () => {
    it('throws KubeConfigError for a document without a current cluster', () => {
      expect(() => kubeConfigFromString('apiVersion: v1\nkind: Config\n')).toThrow(KubeConfigError);
    });
  });
});

describe('kubeConfigFromFile', () => {
  describe('context', () => {
    it('loads a file and selects the given context', () => {
      const f = join(dir, 'config');
      writeFileSync(f, AAD_KUBECONFIG);
      expect(kubeConfigFromFile(f, 'other').getCurrentContext()).toBe('other');
    });

    it('throws KubeConfigError naming the known contexts for an unknown one', () => {
      const f = join(dir, 'config2');
      writeFileSync(f, AAD_KUBECONFIG);
      expect(() => kubeConfigFromFile(f, 'nope')).toThrow(/context "nope" not in .*contexts: aks-prod, other/);
    });

    it('throws KubeConfigError for a missing file', () => {
      expect(() => kubeConfigFromFile(join(dir, 'missing'))).toThrow(KubeConfigError);
    });
  });
});
