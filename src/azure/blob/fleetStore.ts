/**
 * The fleet view in Blob Storage: `index.json` + `index.html` at the container root (every cluster) and under
 * `<cluster>/` (one cluster). Each JSON update is a read-merge-write guarded by the blob's ETag, retried when
 * another writer got there first; the HTML is rendered from the JSON just written and re-rendered if the JSON
 * moved on meanwhile, so the page never stays behind its data. `@azure/storage-blob` types only: the container
 * client is handed in.
 */
import type { TokenCredential } from '@azure/identity';
import type { ContainerClient } from '@azure/storage-blob';
import type { ReportStorageTarget } from '../../config/settings.js';
import {
  emptyFleetIndex,
  FLEET_MAX_INCIDENTS,
  type FleetClusterScan,
  type FleetIncident,
  type FleetIndex,
  normaliseFleetIndex,
  withIncident,
  withScan,
} from '../../report/fleet/fleetModel.js';
import { blobSegment } from '../../report/storageNames.js';
import { BlobStoreError, translateBlobError } from '../errors.js';
import { openBlobService } from './service.js';

/** Blob names of the fleet view, at the container root and under each `<cluster>/`. */
export const FLEET_FILES = { json: 'index.json', html: 'index.html' } as const;

/** Renders an index document to HTML (the fleet renderer; injected so this module does not load Vega). */
export type FleetRenderer = (
  doc: FleetIndex,
  opts: { clusterHref?: (cluster: string) => string | null },
) => Promise<string>;

/** Tuning of the fleet store; every field has a default. */
export interface FleetStoreOptions {
  /** Incidents kept per index (default {@link FLEET_MAX_INCIDENTS}). */
  maxIncidents?: number;
  /** Clock for `updatedAt` (tests). */
  now?: () => Date;
  /** Attempts of the ETag loop before giving up (default 40). */
  maxAttempts?: number;
}

function statusOf(err: unknown): number | null {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Blob folder of a cluster's fleet page: `<cluster>/` (the same segment as its reports). */
export function fleetClusterPrefix(cluster: string): string {
  return `${blobSegment(cluster, 'cluster')}/`;
}

/** Keeps the fleet index pages of one container current. */
export class BlobFleetStore {
  readonly #container: ContainerClient;
  readonly #render: FleetRenderer;
  readonly #max: number;
  readonly #now: () => Date;
  readonly #attempts: number;

  constructor(container: ContainerClient, render: FleetRenderer, opts: FleetStoreOptions = {}) {
    this.#container = container;
    this.#render = render;
    this.#max = opts.maxIncidents ?? FLEET_MAX_INCIDENTS;
    this.#now = opts.now ?? (() => new Date());
    this.#attempts = opts.maxAttempts ?? 40;
  }

  /**
   * Fleet store in the reports container of a storage target: an account URL with an Entra ID credential
   * (managed identity) or a connection string (local development and Azurite).
   */
  static async open(
    target: ReportStorageTarget,
    credential: TokenCredential,
    render: FleetRenderer,
    opts: FleetStoreOptions = {},
  ): Promise<BlobFleetStore> {
    const service = await openBlobService(target, credential);
    return new BlobFleetStore(service.getContainerClient(target.container), render, opts);
  }

  /**
   * Adds an investigation to the root and the cluster index (idempotent per instance id) and re-renders both pages.
   *
   * @example await fleet.recordIncident({ instanceId, timestamp, cluster: 'aks-prod', node, topPod, status: 'complete', trigger: 'alert', link })
   */
  async recordIncident(incident: FleetIncident): Promise<void> {
    await this.#updateBoth(incident.cluster, (doc, now) => withIncident(doc, incident, now, this.#max));
  }

  /** Stores a cluster's latest scan in the root and the cluster index and re-renders both pages. */
  async recordScan(scan: FleetClusterScan): Promise<void> {
    await this.#updateBoth(scan.cluster, (doc, now) => withScan(doc, scan, now));
  }

  /** The index document of the root (`null`) or a cluster; empty when none was written yet. */
  async read(cluster: string | null): Promise<FleetIndex> {
    return (await this.#read(cluster)).doc;
  }

  async #updateBoth(cluster: string, change: (doc: FleetIndex, now: string) => FleetIndex): Promise<void> {
    // Root and cluster pages are independent blobs: update them side by side, each under its own ETag.
    await Promise.all([this.#update(null, change), this.#update(cluster, change)]);
  }

  #names(cluster: string | null): { json: string; html: string } {
    const prefix = cluster === null ? '' : fleetClusterPrefix(cluster);
    return { json: `${prefix}${FLEET_FILES.json}`, html: `${prefix}${FLEET_FILES.html}` };
  }

  async #read(cluster: string | null): Promise<{ doc: FleetIndex; etag: string | null }> {
    const now = this.#now().toISOString();
    const name = this.#names(cluster).json;
    try {
      const res = await this.#container.getBlobClient(name).download();
      const text = await streamToString(res.readableStreamBody);
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        // A corrupt index is replaced rather than blocking every future update; the reports themselves are intact.
        parsed = null;
      }
      return { doc: normaliseFleetIndex(parsed, cluster, now), etag: res.etag ?? null };
    } catch (err) {
      if (statusOf(err) === 404) return { doc: emptyFleetIndex(cluster, now), etag: null };
      throw translateBlobError(err, `read ${name}`);
    }
  }

  async #update(cluster: string | null, change: (doc: FleetIndex, now: string) => FleetIndex): Promise<void> {
    const names = this.#names(cluster);
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      const current = await this.#read(cluster);
      const next = change(current.doc, this.#now().toISOString());
      const body = Buffer.from(`${JSON.stringify(next)}\n`, 'utf8');
      let etag: string | undefined;
      try {
        const res = await this.#container.getBlockBlobClient(names.json).upload(body, body.length, {
          blobHTTPHeaders: { blobContentType: 'application/json' },
          conditions: current.etag ? { ifMatch: current.etag } : { ifNoneMatch: '*' },
        });
        etag = res.etag;
      } catch (err) {
        const status = statusOf(err);
        // 412: written since we read; 409: created since we read. Read, merge and try again.
        if (status !== 412 && status !== 409) throw translateBlobError(err, `update ${names.json}`);
        await sleep(Math.min(200, 5 * attempt) + Math.floor(Math.random() * 20));
        continue;
      }
      await this.#publishHtml(cluster, next, etag ?? null);
      return;
    }
    throw new BlobStoreError(`${names.json} kept changing: gave up after ${this.#attempts} attempts`, {
      statusCode: 412,
      code: 'ConditionNotMet',
      retryable: true,
    });
  }

  /**
   * Writes index.html for the document just stored, then checks the JSON is still that version. If another
   * writer stored a newer one meanwhile, its HTML may have landed before ours: render again from the newest.
   */
  async #publishHtml(cluster: string | null, written: FleetIndex, writtenEtag: string | null): Promise<void> {
    const names = this.#names(cluster);
    let doc = written;
    let etag = writtenEtag;
    for (let round = 0; round < this.#attempts; round++) {
      const html = await this.#render(
        doc,
        cluster === null ? { clusterHref: (c) => `${fleetClusterPrefix(c)}${FLEET_FILES.html}` } : {},
      );
      const body = Buffer.from(html, 'utf8');
      try {
        await this.#container.getBlockBlobClient(names.html).upload(body, body.length, {
          blobHTTPHeaders: { blobContentType: 'text/html; charset=utf-8' },
        });
      } catch (err) {
        throw translateBlobError(err, `upload ${names.html}`);
      }
      let now: string | null;
      try {
        now = (await this.#container.getBlobClient(names.json).getProperties()).etag ?? null;
      } catch (err) {
        throw translateBlobError(err, `read ${names.json}`);
      }
      if (now === etag || now === null) return;
      const latest = await this.#read(cluster);
      doc = latest.doc;
      etag = latest.etag;
    }
  }
}

async function streamToString(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
