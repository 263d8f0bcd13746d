/**
 * Building a `KubeConfig`: from a file and context (the CLI), or from an
 * in-memory kubeconfig plus a bearer token (the Azure Function, which gets the
 * kubeconfig from `listClusterUserCredentials` and an Entra token from
 * `@azure/identity`; rebuild per use because tokens expire).
 */
import { KubeConfig, type User } from '@kubernetes/client-node';
import { KubeConfigError } from './errors.js';

function selectContext(kc: KubeConfig, context: string | undefined, source: string): void {
  if (context !== undefined) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(context)) {
      throw new KubeConfigError(`context "${context}" not in ${source}; contexts: ${names.join(', ') || 'none'}`);
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) {
    throw new KubeConfigError(`${source} has no current context with a cluster (set one with --context)`);
  }
}

/**
 * Loads a kubeconfig file (default: `$KUBECONFIG` or `~/.kube/config`) and
 * selects `context` when given.
 *
 * @throws KubeConfigError when the file is missing/unparsable or the context is unknown.
 * @example const kc = kubeConfigFromFile(undefined, 'aks-prod');
 */
export function kubeConfigFromFile(path?: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  const source = path ?? 'the default kubeconfig';
  try {
    if (path === undefined) kc.loadFromDefault();
    else kc.loadFromFile(path);
  } catch (err) {
    throw new KubeConfigError(`cannot load ${source}: ${(err as Error).message}`, { cause: err });
  }
  selectContext(kc, context, source);
  return kc;
}

/**
 * Parses a kubeconfig document. With `bearerToken`, every user is replaced by
 * one authenticating with that token, which removes exec plugins such as
 * `kubelogin` (not present in the Functions host) and client certificates.
 *
 * @throws KubeConfigError when the YAML is not a usable kubeconfig.
 */
export function kubeConfigFromString(yaml: string, opts?: { bearerToken?: string }): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(yaml);
  } catch (err) {
    throw new KubeConfigError(`invalid kubeconfig: ${(err as Error).message}`, { cause: err });
  }
  if (opts?.bearerToken !== undefined) {
    const token = opts.bearerToken;
    const users: User[] = kc.users.map((u) => ({ name: u.name, token }));
    const withToken = new KubeConfig();
    withToken.loadFromOptions({
      clusters: kc.clusters,
      users,
      contexts: kc.contexts,
      currentContext: kc.getCurrentContext(),
    });
    selectContext(withToken, undefined, 'kubeconfig');
    return withToken;
  }
  selectContext(kc, undefined, 'kubeconfig');
  return kc;
}
