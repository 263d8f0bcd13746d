/**
 * `kubectl get pods -A -o json` (a v1 List, or a single Pod) and `kubectl get node <n> -o json`.
 */
import type { KubeController, KubeNode, KubePod, Parsed, ParseWarning } from '../types.js';
import { ipFamily, isRecord, jsonDocument, stringish, warn } from './util.js';

/**
 * Pods from a `v1 List` / `PodList` (or one `Pod`). Items without namespace or name are warned about and skipped.
 *
 * @example parsePods(await readFile('pods.json', 'utf8'), 'pods.json').items.map((p) => p.podIPs)
 */
export function parsePods(text: string, file = 'pods.json'): Parsed<KubePod> {
  const items: KubePod[] = [];
  const warnings: ParseWarning[] = [];
  const parsed = jsonDocument(text, file);
  if (!parsed.ok) return { items, warnings: [parsed.warning] };
  const root = parsed.value;
  let list: unknown[];
  if (isRecord(root) && Array.isArray(root.items)) list = root.items;
  else if (isRecord(root) && (root.kind === 'Pod' || isRecord(root.metadata))) list = [root];
  else if (Array.isArray(root)) list = root;
  else return { items, warnings: [warn(file, 0, 'neither a List with "items" nor a Pod')] };

  list.forEach((raw, i) => {
    if (!isRecord(raw) || (raw.kind !== undefined && raw.kind !== 'Pod')) {
      warnings.push(warn(file, 0, `items[${i}] is not a Pod`));
      return;
    }
    const meta = isRecord(raw.metadata) ? raw.metadata : {};
    const spec = isRecord(raw.spec) ? raw.spec : {};
    const status = isRecord(raw.status) ? raw.status : {};
    const namespace = stringish(meta.namespace);
    const name = stringish(meta.name);
    if (namespace === null || name === null) {
      warnings.push(warn(file, 0, `items[${i}] lacks metadata.namespace or metadata.name`));
      return;
    }
    const podIPs: string[] = [];
    if (Array.isArray(status.podIPs)) {
      for (const entry of status.podIPs) {
        const ip = isRecord(entry) ? stringish(entry.ip) : null;
        if (ip !== null && ipFamily(ip) !== 0 && !podIPs.includes(ip)) podIPs.push(ip);
      }
    }
    const single = stringish(status.podIP);
    if (podIPs.length === 0 && single !== null && ipFamily(single) !== 0) podIPs.push(single);

    const containers = Array.isArray(spec.containers)
      ? spec.containers.map((c) => (isRecord(c) ? stringish(c.name) : null)).filter((n): n is string => n !== null)
      : [];
    const containerIds: string[] = [];
    for (const key of ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses'] as const) {
      const arr = status[key];
      if (!Array.isArray(arr)) continue;
      for (const cs of arr) {
        const cid = isRecord(cs) ? stringish(cs.containerID) : null;
        if (cid !== null) containerIds.push(cid.replace(/^[a-z0-9-]+:\/\//, ''));
      }
    }
    items.push({
      namespace,
      name,
      uid: stringish(meta.uid) ?? '',
      nodeName: stringish(spec.nodeName),
      hostNetwork: spec.hostNetwork === true,
      phase: stringish(status.phase),
      podIPs,
      containers,
      containerIds,
      owner: ownerOf(meta.ownerReferences, isRecord(meta.labels) ? stringish(meta.labels['pod-template-hash']) : null),
      controller: controllerRef(meta.ownerReferences),
      labels: stringLabels(meta.labels),
    });
  });
  return { items, warnings };
}

/**
 * The node from `kubectl get node <n> -o json` (or the first of a NodeList): InternalIP addresses and pod CIDRs.
 * Returns at most one item.
 */
export function parseNode(text: string, file = 'node.json'): Parsed<KubeNode> {
  const parsed = jsonDocument(text, file);
  if (!parsed.ok) return { items: [], warnings: [parsed.warning] };
  let node = parsed.value;
  if (isRecord(node) && Array.isArray(node.items)) node = node.items[0];
  if (!isRecord(node) || !isRecord(node.metadata)) return { items: [], warnings: [warn(file, 0, 'not a Node object')] };
  const name = stringish(node.metadata.name);
  if (name === null) return { items: [], warnings: [warn(file, 0, 'node has no metadata.name')] };
  const spec = isRecord(node.spec) ? node.spec : {};
  const status = isRecord(node.status) ? node.status : {};
  const internalIPs: string[] = [];
  if (Array.isArray(status.addresses)) {
    for (const a of status.addresses) {
      if (!isRecord(a) || a.type !== 'InternalIP') continue;
      const ip = stringish(a.address);
      if (ip !== null && ipFamily(ip) !== 0 && !internalIPs.includes(ip)) internalIPs.push(ip);
    }
  }
  const podCIDRs: string[] = [];
  const cidrs = Array.isArray(spec.podCIDRs) ? spec.podCIDRs : [];
  for (const c of [...cidrs, spec.podCIDR]) {
    const s = stringish(c);
    if (s !== null && !podCIDRs.includes(s)) podCIDRs.push(s);
  }
  return { items: [{ name, internalIPs, podCIDRs }], warnings: [] };
}

/**
 * The ReplicaSets and Jobs of `controllers.json` (a v1 List, or one object): kind, namespace, name and their own
 * controlling owner. Other kinds and items without metadata are skipped with a warning.
 *
 * @example parseControllers(text).items // [{ kind: 'ReplicaSet', namespace: 'web', name: 'web-7d9f8c6b5', owner: { kind: 'Deployment', name: 'web' } }]
 */
export function parseControllers(text: string, file = 'controllers.json'): Parsed<KubeController> {
  const items: KubeController[] = [];
  const warnings: ParseWarning[] = [];
  const parsed = jsonDocument(text, file);
  if (!parsed.ok) return { items, warnings: [parsed.warning] };
  const root = parsed.value;
  const list = isRecord(root) && Array.isArray(root.items) ? root.items : Array.isArray(root) ? root : [root];
  list.forEach((raw, i) => {
    const meta = isRecord(raw) && isRecord(raw.metadata) ? raw.metadata : null;
    const kind = isRecord(raw) ? stringish(raw.kind) : null;
    const namespace = meta ? stringish(meta.namespace) : null;
    const name = meta ? stringish(meta.name) : null;
    if (kind === null || namespace === null || name === null) {
      warnings.push(warn(file, 0, `items[${i}] lacks kind, metadata.namespace or metadata.name`));
      return;
    }
    items.push({ kind, namespace, name, owner: controllerRef(meta?.ownerReferences) });
  });
  return { items, warnings };
}

/** The controlling ownerReference (`controller: true`, else the first), as kind and name. */
function controllerRef(refs: unknown): { kind: string; name: string } | null {
  if (!Array.isArray(refs)) return null;
  const ctrl = refs.find((r) => isRecord(r) && r.controller === true) ?? refs[0];
  if (!isRecord(ctrl)) return null;
  const kind = stringish(ctrl.kind);
  const name = stringish(ctrl.name);
  return kind === null || name === null ? null : { kind, name };
}

function stringLabels(labels: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(labels)) return out;
  for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}

function ownerOf(refs: unknown, templateHash: string | null): { kind: string; name: string } | null {
  const ctrl = controllerRef(refs);
  if (ctrl === null) return null;
  const { kind, name } = ctrl;
  // ReplicaSet `web-7d9f8c6b5` of a Deployment carries the pod's `pod-template-hash` as suffix.
  if (kind === 'ReplicaSet' && templateHash && name.endsWith(`-${templateHash}`)) {
    return { kind: 'Deployment', name: name.slice(0, -(templateHash.length + 1)) };
  }
  return { kind, name };
}
