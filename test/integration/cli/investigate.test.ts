/**
 * `snat-responder investigate`, end to end: the built CLI spawned as a child process, the real
 * @kubernetes/client-node inside it, against the loopback API server enforcing infra/k8s RBAC.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFromString } from '../../../src/kube/access.js';
import { CaptureManager } from '../../../src/kube/captureRunner.js';
import type { Report } from '../../../src/report/model.js';
import { DEMO_NODE, DEMO_NODE_IP, demoScenario } from '../../../src/sim/kube/demoScenario.js';
import type { KubeFaults } from '../../../src/sim/kube/faults.js';
import { type KubeApiServer, type KubeApiServerOptions, startKubeApiServer } from '../../../src/sim/kube/server.js';
import { buildScanner, SCANNER_WASM } from '../../support/cli.js';
import { MANIFESTS_DIR, OPTIONAL_MANIFESTS_DIR, RESPONDER } from '../kube/helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** A private build (see beforeAll), so other builds of the shared dist/ cannot race these tests. */
let BUILD = '';
const CULPRIT = 'payments/checkout-api-7d9f8b6c5-x2x9q';
const WORKLOAD = 'Deployment payments/checkout-api';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI; `onStderr` sees stderr as it arrives (to send a signal at the right moment). */
function runCli(args: string[], onStderr?: (text: string, child: ChildProcess) => void): Promise<Run> {
  const env = { ...process.env };
  delete env.KUBECONFIG;
  delete env.SNAT_RESPONDER_DEBUG;
  const child = spawn(process.execPath, [join(BUILD, 'bin/snat-responder.js'), ...args], {
    cwd: work,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr, child);
  });
  return new Promise((ok) => child.on('close', (code, signal) => ok({ code, signal, stdout, stderr })));
}

/** The error lines a failing run printed: exactly one, no stack trace. */
function errorLines(run: Run): string[] {
  expect(run.stderr).not.toMatch(/^\s+at /m);
  return run.stderr.split('\n').filter((l) => l.startsWith('snat-responder:'));
}

let work = '';
let api: KubeApiServer | null = null;

beforeAll(async () => {
  // The spawned CLI runs compiled JavaScript, as after `npm ci`. It is built into a private copy of the
  // package layout (launcher, package.json, node_modules link, capture.sh next to dist/) so a concurrent
  // `npm run build` elsewhere cannot swap files under a running test. Type errors elsewhere in a
  // work-in-progress tree must not stop the emit, so tsc's exit code is not the check: the emitted command is.
  BUILD = await mkdtemp(join(tmpdir(), 'snat-cli-build-'));
  await mkdir(join(BUILD, 'bin'));
  await mkdir(join(BUILD, 'src/kube/capture-script'), { recursive: true });
  await cp(join(ROOT, 'bin/snat-responder.js'), join(BUILD, 'bin/snat-responder.js'));
  await cp(join(ROOT, 'package.json'), join(BUILD, 'package.json'));
  await cp(join(ROOT, 'src/kube/capture-script/capture.sh'), join(BUILD, 'src/kube/capture-script/capture.sh'));
  await symlink(join(ROOT, 'node_modules'), join(BUILD, 'node_modules'), 'dir');
  await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json'), '--outDir', join(BUILD, 'dist')],
    { cwd: ROOT },
  ).catch(() => undefined);
  buildScanner(join(BUILD, 'dist', SCANNER_WASM));
  expect(existsSync(join(BUILD, 'dist/src/cli/commands/investigate.js'))).toBe(true);
}, 180_000);

let counter = 0;
afterEach(async () => {
  await api?.close();
  api = null;
});
afterAll(async () => {
  for (const d of [work, BUILD]) if (d) await rm(d, { recursive: true, force: true });
});

/**
 * Starts the API server (infra/k8s plus infra/k8s/optional for the responder unless told otherwise: these runs
 * pass --allow-pod-exec) and writes its kubeconfig.
 */
async function cluster(
  opts: Partial<KubeApiServerOptions> = {},
): Promise<{ api: KubeApiServer; kubeconfig: string; out: string }> {
  if (!work) work = await mkdtemp(join(tmpdir(), 'snat-investigate-'));
  const dir = join(work, `run-${++counter}`);
  await mkdir(dir);
  api = await startKubeApiServer({
    scenario: demoScenario(),
    rbac: { manifestsDir: [MANIFESTS_DIR, OPTIONAL_MANIFESTS_DIR], subject: RESPONDER },
    // The Job starts when the CLI first reads it: the progress lines never race the machine's speed.
    timing: { pendingMs: 200, runningMs: 500, startOnFirstRead: true },
    ...opts,
  });
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, api.kubeconfig);
  return { api, kubeconfig, out: join(dir, 'out') };
}

const base = (kubeconfig: string, out: string, node = DEMO_NODE_IP) => [
  'investigate',
  '--node',
  node,
  '--kubeconfig',
  kubeconfig,
  '--trace-seconds',
  '5',
  '--out',
  out,
  '--allow-pod-exec',
];

const readReport = async (out: string) => JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
const posts = (a: KubeApiServer) => a.state.requests.filter((r) => r.method !== 'GET');

// Each test runs the CLI against a loopback cluster: on a loaded machine one run has taken over 30 s.
describe('snat-responder investigate', { timeout: 120_000 }, () => {
  describe('by default (no --allow-pod-exec), against infra/k8s without optional/', () => {
    it('names the culprit from the node-side tables, never execs, and the report says so', async () => {
      const c = await cluster({ rbac: { manifestsDir: MANIFESTS_DIR, subject: RESPONDER } });
      const run = await runCli(base(c.kubeconfig, c.out).filter((a) => a !== '--allow-pod-exec'));
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Verdict: ${WORKLOAD} (pod ${CULPRIT.split('/')[1]}) on node ${DEMO_NODE}`);
      expect(run.stdout).toContain('Status:  complete');
      expect(run.stderr).toContain('Pod exec is off');
      expect(c.api.state.exec.total).toBe(0);
      expect(c.api.state.requests.filter((r) => r.path.includes('/exec'))).toEqual([]);
      expect(c.api.state.forbidden).toEqual([]);
      const report = await readReport(c.out);
      expect(report.investigation.notes?.[0]).toMatch(/^Pod exec is off/);
      expect(report.rankedPods[0]?.socketSource).toMatch(/^sockets\//);
      // The read-only role's `get replicasets` names the Deployment from the ReplicaSet's ownerReferences, and
      // controllers.json is stored like pods.json even though no pod is exec'd into.
      expect(report.rankedPods[0]?.workload).toMatchObject({ kind: 'Deployment', resolvedBy: 'ownerReferences' });
      expect(c.api.state.requests.some((r) => r.path.includes('/replicasets/'))).toBe(true);
      expect(existsSync(join(c.out, 'evidence/controllers.json'))).toBe(true);
      expect(await readFile(join(c.out, 'report.md'), 'utf8')).toContain('Note: Pod exec is off');
      expect(existsSync(join(c.out, 'evidence/netstat'))).toBe(false);
    });

    it('refuses --image without a digest, and --allow-install-net-tools without --allow-pod-exec, before the cluster', async () => {
      const c = await cluster();
      const tag = await runCli([...base(c.kubeconfig, c.out), '--image', 'mcr.microsoft.com/azurelinux/base/core:3.0']);
      expect(tag.code).toBe(2);
      expect(errorLines(tag)[0]).toMatch(/--image .* is not an image reference pinned by digest/);
      const install = await runCli([
        ...base(c.kubeconfig, c.out).filter((a) => a !== '--allow-pod-exec'),
        '--allow-install-net-tools',
      ]);
      expect(install.code).toBe(2);
      expect(errorLines(install)).toEqual([
        'snat-responder: --allow-install-net-tools needs --allow-pod-exec (it runs inside pods)',
      ]);
      expect(c.api.state.requests).toEqual([]);
    });
  });

  describe('happy path on the demo node', () => {
    it('names the culprit, writes report + evidence, leaves no Job, and `analyze` reproduces the verdict', async () => {
      const c = await cluster();
      // A 20 s window: long enough for per-minute rates, which the churn recommendation needs.
      const run = await runCli([...base(c.kubeconfig, c.out), '--trace-seconds', '20']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Verdict: ${WORKLOAD} (pod ${CULPRIT.split('/')[1]}) on node ${DEMO_NODE}`);
      expect(run.stdout).toContain('Status:  complete');
      // Progress: phase, elapsed, what it waits for.
      expect(run.stderr).toMatch(
        /^\[00:\d\d\] capture Job snat-cap-[a-z0-9-]+ created in snat-responder \(trace 20 s\)$/m,
      );
      expect(run.stderr).toMatch(/^\[\d\d:\d\d\] (waiting for capture Job \S+: Pending|tracing on node)/m);
      expect(run.stderr).toMatch(/capture Job \S+ deleted/);

      for (const f of ['report.json', 'report.md', 'report.html', 'evidence/tcptracer.log', 'evidence/pods.json'])
        expect(existsSync(join(c.out, f)), f).toBe(true);
      expect(existsSync(join(c.out, 'evidence/node.json'))).toBe(true);
      expect(existsSync(join(c.out, `evidence/netstat/${CULPRIT.replace('/', '_')}.txt`))).toBe(true);
      const report = await readReport(c.out);
      expect(report.verdict).toMatchObject({ kind: 'pod', namespace: 'payments', pod: 'checkout-api-7d9f8b6c5-x2x9q' });
      expect(report.node).toEqual({ name: DEMO_NODE, ip: DEMO_NODE_IP });
      expect(report.recommendations.map((r) => [r.kind, r.target?.pod])).toContainEqual([
        'connection-pooling',
        'checkout-api-7d9f8b6c5-x2x9q',
      ]);
      expect(await readFile(join(c.out, 'report.md'), 'utf8')).toContain(CULPRIT);
      // The trace window travelled to the capture (the simulated node honours TRACE_SECONDS).
      const facts = JSON.parse(await readFile(join(c.out, 'evidence/capture.json'), 'utf8'));
      expect(facts.traceSeconds).toBe(20);

      expect(c.api.state.jobs()).toEqual([]);
      expect(c.api.state.jobPods()).toEqual([]);
      expect(c.api.state.forbidden).toEqual([]);

      const again = await runCli(['analyze', join(c.out, 'evidence'), '--format', 'json']);
      expect(again.code, again.stderr).toBe(0);
      const offline = JSON.parse(again.stdout) as Report;
      expect(offline.verdict).toEqual(report.verdict);
      expect(offline.rankedPods.map((p) => `${p.namespace}/${p.pod}`)).toEqual(
        report.rankedPods.map((p) => `${p.namespace}/${p.pod}`),
      );
      expect(offline.recommendations).toEqual(report.recommendations);
    });

    it('prints the chosen --format to stdout and writes every report file', async () => {
      const c = await cluster();
      const run = await runCli([...base(c.kubeconfig, c.out), '--format', 'json', '--private-cidr', '10.1.0.0/16']);
      expect(run.code, run.stderr).toBe(0);
      const printed = JSON.parse(run.stdout) as Report;
      expect(printed.verdict.pod).toBe('checkout-api-7d9f8b6c5-x2x9q');
      expect(printed.privateCidrs).toEqual(['10.1.0.0/16']);
      expect((await readReport(c.out)).verdict).toEqual(printed.verdict);
      expect(c.api.state.jobs()).toEqual([]);
    });

    it("never adopts another investigation's capture on the node: runs its own and deletes only its own", async () => {
      const c = await cluster();
      const other = new CaptureManager(kubeConfigFromString(c.api.kubeconfig), { traceSeconds: 5 });
      const { jobName } = await other.start(DEMO_NODE, 'someone-else');
      const run = await runCli(base(c.kubeconfig, c.out));
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Verdict: ${WORKLOAD} (pod ${CULPRIT.split('/')[1]})`);
      // Its own Job was created and deleted; the other investigation's Job is untouched.
      const created = c.api.state.requests.filter((r) => r.method === 'POST' && r.path.includes('/jobs'));
      expect(created).toHaveLength(2);
      expect(c.api.state.jobs().map((j) => (j.metadata as { name: string }).name)).toEqual([jobName]);
      expect(c.api.state.requests.some((r) => r.method === 'DELETE' && r.path.endsWith(`/jobs/${jobName}`))).toBe(
        false,
      );
      await other.delete(jobName, 'someone-else');
    });
  });

  describe('refusals before anything is created', () => {
    it('exits 2 on bad numbers, CIDRs or a used --out, without calling the cluster', async () => {
      const c = await cluster();
      for (const [flag, value, message] of [
        ['--trace-seconds', '4', '--trace-seconds (TRACE_SECONDS): must be between 5 and 600, got 4'],
        ['--max-pods', 'ten', '--max-pods (NETSTAT_MAX_PODS): must be a whole number between 1 and 5000, got "ten"'],
        ['--private-cidr', '10.0.0.0/33', '--private-cidr:'],
      ] as const) {
        const run = await runCli([...base(c.kubeconfig, c.out), flag, value]);
        expect(run.code).toBe(2);
        const lines = errorLines(run);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(message);
      }
      await mkdir(join(c.out, 'evidence'), { recursive: true });
      const used = await runCli(base(c.kubeconfig, c.out));
      expect(used.code).toBe(2);
      expect(errorLines(used)[0]).toContain('already holds an investigation');
      expect(c.api.state.requests).toEqual([]);
    });

    it('exits 2 on an unknown node, listing the nodes, with nothing created', async () => {
      const c = await cluster();
      const run = await runCli(base(c.kubeconfig, c.out, 'aks-nodepool1-nope'));
      expect(run.code).toBe(2);
      const lines = errorLines(run);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('node "aks-nodepool1-nope" not found by name or InternalIP; nodes: ');
      expect(lines[0]).toContain(`${DEMO_NODE} (${DEMO_NODE_IP})`);
      expect(existsSync(c.out)).toBe(false);
      expect(posts(c.api)).toEqual([]);
    });

    it('exits 1 with one line when the API server cannot be reached', async () => {
      const c = await cluster();
      const url = c.api.url;
      await c.api.close();
      api = null;
      const run = await runCli(base(c.kubeconfig, c.out));
      expect(run.code).toBe(1);
      const lines = errorLines(run);
      expect(lines).toEqual([`snat-responder: list nodes: cannot reach API server ${url} (ECONNREFUSED)`]);
      expect(existsSync(c.out)).toBe(false);
    });

    it('names the missing permission when the identity has no rights at all', async () => {
      const c = await cluster({
        rbac: { manifestsDir: MANIFESTS_DIR, subject: { kind: 'User', name: 'alice@contoso.com' } },
      });
      const run = await runCli(base(c.kubeconfig, c.out));
      expect(run.code).toBe(1);
      const lines = errorLines(run);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('permission denied: list nodes:');
      expect(lines[0]).toContain('User "alice@contoso.com" cannot list resource "nodes"');
      expect(lines[0]).toContain('Apply infra/k8s/');
      expect(c.api.state.jobs()).toEqual([]);
      expect(existsSync(c.out)).toBe(false);
    });

    it('names the missing permission when the role cannot create Jobs, and leaves no Job', async () => {
      const manifests = join(await mkdtemp(join(tmpdir(), 'snat-rbac-')), 'k8s');
      await cp(MANIFESTS_DIR, manifests, { recursive: true });
      const rbac = await readFile(join(manifests, 'rbac.yaml'), 'utf8');
      const reduced = rbac.replace('verbs: ["create", "list", "delete"]', 'verbs: ["list", "delete"]');
      expect(reduced).not.toBe(rbac);
      await writeFile(join(manifests, 'rbac.yaml'), reduced);
      const c = await cluster({ rbac: { manifestsDir: manifests, subject: RESPONDER } });
      const run = await runCli(base(c.kubeconfig, c.out));
      expect(run.code).toBe(1);
      const lines = errorLines(run);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/permission denied: create capture job snat-cap-\S+: .*cannot create resource "jobs"/);
      expect(c.api.state.jobs()).toEqual([]);
      expect(existsSync(c.out)).toBe(false);
      await rm(manifests, { recursive: true, force: true });
    });

    it('prints the exact fix when the capture namespace is not labelled privileged', async () => {
      const scenario = demoScenario();
      for (const ns of scenario.namespaces) if (ns.name === 'snat-responder') ns.labels = {};
      const c = await cluster({ scenario });
      const run = await runCli(base(c.kubeconfig, c.out));
      expect(run.code).toBe(1);
      expect(errorLines(run)).toEqual([
        'snat-responder: capture namespace "snat-responder" has pod-security.kubernetes.io/enforce=(unset), which rejects the privileged capture pod; fix: kubectl label namespace snat-responder pod-security.kubernetes.io/enforce=privileged --overwrite',
      ]);
      expect(posts(c.api)).toEqual([]);
    });
  });

  describe('capture trouble gives a degraded report and deletes the Job', () => {
    const cases: Array<[string, KubeFaults, string[], RegExp]> = [
      ['the capture container fails', { jobExitCode: 1 }, [], /the capture Job Failed: BackoffLimitExceeded/],
      ['the Job exceeds its deadline', { jobDeadlineExceeded: true }, [], /the capture Job DeadlineExceeded/],
      ['the log lost its end', { truncateLog: true }, [], /the capture output could not be collected/],
      [
        'the pod never pulls its image',
        { jobStuck: 'ImagePullBackOff' },
        ['--capture-timeout', '3'],
        /the capture did not finish within 3 s \(last seen Pending: ImagePullBackOff/,
      ],
    ];
    for (const [what, faults, extra, problem] of cases) {
      it(`when ${what}`, async () => {
        const c = await cluster({ faults });
        const run = await runCli([...base(c.kubeconfig, c.out), ...extra]);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toContain('Status:  degraded');
        const report = await readReport(c.out);
        expect(report.investigation.status).toBe('degraded');
        expect(report.investigation.problems.join('\n')).toMatch(problem);
        // Without a trace every running pod gets netstat, so the report still has socket evidence.
        expect(run.stderr).toContain('running pods (no trace attribution)');
        expect(report.rankedPods.length).toBeGreaterThan(0);
        expect(c.api.state.jobs()).toEqual([]);
        expect(c.api.state.jobPods()).toEqual([]);
        if (faults.jobStuck) expect(run.stderr).toMatch(/waiting for capture Job \S+: Pending: ImagePullBackOff/);
      });
    }
  });

  describe('netstat trouble', () => {
    it('names pods whose exec failed and marks the report degraded', async () => {
      const c = await cluster({ faults: { execDropSocket: [CULPRIT] } });
      const run = await runCli(base(c.kubeconfig, c.out));
      expect(run.code, run.stderr).toBe(0);
      const report = await readReport(c.out);
      expect(report.investigation.status).toBe('degraded');
      expect(report.investigation.problems.join('\n')).toMatch(
        new RegExp(`netstat failed in 1 of \\d+ pods: ${CULPRIT} \\(`),
      );
      expect(c.api.state.jobs()).toEqual([]);
    });
  });

  describe('signals', () => {
    for (const [signal, code, waitFor] of [
      ['SIGINT', 130, 'tracing on node'],
      ['SIGTERM', 143, 'waiting for capture Job'],
    ] as const) {
      it(`${signal} while ${waitFor === 'tracing on node' ? 'tracing' : 'pending'} deletes the Job and exits ${code}`, async () => {
        const c = await cluster({
          timing: { pendingMs: waitFor === 'tracing on node' ? 200 : 60_000, runningMs: 60_000 },
        });
        let sent = false;
        const run = await runCli(base(c.kubeconfig, c.out), (text, child) => {
          if (!sent && text.includes(waitFor)) {
            sent = true;
            child.kill(signal);
          }
        });
        expect(sent).toBe(true);
        expect(run.code, run.stderr).toBe(code);
        expect(run.stderr).toMatch(new RegExp(`${signal}: stopping, deleting capture Job snat-cap-`));
        expect(errorLines(run)).toEqual([
          `snat-responder: interrupted by ${signal}; no capture Job of this run is left in the cluster`,
        ]);
        expect(c.api.state.requests.some((r) => r.method === 'DELETE' && r.path.includes('/jobs/snat-cap-'))).toBe(
          true,
        );
        expect(c.api.state.jobs()).toEqual([]);
        expect(c.api.state.jobPods()).toEqual([]);
      });
    }
  });
});
