/**
 * The runbook's step 3: `netstat -ptn` inside each candidate pod, fanned out
 * with bounded concurrency. Containers of a pod share its network namespace,
 * so one container that can answer is enough; they are tried in spec order.
 * Commands are argument arrays (no shell), so images without `sh` still work.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { EvidenceSink } from '../evidence/evidenceSink.js';
import { call, isNotFound, makeClients } from './client.js';
import { type ExecOutcome, execInContainer } from './exec.js';

/** A pod to read sockets from. */
export interface SocketCandidate {
  /** The pod's namespace. */
  namespace: string;
  /** The pod's name. */
  name: string;
  /** Its containers, in the order to try. */
  containers: string[];
  /** hostNetwork pods share the node's sockets: they are skipped (the node socket table covers them). */
  hostNetwork?: boolean;
  /** Pods not `Running` are skipped. */
  phase?: string;
}

/** How one pod's sockets were read, or why not. */
export interface PodSocketsResult {
  /** The pod's namespace. */
  namespace: string;
  /** The pod's name. */
  pod: string;
  /** `netstat -ptn`, `/proc/net/tcp` as the fallback, or skipped. */
  method: 'netstat' | 'proc-net-tcp' | 'skipped';
  /** Bundle-relative file written, e.g. `netstat/payments_checkout-api-7d9f8b6c5-x2x9q.txt`. */
  file: string | null;
  /** Why the pod was skipped, or what was tried before the method that worked. */
  reason?: string;
}

/** How {@link collectPodSockets} runs. */
export interface CollectPodSocketsOptions {
  /** Parallel execs (default 16). */
  concurrency?: number;
  /** Per exec (default 10 s). */
  timeoutMs?: number;
  /**
   * Install net-tools in a pod that lacks netstat (the runbook's suggestion).
   * Off by default: it changes a production container (package manager, network
   * egress, disk) and may not be allowed by policy. See docs/kubernetes.md.
   */
  allowInstallNetTools?: boolean;
  /** Where the tables go (`netstat/<namespace>_<pod>.txt`). */
  sink: EvidenceSink;
}

/**
 * Output kept per exec: a netstat/ss table or /proc/net/tcp of a busy pod is tens of KB (about 150 bytes a
 * socket); 256 KiB holds ~1,700 sockets, and a wave of execs can no longer buffer 16 MiB each.
 */
export const NETSTAT_OUTPUT_CAP_BYTES = 256 * 1024;

/** The socket table command (argument array, no shell). */
export const NETSTAT_COMMAND = ['netstat', '-ptn'] as const;
/** The fallback when a container has no netstat: the kernel's own tables. */
export const PROC_NET_TCP_COMMAND = ['cat', '/proc/net/tcp', '/proc/net/tcp6'] as const;
/** Fixed text, no outside input: tries the usual package managers quietly. */
export const INSTALL_NET_TOOLS_COMMAND = [
  'sh',
  '-c',
  '(apt-get update -qq && apt-get install -y -qq net-tools) || apk add --no-cache net-tools || (yum install -y -q net-tools) || (microdnf install -y net-tools) || (tdnf install -y net-tools)',
] as const;

/** Bundle file for a pod's socket table. */
export function podSocketsFile(namespace: string, pod: string): string {
  return `netstat/${namespace}_${pod}.txt`;
}

function missingBinary(o: ExecOutcome): boolean {
  if (o.kind === 'exited') return o.exitCode === 127 || o.exitCode === 126 || /not found/i.test(o.stderr);
  if (o.kind === 'failed')
    return /executable file not found|no such file or directory|not found in \$PATH|not found/i.test(o.message);
  return false;
}

function podGone(o: ExecOutcome): boolean {
  return (
    (o.kind === 'refused' && o.httpStatus === 404) ||
    (o.kind === 'failed' && /pods? "[^"]*" not found/i.test(o.message))
  );
}

async function podVanished(kc: KubeConfig, p: SocketCandidate): Promise<boolean> {
  const clients = makeClients(kc, 5_000);
  try {
    await call(clients, `read pod ${p.namespace}/${p.name}`, () =>
      clients.core.readNamespacedPod({ name: p.name, namespace: p.namespace }),
    );
    return false;
  } catch (err) {
    return isNotFound(err);
  }
}

function describe(o: ExecOutcome): string {
  switch (o.kind) {
    case 'exited':
      return `exit ${o.exitCode}${o.stderr ? `: ${o.stderr.trim().split('\n')[0]}` : ''}`;
    case 'failed':
      return o.message;
    case 'refused':
      return `exec refused (HTTP ${o.httpStatus ?? '?'})`;
    case 'dropped':
      return 'exec stream dropped before the exit status';
    case 'timeout':
      return 'exec timed out';
  }
}

async function onePod(
  kc: KubeConfig,
  p: SocketCandidate,
  o: Required<Omit<CollectPodSocketsOptions, 'sink'>> & { sink: EvidenceSink },
): Promise<PodSocketsResult> {
  const base = { namespace: p.namespace, pod: p.name };
  if (p.hostNetwork)
    return { ...base, method: 'skipped', file: null, reason: "hostNetwork pod: its sockets are the node's" };
  if (p.phase !== undefined && p.phase !== 'Running')
    return { ...base, method: 'skipped', file: null, reason: `pod is ${p.phase}` };
  const file = podSocketsFile(p.namespace, p.name);
  const tried: string[] = [];
  for (const container of p.containers) {
    const target = { namespace: p.namespace, pod: p.name, container };
    const run = (cmd: readonly string[]) =>
      execInContainer(kc, target, [...cmd], { timeoutMs: o.timeoutMs, maxOutputBytes: NETSTAT_OUTPUT_CAP_BYTES });
    let r = await run(NETSTAT_COMMAND);
    if (r.kind === 'exited' && r.exitCode === 0) {
      await o.sink.put(file, r.stdout);
      return { ...base, method: 'netstat', file, ...(tried.length ? { reason: tried.join('; ') } : {}) };
    }
    if (podGone(r)) return { ...base, method: 'skipped', file: null, reason: 'pod vanished during exec' };
    if (r.kind === 'timeout' || r.kind === 'dropped' || (r.kind === 'exited' && r.exitCode === 137)) {
      // A pod deleted mid-exec looks like a dropped stream: ask whether it still exists.
      const gone = await podVanished(kc, p);
      return {
        ...base,
        method: 'skipped',
        file: null,
        reason: gone ? 'pod vanished during exec' : `${container}: ${describe(r)}`,
      };
    }
    if (r.kind === 'refused' && r.httpStatus !== 400) {
      return { ...base, method: 'skipped', file: null, reason: `${container}: ${describe(r)}` };
    }
    tried.push(`${container}: netstat ${describe(r)}`);
    if (!missingBinary(r)) continue;
    if (o.allowInstallNetTools) {
      const inst = await run(INSTALL_NET_TOOLS_COMMAND);
      if (inst.kind === 'exited' && inst.exitCode === 0) {
        const again = await run(NETSTAT_COMMAND);
        if (again.kind === 'exited' && again.exitCode === 0) {
          await o.sink.put(file, again.stdout);
          return { ...base, method: 'netstat', file, reason: `installed net-tools in ${container}` };
        }
      }
      tried.push(`${container}: net-tools install ${describe(inst)}`);
    }
    r = await run(PROC_NET_TCP_COMMAND);
    // cat exits 1 when IPv6 is off (no tcp6) but still printed the IPv4 table.
    if (r.kind === 'exited' && (r.exitCode === 0 || (r.exitCode === 1 && /^\s*sl\s+local_address/.test(r.stdout)))) {
      await o.sink.put(file, r.stdout);
      return { ...base, method: 'proc-net-tcp', file, reason: tried.join('; ') };
    }
    if (podGone(r)) return { ...base, method: 'skipped', file: null, reason: 'pod vanished during exec' };
    tried.push(`${container}: cat ${describe(r)}`);
  }
  return {
    ...base,
    method: 'skipped',
    file: null,
    reason: `no container could run netstat or read /proc/net/tcp (the node socket table covers it): ${tried.join('; ') || 'no containers'}`,
  };
}

/**
 * Collects each pod's TCP socket table into `netstat/<namespace>_<pod>.txt`
 * (`netstat -ptn` output, or `/proc/net/tcp{,6}` text when netstat is missing;
 * the evidence parser detects which). Never throws for a single pod: every pod
 * gets a result saying which method worked or why it was skipped.
 *
 * @example const results = await collectPodSockets(kc, pods, { sink: new DirectorySink(dir) });
 */
export async function collectPodSockets(
  kc: KubeConfig,
  pods: SocketCandidate[],
  opts: CollectPodSocketsOptions,
): Promise<PodSocketsResult[]> {
  const o = {
    concurrency: Math.max(1, Math.floor(opts.concurrency ?? 16)),
    timeoutMs: opts.timeoutMs ?? 10_000,
    allowInstallNetTools: opts.allowInstallNetTools ?? false,
    sink: opts.sink,
  };
  const results: PodSocketsResult[] = new Array(pods.length);
  let next = 0;
  const worker = async () => {
    while (next < pods.length) {
      const i = next++;
      const p = pods[i] as SocketCandidate;
      try {
        results[i] = await onePod(kc, p, o);
      } catch (err) {
        // A sink failure or an unexpected client error must not lose the other pods' results.
        results[i] = {
          namespace: p.namespace,
          pod: p.name,
          method: 'skipped',
          file: null,
          reason: (err as Error).message,
        };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, pods.length) }, worker));
  return results;
}
