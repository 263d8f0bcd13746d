/**
 * Builders for realistic `Report` objects, shared by report, card, recommendation and browser tests.
 * Numbers are chosen to look like a real incident on a 12-node pool with one frontend IP.
 */
import { computeRecommendations } from '../../src/analysis/recommendations.js';
import type {
  DestinationCount,
  HostTraffic,
  RankedPod,
  Report,
  SnatMetricPoint,
  UnattributedTalker,
} from '../../src/report/model.js';
import { REPORT_SCHEMA_VERSION } from '../../src/report/model.js';

/** Public IP of the churned-to destination in the culprit scenario. */
export const CULPRIT_DESTINATION = { ip: '20.60.1.12', port: 443 } as const;
/** An Azure Storage IP, reverse-resolving to {@link STORAGE_NAME}. */
export const STORAGE_IP = '20.150.34.4';
export const STORAGE_NAME = 'contosoorders.blob.core.windows.net';

/** A ranked pod with sane defaults; override what the test cares about. */
export function buildPod(overrides: Partial<RankedPod> & Pick<RankedPod, 'namespace' | 'pod'>): RankedPod {
  const { namespace, pod } = overrides;
  return {
    rank: 1,
    hostNetwork: false,
    podIPs: ['10.244.1.17'],
    owner: { kind: 'ReplicaSet', name: `${pod.replace(/-[a-z0-9]{5}$/, '')}` },
    processes: ['app'],
    connectsPublic: 0,
    connectsPrivate: 0,
    accepts: 0,
    closes: 0,
    connectRatePerMinute: null,
    distinctPublicDestinations: 0,
    topDestinations: [],
    establishedPublic: null,
    establishedPrivate: null,
    timeWaitPublic: null,
    socketMethod: null,
    socketSource: null,
    attribution: {
      paths: ['netns-chain', 'pod-ip'],
      steps: [
        {
          kind: 'netns',
          source: 'tcptracer.log',
          detail: `SADDR ${overrides.podIPs?.[0] ?? '10.244.1.17'} NETNS 4026532785`,
        },
        { kind: 'lsns', source: 'lsns.txt', detail: 'netns 4026532785 -> PID 19832' },
        { kind: 'pstree', source: 'pstree/19832.txt', detail: 'PID 19832 -> containerd-shim -id 2f4c9a71be03' },
        { kind: 'crictl', source: 'crictl-pods.json', detail: `sandbox 2f4c9a71be03 -> ${namespace}/${pod}` },
        {
          kind: 'pod-ip',
          source: 'pods.json',
          detail: `${overrides.podIPs?.[0] ?? '10.244.1.17'} is ${namespace}/${pod}`,
        },
      ],
      conflicts: [],
    },
    ...overrides,
  };
}

function dest(ip: string, port: number, count: number): DestinationCount {
  return { ip, port, count };
}

/** Per-minute SNAT metrics: usage climbs from 300 to 1,010 of 1,024 ports, failures start near the top. */
export function buildMetricsSeries(points = 30, allocated = 1024, peak = 1010): SnatMetricPoint[] {
  const start = Date.parse('2026-11-26T12:40:00Z');
  return Array.from({ length: points }, (_, i) => {
    const used = Math.round(300 + (peak - 300) * Math.min(1, i / (points * 0.7)));
    return {
      timestamp: new Date(start + i * 60_000).toISOString(),
      usedPorts: used,
      allocatedPorts: allocated,
      failedConnections: used >= peak - 20 ? 35 + (i % 4) * 5 : 0,
    };
  });
}

const culprit = (): RankedPod =>
  buildPod({
    rank: 1,
    namespace: 'payments',
    pod: 'checkout-api-7d9f8b6c5-x2k4q',
    podIPs: ['10.244.1.17'],
    owner: { kind: 'ReplicaSet', name: 'checkout-api-7d9f8b6c5' },
    processes: ['node', 'php-fpm: pool www'],
    connectsPublic: 4100,
    connectsPrivate: 120,
    accepts: 35,
    closes: 4050,
    connectRatePerMinute: 410,
    distinctPublicDestinations: 3,
    topDestinations: [dest('20.60.1.12', 443, 3980), dest('52.239.140.10', 443, 90), dest('13.107.42.14', 443, 30)],
    establishedPublic: 380,
    establishedPrivate: 12,
    timeWaitPublic: 2900,
    socketMethod: 'netstat',
    socketSource: 'netstat/payments_checkout-api-7d9f8b6c5-x2k4q.txt',
  });

const storagePod = (): RankedPod =>
  buildPod({
    rank: 2,
    namespace: 'orders',
    pod: 'order-archiver-5c7b9d4f8-m9p2z',
    podIPs: ['10.244.1.33'],
    owner: { kind: 'ReplicaSet', name: 'order-archiver-5c7b9d4f8' },
    processes: ['java'],
    connectsPublic: 640,
    connectsPrivate: 10,
    accepts: 0,
    closes: 600,
    connectRatePerMinute: 64,
    distinctPublicDestinations: 2,
    topDestinations: [dest(STORAGE_IP, 443, 610), dest('40.126.28.19', 443, 30)],
    establishedPublic: 240,
    establishedPrivate: 4,
    timeWaitPublic: 380,
    socketMethod: 'proc-net-tcp',
    socketSource: 'sockets/4026532911.txt',
    attribution: {
      paths: ['netns-chain', 'pod-ip', 'socket-table'],
      steps: [
        { kind: 'netns', source: 'tcptracer.log', detail: 'SADDR 10.244.1.33 NETNS 4026532911' },
        { kind: 'lsns', source: 'lsns.json', detail: 'netns 4026532911 -> PID 22410' },
        { kind: 'pstree', source: 'pstree/22410.txt', detail: 'PID 22410 -> containerd-shim -id 9ab03c55d1e2' },
        {
          kind: 'crictl',
          source: 'crictl-pods.json',
          detail: 'sandbox 9ab03c55d1e2 -> orders/order-archiver-5c7b9d4f8-m9p2z',
        },
        { kind: 'socket-table', source: 'sockets/4026532911.txt', detail: '240 ESTABLISHED to public (proc-net-tcp)' },
      ],
      conflicts: [],
    },
  });

const quietPod = (): RankedPod =>
  buildPod({
    rank: 3,
    namespace: 'monitoring',
    pod: 'metrics-agent-ds-7hx4v',
    podIPs: ['10.244.1.5'],
    owner: { kind: 'DaemonSet', name: 'metrics-agent-ds' },
    processes: ['otelcol'],
    connectsPublic: 42,
    connectsPrivate: 900,
    accepts: 10,
    closes: 930,
    connectRatePerMinute: 4.2,
    distinctPublicDestinations: 1,
    topDestinations: [dest('20.42.65.92', 443, 42)],
    establishedPublic: 6,
    establishedPrivate: 40,
    timeWaitPublic: 3,
    socketMethod: 'ss',
    socketSource: 'netstat/monitoring_metrics-agent-ds-7hx4v.txt',
    attribution: {
      paths: ['pod-ip'],
      steps: [{ kind: 'pod-ip', source: 'pods.json', detail: '10.244.1.5 is monitoring/metrics-agent-ds-7hx4v' }],
      conflicts: ['netns 4026532001 maps to no sandbox in crictl-pods.json; attributed by SADDR only'],
    },
  });

const host = (): HostTraffic => ({
  saddr: '10.224.0.4',
  netns: 4026531992,
  processes: ['kubelet', 'containerd'],
  connectsPublic: 180,
  connectsPrivate: 2400,
  accepts: 0,
  closes: 2500,
  connectRatePerMinute: 18,
  distinctPublicDestinations: 4,
  topDestinations: [dest('13.66.41.20', 443, 120), dest('20.33.0.10', 443, 60)],
});

const unattributed = (): UnattributedTalker[] => [
  {
    saddr: '10.244.1.99',
    netns: 4026533100,
    processes: ['curl'],
    reason: 'no pod has IP 10.244.1.99 and netns 4026533100 is not in lsns.txt (pod deleted during the capture?)',
    connectsPublic: 55,
    connectsPrivate: 0,
    accepts: 0,
    closes: 55,
    connectRatePerMinute: 5.5,
    distinctPublicDestinations: 1,
    topDestinations: [dest('93.184.216.34', 80, 55)],
  },
];

const EVIDENCE_FILES = [
  'tcptracer.log',
  'lsns.txt',
  'lsns.json',
  'pstree/19832.txt',
  'pstree/22410.txt',
  'crictl-ps.json',
  'crictl-pods.json',
  'pods.json',
  'node.json',
  'netstat/payments_checkout-api-7d9f8b6c5-x2k4q.txt',
  'netstat/monitoring_metrics-agent-ds-7hx4v.txt',
  'sockets/4026532911.txt',
];

/** Report without recommendations: the input of `computeRecommendations`. */
export function buildCompleteReportBase(): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: '2026-11-26T13:12:00.000Z',
    investigation: {
      id: 'snat-aks-prod-weu-aks-nodepool1-38112649-vmss000003-20261126T1305',
      status: 'complete',
      problems: [],
      severity: 'Sev2',
      alertRule: 'snat-ports-above-80pct',
      windowStart: '2026-11-26T13:00:00.000Z',
      windowEnd: '2026-11-26T13:10:00.000Z',
    },
    cluster: {
      clusterName: 'aks-prod-weu',
      clusterResourceId:
        '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-weu',
      loadBalancerId:
        '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/MC_rg-prod_aks-prod-weu_westeurope/providers/Microsoft.Network/loadBalancers/kubernetes',
      outboundType: 'loadBalancer',
      backendPoolSize: 12,
      frontendIpCount: 1,
      configuredOutboundPorts: null,
      idleTimeoutMinutes: 4,
    },
    node: { name: 'aks-nodepool1-38112649-vmss000003', ip: '10.224.0.4' },
    verdict: {
      kind: 'pod',
      summary:
        'Pod payments/checkout-api-7d9f8b6c5-x2k4q on node aks-nodepool1-38112649-vmss000003 holds the most ESTABLISHED connections to public IPs (380) and opens 410 public connections per minute.',
      namespace: 'payments',
      pod: 'checkout-api-7d9f8b6c5-x2k4q',
    },
    rankingRule:
      'Most ESTABLISHED connections to public IPs first (socket tables); where no pod has socket evidence, public connects from the trace decide. Ties are broken by the other measure.',
    rankedPods: [culprit(), storagePod(), quietPod()],
    hostTraffic: host(),
    unattributed: unattributed(),
    trace: {
      events: 9870,
      connects: 4980,
      accepts: 45,
      closes: 4845,
      spanSeconds: 600,
      lostSamples: 12,
      format: 'text',
    },
    parseWarnings: 3,
    warningSamples: [
      { file: 'tcptracer.log', line: 4711, message: 'unrecognised line: "Possibly lost 12 samples"' },
      { file: 'tcptracer.log', line: 9871, message: 'truncated last line' },
      { file: 'netstat/monitoring_metrics-agent-ds-7hx4v.txt', line: 2, message: 'unknown state column "SYN-SENT2"' },
    ],
    metrics: buildMetricsSeries(),
    recommendations: [],
    evidenceFiles: [...EVIDENCE_FILES],
    privateCidrs: ['10.224.0.0/16'],
  };
}

/** Options the fixtures' recommendations are computed with (Storage recognised by name). */
export const FIXTURE_RECOMMENDATION_OPTIONS = {
  azureServiceNames: { [STORAGE_IP]: STORAGE_NAME },
} as const;

/** The full incident: culprit churn pod, Azure Storage pod, host traffic, unattributed, warnings, metrics, cluster. */
export function buildCompleteReport(): Report {
  const base = buildCompleteReportBase();
  return { ...base, recommendations: computeRecommendations(base, FIXTURE_RECOMMENDATION_OPTIONS) };
}

/** Offline analysis of a trace-only bundle: no cluster, no metrics, no socket evidence. */
export function buildOfflineReport(): Report {
  const base = buildCompleteReportBase();
  const pods = base.rankedPods.map((p) => ({
    ...p,
    establishedPublic: null,
    establishedPrivate: null,
    timeWaitPublic: null,
    socketMethod: null,
    socketSource: null,
  }));
  const report: Report = {
    ...base,
    generatedAt: null,
    investigation: {
      id: null,
      status: 'complete',
      problems: [],
      severity: null,
      alertRule: null,
      windowStart: null,
      windowEnd: null,
    },
    cluster: null,
    node: { name: null, ip: null },
    rankedPods: pods,
    metrics: [],
    evidenceFiles: ['tcptracer.log'],
    verdict: {
      ...base.verdict,
      summary:
        'Pod payments/checkout-api-7d9f8b6c5-x2k4q opens the most connections to public IPs (4,100 in 10 minutes).',
    },
  };
  return { ...report, recommendations: computeRecommendations(report) };
}

/** A degraded investigation: capture partly failed, metrics missing, sockets unknown. */
export function buildDegradedReport(): Report {
  const base = buildCompleteReportBase();
  const report: Report = {
    ...base,
    investigation: {
      ...base.investigation,
      status: 'degraded',
      problems: [
        'netstat is not available in 2 of 3 pods and /proc/net/tcp could not be read: ESTABLISHED counts are missing',
        'load balancer metrics query failed (403 AuthorizationFailed): SNAT usage is unknown',
      ],
    },
    metrics: [],
    rankedPods: base.rankedPods.map((p, i) =>
      i === 0
        ? p
        : {
            ...p,
            establishedPublic: null,
            establishedPrivate: null,
            timeWaitPublic: null,
            socketMethod: null,
            socketSource: null,
          },
    ),
  };
  return { ...report, recommendations: computeRecommendations(report, FIXTURE_RECOMMENDATION_OPTIONS) };
}

/** A failed investigation: no evidence at all, verdict none. */
export function buildFailedReport(): Report {
  const base = buildCompleteReportBase();
  return {
    ...base,
    investigation: {
      ...base.investigation,
      status: 'failed',
      problems: ['capture Job on aks-nodepool1-38112649-vmss000003 did not start within 120 s (ImagePullBackOff)'],
    },
    verdict: {
      kind: 'none',
      summary:
        'No verdict: the capture on node aks-nodepool1-38112649-vmss000003 failed before any evidence was collected.',
      namespace: null,
      pod: null,
    },
    rankedPods: [],
    hostTraffic: null,
    unattributed: [],
    trace: { events: 0, connects: 0, accepts: 0, closes: 0, spanSeconds: null, lostSamples: 0, format: null },
    parseWarnings: 0,
    warningSamples: [],
    evidenceFiles: [],
    recommendations: [],
  };
}

/**
 * A node with thousands of pods (each with a few destinations) and optionally very long names,
 * to exercise card trimming and HTML size.
 */
export function buildLargeReport(opts: { pods?: number; nameLength?: number } = {}): Report {
  const count = opts.pods ?? 3000;
  const pad = (s: string): string =>
    opts.nameLength && s.length < opts.nameLength ? `${s}-${'x'.repeat(opts.nameLength - s.length - 1)}` : s;
  const base = buildCompleteReportBase();
  const pods: RankedPod[] = Array.from({ length: count }, (_, i) => {
    const established = Math.max(0, 2000 - i);
    const ns = pad(`team-${i % 40}`);
    const name = pad(`worker-${i.toString(36).padStart(4, '0')}-7d9f8b6c5-x2k4q`);
    const ip = `10.244.${Math.floor(i / 250)}.${(i % 250) + 2}`;
    return buildPod({
      rank: i + 1,
      namespace: ns,
      pod: name,
      podIPs: [ip],
      connectsPublic: established * 3,
      connectRatePerMinute: (established * 3) / 10,
      distinctPublicDestinations: 3,
      topDestinations: [dest(`20.60.${i % 250}.12`, 443, established * 2), dest('52.239.140.10', 443, established)],
      establishedPublic: established,
      establishedPrivate: 2,
      timeWaitPublic: established,
      socketMethod: 'netstat',
      socketSource: `netstat/${ns}_${name}.txt`,
    });
  });
  const first = pods[0]!;
  const report: Report = {
    ...base,
    cluster: base.cluster ? { ...base.cluster, clusterName: pad('aks-prod-weu') } : null,
    node: { name: pad('aks-nodepool1-38112649-vmss000003'), ip: '10.224.0.4' },
    verdict: {
      kind: 'pod',
      summary: `Pod ${first.namespace}/${first.pod} holds the most ESTABLISHED connections to public IPs (${first.establishedPublic}).`,
      namespace: first.namespace,
      pod: first.pod,
    },
    rankedPods: pods,
    evidenceFiles: ['tcptracer.log', ...pods.map((p) => p.socketSource ?? '')],
    warningSamples: Array.from({ length: 20 }, (_, i) => ({
      file: 'tcptracer.log',
      line: 100 + i,
      message: pad(`unrecognised line ${i}`),
    })),
    parseWarnings: 20_000,
  };
  return { ...report, recommendations: computeRecommendations(report, FIXTURE_RECOMMENDATION_OPTIONS) };
}

/** Attacker-influenced strings everywhere a name, comm or warning can appear. */
export const HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>&amp;"\'';

/** A report whose untrusted strings try to inject markup. */
export function buildHostileReport(): Report {
  const base = buildCompleteReport();
  const [first, ...rest] = base.rankedPods;
  return {
    ...base,
    rankedPods: [
      {
        ...first!,
        pod: `evil${HOSTILE}`,
        processes: [HOSTILE, 'php-fpm: pool www'],
        attribution: {
          ...first!.attribution,
          steps: [{ kind: 'pstree', source: `pstree/${HOSTILE}.txt`, detail: HOSTILE }],
          conflicts: [HOSTILE],
        },
      },
      ...rest,
    ],
    verdict: { ...base.verdict, summary: `Pod payments/evil${HOSTILE} is the culprit.`, pod: `evil${HOSTILE}` },
    warningSamples: [{ file: `tcptracer${HOSTILE}.log`, line: 1, message: HOSTILE }],
    unattributed: [{ ...base.unattributed[0]!, processes: [HOSTILE], reason: HOSTILE }],
    evidenceFiles: [...base.evidenceFiles, `netstat/${HOSTILE}.txt`, 'javascript:alert(1)'],
    investigation: { ...base.investigation, problems: [HOSTILE], status: 'degraded', alertRule: HOSTILE },
  };
}
