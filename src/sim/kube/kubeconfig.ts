/** Kubeconfigs for the loopback Kubernetes API server: its CA embedded, a bearer-token user, one context. */

/** What a simulated kubeconfig names. */
export interface SimKubeconfigOptions {
  /** `https://127.0.0.1:PORT`. */
  server: string;
  /** Base64 of the server's CA certificate (PEM), as `certificate-authority-data`. */
  caData: string;
  token: string;
  /** Name of the user entry (default `sim-user`). */
  user?: string;
  /** Name of the cluster and context (default `sim`). */
  context?: string;
  /** Default namespace of the context. */
  namespace?: string;
}

/**
 * A kubeconfig (YAML) as a cluster hands it out: TLS verified against the embedded CA, a bearer token.
 *
 * @example
 * const yaml = simKubeconfigYaml({ server: api.url, caData: api.caData, token: api.adminToken });
 */
export function simKubeconfigYaml(o: SimKubeconfigOptions): string {
  const user = o.user ?? 'sim-user';
  const context = o.context ?? 'sim';
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${context}`,
    '  cluster:',
    `    server: ${o.server}`,
    `    certificate-authority-data: ${o.caData}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    `    token: ${o.token}`,
    'contexts:',
    `- name: ${context}`,
    '  context:',
    `    cluster: ${context}`,
    `    user: ${user}`,
    ...(o.namespace ? [`    namespace: ${o.namespace}`] : []),
    `current-context: ${context}`,
    '',
  ].join('\n');
}
