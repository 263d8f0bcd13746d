/**
 * Server-side printing (`meta.k8s.io/v1` Table), what kubectl asks for on `get` without `-o json`
 * (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`). Columns follow the real API server's printers
 * for the kinds the simulator serves; priority-1 columns are the extra ones `-o wide` shows.
 */

type Json = Record<string, unknown>;

/** The content type of a Table answer. */
export const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

/** True when the client's Accept header asks for a Table. */
export function wantsTable(accept: string): boolean {
  return accept
    .split(',')
    .map((part) => part.replace(/\s+/g, '').split(';'))
    .some((params) => params.includes('as=Table') && params.includes('g=meta.k8s.io'));
}

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: string;
  description: string;
  priority?: number;
}

const get = (obj: unknown, path: string): unknown => {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[part];
  }
  return cur;
};

/** Kubernetes' HumanDuration (`5s`, `3m12s`, `4h`, `2d3h`, `45d`, `2y`). */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

function age(obj: Json, now: number): string {
  const created = get(obj, 'metadata.creationTimestamp');
  return typeof created === 'string' ? humanDuration(now - Date.parse(created)) : '<unknown>';
}

const NAME: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
};
const AGE: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp of the object.' };

function podRow(p: Json, now: number): unknown[] {
  const statuses = (get(p, 'status.containerStatuses') as Json[] | undefined) ?? [];
  const containers = (get(p, 'spec.containers') as Json[] | undefined) ?? [];
  const ready = statuses.filter((c) => c.ready === true).length;
  const restarts = statuses.reduce((n, c) => n + Number(c.restartCount ?? 0), 0);
  let status = String(get(p, 'status.reason') ?? get(p, 'status.phase') ?? 'Unknown');
  for (const c of statuses) {
    const waiting = get(c, 'state.waiting.reason');
    const terminated = get(c, 'state.terminated.reason');
    if (typeof waiting === 'string') status = waiting;
    else if (typeof terminated === 'string') status = terminated;
  }
  if (get(p, 'metadata.deletionTimestamp')) status = 'Terminating';
  return [
    get(p, 'metadata.name'),
    `${ready}/${containers.length}`,
    status,
    restarts,
    age(p, now),
    get(p, 'status.podIP') ?? '<none>',
    get(p, 'spec.nodeName') ?? '<none>',
    '<none>',
    '<none>',
  ];
}

function nodeRow(n: Json, now: number): unknown[] {
  const conditions = (get(n, 'status.conditions') as Json[] | undefined) ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  const addresses = (get(n, 'status.addresses') as Json[] | undefined) ?? [];
  const addr = (type: string) => addresses.find((a) => a.type === type)?.address ?? '<none>';
  const runtime = get(n, 'status.nodeInfo.containerRuntimeVersion');
  return [
    get(n, 'metadata.name'),
    ready?.status === 'True' ? 'Ready' : 'NotReady',
    '<none>',
    age(n, now),
    get(n, 'status.nodeInfo.kubeletVersion'),
    addr('InternalIP'),
    addr('ExternalIP'),
    get(n, 'status.nodeInfo.osImage'),
    get(n, 'status.nodeInfo.kernelVersion'),
    runtime,
  ];
}

function jobStatusCell(j: Json): string {
  const conditions = ((get(j, 'status.conditions') as Json[] | undefined) ?? []).filter((c) => c.status === 'True');
  const has = (t: string) => conditions.some((c) => c.type === t);
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (get(j, 'metadata.deletionTimestamp')) return 'Terminating';
  if (has('SuccessCriteriaMet') || has('FailureTarget')) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  return 'Running';
}

function images(o: Json, path: string): [string, string] {
  const cs = (get(o, path) as Json[] | undefined) ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(',')];
}

function selectorText(o: Json): string {
  const labels = (get(o, 'spec.selector.matchLabels') as Record<string, string> | undefined) ?? {};
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function jobRow(j: Json, now: number): unknown[] {
  const completions = Number(get(j, 'spec.completions') ?? 1);
  const start = get(j, 'status.startTime');
  const end = get(j, 'status.completionTime');
  const duration =
    typeof start === 'string'
      ? humanDuration((typeof end === 'string' ? Date.parse(end) : now) - Date.parse(start))
      : '';
  const [names, imgs] = images(j, 'spec.template.spec.containers');
  return [
    get(j, 'metadata.name'),
    jobStatusCell(j),
    `${Number(get(j, 'status.succeeded') ?? 0)}/${completions}`,
    duration,
    age(j, now),
    names,
    imgs,
    selectorText(j),
  ];
}

function replicaSetRow(r: Json, now: number): unknown[] {
  const [names, imgs] = images(r, 'spec.template.spec.containers');
  return [
    get(r, 'metadata.name'),
    Number(get(r, 'spec.replicas') ?? 0),
    Number(get(r, 'status.replicas') ?? 0),
    Number(get(r, 'status.readyReplicas') ?? 0),
    age(r, now),
    names,
    imgs,
    selectorText(r),
  ];
}

function namespaceRow(n: Json, now: number): unknown[] {
  return [get(n, 'metadata.name'), get(n, 'status.phase') ?? 'Active', age(n, now)];
}

const wide = (name: string, description: string, type: Column['type'] = 'string'): Column => ({
  name,
  type,
  description,
  priority: 1,
});

const PRINTERS: Record<string, { columns: Column[]; row: (o: Json, now: number) => unknown[] }> = {
  Pod: {
    columns: [
      NAME,
      {
        name: 'Ready',
        type: 'string',
        description: 'The aggregate readiness state of this pod for accepting traffic.',
      },
      { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.' },
      {
        name: 'Restarts',
        type: 'string',
        description: 'The number of times the containers in this pod have been restarted.',
      },
      AGE,
      wide('IP', 'IP address allocated to the pod.'),
      wide('Node', 'Name of the node where the pod is scheduled.'),
      wide('Nominated Node', 'Name of the node where the pod is nominated to run.'),
      wide('Readiness Gates', 'Pod readiness gates.'),
    ],
    row: podRow,
  },
  Node: {
    columns: [
      NAME,
      { name: 'Status', type: 'string', description: 'The status of the node' },
      { name: 'Roles', type: 'string', description: 'The roles of the node' },
      AGE,
      { name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.' },
      wide('Internal-IP', 'List of internal IPs.'),
      wide('External-IP', 'List of external IPs.'),
      wide('OS-Image', 'OS Image reported by the node from /etc/os-release.'),
      wide('Kernel-Version', 'Kernel Version reported by the node.'),
      wide('Container-Runtime', 'Container Runtime Version reported by the node.'),
    ],
    row: nodeRow,
  },
  Job: {
    columns: [
      NAME,
      { name: 'Status', type: 'string', description: 'Status of the job.' },
      {
        name: 'Completions',
        type: 'string',
        description: 'The desired number of successfully finished pods the job should be run with.',
      },
      { name: 'Duration', type: 'string', description: 'Time required to complete the job.' },
      AGE,
      wide('Containers', 'Names of each container in the template.'),
      wide('Images', 'Images referenced by each container in the template.'),
      wide('Selector', 'A label query over pods that should match the pod count.'),
    ],
    row: jobRow,
  },
  ReplicaSet: {
    columns: [
      NAME,
      { name: 'Desired', type: 'integer', description: 'Number of desired pods.' },
      { name: 'Current', type: 'integer', description: 'The number of actual replicas.' },
      { name: 'Ready', type: 'integer', description: 'The number of ready replicas for this replica set.' },
      AGE,
      wide('Containers', 'Names of each container in the template.'),
      wide('Images', 'Images referenced by each container in the template.'),
      wide('Selector', 'A label query over pods that should match the replica count.'),
    ],
    row: replicaSetRow,
  },
  Namespace: {
    columns: [NAME, { name: 'Status', type: 'string', description: 'The status of the namespace' }, AGE],
    row: namespaceRow,
  },
};

/**
 * The Table for `items` of `kind` (a list or a single object). `includeObject` is the query parameter
 * (`Metadata` by default, as on the real server: each row carries a PartialObjectMetadata).
 */
export function toTable(
  kind: string,
  items: Json[],
  opts: { now: number; resourceVersion: string; includeObject?: string | null },
): Json {
  const printer = PRINTERS[kind];
  const columns: Column[] = printer?.columns ?? [NAME, AGE];
  const row = printer?.row ?? ((o: Json, now: number) => [get(o, 'metadata.name'), age(o, now)]);
  const include = opts.includeObject ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: opts.resourceVersion },
    columnDefinitions: columns.map((c) => ({ priority: 0, format: '', ...c })),
    rows: items.map((o) => ({
      cells: row(o, opts.now),
      ...(include === 'None'
        ? {}
        : {
            object:
              include === 'Object'
                ? o
                : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata ?? {} },
          }),
    })),
  };
}
