import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../../src/report/model.js';
import { ensureBuilt, PROJECT_ROOT, runCli } from '../../support/cli.js';

const root = PROJECT_ROOT;
const cli = runCli;

let work: string;
/** The demo starts a whole simulated world (Azurite included): room for a loaded machine. */
const DEMO_TIMEOUT_MS = 180_000;

beforeAll(async () => {
  ensureBuilt();
  work = await mkdtemp(join(tmpdir(), 'snat-demo-cli-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('snat-responder demo', () => {
  it(
    'runs an investigation end to end and writes the report, its renderings and the Teams card',
    async () => {
      const out = join(work, 'out');
      const res = cli('demo', '--out', out);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(
        /Verdict: Deployment payments\/checkout-api \(pod checkout-api-7d9f8b6c5-x2x9q\) on node aks-nodepool1-12345678-vmss000003/,
      );
      expect(res.stdout).toContain('capture Jobs left in the cluster: 0');
      expect(res.stderr).toContain('phase: tracing');
      const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
      expect(report.verdict).toMatchObject({ kind: 'pod', namespace: 'payments', pod: 'checkout-api-7d9f8b6c5-x2x9q' });
      expect(report.investigation.status).toBe('complete');
      expect(report.cluster?.clusterName).toBe('aks-prod-weu');
      expect(report.metrics.length).toBeGreaterThan(0);
      const md = await readFile(join(out, 'report.md'), 'utf8');
      expect(md.startsWith('# SNAT port exhaustion report')).toBe(true);
      const html = await readFile(join(out, 'report.html'), 'utf8');
      expect(html.toLowerCase()).toContain('<!doctype html>');
      // The headline names the Deployment (read from the ReplicaSet's ownerReferences), the pod as detail.
      expect(md).toContain('**Verdict:** Deployment payments/checkout-api (pod checkout-api-7d9f8b6c5-x2x9q)');
      expect(report.verdict.workload).toEqual({
        kind: 'Deployment',
        namespace: 'payments',
        name: 'checkout-api',
        resolvedBy: 'ownerReferences',
      });
      expect(html).toContain('<title>SNAT report: Deployment payments/checkout-api');
      expect(report.rankedPods.find((p) => p.pod.startsWith('report-exporter'))?.workload).toMatchObject({
        kind: 'CronJob',
        name: 'report-exporter',
      });
      // Commands render as code, never as escaped backticks; the port advice is sized for the autoscaler maximum.
      expect(md).not.toContain('\\`');
      expect(md).toContain('```sh\n  az aks update -g rg-prod -n aks-prod-weu --load-balancer-outbound-ports');
      expect(html).toMatch(/<pre class="cmd" aria-label="Commands"><code>az aks update -g rg-prod -n aks-prod-weu /);
      const port = report.recommendations.find((r) => r.kind === 'port-allocation');
      expect(port?.arithmetic?.[0]).toBe(
        'nodepool1: autoscaler max 10 + surge 1 (maxSurge unset: AKS default, assumed max(1, 10%)) = 11 nodes',
      );
      // Destinations named by the service tags the simulated ARM serves.
      expect(report.serviceTags).toEqual({ changeNumber: 318, cloud: 'Public', source: 'arm' });
      expect(report.rankedPods[0]?.topDestinations[0]).toMatchObject({
        ip: '20.60.1.12',
        serviceTag: 'Storage.WestEurope',
      });
      expect(report.recommendations.some((r) => r.title.includes('Azure Storage (Storage.WestEurope)'))).toBe(true);
      const card = JSON.parse(await readFile(join(out, 'teams-card.json'), 'utf8')) as {
        type: string;
        attachments: Array<{ contentType: string; content: { version: string } }>;
      };
      expect(card.type).toBe('message');
      expect(card.attachments[0]!.content.version).toBe('1.5');
      expect(JSON.stringify(card)).toContain('"text":"Deployment payments/checkout-api"');
    },
    DEMO_TIMEOUT_MS,
  );

  it(
    'delivers a given alert: one not split by BackendIPAddress still finds the hot node',
    async () => {
      const out = join(work, 'unsplit');
      const alert = join(root, 'test/fixtures/alerts/metric-snat-unsplit.json');
      const payload = JSON.parse(await readFile(alert, 'utf8')) as {
        data: { essentials: { alertTargetIDs: string[] } };
      };
      // Point the fixture at the simulated cluster's load balancer.
      const { DEMO_LOAD_BALANCER_ID } = await import('../../../src/sim/arm/world.js');
      payload.data.essentials.alertTargetIDs = [DEMO_LOAD_BALANCER_ID];
      const file = join(work, 'unsplit.json');
      await writeFile(file, JSON.stringify(payload));
      const res = cli('demo', '--out', out, '--alert', file);
      expect(res.code, res.stderr).toBe(0);
      const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
      expect(report.node.ip).toBe('10.224.0.7');
      expect(report.verdict.pod).toBe('checkout-api-7d9f8b6c5-x2x9q');
    },
    DEMO_TIMEOUT_MS,
  );

  it('exits 2 and writes nothing for an alert the webhook would reject', async () => {
    const out = join(work, 'rejected');
    const res = cli('demo', '--out', out, '--alert', join(root, 'test/fixtures/alerts/legacy-metric-alert.json'));
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--alert: .*common alert schema/);
    expect(existsSync(out)).toBe(false);
  });
});
