import type { SimSessionOptions } from '../demo.js';
import { failEveryNth } from '../kube/faultHooks.js';
import { splitAlert } from './payloads.js';
import type { Scenario } from './types.js';

/** The culprit pod: its netstat exec stream is cut mid-output. */
const DROPPED_EXEC = 'payments/checkout-api-7d9f8b6c5-x2x9q';

/** This run's hook (each session gets a fresh counter), read back for the summary. */
let flaky: ReturnType<typeof failEveryNth> | null = null;

/**
 * A flaky Kubernetes API server: every third request (core and batch APIs) answers 500, and one exec socket drops
 * mid-stream. Pod exec is on (infra/k8s/optional/ applied) so the netstat fan-out meets the dropped socket. The
 * orchestration retries and degrades what it cannot get; it never fails, and the capture Job is deleted.
 */
export const apiserverFlaky: Scenario = {
  name: 'apiserver-flaky',
  description:
    'the Kubernetes API answers 500 to every third request and one exec socket drops: report complete or degraded, no Job left',
  get session(): SimSessionOptions {
    flaky = failEveryNth(3);
    return {
      settings: { ALLOW_POD_EXEC: 'true' },
      world: { kubeFaults: { requestHook: flaky, execDropSocket: [DROPPED_EXEC] } },
    };
  },
  async run(ctx) {
    await ctx.deliverAlert(splitAlert(ctx.now()));
  },
  async after(ctx) {
    ctx.extra('kube', { failedRequests: flaky?.failed ?? 0, droppedExec: [DROPPED_EXEC] });
  },
};
