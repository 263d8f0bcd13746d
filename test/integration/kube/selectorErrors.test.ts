/**
 * A malformed label selector on a list is the client's mistake: the API server answers 400 with a `Status` body
 * (never a 500), on the cluster-wide and namespaced pod lists and on the Job list alike, through client-node.
 */
import { ApiException, BatchV1Api, CoreV1Api, Watch } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { kubeConfigFromString } from '../../../src/kube/access.js';
import { demoScenario } from '../../../src/sim/kube/demoScenario.js';
import { type KubeApiServer, startKubeApiServer } from '../../../src/sim/kube/server.js';
import { RESPONDER, startWithRbac } from './helpers.js';

let api: KubeApiServer | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

const MALFORMED = 'app in (web';

/** The rejection of `call`, which must be the API's 400 with a Status body naming the selector problem. */
async function expectBadRequest(call: () => Promise<unknown>): Promise<void> {
  const err = await call().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiException);
  const e = err as ApiException<unknown>;
  expect(e.code).toBe(400);
  const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
  expect(body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 400 });
  expect(body.message).not.toBe('');
}

describe('malformed label selectors', () => {
  it('are a 400 Status on the pod lists and the Job list, and a valid selector still lists', async () => {
    const s = await startWithRbac({ scenario: demoScenario() });
    api = s.api;
    const core = s.kc.makeApiClient(CoreV1Api);
    const batch = s.kc.makeApiClient(BatchV1Api);
    await expectBadRequest(() => core.listPodForAllNamespaces({ labelSelector: MALFORMED }));
    await expectBadRequest(() => core.listNamespacedPod({ namespace: 'payments', labelSelector: MALFORMED }));
    await expectBadRequest(() => batch.listNamespacedJob({ namespace: RESPONDER.namespace, labelSelector: MALFORMED }));
    const statuses = s.api.state.requests.filter((r) => r.path.includes('labelSelector=app')).map((r) => r.status);
    expect(statuses).toEqual([400, 400, 400]);
    const pods = await core.listNamespacedPod({ namespace: 'payments', labelSelector: 'app in (checkout-api)' });
    expect(pods.items.length).toBeGreaterThan(0);
    expect(pods.items.every((p) => p.metadata?.labels?.app === 'checkout-api')).toBe(true);
  });

  it('are a 400 on a watch too, before the stream starts', async () => {
    // The responder's RBAC grants no pod watch, so this one runs without RBAC: the selector is what is checked.
    api = await startKubeApiServer({ scenario: demoScenario() });
    const kc = kubeConfigFromString(api.kubeconfig);
    const done = new Promise<unknown>((resolve) => {
      void new Watch(kc).watch('/api/v1/pods', { labelSelector: MALFORMED }, () => undefined, resolve);
    });
    expect(await done).toMatchObject({ statusCode: 400 });
    expect(api.state.requests.filter((r) => r.path.includes('watch=true')).map((r) => r.status)).toEqual([400]);
  });
});
