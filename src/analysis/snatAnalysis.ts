import type { EvidenceSet } from '../evidence/evidenceSet.js';
import {
  type ClusterContext,
  type HostTraffic,
  type InvestigationContext,
  type NodeContext,
  type RankedPod,
  REPORT_SCHEMA_VERSION,
  type Recommendation,
  type Report,
  type SnatMetricPoint,
  type SocketCounters,
  type UnattributedTalker,
} from '../report/model.js';
import { attributeTrace } from './attribution.js';
import { EvidenceIndex, type PodIdentity, podKey } from './evidenceIndex.js';
import { createIpClassifier, type IpClassifier } from './ipClassifier.js';
import { RANKING_RULE, rankPods } from './ranking.js';
import type { ServiceTagIndex } from './serviceTags.js';
import { countSockets, localAddresses, NO_SOCKET_EVIDENCE } from './socketCounters.js';
import {
  mergeTalkers,
  type TalkerAggregate,
  type TraceAggregate,
  TraceAggregator,
  traceSpanSeconds,
  trafficCounters,
} from './traceAggregator.js';
import { decideVerdict, type EvidenceYield, insufficiency } from './verdict.js';
import { WorkloadResolver } from './workload.js';

/** What the caller knows beyond the bundle (the orchestration knows much; offline analysis little). */
export interface AnalysisOptions {
  /** Extra non-SNAT ranges (VNet, peered networks, service CIDR). */
  privateCidrs?: readonly string[];
  /** ISO-8601 timestamp to stamp on the report (the core has no clock). */
  generatedAt?: string | null;
  investigation?: Partial<InvestigationContext>;
  cluster?: ClusterContext | null;
  node?: Partial<NodeContext>;
  metrics?: SnatMetricPoint[];
  /** Computes recommendations from the finished report (kept pluggable so the engine has no policy baked in). */
  recommend?: (report: Report) => Recommendation[];
  /** How many destinations to keep per talker. */
  topDestinations?: number;
  /** Azure service tags: top destinations get their tag (`Storage.WestEurope`) and the report the data's change number. */
  serviceTags?: { index: ServiceTagIndex; source: string } | null;
}

const MAX_WARNING_SAMPLES = 20;
const MAX_PROCESSES = 5;
/** Shortest window over which a per-minute rate is meaningful. */
const MIN_RATE_SECONDS = 10;

/**
 * One analysis run: create it from the parsed (non-trace) evidence, stream trace events into
 * `aggregator`, then call `report()`.
 *
 * @example
 * const run = new SnatAnalysis(evidence, { privateCidrs: ['20.0.0.0/8'] });
 * for (const event of events) run.aggregator.add(event);
 * const report = run.report();
 */
export class SnatAnalysis {
  readonly classify: IpClassifier;
  readonly index: EvidenceIndex;
  readonly aggregator: TraceAggregator;

  constructor(
    private readonly evidence: EvidenceSet,
    private readonly options: AnalysisOptions = {},
  ) {
    this.classify = createIpClassifier(options.privateCidrs ?? []);
    this.index = new EvidenceIndex(evidence);
    const hostMemo = new Map<string, boolean>();
    this.aggregator = new TraceAggregator(this.classify, (saddr, netns) => {
      const k = `${saddr}|${netns}`;
      let v = hostMemo.get(k);
      if (v === undefined) {
        v = this.index.isHost(saddr, netns);
        hostMemo.set(k, v);
      }
      return v;
    });
  }

  /** What the evidence could measure: trace events and socket rows (the grounds for any verdict). */
  evidenceYield(): EvidenceYield {
    const ev = this.evidence;
    return {
      tracePresent: ev.trace.present,
      traceEvents: this.aggregator.result().events,
      socketRows: [...ev.podSockets, ...ev.netnsSockets].reduce((n, t) => n + t.table.sockets.length, 0),
      traceLooksLike: ev.trace.looksLike ?? null,
    };
  }

  report(): Report {
    const ev = this.evidence;
    const opts = this.options;
    const trace: TraceAggregate = this.aggregator.result();
    const span = traceSpanSeconds(trace);
    // Rates use the capture's own window when known (events may bunch up inside it); a span of a few seconds
    // would extrapolate wildly, so no rate is given below MIN_RATE_SECONDS.
    const window = ev.capture?.traceSeconds ?? span;
    const rateSeconds = window !== null && window >= MIN_RATE_SECONDS ? window : null;
    const topN = opts.topDestinations ?? 10;
    const attributed = attributeTrace(trace, this.index);
    const problems: string[] = [...(opts.investigation?.problems ?? [])];

    // Socket evidence per pod: netstat/ files first (the runbook's method), then node-side tables.
    const sockets = new Map<string, { pod: PodIdentity; counters: SocketCounters }>();
    let hostSockets: SocketCounters | null = null;
    for (const t of ev.podSockets) {
      const pod = this.index.podByKey(t.namespace, t.pod) ?? {
        namespace: t.namespace,
        name: t.pod,
        hostNetwork: false,
        podIPs: [],
        owner: null,
      };
      const counters = countSockets(t.table, t.source, this.classify);
      if (pod.hostNetwork) {
        // netstat in a hostNetwork pod lists the whole node's sockets: that is host evidence, not the pod's.
        hostSockets ??= counters;
        problems.push(
          `${t.source}: ${t.namespace}/${t.pod} uses the host network; its sockets are counted as host traffic`,
        );
        continue;
      }
      sockets.set(podKey(pod.namespace, pod.name), { pod, counters });
    }
    for (const t of ev.netnsSockets) {
      if (this.index.hostNetns !== null && t.inode === this.index.hostNetns) {
        hostSockets ??= countSockets(t.table, t.source, this.classify);
        continue;
      }
      const chain = this.index.chainFromNetns(t.inode);
      let pod = chain.pod;
      if (!pod) {
        for (const ip of localAddresses(t.table)) {
          pod = this.index.podsByAddress(ip)[0] ?? null;
          if (pod) break;
        }
      }
      if (!pod) {
        problems.push(`${t.source}: network namespace ${t.inode} could not be tied to a pod`);
        continue;
      }
      const key = podKey(pod.namespace, pod.name);
      if (!sockets.has(key)) sockets.set(key, { pod, counters: countSockets(t.table, t.source, this.classify) });
    }

    const workloads = new WorkloadResolver(ev.pods, ev.controllers ?? []);
    const unranked: Array<Omit<RankedPod, 'rank'>> = [];
    const keys = new Set([...attributed.pods.keys(), ...sockets.keys()]);
    for (const key of keys) {
      const traced = attributed.pods.get(key);
      const sock = sockets.get(key);
      const pod = traced?.pod ?? sock!.pod;
      const merged = traced ? mergeTalkers(traced.talkers) : null;
      const attribution = traced
        ? { ...traced.attribution, paths: [...traced.attribution.paths] }
        : { paths: [], steps: [], conflicts: [] };
      if (sock) {
        attribution.paths.push('socket-table');
        attribution.steps.push({
          kind: 'socket-table',
          source: sock.counters.socketSource ?? '',
          detail: `socket table of ${pod.namespace}/${pod.name} (${sock.counters.socketMethod})`,
        });
      }
      unranked.push({
        namespace: pod.namespace,
        pod: pod.name,
        hostNetwork: pod.hostNetwork,
        podIPs: pod.podIPs,
        owner: pod.owner,
        workload: workloads.forPod(pod.namespace, pod.name),
        processes: merged ? [...merged.comms].slice(0, MAX_PROCESSES) : [],
        ...trafficCounters(merged, rateSeconds, topN),
        ...(sock?.counters ?? NO_SOCKET_EVIDENCE),
        attribution,
      });
    }
    const rankedPods = rankPods(unranked);

    const hostMerged = mergeTalkers(attributed.host);
    const nodeIp = opts.node?.ip ?? ev.capture?.nodeIP ?? ev.node?.internalIPs[0] ?? null;
    const hostTraffic: HostTraffic | null =
      hostMerged || hostSockets
        ? {
            saddr: nodeIp ?? hostMerged?.saddr ?? 'node',
            netns: this.index.hostNetns ?? hostMerged?.netns ?? null,
            processes: hostMerged ? [...hostMerged.comms].slice(0, MAX_PROCESSES) : [],
            ...trafficCounters(hostMerged, rateSeconds, topN),
            ...(hostSockets ?? {}),
          }
        : null;

    const unattributed: UnattributedTalker[] = attributed.unattributed
      .map(({ talker, reason }) => unattributedEntry(talker, reason, rateSeconds, topN))
      .sort((a, b) => b.connectsPublic - a.connectsPublic || (a.saddr < b.saddr ? -1 : 1));

    const nodeName = opts.node?.name ?? ev.capture?.nodeName ?? ev.node?.name ?? null;
    const missing = ev.capture?.missingTools ?? [];
    if (missing.length > 0) problems.push(`the capture could not run: ${missing.join(', ')}`);
    if (ev.capture?.truncated) problems.push('the capture output was truncated to stay within the log budget');
    if (ev.trace.lostSamples > 0) problems.push(`tcptracer reported ${ev.trace.lostSamples} lost samples`);
    if (!ev.trace.present && rankedPods.every((p) => p.establishedPublic === null)) {
      problems.push('no trace and no socket tables: nothing measures SNAT use');
    }
    if (ev.trace.tool === 'tcpconnect') {
      problems.push(
        'the trace is tcpconnect output: connects only (no accepts, closes or NETNS), so attribution relies on ' +
          'source addresses and PIDs; run `tcptracer -t4v` for a full trace',
      );
    }
    const evidenceYield = this.evidenceYield();
    const notMeasured = insufficiency(evidenceYield);
    if (notMeasured !== null && ev.trace.present) problems.push(notMeasured);

    const report: Report = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      generatedAt: opts.generatedAt ?? null,
      investigation: {
        id: opts.investigation?.id ?? null,
        status: opts.investigation?.status ?? (problems.length > 0 && missing.length > 0 ? 'degraded' : 'complete'),
        problems,
        severity: opts.investigation?.severity ?? null,
        alertRule: opts.investigation?.alertRule ?? null,
        ...(opts.investigation?.trigger ? { trigger: opts.investigation.trigger } : {}),
        windowStart: opts.investigation?.windowStart ?? ev.capture?.startedAt ?? null,
        windowEnd: opts.investigation?.windowEnd ?? ev.capture?.endedAt ?? null,
        ...(opts.investigation?.notes?.length ? { notes: [...opts.investigation.notes] } : {}),
      },
      cluster: opts.cluster ?? null,
      node: { name: nodeName, ip: nodeIp },
      verdict: decideVerdict(rankedPods, hostTraffic, unattributed, nodeName, evidenceYield),
      rankingRule: RANKING_RULE,
      rankedPods,
      hostTraffic,
      unattributed,
      trace: {
        events: trace.events,
        connects: trace.connects,
        accepts: trace.accepts,
        closes: trace.closes,
        spanSeconds: span,
        lostSamples: ev.trace.lostSamples,
        format: ev.trace.format,
        tool: trace.events > 0 ? (ev.trace.tool ?? null) : null,
      },
      parseWarnings: ev.warningCount,
      warningSamples: ev.warnings.slice(0, MAX_WARNING_SAMPLES),
      metrics: opts.metrics ?? [],
      recommendations: [],
      evidenceFiles: [...ev.files].sort(),
      privateCidrs: [...(opts.privateCidrs ?? [])],
    };
    if (opts.serviceTags) {
      const { index, source } = opts.serviceTags;
      tagDestinations(report, index);
      report.serviceTags = { changeNumber: index.changeNumber, cloud: index.cloud, source };
    }
    if (opts.recommend) report.recommendations = opts.recommend(report);
    return report;
  }
}

/** Names the Azure service tag of every top destination (pods, host, unattributed), in place. */
function tagDestinations(report: Report, index: ServiceTagIndex): void {
  const talkers = [...report.rankedPods, ...report.unattributed, ...(report.hostTraffic ? [report.hostTraffic] : [])];
  const memo = new Map<string, string | null>();
  for (const t of talkers) {
    for (const d of t.topDestinations) {
      let tag = memo.get(d.ip);
      if (tag === undefined) {
        tag = index.lookup(d.ip)?.tag ?? null;
        memo.set(d.ip, tag);
      }
      if (tag) d.serviceTag = tag;
    }
  }
}

function unattributedEntry(
  talker: TalkerAggregate,
  reason: string,
  span: number | null,
  topN: number,
): UnattributedTalker {
  return {
    saddr: talker.saddr,
    netns: talker.netns,
    processes: [...talker.comms].slice(0, MAX_PROCESSES),
    reason,
    ...trafficCounters(talker, span, topN),
  };
}
