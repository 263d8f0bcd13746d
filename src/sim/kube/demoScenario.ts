/**
 * The demo cluster: the nodes, namespaces, workloads and pods the `demo` command and most tests investigate,
 * with the sockets each pod's netstat shows and the trace and host processes a capture of the demo node
 * prints. Data only, built with the types and helpers of ./scenario.ts; deterministic (seeded).
 */
import {
  HOST_NETNS_DEFAULT,
  type KubeScenario,
  podNetns,
  type ScenarioContainer,
  type ScenarioController,
  type ScenarioNode,
  type ScenarioPod,
  type SimSocket,
  type SimTraceEvent,
  seededRandom,
} from './scenario.js';

/** The node the demo's alert names (the one whose pods exhaust SNAT ports). */
export const DEMO_NODE = 'aks-nodepool1-12345678-vmss000003';
/** The demo node's InternalIP (what a node-IP alert dimension carries). */
export const DEMO_NODE_IP = '10.224.0.7';

/**
 * Secret-looking values the demo pods carry in env values, arguments and annotations. Made up, shaped like
 * the real thing; the stored evidence must contain none of them (test/integration/cli/demoEvidence.test.ts).
 */
export const DEMO_SECRETS = {
  dbPassword: 'S1m-Passw0rd!payments-7f3a',
  connectionString: 'Server=tcp:sql-payments.database.windows.net;Database=payments;Password=S1m-Conn-9d2e;',
  apiToken: 'sim_live_tok_4f9c2b7e1a6d8035',
  sasToken: 'sv=2025-01-05&sig=SimSasSignature0123456789abcdef%3D',
  storageKey: 'U2ltU3RvcmFnZUtleTAxMjM0NTY3ODlhYmNkZWY=',
  annotationToken: 'hvs.SimVaultToken0a1b2c3d4e5f',
} as const;

/**
 * The demo cluster: four nodes; on `aks-nodepool1-12345678-vmss000003`
 * (10.224.0.7) a dozen pods, of which `payments/checkout-api-7d9f8b6c5-x2x9q`
 * opens ~400 new connections a minute to 20.60.1.12:443 and
 * `batch/report-exporter-28937465-q8w4t` holds long-lived ESTABLISHED connections to
 * 52.239.170.36:443. Deterministic (seeded).
 */
export function demoScenario(seed = 20261126): KubeScenario {
  const rnd = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const node = DEMO_NODE;
  const nodes: ScenarioNode[] = [0, 1, 2, 3].map((i) => ({
    name: `aks-nodepool1-12345678-vmss00000${i}`,
    internalIPs: [`10.224.0.${4 + i}`],
    podCIDRs: [`10.244.${i}.0/24`],
    ready: true,
  }));
  const n3 = nodes[3] as ScenarioNode;
  n3.hostNetns = 4026531840;

  let nextPid = 41000;
  const c = (name: string, image: string, comm: string, o: Partial<ScenarioContainer> = {}): ScenarioContainer => {
    nextPid += 17;
    return { name, image, comm, hasNetstat: false, pid: nextPid, ...o };
  };
  const est = (
    localIp: string,
    remoteIp: string,
    remotePort: number,
    n: number,
    pid: number,
    program: string,
    state: SimSocket['state'] = 'ESTABLISHED',
  ): SimSocket[] =>
    Array.from({ length: n }, () => ({
      localIp,
      localPort: int(32768, 60999),
      remoteIp,
      remotePort,
      state,
      pid: state === 'TIME_WAIT' ? null : pid,
      program,
    }));
  const listen = (ip: string, port: number, pid: number, program: string): SimSocket => ({
    localIp: ip,
    localPort: port,
    remoteIp: '0.0.0.0',
    remotePort: 0,
    state: 'LISTEN',
    pid,
    program,
  });

  const pod = (
    namespace: string,
    name: string,
    ip: string | null,
    containers: ScenarioContainer[],
    sockets: SimSocket[],
    o: Partial<ScenarioPod> = {},
  ): ScenarioPod => ({
    namespace,
    name,
    nodeName: node,
    podIPs: ip ? [ip] : [DEMO_NODE_IP],
    hostNetwork: ip === null,
    phase: 'Running',
    containers,
    sockets,
    ...o,
  });

  // Secrets where real pods keep them (env values, arguments, annotations): the stored evidence must not.
  const checkout = c('checkout-api', 'contoso.azurecr.io/payments/checkout-api:3.14.2', 'node', {
    hasNetstat: true,
    command: ['node', 'server.js'],
    args: [`--api-token=${DEMO_SECRETS.apiToken}`, '--listen=:8080'],
    env: [
      { name: 'NODE_ENV', value: 'production' },
      { name: 'DB_PASSWORD', value: DEMO_SECRETS.dbPassword },
      { name: 'PAYMENTS_DB', value: DEMO_SECRETS.connectionString },
      { name: 'STRIPE_KEY', valueFrom: { secretKeyRef: { name: 'stripe', key: 'api-key' } } },
    ],
  });
  const worker = c('worker', 'contoso.azurecr.io/payments/worker:3.14.2', 'python3', {
    hasNetstat: true,
    command: ['python3', '-m', 'worker'],
    args: ['--queue', 'payments', `--sas=${DEMO_SECRETS.sasToken}`],
    env: [{ name: 'AZURE_STORAGE_KEY', value: DEMO_SECRETS.storageKey }],
  });
  const exporter = c('exporter', 'contoso.azurecr.io/batch/report-exporter:1.8.0', 'java', { hasNetstat: true });
  const fe1 = c('php', 'contoso.azurecr.io/web/frontend:2.3.1', 'php-fpm: pool www', { hasNetstat: true });
  const fe2 = c('php', 'contoso.azurecr.io/web/frontend:2.3.1', 'php-fpm: pool www', { hasNetstat: true });
  const coredns = c('coredns', 'mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3', 'coredns');
  const kproxy = c('kube-proxy', 'mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.31.2', 'kube-proxy', {
    hasNetstat: false,
  });
  const cns = c('cns-container', 'mcr.microsoft.com/containernetworking/azure-cns:v1.6.13', 'azure-cns');
  const metrics = c('metrics-server', 'mcr.microsoft.com/oss/kubernetes/metrics-server:v0.7.2', 'metrics-server');
  const konn = c(
    'konnectivity-agent',
    'mcr.microsoft.com/oss/kubernetes/apiserver-network-proxy/agent:v0.30.3',
    'proxy-agent',
  );
  const distroless = c('server', 'contoso.azurecr.io/tools/inventory-sync:0.9.4', 'inventory-sync', { hasCat: false });
  const redis = c('redis', 'docker.io/library/redis:7.2', 'redis-server', { hasNetstat: false });

  const ip = {
    checkout: '10.244.3.17',
    worker: '10.244.3.23',
    exporter: '10.244.3.41',
    fe1: '10.244.3.52',
    fe2: '10.244.3.53',
    coredns: '10.244.3.5',
    metrics: '10.244.3.9',
    konn: '10.244.3.11',
    distroless: '10.244.3.60',
    redis: '10.244.3.71',
  };
  const pods: ScenarioPod[] = [
    pod(
      'payments',
      'checkout-api-7d9f8b6c5-x2x9q',
      ip.checkout,
      [checkout],
      [
        listen('0.0.0.0', 8080, 1, 'node'),
        ...est(ip.checkout, '20.60.1.12', 443, 142, 1, 'node'),
        ...est(ip.checkout, '20.60.1.12', 443, 164, 1, 'node', 'TIME_WAIT'),
        ...est(ip.checkout, '10.244.3.71', 6379, 4, 1, 'node'),
      ],
      {
        owner: { kind: 'ReplicaSet', name: 'checkout-api-7d9f8b6c5' },
        netns: 4026532785,
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
            spec: {
              containers: [{ name: 'checkout-api', env: [{ name: 'DB_PASSWORD', value: DEMO_SECRETS.dbPassword }] }],
            },
          }),
          'vault.example.com/token': DEMO_SECRETS.annotationToken,
        },
      },
    ),
    pod(
      'payments',
      'payments-worker-5c8d7f9b4-h7k2m',
      ip.worker,
      [worker],
      [...est(ip.worker, '10.1.5.4', 5432, 12, 7, 'python3'), ...est(ip.worker, '20.60.1.12', 443, 2, 7, 'python3')],
      { owner: { kind: 'ReplicaSet', name: 'payments-worker-5c8d7f9b4' } },
    ),
    pod(
      'batch',
      'report-exporter-28937465-q8w4t',
      ip.exporter,
      [exporter],
      [...est(ip.exporter, '52.239.170.36', 443, 64, 1, 'java'), ...est(ip.exporter, '10.1.5.4', 5432, 3, 1, 'java')],
      { owner: { kind: 'Job', name: 'report-exporter-28937465' } },
    ),
    pod(
      'web',
      'frontend-6b7c9d8f5-p4n6r',
      ip.fe1,
      [fe1],
      [
        listen('0.0.0.0', 9000, 1, 'php-fpm: master'),
        ...est(ip.fe1, '10.0.142.10', 80, 6, 23, 'php-fpm: pool'),
        ...est(ip.fe1, '20.60.1.12', 443, 1, 23, 'php-fpm: pool'),
      ],
      { owner: { kind: 'ReplicaSet', name: 'frontend-6b7c9d8f5' } },
    ),
    pod('web', 'frontend-6b7c9d8f5-z9x2v', ip.fe2, [fe2], [...est(ip.fe2, '10.0.142.10', 80, 5, 24, 'php-fpm: pool')], {
      owner: { kind: 'ReplicaSet', name: 'frontend-6b7c9d8f5' },
    }),
    pod(
      'kube-system',
      'coredns-789fbbc5b6-kq2xz',
      ip.coredns,
      [coredns],
      [...est(ip.coredns, '168.63.129.16', 53, 3, 1, 'coredns'), ...est(ip.coredns, '10.0.0.1', 443, 1, 1, 'coredns')],
      {
        owner: { kind: 'ReplicaSet', name: 'coredns-789fbbc5b6' },
      },
    ),
    pod(
      'kube-system',
      'kube-proxy-7xk2p',
      null,
      [kproxy],
      [...est(DEMO_NODE_IP, '10.224.0.4', 443, 1, kproxy.pid, 'kube-proxy')],
      {
        owner: { kind: 'DaemonSet', name: 'kube-proxy' },
      },
    ),
    pod(
      'kube-system',
      'azure-cns-4hj8d',
      null,
      [cns],
      [...est(DEMO_NODE_IP, '168.63.129.16', 80, 2, cns.pid, 'azure-cns')],
      {
        owner: { kind: 'DaemonSet', name: 'azure-cns' },
      },
    ),
    pod(
      'kube-system',
      'metrics-server-5dfc656944-9wq8j',
      ip.metrics,
      [metrics],
      [...est(ip.metrics, '10.224.0.5', 10250, 3, 1, 'metrics-server')],
      {
        owner: { kind: 'ReplicaSet', name: 'metrics-server-5dfc656944' },
      },
    ),
    pod(
      'kube-system',
      'konnectivity-agent-6c8f9d7b45-tm5wd',
      ip.konn,
      [konn],
      [...est(ip.konn, '20.62.140.9', 443, 2, 1, 'proxy-agent')],
      {
        owner: { kind: 'ReplicaSet', name: 'konnectivity-agent-6c8f9d7b45' },
      },
    ),
    pod(
      'tools',
      'inventory-sync-84d6c7b9f-rw7tz',
      ip.distroless,
      [distroless],
      [...est(ip.distroless, '13.107.42.14', 443, 19, 1, 'inventory-sync')],
      {
        owner: { kind: 'ReplicaSet', name: 'inventory-sync-84d6c7b9f' },
      },
    ),
    pod(
      'default',
      'redis-0',
      ip.redis,
      [redis],
      [listen('0.0.0.0', 6379, 1, 'redis-server'), ...est(ip.redis, ip.checkout, 41234, 4, 1, 'redis-server')],
      {
        owner: { kind: 'StatefulSet', name: 'redis' },
      },
    ),
    // Elsewhere in the cluster: not on the node under investigation.
    {
      ...pod(
        'payments',
        'checkout-api-7d9f8b6c5-b8m3d',
        '10.244.1.30',
        [c('checkout-api', checkout.image, 'node', { hasNetstat: true })],
        [],
      ),
      nodeName: 'aks-nodepool1-12345678-vmss000001',
    },
  ];

  // Trace: 60 s of events on the node, a few thousand lines.
  const netnsOf = new Map<ScenarioPod, number>();
  pods
    .filter((p) => p.nodeName === node && p.phase === 'Running')
    .forEach((p, i) => {
      netnsOf.set(p, podNetns(p, n3, i));
    });
  const trace: SimTraceEvent[] = [];
  const span = 60e9;
  const emit = (
    p: ScenarioPod | null,
    cont: ScenarioContainer | null,
    comm: string,
    pid: number,
    saddr: string,
    daddr: string,
    dport: number,
    n: number,
    closeRatio: number,
    accept = false,
  ) => {
    const netns = p ? (netnsOf.get(p) ?? 0) : (n3.hostNetns ?? HOST_NETNS_DEFAULT);
    for (let k = 0; k < n; k++) {
      const t = Math.floor(rnd() * span);
      const sport = accept ? dport : int(32768, 60999);
      const ev = {
        pid: pid + int(0, 3),
        comm,
        saddr,
        daddr,
        sport: accept ? sport : sport,
        dport: accept ? int(32768, 60999) : dport,
        netns,
      };
      trace.push({ tNs: t, type: accept ? 'accept' : 'connect', ...ev });
      const closeAt = t + int(5e6, 900e6);
      if (rnd() < closeRatio && closeAt < span) trace.push({ tNs: closeAt, type: 'close', ...ev });
    }
    void cont;
  };
  const byName = (n: string) => pods.find((p) => p.name.startsWith(n)) as ScenarioPod;
  emit(
    byName('checkout-api-7d9f8b6c5-x2x9q'),
    checkout,
    'node',
    checkout.pid,
    ip.checkout,
    '20.60.1.12',
    443,
    402,
    0.93,
  );
  emit(byName('checkout-api-7d9f8b6c5-x2x9q'), checkout, 'node', checkout.pid, ip.checkout, ip.redis, 6379, 20, 0.9);
  emit(byName('payments-worker'), worker, 'python3', worker.pid, ip.worker, '10.1.5.4', 5432, 70, 0.95);
  emit(byName('payments-worker'), worker, 'python3', worker.pid, ip.worker, '20.60.1.12', 443, 6, 1);
  emit(byName('report-exporter'), exporter, 'java', exporter.pid, ip.exporter, '52.239.170.36', 443, 34, 0.1);
  emit(byName('frontend-6b7c9d8f5-p4n6r'), fe1, 'php-fpm: pool www', fe1.pid, ip.fe1, '10.0.142.10', 80, 180, 0.97);
  emit(
    byName('frontend-6b7c9d8f5-p4n6r'),
    fe1,
    'php-fpm: pool www',
    fe1.pid,
    ip.fe1,
    '10.224.0.4',
    9000,
    120,
    0.97,
    true,
  );
  emit(byName('frontend-6b7c9d8f5-z9x2v'), fe2, 'php-fpm: pool www', fe2.pid, ip.fe2, '10.0.142.10', 80, 170, 0.97);
  emit(byName('coredns'), coredns, 'coredns', coredns.pid, ip.coredns, '168.63.129.16', 53, 90, 1);
  emit(byName('metrics-server'), metrics, 'metrics-server', metrics.pid, ip.metrics, '10.224.0.5', 10250, 24, 1);
  emit(
    byName('inventory-sync'),
    distroless,
    'inventory-sync',
    distroless.pid,
    ip.distroless,
    '13.107.42.14',
    443,
    41,
    0.6,
  );
  emit(byName('redis-0'), redis, 'redis-server', redis.pid, ip.redis, ip.checkout, 6379, 20, 0.9, true);
  // Host network namespace: kubelet, the hostNetwork DaemonSets, an image pull, and one IPv6 connection.
  emit(null, null, 'kubelet', 1043, DEMO_NODE_IP, '10.224.0.4', 443, 30, 0.5);
  emit(null, null, 'azure-cns', cns.pid, DEMO_NODE_IP, '168.63.129.16', 80, 24, 1);
  emit(null, null, 'containerd', 812, DEMO_NODE_IP, '204.79.197.219', 443, 6, 1);
  emit(null, null, 'curl', 52011, 'fd00:10:224::7', '2603:1061:13f1:4c1d::1', 443, 1, 1);
  trace.sort((a, b) => a.tNs - b.tNs || a.pid - b.pid);
  const t0 = trace[0]?.tNs ?? 0;
  for (const e of trace) e.tNs -= t0;

  n3.trace = trace;
  n3.hostSockets = [
    listen('0.0.0.0', 10250, 1043, 'kubelet'),
    ...est(DEMO_NODE_IP, '10.224.0.4', 443, 3, 1043, 'kubelet'),
    ...est(DEMO_NODE_IP, '204.79.197.219', 443, 1, 812, 'containerd'),
  ];

  // The controllers behind the pods, as the cluster holds them: each ReplicaSet owned by its Deployment, the
  // Job by the CronJob that scheduled it.
  const controllers: ScenarioController[] = [];
  for (const p of pods) {
    const o = p.owner;
    if (!o || controllers.some((c) => c.kind === o.kind && c.namespace === p.namespace && c.name === o.name)) continue;
    if (o.kind === 'ReplicaSet') {
      const deployment = o.name.slice(0, o.name.lastIndexOf('-'));
      controllers.push({
        kind: 'ReplicaSet',
        namespace: p.namespace,
        name: o.name,
        owner: { kind: 'Deployment', name: deployment },
      });
    } else if (o.kind === 'Job') {
      const cronJob = o.name.slice(0, o.name.lastIndexOf('-'));
      controllers.push({
        kind: 'Job',
        namespace: p.namespace,
        name: o.name,
        owner: { kind: 'CronJob', name: cronJob },
      });
    }
  }

  return {
    nodes,
    controllers,
    namespaces: [
      { name: 'default' },
      { name: 'kube-system' },
      { name: 'payments' },
      { name: 'batch' },
      { name: 'web' },
      { name: 'tools' },
      {
        name: 'snat-responder',
        labels: { 'app.kubernetes.io/name': 'snat-responder', 'pod-security.kubernetes.io/enforce': 'privileged' },
      },
    ],
    pods,
  };
}
