import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BlobReportStore,
  blobEvidenceSink,
  contentTypeFor,
  type IncidentEntry,
  indexBlobName,
} from '../../../src/azure/blob/reportStore.js';
import { BlobStoreError, InvalidArgumentError, translateBlobError } from '../../../src/azure/errors.js';
import { InvalidStorageNameError } from '../../../src/report/storageNames.js';
import { type AzuriteBlob, AzuriteStartError, startAzurite } from '../../../src/sim/azurite.js';

let azurite: AzuriteBlob;
let store: BlobReportStore;
let service: BlobServiceClient;
const CONTAINER = 'reports-test';

beforeAll(async () => {
  azurite = await startAzurite();
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  store = await BlobReportStore.fromConnectionString(azurite.connectionString, CONTAINER);
  await store.ensureContainer();
});

afterAll(async () => {
  await azurite?.stop();
});

function incident(i: number, topPod: string | null): IncidentEntry {
  return {
    instanceId: `inst-${String(i).padStart(3, '0')}`,
    timestamp: new Date(Date.UTC(2026, 10, 3, 9, i)).toISOString(),
    node: 'aks-nodepool1-31415926-vmss000002',
    topPod,
  };
}

describe('startAzurite', () => {
  it('serves Blob on a loopback port with the development account', () => {
    expect(azurite.blobEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
    expect(azurite.connectionString).toContain(`BlobEndpoint=${azurite.blobEndpoint};`);
  });

  it('fails with AzuriteStartError when Azurite does not listen in time', async () => {
    // A process cannot spawn and listen within 1 ms: the timeout path runs and kills the child.
    const err = await startAzurite({ timeoutMs: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(AzuriteStartError);
    expect(err.message).toMatch(/did not start listening within 1 ms/);
  });
});

describe('BlobReportStore', () => {
  describe('reportPrefix', () => {
    it('builds <cluster>/<node>/<UTC compact>-<instance>/ and sanitises each part', () => {
      expect(
        store.reportPrefix({
          cluster: 'aks-prod-weu',
          node: 'aks-nodepool1-31415926-vmss000002',
          timestamp: '2026-11-03T10:30:05.123+01:00',
          instanceId: 'snat-abc123',
        }),
      ).toBe('aks-prod-weu/aks-nodepool1-31415926-vmss000002/20261103T093005Z-snat-abc123/');
      expect(store.reportPrefix({ cluster: '../x y', node: 'n/1', timestamp: new Date(0), instanceId: 'a?b' })).toBe(
        'x-y/n-1/19700101T000000Z-a-b/',
      );
    });

    it('throws InvalidStorageNameError for an invalid timestamp or an empty segment', () => {
      expect(() => store.reportPrefix({ cluster: 'c', node: 'n', timestamp: 'yesterday', instanceId: 'i' })).toThrow(
        InvalidStorageNameError,
      );
      expect(() => store.reportPrefix({ cluster: '///', node: 'n', timestamp: new Date(), instanceId: 'i' })).toThrow(
        /cluster/,
      );
    });

    it('is translated into a non-retryable InvalidArgumentError inside the Blob adapter', () => {
      const translated = translateBlobError(
        new InvalidStorageNameError('The cluster "///" has no usable characters'),
        'x',
      );
      expect(translated).toBeInstanceOf(InvalidArgumentError);
      expect(translated.retryable).toBe(false);
      expect(translated.message).toBe('The cluster "///" has no usable characters');
    });
  });

  describe('putFile and putReport', () => {
    it('stores the three renderings with their content types and returns their URLs', async () => {
      const prefix = store.reportPrefix({ cluster: 'c1', node: 'n1', timestamp: new Date(), instanceId: 'r1' });
      const urls = await store.putReport(prefix, { json: '{"a":1}', markdown: '# Report', html: '<h1>Report</h1>' });
      expect(urls.jsonUrl).toBe(`${azurite.blobEndpoint}/${CONTAINER}/${prefix}report.json`);
      expect(urls.markdownUrl).toMatch(/report\.md$/);
      expect(urls.htmlUrl).toMatch(/report\.html$/);
      const container = service.getContainerClient(CONTAINER);
      const types = await Promise.all(
        ['report.json', 'report.md', 'report.html'].map(
          async (f) => (await container.getBlobClient(`${prefix}${f}`).getProperties()).contentType,
        ),
      );
      expect(types).toEqual(['application/json', 'text/markdown; charset=utf-8', 'text/html; charset=utf-8']);
      expect(await store.listFiles(prefix)).toEqual(['report.html', 'report.json', 'report.md']);
    });

    it('reads a file back and deletes it (deleting a missing file is fine)', async () => {
      const prefix = 'c1/n1/20260101T000000Z-rw/';
      await store.putFile(prefix, 'probe.txt', 'hello');
      expect((await store.readFile(prefix, 'probe.txt')).toString('utf8')).toBe('hello');
      await store.deleteFile(prefix, 'probe.txt');
      await store.deleteFile(prefix, 'probe.txt');
      expect(await store.listFiles(prefix)).toEqual([]);
      await expect(store.readFile(prefix, 'probe.txt')).rejects.toMatchObject({
        name: 'BlobStoreError',
        statusCode: 404,
      });
    });

    it('overwrites idempotently (a retried activity leaves one blob with the latest content)', async () => {
      const prefix = 'c1/n1/20260101T000000Z-idem/';
      await store.putFile(prefix, 'report.json', '{"v":1}');
      await store.putFile(prefix, 'report.json', '{"v":2}');
      expect(await store.listFiles(prefix)).toEqual(['report.json']);
      const text = (
        await service.getContainerClient(CONTAINER).getBlobClient(`${prefix}report.json`).downloadToBuffer()
      ).toString();
      expect(text).toBe('{"v":2}');
    });

    it('maps extensions to content types and honours an explicit one', async () => {
      expect(contentTypeFor('evidence/tcptracer.log')).toBe('text/plain; charset=utf-8');
      expect(contentTypeFor('evidence/netstat/a.txt')).toBe('text/plain; charset=utf-8');
      expect(contentTypeFor('evidence/trace.log.gz')).toBe('application/gzip');
      expect(contentTypeFor('x.bin')).toBe('application/octet-stream');
      const { url } = await store.putFile(
        'c1/n1/x/',
        'teams-card.json',
        '{}',
        'application/vnd.microsoft.card.adaptive+json',
      );
      const props = await service
        .getContainerClient(CONTAINER)
        .getBlobClient('c1/n1/x/teams-card.json')
        .getProperties();
      expect(props.contentType).toBe('application/vnd.microsoft.card.adaptive+json');
      expect(url).toMatch(/teams-card\.json$/);
    });

    it('refuses relative paths that escape the prefix', async () => {
      await expect(store.putFile('c1/', '../escape.txt', 'x')).rejects.toThrow(InvalidArgumentError);
      await expect(store.putFile('c1/', '/abs.txt', 'x')).rejects.toThrow(InvalidArgumentError);
    });
  });

  describe('blobEvidenceSink and downloadPrefix', () => {
    it('round-trips an evidence folder byte for byte', async () => {
      const prefix = store.reportPrefix({ cluster: 'c2', node: 'n2', timestamp: new Date(), instanceId: 'ev' });
      const sink = blobEvidenceSink(store, prefix);
      const gz = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00]);
      await sink.put('tcptracer.log', 'Tracing TCP established connections. Ctrl-C to end.\n');
      await sink.put('netstat/default_web-1.txt', 'tcp 0 0 10.244.1.5:43210 20.60.1.12:443 ESTABLISHED\n');
      await sink.put('trace.log.gz', gz);
      expect(await store.listFiles(prefix)).toEqual([
        'evidence/netstat/default_web-1.txt',
        'evidence/tcptracer.log',
        'evidence/trace.log.gz',
      ]);

      const dir = await mkdtemp(join(tmpdir(), 'snat-evidence-'));
      try {
        const files = await store.downloadPrefix(`${prefix}evidence/`, dir);
        expect(files).toEqual(['netstat/default_web-1.txt', 'tcptracer.log', 'trace.log.gz']);
        expect(await readFile(join(dir, 'netstat/default_web-1.txt'), 'utf8')).toContain('20.60.1.12:443');
        expect(await readFile(join(dir, 'trace.log.gz'))).toEqual(gz);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('incident index', () => {
    it('keeps every incident from 10 concurrent writers', async () => {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.recordIncident('aks-concurrent', incident(i, `default/pod-${i % 3}`)),
        ),
      );
      const recent = await store.recentIncidents('aks-concurrent', 50);
      expect(recent).toHaveLength(10);
      expect(new Set(recent.map((r) => r.instanceId)).size).toBe(10);
      expect(recent[0]?.instanceId).toBe('inst-009');
    });

    it('records an instance once even when the activity retries', async () => {
      await store.recordIncident('aks-idem', incident(1, 'default/a'));
      await store.recordIncident('aks-idem', incident(1, 'default/a'));
      expect(await store.recentIncidents('aks-idem', 10)).toHaveLength(1);
    });

    it('returns the newest n first and counts top-talker history', async () => {
      const cluster = 'aks-history';
      const pods = ['shop/checkout', 'shop/checkout', 'batch/etl', 'shop/checkout', null, 'shop/checkout'];
      for (const [i, pod] of pods.entries()) await store.recordIncident(cluster, incident(i, pod));
      const recent = await store.recentIncidents(cluster, 3);
      expect(recent.map((r) => r.instanceId)).toEqual(['inst-005', 'inst-004', 'inst-003']);
      expect(await store.topTalkerHistory(cluster, 'shop/checkout', 5)).toEqual({ k: 3, n: 5 });
      expect(await store.topTalkerHistory(cluster, 'shop/checkout', 100)).toEqual({ k: 4, n: 6 });
      expect(await store.topTalkerHistory('aks-never', 'shop/checkout', 10)).toEqual({ k: 0, n: 0 });
    });

    it('stores the index at _index/<cluster>.json', async () => {
      expect(indexBlobName('aks-history')).toBe('_index/aks-history.json');
      expect(await store.listFiles('_index/')).toContain('aks-history.json');
    });

    it('reports a corrupt index as BlobStoreError', async () => {
      await store.putFile('_index/', 'aks-corrupt.json', 'not json');
      await expect(store.recentIncidents('aks-corrupt', 5)).rejects.toThrow(BlobStoreError);
    });
  });

  describe('errors', () => {
    it('translates a missing container into BlobStoreError with status and code', async () => {
      const missing = await BlobReportStore.fromConnectionString(azurite.connectionString, 'no-such-container');
      const err = await missing.putFile('a/', 'b.txt', 'x').catch((e) => e);
      expect(err).toBeInstanceOf(BlobStoreError);
      expect(err).toMatchObject({ statusCode: 404, code: 'ContainerNotFound', retryable: false });
      expect(err.message).not.toContain('AccountKey');
    });
  });
});
