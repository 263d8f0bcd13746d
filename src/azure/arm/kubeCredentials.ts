import type { TokenCredential } from '@azure/identity';
import type { ClusterInfo } from '../../investigation/clusterInfo.js';
import { ClusterCredentialsError, translateArmError } from '../errors.js';
import type { ArmAdapterOptions } from './options.js';
import { containerServiceClients } from './sdkClients.js';

/** The AKS server application (Entra ID), the audience of tokens the API server accepts. */
export const AKS_SERVER_SCOPE = '6dae42f8-4368-4678-94ff-3960e28e3630/.default' as const;

/** The ARM adapter options plus how to authenticate to the cluster's API server and whether local accounts pass. */
export interface AksCredentialOptions extends ArmAdapterOptions {
  /** Credential for the AKS token; defaults to `credential` (e.g. the same managed identity). */
  aksTokenCredential?: TokenCredential;
  /**
   * Accept clusters without Entra ID integration and kubeconfigs that carry their own credentials (client
   * certificates, static tokens): local accounts, admin-grade on AKS. Default false (ALLOW_ADMIN_CREDENTIALS).
   */
  allowLocalAccounts?: boolean;
}

/** What the Kubernetes adapter needs to reach one cluster: its user kubeconfig and, for Entra ID, a token. */
export interface ClusterKubeconfig {
  /**
   * The cluster-user kubeconfig ARM returned (`listClusterUserCredentials`), decoded to YAML. With Entra ID it holds
   * no secret (the token is `bearerToken`).
   */
  kubeconfigYaml: string;
  /** Token to use instead of the exec plugin, null when the kubeconfig carries its own credentials. */
  bearerToken: string | null;
  /** True when the kubeconfig authenticates with a local account (only with `allowLocalAccounts`). */
  localAccount: boolean;
}

/** Kubeconfig user fields that carry a credential of their own (not Entra ID). */
const LOCAL_CREDENTIAL_FIELDS =
  /^\s*(?:-\s+)?(client-certificate-data|client-certificate|client-key-data|client-key|token|tokenFile|password):/m;

/**
 * The local credential a kubeconfig carries (`client-certificate-data`, `token`, ...), or null when it has none.
 *
 * @example localCredentialIn('users:\n- name: u\n  user:\n    client-certificate-data: LS0t\n') // 'client-certificate-data'
 */
export function localCredentialIn(kubeconfigYaml: string): string | null {
  return LOCAL_CREDENTIAL_FIELDS.exec(kubeconfigYaml)?.[1] ?? null;
}

/** Why the cluster's credentials are local accounts, or null when it authenticates with Entra ID only. */
function localAccountReason(info: ClusterInfo, kubeconfigYaml: string): string | null {
  if (info.aadProfile === null)
    return `cluster ${info.name} has no Entra ID integration (its users are local accounts)`;
  const field = localCredentialIn(kubeconfigYaml);
  if (field) return `the kubeconfig of cluster ${info.name} carries a local credential (${field})`;
  if (!usesExternalAuth(kubeconfigYaml)) return `the kubeconfig of cluster ${info.name} does not use Entra ID`;
  return null;
}

/**
 * Whether a kubeconfig's users authenticate through a plugin the responder cannot run
 * (the kubelogin `exec` plugin, or the retired `azure` auth-provider).
 */
export function usesExternalAuth(kubeconfigYaml: string): boolean {
  return /^\s*(?:-\s+)?exec:\s*$/m.test(kubeconfigYaml) || /^\s*(?:-\s+)?auth-provider:\s*$/m.test(kubeconfigYaml);
}

/** Fetches a kubeconfig (and token where needed) for a managed cluster. */
export class AksCredentialProvider {
  readonly #opts: AksCredentialOptions;
  readonly #client: ReturnType<typeof containerServiceClients>;

  constructor(opts: AksCredentialOptions) {
    this.#opts = opts;
    this.#client = containerServiceClients(opts);
  }

  /**
   * The cluster user kubeconfig; on Entra ID clusters also a fresh token for {@link AKS_SERVER_SCOPE}.
   * Call per use: tokens expire, so do not cache the result across activities.
   *
   * @throws ClusterCredentialsError when ARM returns no kubeconfig or no token can be obtained, or (unless
   *   `allowLocalAccounts`) when the cluster has no Entra ID or the kubeconfig carries a local credential;
   *   ArmRequestError subclasses for ARM failures (403: the identity needs the
   *   "Azure Kubernetes Service Cluster User Role").
   */
  async kubeconfigFor(info: ClusterInfo): Promise<ClusterKubeconfig> {
    const client = await this.#client(info.subscriptionId);
    let value: Uint8Array | undefined;
    try {
      const res = await client.managedClusters.listClusterUserCredentials(info.resourceGroup, info.name);
      value = res.kubeconfigs?.[0]?.value;
    } catch (err) {
      throw translateArmError(err, `list user credentials of cluster ${info.name}`);
    }
    if (!value || value.length === 0) {
      throw new ClusterCredentialsError(`ARM returned no kubeconfig for cluster ${info.name}`);
    }
    const kubeconfigYaml = Buffer.from(value).toString('utf8');
    const local = localAccountReason(info, kubeconfigYaml);
    if (local !== null) {
      if (this.#opts.allowLocalAccounts !== true) {
        throw new ClusterCredentialsError(
          `Refused: ${local}; local accounts are admin-grade. Enable Entra ID integration on the cluster (az aks update --enable-aad), or set ALLOW_ADMIN_CREDENTIALS=true to accept them.`,
        );
      }
      if (!usesExternalAuth(kubeconfigYaml)) return { kubeconfigYaml, bearerToken: null, localAccount: true };
    }

    const credential = this.#opts.aksTokenCredential ?? this.#opts.credential;
    let token: { token: string } | null;
    try {
      token = await credential.getToken(AKS_SERVER_SCOPE);
    } catch (err) {
      throw new ClusterCredentialsError(
        `Could not get an Entra ID token for cluster ${info.name} (scope ${AKS_SERVER_SCOPE})`,
        { cause: err, retryable: true },
      );
    }
    if (!token?.token) {
      throw new ClusterCredentialsError(`The credential returned no token for cluster ${info.name}`, {
        retryable: true,
      });
    }
    return { kubeconfigYaml, bearerToken: token.token, localAccount: local !== null };
  }
}
