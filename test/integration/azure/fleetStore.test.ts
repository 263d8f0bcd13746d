import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobFleetStore } from '../../../src/azure/blob/fleetStore.js';
import type { FleetIndex } from '../../../src/report/fleet/fleetModel.js';
import { renderFleetHtml } from '../../../src/report/fleet/renderFleetHtml.js';
import { type AzuriteBlob, startAzurite } from '../../../src/sim/azurite.js';
import { incident, scan } from '../../support/fleetFixtures.js';

let azurite: AzuriteBlob;
let container: ContainerClient;

beforeAll(async () => {
  azurite = await startAzurite();
  container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('fleet-test');
  await container.create();
});

afterAll(async () => {
  await azurite?.stop();
});

const text = async (name: string): Promise<string> =>
  (await container.getBlobClient(name).downloadToBuffer()).toString('utf8');

describe('BlobFleetStore', () => {
  it('writes index.json and index.html at the root and per cluster', async () => {
    const store = new BlobFleetStore(container, renderFleetHtml);
    await store.recordIncident(incident(1, { cluster: 'aks-a' }));
    await store.recordScan(scan('aks-a'));
    const root = JSON.parse(await text('index.json')) as FleetIndex;
    const cluster = JSON.parse(await text('aks-a/index.json')) as FleetIndex;
    expect(root.scope).toBeNull();
    expect(cluster.scope).toBe('aks-a');
    expect(root.incidents.map((i) => i.instanceId)).toEqual(['inst-0001']);
    expect(cluster.scans['aks-a']?.nodes).toHaveLength(4);
    const props = await container.getBlobClient('index.html').getProperties();
    expect(props.contentType).toBe('text/html; charset=utf-8');
    expect(await text('index.html')).toContain('<a href="aks-a/index.html">aks-a</a>');
    expect(await text('aks-a/index.html')).toContain('<h1>SNAT health: aks-a</h1>');
  });

  it('loses no update when many writers record at once, and the page shows the final data', async () => {
    const stores = Array.from({ length: 4 }, () => new BlobFleetStore(container, renderFleetHtml));
    const n = 16;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        (stores[i % stores.length] as BlobFleetStore).recordIncident(incident(100 + i, { cluster: 'aks-b' })),
      ),
    );
    const doc = JSON.parse(await text('aks-b/index.json')) as FleetIndex;
    expect(new Set(doc.incidents.map((i) => i.instanceId)).size).toBe(n);
    const html = await text('aks-b/index.html');
    for (let i = 0; i < n; i++) expect(html).toContain(`/n/${100 + i}/report.html`);
  });

  it('keeps only the last N incidents and counts the rest', async () => {
    const store = new BlobFleetStore(container, renderFleetHtml, { maxIncidents: 3 });
    for (let i = 0; i < 5; i++) await store.recordIncident(incident(200 + i, { cluster: 'aks-c' }));
    const doc = await store.read('aks-c');
    expect(doc.incidents.map((i) => i.instanceId)).toEqual(['inst-0204', 'inst-0203', 'inst-0202']);
    expect(doc.olderIncidents).toBe(2);
  });

  it('replaces a corrupt index instead of failing forever', async () => {
    const body = '{not json';
    await container.getBlockBlobClient('aks-d/index.json').upload(body, body.length);
    const store = new BlobFleetStore(container, renderFleetHtml);
    await store.recordIncident(incident(300, { cluster: 'aks-d' }));
    expect((await store.read('aks-d')).incidents).toHaveLength(1);
  });
});
