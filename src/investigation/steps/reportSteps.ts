/** Activities that turn stored evidence into the stored report, and announce it. */
import { computeRecommendations } from '../../analysis/recommendations.js';
import type { ServiceTagIndex } from '../../analysis/serviceTags.js';
import { type LinkWindow, linkWindow } from '../../azure/blob/readLinks.js';
import { type BlobReportStore, REPORT_FILES } from '../../azure/blob/reportStore.js';
import type { Logger } from '../../logging/logger.js';
import { buildTeamsPayloadWithinLimit } from '../../report/card/teamsCard.js';
import { buildTextOnlyPayload, type UnstoredReportSummary } from '../../report/card/textOnlyCard.js';
import { renderHtml } from '../../report/html/renderHtml.js';
import { renderMarkdown } from '../../report/markdown.js';
import type { ClusterContext, Report } from '../../report/model.js';
import { workloadRef } from '../../report/workloadName.js';
import { TeamsDeliveryError } from '../../teams/errors.js';
import type { ClusterInfo } from '../clusterInfo.js';
import type { AnalyzeAndStoreInput, AnalyzeAndStoreOutput, NotifyTeamsInput, NotifyTeamsOutput } from '../contracts.js';
import type { InvestigationDeps } from '../dependencies.js';
import { socketSourceStatement } from '../evidenceNotes.js';
import { analyzeStoredEvidence } from './storedEvidence.js';

/** How many past incidents the card's "top talker in k of the last n" looks at. */
const HISTORY_WINDOW = 10;

function clusterContext(cluster: ClusterInfo | null, loadBalancerId: string): ClusterContext | null {
  if (!cluster) return null;
  return {
    clusterName: cluster.name,
    clusterResourceId: cluster.resourceId,
    loadBalancerId,
    outboundType: cluster.outboundType,
    backendPoolSize: cluster.nodeCount,
    frontendIpCount: cluster.managedOutboundIpCount,
    configuredOutboundPorts: cluster.outboundPorts,
    idleTimeoutMinutes: cluster.idleTimeoutMinutes,
    // Older stored activity outputs lack these: absent means "unknown", and the advice says so.
    ...(cluster.agentPools ? { agentPools: cluster.agentPools } : {}),
    ...(cluster.ipFamilies ? { ipFamilies: cluster.ipFamilies } : {}),
    frontendIpv6Count: cluster.managedOutboundIpv6Count ?? null,
    location: cluster.location ?? null,
  };
}

/** The region's service tags, or why the report goes without them (ARM refused, no region known). */
async function serviceTagsFor(
  deps: InvestigationDeps,
  cluster: ClusterInfo | null,
): Promise<{ index: ServiceTagIndex | null; problem: string | null }> {
  if (!deps.serviceTags || !cluster?.location) return { index: null, problem: null };
  try {
    return { index: await deps.serviceTags.forLocation(cluster.subscriptionId, cluster.location), problem: null };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { index: null, problem: `service tags unavailable, destinations are not named: ${why.slice(0, 200)}` };
  }
}

/**
 * The link people open for a stored file: under REPORT_BASE_URL when set (your own front end), else a signed
 * read-only link to the blob that expires after REPORT_LINK_EXPIRY_HOURS (the container is private).
 */
function linkFor(
  deps: InvestigationDeps,
  store: BlobReportStore,
  prefix: string,
  file: string,
  window: LinkWindow,
): Promise<string> {
  const base = deps.settings.reportBaseUrl;
  if (base) return Promise.resolve(`${base.replace(/\/+$/, '')}/${prefix}${file}`);
  return store.readLink(prefix, file, window);
}

/**
 * Analyses the stored evidence with everything the orchestration learnt (cluster, node, metrics, problems),
 * stores report.json/.md/.html next to it, and records the incident in the cluster's index.
 */
export async function analyzeAndStore(
  deps: InvestigationDeps,
  input: AnalyzeAndStoreInput,
): Promise<AnalyzeAndStoreOutput> {
  const store = await deps.reports();
  const s = deps.settings;
  const tags = await serviceTagsFor(deps, input.cluster);
  const localAccount = input.cluster && deps.localAccountNote ? await deps.localAccountNote(input.cluster) : null;
  const notes = [socketSourceStatement(s.allowPodExec), ...(localAccount ? [localAccount] : [])];
  const report = await analyzeStoredEvidence(
    store,
    input.prefix,
    {
      privateCidrs: s.privateCidrs,
      generatedAt: input.generatedAt,
      ...(tags.index ? { serviceTags: { index: tags.index, source: 'arm' } } : {}),
      investigation: {
        id: input.request.instanceId,
        // Notifications being off, or a service-tag outage (only the tag names are lost), is said in the report
        // without degrading the investigation itself.
        problems: [
          ...input.problems,
          ...(s.notifyProblem ? [s.notifyProblem] : []),
          ...(tags.problem ? [tags.problem] : []),
        ],
        notes,
        ...(input.status ? { status: input.status } : { status: input.problems.length > 0 ? 'degraded' : 'complete' }),
        severity: input.request.alert?.severity ?? null,
        alertRule: input.request.alert?.alertRule ?? null,
        trigger: input.request.requestedBy,
        windowStart: input.windowStart,
        windowEnd: input.windowEnd,
      },
      cluster: clusterContext(input.cluster, input.request.target.loadBalancerId),
      node: input.node,
      metrics: input.metrics,
      recommend: (r) => computeRecommendations(r, { azureServiceCidrs: s.azureServiceCidrs }),
      // The trace as candidate selection read it: one analysis of the trace per investigation.
    },
    'reuse',
  );
  // Record the incident first (idempotent per instance id), so the report can say how often this pod was
  // the top talker on the cluster, this incident included.
  // History counts by workload: a Deployment's pods get new names on every rollout.
  const topPod = report.verdict.pod ? `${report.verdict.namespace}/${report.verdict.pod}` : null;
  const topWorkload = report.verdict.workload ? workloadRef(report.verdict.workload) : null;
  if (input.cluster) {
    await store.recordIncident(input.cluster.name, {
      instanceId: input.request.instanceId,
      timestamp: input.generatedAt,
      node: input.node.name ?? input.node.ip ?? 'unknown',
      topPod,
      topWorkload,
    });
    if (topPod && topWorkload) {
      const counts = await store.workloadHistory(
        input.cluster.name,
        { workload: topWorkload, pod: topPod },
        HISTORY_WINDOW,
      );
      report.history = { pod: topPod, workload: topWorkload, ...counts };
    } else if (topPod)
      report.history = { pod: topPod, ...(await store.topTalkerHistory(input.cluster.name, topPod, HISTORY_WINDOW)) };
  }
  // Links are signed before the files exist (a SAS names a blob, not its content), so the Markdown and the HTML
  // carry the same link as the card. An activity may read the clock: the link's lifetime starts now.
  const window = linkWindow(new Date(), s.reportLinkExpiryHours);
  const [reportUrl, jsonUrl] = await Promise.all([
    linkFor(deps, store, input.prefix, REPORT_FILES.html, window),
    linkFor(deps, store, input.prefix, REPORT_FILES.json, window),
  ]);
  const expiresOn = s.reportBaseUrl ? null : window.expiresOn.toISOString();
  await store.putReport(input.prefix, {
    json: `${JSON.stringify(report, null, 2)}\n`,
    markdown: renderMarkdown(report, { reportUrl, reportUrlExpiresOn: expiresOn }),
    html: await renderHtml(report, { reportUrl, ...(expiresOn ? { reportUrlExpiresOn: expiresOn } : {}) }),
  });
  // The fleet view lists the incident with the same link the Teams card carries. After the report is stored, so
  // a link never points at nothing; idempotent per instance id, so an activity retry does not list it twice.
  const fleet = await deps.fleet?.();
  if (fleet && input.cluster) {
    await fleet.recordIncident({
      instanceId: input.request.instanceId,
      timestamp: input.generatedAt,
      cluster: input.cluster.name,
      node: input.node.name ?? input.node.ip ?? 'unknown',
      topPod,
      topWorkload,
      status: report.investigation.status,
      trigger: input.request.requestedBy,
      link: reportUrl,
    });
  }
  return {
    prefix: input.prefix,
    status: report.investigation.status,
    verdict: report.verdict,
    reportUrl,
    jsonUrl,
    topPods: report.rankedPods.slice(0, 5).map((p) => ({
      namespace: p.namespace,
      pod: p.pod,
      establishedPublic: p.establishedPublic,
      connectsPublic: p.connectsPublic,
    })),
  };
}

/** Sends the Adaptive Card for a stored report; 413 makes the notifier ask for a smaller card. */
export async function notifyTeams(
  deps: InvestigationDeps,
  input: NotifyTeamsInput,
  logger?: Logger,
): Promise<NotifyTeamsOutput> {
  if (!deps.notifier) {
    // A bad or unresolved Teams setting is an operator problem (self-monitoring alerts on it); unset is a choice.
    if (deps.settings.notifyProblem) logger?.warn(deps.settings.notifyProblem);
    return {
      delivered: false,
      status: null,
      detail: deps.settings.notifyProblem ?? 'TEAMS_WEBHOOK_URL is not set: notifications are off',
    };
  }
  const store = await deps.reports();
  const report = JSON.parse((await store.readFile(input.prefix, REPORT_FILES.json)).toString('utf8')) as Report;
  const history = report.history ? { k: report.history.k, n: report.history.n } : null;
  let sent: Awaited<ReturnType<NonNullable<InvestigationDeps['notifier']>['send']>>;
  try {
    sent = await deps.notifier.send((budget) =>
      buildTeamsPayloadWithinLimit(report, { reportUrl: input.reportUrl, budget, history }),
    );
  } catch (err) {
    // The notifier is the one retry layer for Teams: its final answer is the outcome, not an activity failure
    // that Durable would retry again. The message names the status and never the webhook URL.
    if (err instanceof TeamsDeliveryError) {
      logger?.warn('Teams notification failed', { status: err.status, attempts: err.attempts, detail: err.message });
      return { delivered: false, status: err.status, detail: err.message };
    }
    throw err;
  }
  return {
    delivered: true,
    status: sent.status,
    detail: `delivered with the ${sent.budget} card after ${sent.attempts} attempt(s)`,
  };
}

/**
 * The text-only card for a report that could not be stored (verdict when known, the problems): nothing is read
 * from Blob, so it goes out during the outage that lost the report.
 */
export async function notifyUnstoredReport(
  deps: InvestigationDeps,
  input: UnstoredReportSummary,
  logger?: Logger,
): Promise<NotifyTeamsOutput> {
  if (!deps.notifier) {
    return {
      delivered: false,
      status: null,
      detail: deps.settings.notifyProblem ?? 'TEAMS_WEBHOOK_URL is not set: notifications are off',
    };
  }
  try {
    const sent = await deps.notifier.send(() => buildTextOnlyPayload(input));
    return {
      delivered: true,
      status: sent.status,
      detail: `text-only card delivered after ${sent.attempts} attempt(s)`,
    };
  } catch (err) {
    if (!(err instanceof TeamsDeliveryError)) throw err;
    logger?.warn('Teams notification failed', { status: err.status, attempts: err.attempts, detail: err.message });
    return { delivered: false, status: err.status, detail: err.message };
  }
}
