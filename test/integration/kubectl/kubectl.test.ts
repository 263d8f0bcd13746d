/**
 * The real kubectl (>= 1.31) against the loopback Kubernetes API server: if kubectl and the product's client
 * disagree about a response, the simulator is wrong. Covers discovery, get (-o json, -o wide, selectors),
 * `auth can-i` for every verb infra/k8s grants or refuses, exec, logs of a capture pod, and delete.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, loadAllYaml } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFromString } from '../../../src/kube/access.js';
import { CaptureManager } from '../../../src/kube/captureRunner.js';
import { MemorySink } from '../../../src/kube/evidenceSinks.js';
import { execInContainer } from '../../../src/kube/exec.js';
import { decodeCapture } from '../../../src/kube/framing.js';
import { DEMO_NODE, demoScenario } from '../../../src/sim/kube/demoScenario.js';
import { SIM_RESOURCES } from '../../../src/sim/kube/discovery.js';
import { type KubeApiServer, startKubeApiServer } from '../../../src/sim/kube/server.js';
import { MANIFESTS_DIR, RESPONDER } from '../kube/helpers.js';
import { findKubectl, KUBECTL_REQUIRED, Kubectl } from './kubectl.js';

const found = findKubectl();
if (!found.path) {
  const msg = `kubectl suite: ${found.reason}`;
  if (KUBECTL_REQUIRED) throw new Error(`${msg} (CI=true requires it)`);
  process.stderr.write(`SKIPPED ${msg}\n`);
}
const KUBECTL = found.path ?? 'kubectl';
const CAPTURE_NS = RESPONDER.namespace;
const POD = { namespace: 'payments', name: 'checkout-api-7d9f8b6c5-x2x9q', container: 'checkout-api' };

let api: KubeApiServer;
let admin: Kubectl;
let responder: Kubectl;

beforeAll(async () => {
  if (!found.path) return;
  api = await startKubeApiServer({
    scenario: demoScenario(),
    rbac: { manifestsDir: MANIFESTS_DIR, subject: RESPONDER },
    timing: { pendingMs: 50, runningMs: 150, terminatingMs: 50 },
  });
  admin = new Kubectl(KUBECTL, api.adminKubeconfig);
  responder = new Kubectl(KUBECTL, api.kubeconfig);
});
afterAll(async () => {
  await api?.close();
});

describe.skipIf(!found.path)(`real kubectl (${KUBECTL})`, () => {
  describe('discovery', () => {
    it('reports a Kubernetes version kubectl speaks its current protocols to (1.31+)', async () => {
      const v = JSON.parse(await admin.ok(['version', '-o', 'json'])) as {
        clientVersion: { minor: string };
        serverVersion: { major: string; minor: string; gitVersion: string };
      };
      expect(Number(v.clientVersion.minor)).toBeGreaterThanOrEqual(31);
      expect(v.serverVersion.major).toBe('1');
      expect(Number(v.serverVersion.minor)).toBeGreaterThanOrEqual(31);
    });

    it('api-resources lists every served resource with its group, kind and scope', async () => {
      const out = await admin.ok(['api-resources', '--no-headers', '-o', 'wide']);
      const rows = out
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/));
      for (const r of SIM_RESOURCES) {
        const gv = r.group ? `${r.group}/${r.version}` : r.version;
        const row = rows.find((cells) => cells[0] === r.name);
        expect(row, r.name).toBeDefined();
        expect(row).toContain(gv);
        expect(row).toContain(r.kind);
        expect(row).toContain(String(r.namespaced));
      }
    });

    it('uses aggregated discovery (only /api and /apis), and the legacy documents answer too', async () => {
      const fresh = new Kubectl(KUBECTL, api.adminKubeconfig);
      const before = api.state.requests.length;
      await fresh.ok(['get', 'nodes', '-o', 'name']);
      const paths = api.state.requests.slice(before).map((r) => r.path.split('?')[0]);
      expect(paths).toContain('/api');
      expect(paths).toContain('/apis');
      expect(paths.filter((p) => p === '/api/v1' || p?.startsWith('/apis/batch/v1'))).toEqual([]);
      const legacy = JSON.parse(await admin.ok(['get', '--raw', '/apis/batch/v1'])) as {
        kind: string;
        resources: Array<{ name: string; kind: string }>;
      };
      expect(legacy.kind).toBe('APIResourceList');
      expect(legacy.resources.map((r) => r.name)).toContain('jobs');
      const groups = JSON.parse(await admin.ok(['get', '--raw', '/apis'])) as { kind: string; groups: unknown[] };
      expect(groups.kind).toBe('APIGroupList');
    });
  });

  describe('get', () => {
    it('-o json lists the same nodes and pods as the product client', async () => {
      const kc = kubeConfigFromString(api.adminKubeconfig);
      const core = kc.makeApiClient(CoreV1Api);
      const nodes = JSON.parse(await admin.ok(['get', 'nodes', '-o', 'json'])) as {
        items: Array<{ metadata: { name: string } }>;
      };
      expect(nodes.items.map((n) => n.metadata.name)).toEqual(
        (await core.listNode()).items.map((n) => n.metadata?.name),
      );
      const pods = JSON.parse(
        await admin.ok(['get', 'pods', '-A', '-o', 'json', '--field-selector', `spec.nodeName=${DEMO_NODE}`]),
      ) as { items: Array<{ metadata: { namespace: string; name: string } }> };
      const mine = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${DEMO_NODE}` });
      expect(pods.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(
        mine.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`),
      );
      expect(pods.items.length).toBeGreaterThan(3);
    });

    it('-o wide prints the server-side Table with its wide columns', async () => {
      const out = await admin.ok(['get', 'pods', '-n', POD.namespace, '-o', 'wide']);
      const [header, ...lines] = out.trim().split('\n');
      expect(header?.split(/\s{2,}/)).toEqual([
        'NAME',
        'READY',
        'STATUS',
        'RESTARTS',
        'AGE',
        'IP',
        'NODE',
        'NOMINATED NODE',
        'READINESS GATES',
      ]);
      const row = lines.find((l) => l.startsWith(POD.name))?.split(/\s+/);
      expect(row?.slice(1, 4)).toEqual(['1/1', 'Running', '0']);
      expect(row).toContain(DEMO_NODE);
      const nodes = await admin.ok(['get', 'nodes', '-o', 'wide']);
      expect(nodes.split('\n')[0]).toMatch(
        /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE/,
      );
      expect(nodes).toContain('10.224.0.7');
    });

    it('field and label selectors (equality, set-based, negation) filter as the server does', async () => {
      const names = async (...args: string[]) =>
        (await admin.ok(['get', 'pods', '-A', '-o', 'name', ...args])).trim().split('\n').filter(Boolean);
      const all = await names();
      const onNode = await names('--field-selector', `spec.nodeName=${DEMO_NODE}`);
      const offNode = await names('--field-selector', `spec.nodeName!=${DEMO_NODE}`);
      expect([...onNode, ...offNode].sort()).toEqual([...all].sort());
      expect(await names('-l', 'app=frontend')).toEqual([
        'pod/frontend-6b7c9d8f5-p4n6r',
        'pod/frontend-6b7c9d8f5-z9x2v',
      ]);
      const either = [...(await names('-l', 'app=frontend')), ...(await names('-l', 'app=checkout-api'))];
      expect((await names('-l', 'app in (frontend,checkout-api)')).sort()).toEqual(either.sort());
      expect((await names('-l', 'app notin (frontend,checkout-api)')).length).toBe(all.length - either.length);
      expect(await names('-l', '!app')).toEqual([]);
      const bad = await admin.run(['get', 'pods', '-A', '--field-selector', 'spec.containers=x']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('field label not supported: spec.containers');
    });

    it('replicasets resolve to their Deployment (workload resolution)', async () => {
      const rs = JSON.parse(await admin.ok(['get', 'rs', '-n', 'web', '-o', 'json'])) as {
        items: Array<{ metadata: { name: string; ownerReferences: Array<{ kind: string; name: string }> } }>;
      };
      expect(
        rs.items.map((r) => [
          r.metadata.name,
          r.metadata.ownerReferences[0]?.kind,
          r.metadata.ownerReferences[0]?.name,
        ]),
      ).toEqual([['frontend-6b7c9d8f5', 'Deployment', 'frontend']]);
    });
  });

  describe('auth can-i (answers from the same RBAC the server enforces, expectations read from infra/k8s)', () => {
    interface Rule {
      apiGroups?: string[];
      resources?: string[];
      verbs: string[];
      resourceNames?: string[];
    }
    interface Doc {
      kind?: string;
      metadata?: { name?: string; namespace?: string };
      rules?: Rule[];
      roleRef?: { kind: string; name: string };
      subjects?: Array<{ kind: string; name: string; namespace?: string }>;
    }
    // The default set: every manifest at the top level of infra/k8s (opt-in extras live in sub-folders).
    const docs: Doc[] = readdirSync(MANIFESTS_DIR)
      .filter((f) => /\.ya?ml$/.test(f))
      .flatMap((f) => loadAllYaml(readFileSync(join(MANIFESTS_DIR, f), 'utf8')) as Doc[])
      .filter(Boolean);
    const grants = docs
      .filter(
        (d) =>
          (d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding') &&
          d.subjects?.some(
            (s) =>
              s.kind === 'ServiceAccount' &&
              s.name === RESPONDER.name &&
              (s.namespace ?? d.metadata?.namespace) === RESPONDER.namespace,
          ),
      )
      .flatMap((b) => {
        const role = docs.find(
          (d) =>
            d.kind === b.roleRef?.kind &&
            d.metadata?.name === b.roleRef?.name &&
            (d.kind === 'ClusterRole' || d.metadata?.namespace === b.metadata?.namespace),
        );
        const scope = b.kind === 'RoleBinding' ? (b.metadata?.namespace ?? 'default') : null;
        return (role?.rules ?? []).map((rule) => ({ rule, scope }));
      });
    const granted = (verb: string, group: string, resource: string, ns: string | null) =>
      grants.some(
        ({ rule, scope }) =>
          (scope === null || scope === ns) &&
          !rule.resourceNames?.length &&
          (rule.verbs.includes(verb) || rule.verbs.includes('*')) &&
          (rule.apiGroups ?? []).some((g) => g === group || g === '*') &&
          (rule.resources ?? []).some((r) => r === resource || r === '*'),
      );
    const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
    // Every resource the manifests name, plus the ones the product must never touch.
    const named = new Set(
      grants.flatMap(({ rule }) => (rule.resources ?? []).map((r) => `${rule.apiGroups?.[0] ?? ''}|${r}`)),
    );
    for (const extra of ['|pods', '|nodes', '|pods/exec', '|pods/log', 'batch|jobs', 'apps|replicasets'])
      named.add(extra);
    // `namespaces` is left out: a namespace object's RBAC namespace is its own name, which can-i's SSAR
    // (cluster-scoped resource, namespace cleared) cannot express; the RBAC tests cover reading it.
    named.delete('|namespaces');
    const cases = [...named].flatMap((key) => {
      const [group = '', full = ''] = key.split('|');
      const [resource = '', sub] = full.split('/');
      const def = SIM_RESOURCES.find((r) => r.group === group && r.name === resource);
      const namespaces = def?.namespaced === false ? [null] : [CAPTURE_NS, 'default', 'kube-system'];
      return namespaces.flatMap((ns) =>
        VERBS.map((verb) => ({ verb, group, resource, sub, ns, expected: granted(verb, group, full, ns) })),
      );
    });

    it('has something to check in both directions', () => {
      expect(cases.some((c) => c.expected)).toBe(true);
      expect(cases.some((c) => !c.expected)).toBe(true);
    });

    it('answers every (verb, resource, namespace) as infra/k8s says, with exit 0 for yes and 1 for no', async () => {
      const results: string[] = [];
      const queue = [...cases];
      const worker = async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          const res = c.group ? `${c.resource}.${c.group}` : c.resource;
          const args = ['auth', 'can-i', c.verb, res, ...(c.sub ? [`--subresource=${c.sub}`] : [])];
          args.push(...(c.ns ? ['-n', c.ns] : []));
          const r = await responder.run(args);
          const answer = r.stdout.trim();
          results.push(
            `${args.slice(2).join(' ')} => ${answer} (${r.code})${answer === (c.expected ? 'yes' : 'no') && r.code === (c.expected ? 0 : 1) ? '' : ` EXPECTED ${c.expected ? 'yes' : 'no'}`}`,
          );
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      expect(results.filter((l) => l.includes('EXPECTED'))).toEqual([]);
      expect(results).toHaveLength(cases.length);
    }, 120_000);

    it('agrees with what the server enforces for the same identity (get/list answered 403 exactly when can-i says no)', async () => {
      for (const [resource, ns] of [
        ['pods', 'default'],
        ['jobs.batch', CAPTURE_NS],
        ['jobs.batch', 'default'],
        ['nodes', null],
        ['replicasets.apps', 'web'],
      ] as const) {
        const scope = ns ? ['-n', ns] : [];
        const can = await responder.run(['auth', 'can-i', 'list', resource, ...scope]);
        const got = await responder.run(['get', resource, ...scope, '-o', 'name']);
        expect(got.code === 0, `${resource} ${ns}: can-i ${can.stdout.trim()}, get: ${got.stderr.trim()}`).toBe(
          can.code === 0,
        );
        if (got.code !== 0) expect(got.stderr).toContain('Forbidden');
      }
    });

    it('a namespace object: the Role grants reading its own namespace (a review kubectl create -f sends as JSON)', async () => {
      // `kubectl auth can-i get namespaces/X` clears the namespace of a cluster-scoped resource, while the API
      // server authorizes GET /api/v1/namespaces/X in namespace X; a review with both set asks what the server does.
      const roleNamespaces = grants
        .filter(({ scope, rule }) => scope !== null && rule.resources?.includes('namespaces'))
        .map(({ scope }) => scope as string);
      for (const ns of [CAPTURE_NS, 'default']) {
        for (const verb of ['get', 'delete']) {
          const expected = roleNamespaces.includes(ns) && granted(verb, '', 'namespaces', ns);
          const review = {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: { verb, resource: 'namespaces', name: ns, namespace: ns } },
          };
          const file = join(mkdtempSync(join(tmpdir(), 'snat-ssar-')), 'review.json');
          writeFileSync(file, JSON.stringify(review));
          const out = await responder.ok([
            'create',
            '-f',
            file,
            '--validate=false',
            '-o',
            'jsonpath={.status.allowed}',
          ]);
          expect(`${verb} namespace ${ns}: ${out}`).toBe(`${verb} namespace ${ns}: ${expected}`);
          const direct = await responder.run(['get', 'namespace', ns, '-o', 'name']);
          if (verb === 'get') expect(direct.code === 0, `kubectl get namespace ${ns}`).toBe(expected);
        }
      }
      expect(roleNamespaces).toContain(CAPTURE_NS);
    });

    it('the admin may do anything; a SelfSubjectAccessReview itself needs no binding', async () => {
      expect((await admin.run(['auth', 'can-i', 'delete', 'nodes'])).stdout.trim()).toBe('yes');
      expect(
        (await responder.run(['auth', 'can-i', 'create', 'selfsubjectaccessreviews.authorization.k8s.io'])).code,
      ).toBe(0);
    });
  });

  describe('exec, logs, delete', () => {
    it('exec netstat prints exactly what the product’s own exec gets', async () => {
      const kubectlOut = await admin.ok([
        'exec',
        '-n',
        POD.namespace,
        POD.name,
        '-c',
        POD.container,
        '--',
        'netstat',
        '-ptn',
      ]);
      const mine = await execInContainer(
        kubeConfigFromString(api.adminKubeconfig),
        { namespace: POD.namespace, pod: POD.name, container: POD.container },
        ['netstat', '-ptn'],
        { timeoutMs: 10_000 },
      );
      expect(mine.kind).toBe('exited');
      expect(kubectlOut).toBe(mine.kind === 'exited' ? mine.stdout : null);
      expect(kubectlOut).toContain('ESTABLISHED');
      const upgrades = api.state.requests.filter((r) => r.path.includes('/exec?') && r.status === 101);
      expect(upgrades.length).toBeGreaterThanOrEqual(2);
    });

    it('exec of a missing binary fails in kubectl as in the product (runtime error, non-zero exit)', async () => {
      const r = await admin.run(['exec', '-n', POD.namespace, POD.name, '--', 'no-such-tool']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('executable file not found in $PATH');
      const mine = await execInContainer(
        kubeConfigFromString(api.adminKubeconfig),
        { namespace: POD.namespace, pod: POD.name, container: POD.container },
        ['no-such-tool'],
        { timeoutMs: 10_000 },
      );
      expect(mine.kind).toBe('failed');
    });

    it('a non-zero exit code reaches kubectl as its own exit code', async () => {
      api.state.faults.missingBinaryExit127 = true;
      try {
        const r = await admin.run(['exec', '-n', POD.namespace, POD.name, '--', 'no-such-tool']);
        expect(r.code).toBe(127);
        expect(r.stderr).toContain('no-such-tool: not found');
      } finally {
        api.state.faults.missingBinaryExit127 = false;
      }
    });

    it('logs of a capture pod are the framed evidence the product collects; delete job takes its pod along', async () => {
      const kc = kubeConfigFromString(api.kubeconfig);
      const mgr = new CaptureManager(kc, { traceSeconds: 5 });
      const { jobName } = await mgr.start(DEMO_NODE, 'kubectl-suite');
      // Up to 20 s: on a loaded machine (the whole suite on 2 cores) the simulated Job has been seen to need over
      // the 4 s this loop used to allow; it ends as soon as the Job has succeeded.
      for (let i = 0; i < 1000 && (await mgr.status(jobName)).phase !== 'Succeeded'; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect((await mgr.status(jobName)).phase).toBe('Succeeded');
      const jobs = await responder.ok(['get', 'jobs', '-n', CAPTURE_NS]);
      expect(jobs).toMatch(new RegExp(`${jobName}\\s+Complete\\s+1/1`));
      const pods = (await responder.ok(['get', 'pods', '-n', CAPTURE_NS, '-l', `job-name=${jobName}`, '-o', 'name']))
        .trim()
        .split('\n');
      expect(pods).toHaveLength(1);
      // `kubectl logs` GETs the pod first: a right the responder does not have (issue 12: it lists pods and reads
      // pods/log only), so the operator reads it as admin; the responder itself is refused.
      const refused = await responder.run(['logs', '-n', CAPTURE_NS, pods[0] ?? '', '-c', 'capture']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('cannot get resource "pods"');
      const log = await admin.ok(['logs', '-n', CAPTURE_NS, pods[0] ?? '', '-c', 'capture']);
      const sink = new MemorySink();
      await mgr.collect(jobName, sink);
      const fromKubectl = decodeCapture(log);
      expect(fromKubectl.length).toBeGreaterThan(3);
      for (const f of fromKubectl)
        expect(sink.files.get(f.path)?.toString('utf8'), f.path).toBe(f.data.toString('utf8'));

      const del = await responder.run(['delete', 'job', jobName, '-n', CAPTURE_NS]);
      expect(del.stdout).toContain(`job.batch "${jobName}" deleted`);
      expect(del.code).toBe(0);
      expect(api.state.jobs()).toEqual([]);
      expect(api.state.jobPods()).toEqual([]);
      expect((await responder.ok(['get', 'pods', '-n', CAPTURE_NS, '-o', 'name'])).trim()).toBe('');
    });

    it('kubectl wait sees the 1.31+ Job conditions in order, and get -w streams the Job from ADDED to DELETED', async () => {
      const mgr = new CaptureManager(kubeConfigFromString(api.kubeconfig), { traceSeconds: 5 });
      const { jobName } = await mgr.start(DEMO_NODE, 'kubectl-wait');
      // The responder may not watch Jobs (infra/k8s grants create/get/list/delete): the server refuses its
      // watch (kubectl wait then falls back to listing again, as against a real cluster).
      const before = api.state.forbidden.length;
      await responder.run(['wait', '--for=condition=Complete', `job/${jobName}`, '-n', CAPTURE_NS, '--timeout=5s']);
      expect(api.state.forbidden.slice(before).some((a) => a.verb === 'watch' && a.resource === 'jobs')).toBe(true);
      const watching = admin.run(['get', 'jobs', '-n', CAPTURE_NS, '-w', '--output-watch-events'], 8_000);
      for (const condition of ['SuccessCriteriaMet', 'Complete']) {
        const r = await admin.run([
          'wait',
          `--for=condition=${condition}`,
          `job/${jobName}`,
          '-n',
          CAPTURE_NS,
          '--timeout=20s',
        ]);
        expect(`${condition}: ${r.code} ${r.stdout.trim()}`).toBe(`${condition}: 0 job.batch/${jobName} condition met`);
      }
      const pod = await admin.ok([
        'wait',
        '--for=jsonpath={.status.phase}=Succeeded',
        'pod',
        '-l',
        `job-name=${jobName}`,
        '-n',
        CAPTURE_NS,
        '--timeout=20s',
      ]);
      expect(pod).toContain('condition met');
      await admin.ok(['delete', 'job', jobName, '-n', CAPTURE_NS]);
      const events = (await watching).stdout.trim().split('\n');
      expect(events[0]).toMatch(/^EVENT\s+NAME\s+STATUS\s+COMPLETIONS/);
      const mine = events.filter((l) => l.split(/\s+/)[1] === jobName).map((l) => l.split(/\s+/).slice(0, 3).join(' '));
      expect(mine[0]).toMatch(/^ADDED /);
      expect(mine.at(-1)).toBe(`DELETED ${jobName} Complete`);
      expect(mine.some((l) => l.startsWith('MODIFIED') || l.endsWith('Complete'))).toBe(true);
    }, 60_000);

    it('delete --cascade=orphan leaves the pod, as the garbage collector would', async () => {
      const mgr = new CaptureManager(kubeConfigFromString(api.kubeconfig), { traceSeconds: 5 });
      const { jobName } = await mgr.start(DEMO_NODE, 'kubectl-orphan');
      const r = await admin.run(['delete', 'job', jobName, '-n', CAPTURE_NS, '--cascade=orphan']);
      expect(r.code).toBe(0);
      expect(api.state.jobs()).toEqual([]);
      const left = api.state.jobPods();
      expect(left).toHaveLength(1);
      const pod = left[0] as { metadata: { name: string } };
      await admin.ok(['delete', 'pod', pod.metadata.name, '-n', CAPTURE_NS, '--wait=false']);
      expect(api.state.jobPods()).toEqual([]);
    });
  });
});
