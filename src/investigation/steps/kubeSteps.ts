/** Activities that talk to the cluster's API server. Each builds a fresh KubeConfig (tokens expire). */
import { blobEvidenceSink } from '../../azure/blob/reportStore.js';
import { BUNDLE_FILES } from '../../evidence/bundle.js';
import type { EvidenceSink } from '../../evidence/evidenceSink.js';
import { CaptureManager } from '../../kube/captureRunner.js';
import { redactingSink } from '../../kube/evidenceSinks.js';
import { collectPodSockets } from '../../kube/netstat.js';
import { resolveNode as resolveKubeNode } from '../../kube/nodes.js';
import { recordNodePods } from '../../kube/podInventory.js';
import type { Logger } from '../../logging/logger.js';
import { chooseCandidatePods, netstatFailed } from '../candidates.js';
import type {
  CandidatePod,
  CaptureJobInput,
  CaptureStatusOutput,
  CollectEvidenceInput,
  CollectEvidenceOutput,
  PodSocketsInput,
  PodSocketsOutput,
  ResolveNodeInput,
  ResolveNodeOutput,
  SelectCandidatesInput,
  SelectCandidatesOutput,
  SelectedCandidatesSummary,
  StartCaptureInput,
  StartCaptureOutput,
} from '../contracts.js';
import type { InvestigationDeps } from '../dependencies.js';
import { analyzeStoredEvidence } from './storedEvidence.js';

/** Beyond the store retry bound, how long a finished capture Job is kept: polling and the collection itself. */
const EVIDENCE_TTL_MARGIN_SECONDS = 600;

/** The bundle in Blob, written through the redaction: what is stored never held env values or command lines. */
function storedEvidence(store: Awaited<ReturnType<InvestigationDeps['reports']>>, prefix: string): EvidenceSink {
  return redactingSink(blobEvidenceSink(store, prefix));
}

async function captures(deps: InvestigationDeps, input: { cluster: CaptureJobInput['cluster'] }, logger?: Logger) {
  const kc = await deps.kubeConfigFor(input.cluster);
  const s = deps.settings;
  return new CaptureManager(kc, {
    namespace: s.captureNamespace,
    ...(s.captureImage ? { image: s.captureImage } : {}),
    maxConcurrent: s.maxConcurrentCaptures,
    traceSeconds: s.traceSeconds,
    // Evidence collection may retry through a Blob outage for STORE_RETRY_MINUTES: the log must outlive it.
    ttlSecondsAfterFinished: s.storeRetryMinutes * 60 + EVIDENCE_TTL_MARGIN_SECONDS,
    ...(logger ? { logger } : {}),
  });
}

/** The node by name or InternalIP, as Kubernetes names it. */
export async function resolveNode(deps: InvestigationDeps, input: ResolveNodeInput): Promise<ResolveNodeOutput> {
  const node = await resolveKubeNode(await deps.kubeConfigFor(input.cluster), input.node);
  return { name: node.name, internalIPs: node.internalIPs };
}

/** Preflight (namespace + PodSecurity label), then start this run's capture Job on the node. */
export async function startCapture(
  deps: InvestigationDeps,
  input: StartCaptureInput,
  logger?: Logger,
): Promise<StartCaptureOutput> {
  const manager = await captures(deps, input, logger);
  await manager.preflight();
  return manager.start(input.node, input.investigationId, input.owner ?? input.investigationId);
}

/** The capture Job's phase (and why, when stuck or failed). */
export async function captureStatus(deps: InvestigationDeps, input: CaptureJobInput): Promise<CaptureStatusOutput> {
  const status = await (await captures(deps, input)).status(input.jobName);
  return {
    phase: status.phase,
    reason: status.reason,
    ...(status.nodeDeleted ? { nodeDeleted: status.nodeDeleted } : {}),
    ...(status.beforeStart ? { beforeStart: true } : {}),
  };
}

/** Streams the capture's framed output straight into Blob (`evidence/`); returns counts only. */
export async function collectEvidence(
  deps: InvestigationDeps,
  input: CollectEvidenceInput,
  logger?: Logger,
): Promise<CollectEvidenceOutput> {
  const store = await deps.reports();
  const summary = await (await captures(deps, input, logger)).collect(
    input.jobName,
    storedEvidence(store, input.prefix),
  );
  return {
    files: summary.files.length,
    bytes: summary.bytes,
    missingTools: summary.missingTools,
    truncated: summary.truncated,
  };
}

/** Deletes this execution's capture Job (refused for another owner's Job); idempotent. */
export async function deleteCapture(deps: InvestigationDeps, input: CaptureJobInput): Promise<{ deleted: string }> {
  await (await captures(deps, input)).delete(input.jobName, input.owner ?? input.jobName);
  return { deleted: input.jobName };
}

/**
 * Writes the node's pods.json/node.json/controllers.json and the trace snapshot to the bundle and picks the pods to exec netstat in: those the trace
 * tied to public traffic, or every non-hostNetwork pod when the trace named none; none with ALLOW_POD_EXEC off.
 */
export async function selectCandidates(
  deps: InvestigationDeps,
  input: SelectCandidatesInput,
): Promise<SelectCandidatesOutput> {
  const kc = await deps.kubeConfigFor(input.cluster);
  const store = await deps.reports();
  const sink = storedEvidence(store, input.prefix);
  const [node, { pods }] = await Promise.all([resolveKubeNode(kc, input.node), recordNodePods(kc, input.node, sink)]);
  await sink.put(BUNDLE_FILES.node, node.json);

  // Pod exec is opt-in: without it no pod is a candidate, so the investigation never execs and the node-side
  // socket tables are the source (the report says so). Nothing here needs the trace then: analyzeAndStore
  // reads it, once.
  if (!deps.settings.allowPodExec) {
    return { candidates: [], basis: 'exec-off', skippedHostNetwork: pods.filter((p) => p.hostNetwork).length };
  }
  // With exec on, the trace is read here once to rank the candidates; the final report starts from this
  // snapshot (analyzeAndStore) instead of reading the trace again.
  const report = await analyzeStoredEvidence(
    store,
    input.prefix,
    { privateCidrs: deps.settings.privateCidrs },
    'store',
  );
  return chooseCandidatePods(pods, report.rankedPods, input.maxPods);
}

/** The candidate list, next to the evidence but outside the bundle (`analyze` ignores it). */
export const CANDIDATES_FILE = 'candidates.json';

/**
 * {@link selectCandidates} for the orchestration: the list goes to Blob and only counts come back, so the
 * activity output stays small however many pods the node runs (NETSTAT_MAX_PODS allows 5,000).
 */
export async function selectAndStoreCandidates(
  deps: InvestigationDeps,
  input: SelectCandidatesInput,
): Promise<SelectedCandidatesSummary> {
  const selected = await selectCandidates(deps, input);
  const store = await deps.reports();
  await store.putFile(input.prefix, CANDIDATES_FILE, JSON.stringify(selected.candidates));
  return {
    count: selected.candidates.length,
    basis: selected.basis,
    skippedHostNetwork: selected.skippedHostNetwork,
    file: CANDIDATES_FILE,
  };
}

async function podsOf(input: PodSocketsInput, store: Awaited<ReturnType<InvestigationDeps['reports']>>) {
  if (input.pods) return input.pods;
  if (!input.slice) return [];
  const { file, start, count } = input.slice;
  const all = JSON.parse((await store.readFile(input.prefix, file)).toString('utf8')) as CandidatePod[];
  return all.slice(start, start + count);
}

/** `netstat -ptn` (or /proc/net/tcp) in a batch of pods; tables go to Blob, methods come back. */
export async function podSockets(deps: InvestigationDeps, input: PodSocketsInput): Promise<PodSocketsOutput> {
  // Defence in depth: selection hands out no pods with exec off, and this step never execs then either.
  if (!deps.settings.allowPodExec) return [];
  const kc = await deps.kubeConfigFor(input.cluster);
  const store = await deps.reports();
  const results = await collectPodSockets(kc, await podsOf(input, store), {
    concurrency: input.concurrency ?? deps.settings.netstatConcurrency,
    allowInstallNetTools: deps.settings.allowInstallNetTools,
    sink: storedEvidence(store, input.prefix),
  });
  return results.map((r) => ({
    namespace: r.namespace,
    pod: r.pod,
    method: r.method,
    ...(r.reason ? { reason: r.reason.slice(0, 200) } : {}),
    ...(netstatFailed(r) ? { failed: true } : {}),
  }));
}
