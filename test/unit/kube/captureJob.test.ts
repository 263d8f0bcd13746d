import { describe, expect, it } from 'vitest';
import { pinnedImageProblem } from '../../../src/config/imageReference.js';
import {
  buildCaptureJob,
  captureJobName,
  captureScript,
  DEFAULT_CAPTURE_IMAGE,
  imagePullPolicyFor,
  labelValue,
} from '../../../src/kube/captureJob.js';

const NODE = 'aks-nodepool1-12345678-vmss000003';

describe('captureJobName', () => {
  describe('DNS-1123', () => {
    it('derives a stable, distinct name from node and investigation id', () => {
      const a = captureJobName(NODE, 'inv-1');
      expect(a).toMatch(/^snat-cap-aks-nodepool1-12345678-vmss000003-[0-9a-f]{8}$/);
      expect(captureJobName(NODE, 'inv-1')).toBe(a);
      expect(captureJobName(NODE, 'inv-2')).not.toBe(a);
    });

    it('stays a DNS-1123 label of at most 63 characters for long and odd node names', () => {
      for (const node of ['A'.repeat(253), 'node.with.DOTS_and_Underscores', '---', `aks-${'x'.repeat(60)}`]) {
        const n = captureJobName(node, 'a/b:c');
        expect(n.length).toBeLessThanOrEqual(63);
        expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      }
    });
  });
});

describe('labelValue', () => {
  it('keeps valid values and hashes the rest into a valid label', () => {
    expect(labelValue('inv-1')).toBe('inv-1');
    const v = labelValue(`orchestration:${'x'.repeat(80)}`);
    expect(v.length).toBeLessThanOrEqual(63);
    expect(v).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
  });
});

describe('buildCaptureJob', () => {
  const job = buildCaptureJob({
    node: NODE,
    investigationId: 'inv-1',
    namespace: 'snat-responder',
    image: DEFAULT_CAPTURE_IMAGE,
    traceSeconds: 60,
  });
  const pod = job.spec?.template.spec;
  const c = pod?.containers[0];

  describe('spec', () => {
    it('pins the node and shares the host PID and network namespaces', () => {
      expect(pod?.nodeName).toBe(NODE);
      expect(pod?.hostPID).toBe(true);
      expect(pod?.hostNetwork).toBe(true);
      expect(pod?.restartPolicy).toBe('Never');
    });

    it('is privileged with the host root read-only at /host, reaches tainted nodes, and has no API token', () => {
      expect(c?.securityContext?.privileged).toBe(true);
      expect(c?.volumeMounts).toEqual([
        { name: 'host-root', mountPath: '/host', readOnly: true },
        { name: 'scratch', mountPath: '/host/tmp' },
      ]);
      expect(pod?.volumes).toEqual([
        { name: 'host-root', hostPath: { path: '/', type: 'Directory' } },
        { name: 'scratch', emptyDir: { sizeLimit: '512Mi' } },
      ]);
      expect(c?.env).toContainEqual({ name: 'SCRATCH_DIR', value: '/tmp' });
      expect(pod?.tolerations).toEqual([{ operator: 'Exists' }]);
      expect(pod?.automountServiceAccountToken).toBe(false);
    });

    it('runs the image pinned by digest, pulled only when missing (a digest cannot change)', () => {
      expect(DEFAULT_CAPTURE_IMAGE).toMatch(/@sha256:[a-f0-9]{64}$/);
      expect(pinnedImageProblem(DEFAULT_CAPTURE_IMAGE)).toBeNull();
      expect(c?.image).toBe(DEFAULT_CAPTURE_IMAGE);
      expect(c?.imagePullPolicy).toBe('IfNotPresent');
      expect(imagePullPolicyFor('mcr.microsoft.com/azurelinux/base/core:3.0')).toBe('Always');
    });

    it('runs once, within a deadline of trace + margin, and cleans itself up', () => {
      expect(job.spec?.backoffLimit).toBe(0);
      expect(job.spec?.activeDeadlineSeconds).toBe(60 + 180);
      expect(job.spec?.ttlSecondsAfterFinished).toBeGreaterThan(0);
      expect(c?.resources?.requests).toEqual({ cpu: '100m', memory: '256Mi' });
      expect(c?.resources?.limits).toEqual({ cpu: '1', memory: '768Mi' });
    });

    it('carries the labels the manager selects on', () => {
      expect(job.metadata?.labels).toMatchObject({
        'app.kubernetes.io/name': 'snat-responder',
        'app.kubernetes.io/component': 'node-capture',
        'snat-responder.io/investigation': 'inv-1',
      });
      expect(job.spec?.template.metadata?.labels).toEqual(job.metadata?.labels);
      expect(job.metadata?.annotations?.['snat-responder.io/investigation-id']).toBe('inv-1');
    });
  });

  describe('script and parameters', () => {
    it('passes the repository script as an argument and parameters only as env', () => {
      expect(c?.command?.slice(0, 4)).toEqual(['chroot', '/host', '/bin/sh', '-c']);
      expect(c?.command?.[4]).toBe(captureScript());
      expect(c?.command?.[5]).toBe('snat-capture');
      expect(c?.args).toBeUndefined();
      expect(c?.env).toEqual(
        expect.arrayContaining([
          { name: 'TRACE_SECONDS', value: '60' },
          { name: 'INVESTIGATION_ID', value: 'inv-1' },
          { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        ]),
      );
    });

    it('never splices outside strings into the script text', () => {
      const evil = buildCaptureJob({
        node: 'n',
        investigationId: '$(reboot);`id`',
        namespace: 'ns',
        image: 'i',
        traceSeconds: 5,
      });
      const cmd = evil.spec?.template.spec?.containers[0]?.command ?? [];
      expect(cmd[4]).toBe(captureScript());
      expect(cmd.join(' ')).not.toContain('reboot');
    });
  });
});
