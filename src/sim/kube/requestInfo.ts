/**
 * Kubernetes RequestInfo: the authorization attributes (verb, API group, resource, subresource, namespace,
 * name) the API server derives from a request's method, path and query before it authorizes it.
 */
import type { RequestAttributes } from './rbac.js';

/**
 * The authorization verb Kubernetes derives from a request: `list` or `watch` for an unnamed GET,
 * `deletecollection` for an unnamed DELETE.
 *
 * @example kubeVerb('GET', false, new URLSearchParams('watch=true')) // 'watch'
 */
export function kubeVerb(method: string, named: boolean, q: URLSearchParams): string {
  switch (method) {
    case 'GET':
      return named ? 'get' : q.get('watch') === 'true' ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    case 'PUT':
      return 'update';
    default:
      return 'patch';
  }
}

/**
 * The attributes of any resource path (`/api/v1/...` or `/apis/GROUP/VERSION/...`), or null for a path that
 * names no resource.
 *
 * @example requestInfo('GET', '/api/v1/namespaces/web/pods/p1/log', new URLSearchParams())
 * // { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log', namespace: 'web', name: 'p1' }
 */
export function requestInfo(method: string, path: string, q: URLSearchParams): RequestAttributes | null {
  const parts = path.split('/').filter(Boolean);
  let rest: string[];
  let apiGroup = '';
  if (parts[0] === 'api' && parts[1] === 'v1') rest = parts.slice(2);
  else if (parts[0] === 'apis' && parts.length >= 3) {
    apiGroup = parts[1] ?? '';
    rest = parts.slice(3);
  } else return null;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  if (!resource) return null;
  return {
    verb: kubeVerb(method, Boolean(name), q),
    apiGroup,
    resource,
    ...(subresource ? { subresource } : {}),
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
  };
}
