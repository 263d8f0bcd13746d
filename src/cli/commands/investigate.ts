import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { type Command, Option } from 'commander';
import { SettingsError } from '../../config/errors.js';
import { SETTING_RANGES } from '../../config/ranges.js';
import { loadSlice, SETTING_DEFAULTS, type SettingName, type SettingsSlice } from '../../config/settings.js';
import { BUNDLE_FILES } from '../../evidence/bundle.js';
import type { EvidenceSink } from '../../evidence/evidenceSink.js';
import { analyzeBundleOrEmpty } from '../../investigation/analyzeOrEmpty.js';
import { chooseCandidatePods, netstatProblem } from '../../investigation/candidates.js';
import { socketSourceStatement } from '../../investigation/evidenceNotes.js';
import { kubeConfigFromFile } from '../../kube/access.js';
import { DEADLINE_MARGIN_SECONDS, DEFAULT_CAPTURE_IMAGE } from '../../kube/captureJob.js';
import { CaptureManager, type CaptureStatus } from '../../kube/captureRunner.js';
import {
  KubeApiError,
  KubeConfigError,
  KubeError,
  KubeForbiddenError,
  KubeTimeoutError,
  KubeUnreachableError,
  NodeNotFoundError,
} from '../../kube/errors.js';
import { DirectorySink, redactingSink } from '../../kube/evidenceSinks.js';
import { collectPodSockets } from '../../kube/netstat.js';
import { type ResolvedNode, resolveNode } from '../../kube/nodes.js';
import { recordNodePods } from '../../kube/podInventory.js';
import { createLogger } from '../../logging/logger.js';
import { CliError } from '../errors.js';
import { collect, emit, writeFileAtomic } from '../output.js';
import { REPORT_FORMATS, type ReportFormat, renderReport, validateCidrs } from './analyze.js';

const POLL_MS = 2_000;
/** Progress repeats an unchanged status this often, so a long wait still shows signs of life. */
const HEARTBEAT_MS = 10_000;
/** Beyond the Job's own activeDeadlineSeconds (trace + margin): time to see the API mark it failed. */
const WAIT_GRACE_SECONDS = 30;
/** Consecutive failed status reads tolerated before the wait gives up. */
const MAX_STATUS_FAILURES = 3;
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

interface InvestigateFlags {
  node: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  traceSeconds?: string;
  out?: string;
  format?: ReportFormat;
  privateCidr: string[];
  azureServiceCidr: string[];
  maxPods?: string;
  allowInstallNetTools?: boolean;
  allowPodExec?: boolean;
  image?: string;
  captureTimeout?: string;
}

class Interrupted extends Error {
  constructor(readonly signal: keyof typeof SIGNAL_EXIT) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}

/** The flag that sets each capture setting (flags win over the environment, which wins over defaults). */
const CAPTURE_FLAGS: Partial<Record<SettingName, string>> = {
  TRACE_SECONDS: '--trace-seconds',
  NETSTAT_MAX_PODS: '--max-pods',
  CAPTURE_NAMESPACE: '--namespace',
  CAPTURE_IMAGE: '--image',
  ALLOW_POD_EXEC: '--allow-pod-exec',
};

/** The capture slice of the settings, read by the one loader with the flags as overrides; errors name the flag. */
function captureSettings(flags: InvestigateFlags): SettingsSlice<'capture'> {
  try {
    return loadSlice('capture', process.env, {
      TRACE_SECONDS: flags.traceSeconds,
      NETSTAT_MAX_PODS: flags.maxPods,
      CAPTURE_NAMESPACE: flags.namespace,
      CAPTURE_IMAGE: flags.image,
      ALLOW_POD_EXEC: flags.allowPodExec ? 'true' : undefined,
    });
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    const flagged = err.issues.map((i) => {
      const flag = CAPTURE_FLAGS[i.setting as SettingName];
      return flag ? `${flag} (${i.setting}): ${i.message}` : `${i.setting}: ${i.message}`;
    });
    throw new CliError(flagged.join('; '), 2, { cause: err });
  }
}

function integerFlag(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliError(`${flag} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

/** `20261126T100000Z`: sortable, and safe in a directory name. */
function utcStamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Refuses a directory that already holds evidence or a report: mixing two runs would corrupt the analysis. */
async function assertFreshOut(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  if (entries.includes('evidence') || entries.includes('report.json')) {
    throw new CliError(`--out ${dir} already holds an investigation; choose another directory`);
  }
}

/** Translates errors raised before anything was created into one line and an exit code (2 input, 1 cluster). */
function fatal(err: unknown): unknown {
  if (err instanceof KubeConfigError || err instanceof NodeNotFoundError) return new CliError(err.message, 2);
  if (err instanceof KubeForbiddenError) {
    return new CliError(
      `permission denied: ${err.message}. Apply infra/k8s/ and bind your identity (docs/kubernetes.md)`,
      1,
      { cause: err },
    );
  }
  if (err instanceof KubeError) return new CliError(err.message, 1, { cause: err });
  return err;
}

function transient(err: unknown): boolean {
  return (
    err instanceof KubeTimeoutError ||
    err instanceof KubeUnreachableError ||
    (err instanceof KubeApiError && err.retryable)
  );
}

function describeWait(s: CaptureStatus, job: string, node: string, traceSeconds: number): string {
  if (s.phase === 'Running') return `tracing on node ${node} (${traceSeconds} s window)`;
  return `waiting for capture Job ${job}: ${s.phase}${s.reason ? `: ${s.reason}` : ''}`;
}

/** `snat-responder investigate --node <name|ip>`: the runbook's steps 1-3 against a live cluster, then the report. */
export function registerInvestigateCommand(program: Command): void {
  program
    .command('investigate')
    .description(
      'capture a node (privileged Job: tcptracer, lsns, crictl, socket tables), run netstat in its pods, write the evidence bundle and report',
    )
    .requiredOption('--node <name|ip>', 'node name or InternalIP (the load balancer metric BackendIPAddress)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option(
      '--namespace <ns>',
      `namespace of the capture Job (see infra/k8s/; default CAPTURE_NAMESPACE or ${SETTING_DEFAULTS.CAPTURE_NAMESPACE})`,
    )
    .option(
      '--trace-seconds <n>',
      `tcptracer window on the node, ${SETTING_RANGES.TRACE_SECONDS.min}-${SETTING_RANGES.TRACE_SECONDS.max} (default TRACE_SECONDS or ${SETTING_DEFAULTS.TRACE_SECONDS})`,
    )
    .option('-o, --out <dir>', 'output directory (default ./snat-investigation-<node>-<UTC timestamp>)')
    .addOption(
      new Option('-f, --format <format>', 'also print the report in this format to stdout').choices(REPORT_FORMATS),
    )
    .option('--private-cidr <cidr>', 'extra range that does not use SNAT; repeatable', collect, [])
    .option('--azure-service-cidr <cidr>', 'range of Azure service endpoints; repeatable', collect, [])
    .option(
      '--max-pods <n>',
      `at most this many pods get netstat, ${SETTING_RANGES.NETSTAT_MAX_PODS.min}-${SETTING_RANGES.NETSTAT_MAX_PODS.max} (default NETSTAT_MAX_PODS or ${SETTING_DEFAULTS.NETSTAT_MAX_PODS})`,
    )
    .option(
      '--allow-install-net-tools',
      'install net-tools in pods lacking netstat (changes them: docs/investigate.md)',
    )
    .option(
      '--allow-pod-exec',
      'run netstat inside candidate pods (needs infra/k8s/optional/); default ALLOW_POD_EXEC or off: socket tables from the node capture only',
    )
    .option('--image <image>', `capture image, pinned by digest (default CAPTURE_IMAGE or ${DEFAULT_CAPTURE_IMAGE})`)
    .option('--capture-timeout <s>', 'stop waiting for the capture after this many seconds (default: trace + 210)')
    .action((flags: InvestigateFlags) => investigate(flags));
}

async function investigate(flags: InvestigateFlags): Promise<void> {
  // Everything checkable offline is checked before the cluster is touched.
  const capture = captureSettings(flags);
  const { traceSeconds, netstatMaxPods: maxPods } = capture;
  const waitSeconds =
    flags.captureTimeout === undefined
      ? traceSeconds + DEADLINE_MARGIN_SECONDS + WAIT_GRACE_SECONDS
      : integerFlag(flags.captureTimeout, '--capture-timeout', 1, 86_400);
  validateCidrs(flags.privateCidr, '--private-cidr');
  validateCidrs(flags.azureServiceCidr, '--azure-service-cidr');
  if (!flags.node.trim()) throw new CliError('--node must not be empty');
  if (flags.allowInstallNetTools && !capture.allowPodExec) {
    throw new CliError('--allow-install-net-tools needs --allow-pod-exec (it runs inside pods)');
  }
  if (flags.out) await assertFreshOut(resolve(flags.out));

  const startedAt = new Date();
  const t0 = performance.now();
  const say = (msg: string) => {
    const s = Math.floor((performance.now() - t0) / 1000);
    process.stderr.write(
      `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${msg}\n`,
    );
  };

  let kc: KubeConfig;
  let node: ResolvedNode;
  let manager: CaptureManager;
  try {
    kc = kubeConfigFromFile(flags.kubeconfig, flags.context);
    say(`resolving node ${flags.node} on ${kc.getCurrentCluster()?.server ?? 'the cluster'}`);
    node = await resolveNode(kc, flags.node);
    manager = new CaptureManager(kc, {
      namespace: capture.captureNamespace,
      traceSeconds,
      // The adapter's warnings (an image that cannot be pulled, unreadable capture facts) join the progress lines.
      logger: createLogger(({ level, message }) => {
        if (level !== 'info') say(`${level === 'error' ? 'error' : 'warning'}: ${message}`);
      }),
      ...(capture.captureImage ? { image: capture.captureImage } : {}),
    });
    await manager.preflight();
  } catch (err) {
    throw fatal(err);
  }
  say(`node ${node.name} (${node.internalIPs.join(', ') || 'no InternalIP'})${node.ready ? '' : ', NOT Ready'}`);

  const dir = resolve(flags.out ?? `snat-investigation-${node.name}-${utcStamp(startedAt)}`);
  await assertFreshOut(dir);
  const evidenceDir = join(dir, 'evidence');
  // Everything stored goes through the redaction (env values, command lines, annotations never reach the disk).
  const sink = redactingSink(new DirectorySink(evidenceDir));
  const investigationId = `cli-${utcStamp(startedAt).toLowerCase()}-${randomBytes(3).toString('hex')}`;
  const problems: string[] = [];

  // Ctrl-C / SIGTERM: stop waiting, let the `finally` below delete the Job, then exit 128+signal.
  // A second signal exits at once (printing how to clean up by hand).
  const abort = new AbortController();
  let jobToDelete: string | null = null;
  const onSignal = (signal: keyof typeof SIGNAL_EXIT) => {
    if (abort.signal.aborted) {
      if (jobToDelete)
        process.stderr.write(
          `snat-responder: forced exit; delete the capture Job yourself: kubectl delete job -n ${manager.namespace} ${jobToDelete}\n`,
        );
      process.exit(SIGNAL_EXIT[signal]);
    }
    say(`${signal}: stopping${jobToDelete ? `, deleting capture Job ${jobToDelete}` : ''}`);
    abort.abort(new Interrupted(signal));
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const checkAbort = () => {
    if (abort.signal.aborted) throw abort.signal.reason;
  };
  /** Races a call against the signal; the call itself finishes harmlessly in the background. */
  const abortable = <T>(p: Promise<T>): Promise<T> =>
    new Promise<T>((ok, fail) => {
      const onAbort = () => fail(abort.signal.reason);
      if (abort.signal.aborted) return onAbort();
      abort.signal.addEventListener('abort', onAbort, { once: true });
      const done = () => abort.signal.removeEventListener('abort', onAbort);
      p.then(ok, fail).finally(done);
    });

  try {
    // 1. The node capture: start -> poll -> collect, and delete the Job whatever happens.
    let started: { jobName: string; reused: boolean };
    try {
      started = await manager.start(node.name, investigationId);
    } catch (err) {
      throw fatal(err);
    }
    // The Job is always this run's own (another investigation's Job is never adopted), so this run deletes it.
    const { jobName } = started;
    jobToDelete = jobName;
    say(`capture Job ${jobName} created in ${manager.namespace} (trace ${traceSeconds} s)`);
    try {
      checkAbort();
      const final = await waitForCapture(manager, jobName, {
        node: node.name,
        traceSeconds,
        waitSeconds,
        say,
        abortable,
        signal: abort.signal,
      });
      if (final.phase === 'Succeeded') {
        say('capture finished; collecting its output');
        try {
          const summary = await abortable(manager.collect(jobName, sink));
          say(
            `evidence: ${summary.files.length} files, ${Math.round(summary.bytes / 1024)} KiB` +
              `${summary.missingTools.length ? `; the node lacks ${summary.missingTools.join(', ')}` : ''}`,
          );
        } catch (err) {
          if (err instanceof Interrupted) throw err;
          problems.push(`the capture output could not be collected: ${(err as Error).message}`);
        }
      } else {
        problems.push(final.problem);
      }
    } finally {
      if (jobToDelete) {
        try {
          await manager.delete(jobToDelete, investigationId);
          say(`capture Job ${jobToDelete} deleted`);
          jobToDelete = null;
        } catch (err) {
          process.stderr.write(
            `snat-responder: could not delete capture Job ${jobToDelete} (${(err as Error).message}); delete it with: kubectl delete job -n ${manager.namespace} ${jobToDelete}\n`,
          );
        }
      }
    }
    for (const p of problems) say(`problem: ${p}`);

    // 2. The node's pods (pods.json, node.json), then netstat in the candidates (the shared rule).
    checkAbort();
    await sink.put(BUNDLE_FILES.node, node.json);
    try {
      const problem = await abortable(
        examinePods(kc, node.name, sink, evidenceDir, { ...flags, allowPodExec: capture.allowPodExec, maxPods, say }),
      );
      if (problem) {
        problems.push(problem);
        say(`problem: ${problem}`);
      }
    } catch (err) {
      if (err instanceof Interrupted) throw err;
      problems.push(`the node's pods could not be examined: ${(err as Error).message}`);
      say(`problem: ${problems.at(-1)}`);
    }

    // 3. The report, from exactly the bundle `snat-responder analyze <dir>/evidence` reads.
    checkAbort();
    say('analysing the evidence');
    const { computeRecommendations } = await import('../../analysis/recommendations.js');
    const report = await analyzeBundleOrEmpty(evidenceDir, {
      privateCidrs: flags.privateCidr,
      generatedAt: new Date().toISOString(),
      investigation: {
        id: investigationId,
        problems,
        notes: [socketSourceStatement(capture.allowPodExec)],
        ...(problems.length > 0 ? { status: 'degraded' as const } : {}),
      },
      node: { name: node.name, ip: node.internalIPs[0] ?? null },
      recommend: (r) => computeRecommendations(r, { azureServiceCidrs: flags.azureServiceCidr }),
    });
    const paths = { json: join(dir, 'report.json'), markdown: join(dir, 'report.md'), html: join(dir, 'report.html') };
    for (const [format, path] of Object.entries(paths) as Array<[ReportFormat, string]>)
      await writeFileAtomic(path, await renderReport(report, format));
    say(`report written to ${dir}`);

    if (flags.format) {
      await emit(await renderReport(report, flags.format), undefined);
      return;
    }
    process.stdout.write(
      [
        `Verdict: ${report.verdict.summary}`,
        `Status:  ${report.investigation.status}`,
        ...report.investigation.problems.map((p) => `  - ${p}`),
        'Written:',
        `  ${paths.markdown}`,
        `  ${paths.html}`,
        `  ${paths.json}`,
        `  ${evidenceDir}  (re-analyse: snat-responder analyze ${evidenceDir})`,
        '',
      ].join('\n'),
    );
  } catch (err) {
    if (err instanceof Interrupted) {
      throw new CliError(
        jobToDelete
          ? `interrupted by ${err.signal}; capture Job ${jobToDelete} could NOT be deleted`
          : `interrupted by ${err.signal}; no capture Job of this run is left in the cluster`,
        SIGNAL_EXIT[err.signal],
      );
    }
    throw err;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

type WaitResult = { phase: 'Succeeded' } | { phase: 'Stopped'; problem: string };

/** Polls the capture every 2 s until it ends or `waitSeconds` pass; says what it waits for when that changes. */
async function waitForCapture(
  manager: CaptureManager,
  jobName: string,
  o: {
    node: string;
    traceSeconds: number;
    waitSeconds: number;
    say: (msg: string) => void;
    abortable: <T>(p: Promise<T>) => Promise<T>;
    signal: AbortSignal;
  },
): Promise<WaitResult> {
  const { say, abortable, waitSeconds } = o;
  const deadline = performance.now() + waitSeconds * 1000;
  let last: CaptureStatus | null = null;
  let lastLine = '';
  let lastSaid = 0;
  let failures = 0;
  for (;;) {
    try {
      const s = await abortable(manager.status(jobName));
      failures = 0;
      last = s;
      if (s.phase === 'Succeeded') return { phase: 'Succeeded' };
      if (s.phase === 'Failed' || s.phase === 'DeadlineExceeded') {
        return { phase: 'Stopped', problem: `the capture Job ${s.phase}${s.reason ? `: ${s.reason}` : ''}` };
      }
      const line = describeWait(s, jobName, o.node, o.traceSeconds);
      if (line !== lastLine || performance.now() - lastSaid >= HEARTBEAT_MS) {
        say(line);
        lastLine = line;
        lastSaid = performance.now();
      }
    } catch (err) {
      if (err instanceof Interrupted) throw err;
      if (!transient(err) || ++failures >= MAX_STATUS_FAILURES) {
        return { phase: 'Stopped', problem: `the capture status could not be read: ${(err as Error).message}` };
      }
      say(`status read failed (${(err as Error).message}); retrying`);
    }
    if (performance.now() + POLL_MS > deadline) {
      const where = last ? `${last.phase}${last.reason ? `: ${last.reason}` : ''}` : 'unknown';
      return { phase: 'Stopped', problem: `the capture did not finish within ${waitSeconds} s (last seen ${where})` };
    }
    await sleep(POLL_MS, undefined, { signal: o.signal }).catch(() => {
      throw o.signal.reason;
    });
  }
}

/**
 * Writes pods.json and controllers.json (recordNodePods, as the durable activity does), picks the candidates
 * from the evidence collected so far (the rule the durable activity uses) and runs netstat in them; the socket tables land in the bundle. Returns the problem to report when
 * execs failed (the same rule as the orchestration).
 */
async function examinePods(
  kc: KubeConfig,
  nodeName: string,
  sink: EvidenceSink,
  evidenceDir: string,
  o: {
    privateCidr: string[];
    maxPods: number;
    allowInstallNetTools?: boolean;
    allowPodExec?: boolean;
    say: (msg: string) => void;
  },
): Promise<string | null> {
  // The workloads behind the pods name the report's headline whether or not pods are exec'd into.
  const { pods, problems } = await recordNodePods(kc, nodeName, sink);
  for (const p of problems) o.say(p);
  if (o.allowPodExec !== true) {
    o.say(`${pods.length} pods on the node; ${socketSourceStatement(false)}`);
    return null;
  }
  const sofar = await analyzeBundleOrEmpty(evidenceDir, { privateCidrs: o.privateCidr });
  const chosen = chooseCandidatePods(pods, sofar.rankedPods, o.maxPods);
  o.say(
    `${pods.length} pods on the node (${chosen.skippedHostNetwork} hostNetwork); netstat in ${chosen.candidates.length} ` +
      (chosen.basis === 'trace' ? 'pods the trace tied to public traffic' : 'running pods (no trace attribution)'),
  );
  const results = await collectPodSockets(kc, chosen.candidates, {
    sink,
    allowInstallNetTools: o.allowInstallNetTools === true,
  });
  const count = (m: string) => results.filter((r) => r.method === m).length;
  o.say(`netstat: ${count('netstat')} netstat, ${count('proc-net-tcp')} /proc/net/tcp, ${count('skipped')} skipped`);
  for (const r of results.filter((x) => x.method === 'skipped').slice(0, 10))
    o.say(`  skipped ${r.namespace}/${r.pod}: ${(r.reason ?? 'no reason given').slice(0, 160)}`);
  return netstatProblem(results);
}
