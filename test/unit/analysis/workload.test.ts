import { describe, expect, it } from 'vitest';
import { resolveWorkload, WorkloadResolver, workloadKey } from '../../../src/analysis/workload.js';
import { parseControllers, parsePods } from '../../../src/evidence/parsers/kubectl.js';
import type { KubeController } from '../../../src/evidence/types.js';

/** A pod as `kubectl get pod -o json` prints it. */
function podJson(
  name: string,
  owner: { apiVersion: string; kind: string; name: string } | null,
  labels: Record<string, string> = {},
) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'shop',
      labels,
      ...(owner ? { ownerReferences: [{ ...owner, uid: `uid-${owner.name}`, controller: true }] } : {}),
    },
  };
}

/** A controller as `kubectl get rs/job NAME -o json` prints it. */
function controllerJson(kind: string, name: string, owner?: { kind: string; name: string }) {
  return {
    apiVersion: kind === 'ReplicaSet' ? 'apps/v1' : 'batch/v1',
    kind,
    metadata: {
      name,
      namespace: 'shop',
      ...(owner
        ? { ownerReferences: [{ apiVersion: 'apps/v1', ...owner, uid: `uid-${owner.name}`, controller: true }] }
        : {}),
    },
  };
}

function resolver(pods: unknown[], controllers: unknown[] = []): WorkloadResolver {
  const p = parsePods(JSON.stringify({ kind: 'List', items: pods }), 'pods.json');
  const c = parseControllers(JSON.stringify({ kind: 'List', items: controllers }), 'controllers.json');
  expect(p.warnings).toEqual([]);
  expect(c.warnings).toEqual([]);
  return new WorkloadResolver(p.items, c.items);
}

const RS = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'checkout-api-7d9f8b6c5' };
const JOB = { apiVersion: 'batch/v1', kind: 'Job', name: 'report-exporter-28937465' };

describe('resolveWorkload', () => {
  describe("through the controllers' own ownerReferences", () => {
    it('ReplicaSet -> Deployment', () => {
      const r = resolver(
        [podJson('checkout-api-7d9f8b6c5-x2x9q', RS, { 'pod-template-hash': '7d9f8b6c5' })],
        [controllerJson('ReplicaSet', RS.name, { kind: 'Deployment', name: 'checkout-api' })],
      );
      expect(r.forPod('shop', 'checkout-api-7d9f8b6c5-x2x9q')).toEqual({
        kind: 'Deployment',
        namespace: 'shop',
        name: 'checkout-api',
        resolvedBy: 'ownerReferences',
      });
    });

    it('Job -> CronJob', () => {
      const r = resolver(
        [podJson('report-exporter-28937465-q8w4t', JOB, { 'job-name': JOB.name })],
        [controllerJson('Job', JOB.name, { kind: 'CronJob', name: 'report-exporter' })],
      );
      expect(r.forPod('shop', 'report-exporter-28937465-q8w4t')).toEqual({
        kind: 'CronJob',
        namespace: 'shop',
        name: 'report-exporter',
        resolvedBy: 'ownerReferences',
      });
    });

    it('a Job nobody owns is the workload itself, whatever its name looks like', () => {
      const r = resolver(
        [podJson('migrate-12345678-abcde', { ...JOB, name: 'migrate-12345678' })],
        [controllerJson('Job', 'migrate-12345678')],
      );
      expect(r.forPod('shop', 'migrate-12345678-abcde')).toMatchObject({ kind: 'Job', name: 'migrate-12345678' });
    });

    it('a ReplicaSet owned by something else (an Argo Rollout) names that owner', () => {
      const r = resolver(
        [podJson('web-6c9f7d5b8-kq2xz', { ...RS, name: 'web-6c9f7d5b8' }, { 'pod-template-hash': '6c9f7d5b8' })],
        [controllerJson('ReplicaSet', 'web-6c9f7d5b8', { kind: 'Rollout', name: 'web-canary' })],
      );
      expect(r.forPod('shop', 'web-6c9f7d5b8-kq2xz')).toMatchObject({
        kind: 'Rollout',
        name: 'web-canary',
        resolvedBy: 'ownerReferences',
      });
    });
  });

  describe('from the pod alone (no replicasets/jobs read)', () => {
    it('ReplicaSet -> Deployment by pod-template-hash', () => {
      const r = resolver([podJson('checkout-api-7d9f8b6c5-x2x9q', RS, { 'pod-template-hash': '7d9f8b6c5' })]);
      expect(r.forPod('shop', 'checkout-api-7d9f8b6c5-x2x9q')).toEqual({
        kind: 'Deployment',
        namespace: 'shop',
        name: 'checkout-api',
        resolvedBy: 'inferred',
      });
    });

    it('keeps the ReplicaSet when its name does not end in the pod-template-hash', () => {
      const r = resolver([podJson('x-abcde', { ...RS, name: 'standalone-rs' }, { 'pod-template-hash': '7d9f8b6c5' })]);
      expect(r.forPod('shop', 'x-abcde')).toMatchObject({ kind: 'ReplicaSet', name: 'standalone-rs' });
    });

    it('Job -> CronJob by the scheduled-time suffix of the Job name', () => {
      const r = resolver([podJson('report-exporter-28937465-q8w4t', JOB, { 'job-name': JOB.name })]);
      expect(r.forPod('shop', 'report-exporter-28937465-q8w4t')).toEqual({
        kind: 'CronJob',
        namespace: 'shop',
        name: 'report-exporter',
        resolvedBy: 'inferred',
      });
    });

    it('a Job without a time suffix stays a Job', () => {
      const r = resolver([podJson('db-migrate-abcde', { ...JOB, name: 'db-migrate' })]);
      expect(r.forPod('shop', 'db-migrate-abcde')).toMatchObject({ kind: 'Job', name: 'db-migrate' });
    });

    it('StatefulSet and DaemonSet are workloads themselves', () => {
      const r = resolver([
        podJson('redis-0', { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'redis' }),
        podJson('kube-proxy-7xk2p', { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'kube-proxy' }),
      ]);
      expect(r.forPod('shop', 'redis-0')).toEqual({
        kind: 'StatefulSet',
        namespace: 'shop',
        name: 'redis',
        resolvedBy: 'ownerReferences',
      });
      expect(r.forPod('shop', 'kube-proxy-7xk2p')).toMatchObject({ kind: 'DaemonSet', name: 'kube-proxy' });
    });

    it('a bare pod and a static (mirror) pod stand for themselves', () => {
      const r = resolver([
        podJson('debug', null),
        podJson('etcd-node1', { apiVersion: 'v1', kind: 'Node', name: 'node1' }),
      ]);
      expect(r.forPod('shop', 'debug')).toEqual({
        kind: 'Pod',
        namespace: 'shop',
        name: 'debug',
        resolvedBy: 'ownerReferences',
      });
      expect(r.forPod('shop', 'etcd-node1')).toMatchObject({ kind: 'Pod', name: 'etcd-node1' });
    });

    it('a pod known only from crictl is inferred from its generated name', () => {
      const r = resolver([]);
      expect(r.forPod('shop', 'checkout-api-7d9f8b6c5-x2x9q')).toEqual({
        kind: 'Deployment',
        namespace: 'shop',
        name: 'checkout-api',
        resolvedBy: 'inferred',
      });
      expect(r.forPod('shop', 'redis-0')).toEqual({
        kind: 'Pod',
        namespace: 'shop',
        name: 'redis-0',
        resolvedBy: 'inferred',
      });
    });
  });

  it('controllers in another namespace do not apply', () => {
    const other: KubeController = {
      kind: 'ReplicaSet',
      namespace: 'elsewhere',
      name: RS.name,
      owner: { kind: 'Deployment', name: 'wrong' },
    };
    const w = resolveWorkload(
      { namespace: 'shop', name: 'p', controller: { kind: 'ReplicaSet', name: RS.name }, labels: {} },
      new Map([[`ReplicaSet/elsewhere/${RS.name}`, other]]),
      true,
    );
    expect(w).toMatchObject({ kind: 'ReplicaSet', name: RS.name });
  });

  it('keys workloads by kind, namespace and name', () => {
    expect(workloadKey({ kind: 'Deployment', namespace: 'a', name: 'b' })).toBe('Deployment/a/b');
  });
});

describe('parseControllers', () => {
  it('reads a List of ReplicaSets and Jobs with their owners, and warns about nameless items', () => {
    const r = parseControllers(
      JSON.stringify({
        kind: 'List',
        items: [controllerJson('ReplicaSet', 'a-1', { kind: 'Deployment', name: 'a' }), { kind: 'Job', metadata: {} }],
      }),
    );
    expect(r.items).toEqual([
      { kind: 'ReplicaSet', namespace: 'shop', name: 'a-1', owner: { kind: 'Deployment', name: 'a' } },
    ]);
    expect(r.warnings).toHaveLength(1);
    expect(parseControllers('nope').warnings).toHaveLength(1);
  });
});
