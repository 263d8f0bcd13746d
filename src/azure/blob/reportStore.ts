/**
 * Blob Storage report store: `<cluster>/<node>/<UTC yyyymmddThhmmssZ>-<instanceId>/` holding
 * `report.json`, `report.md`, `report.html` and `evidence/...`, plus a per-cluster incident index
 * (`_index/<cluster>.json`) updated with ETag optimistic concurrency.
 * `@azure/storage-blob` is loaded only by the factories, so importing this module stays cheap.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { TokenCredential } from '@azure/identity';
import type { ContainerClient } from '@azure/storage-blob';
import type { EvidenceSink } from '../../evidence/evidenceSink.js';
import { indexBlobName, reportPrefix } from '../../report/storageNames.js';
import { BlobStoreError, InvalidArgumentError, translateBlobError } from '../errors.js';
import { type LinkWindow, ReadLinkSigner } from './readLinks.js';

export { indexBlobName, reportPrefix };

/** One incident in a cluster's index. */
export interface IncidentEntry {
  instanceId: string;
  /** ISO-8601 UTC. */
  timestamp: string;
  node: string;
  /** The verdict's top pod as `namespace/pod`, or null when no pod was blamed. */
  topPod: string | null;
  /** The top pod's workload (`Deployment payments/checkout-api`): pods are renamed on rollout, workloads are not. */
  topWorkload?: string | null;
}

/** Where `putReport` stored the three renderings. */
export interface StoredReport {
  jsonUrl: string;
  markdownUrl: string;
  htmlUrl: string;
}

interface IndexDocument {
  schemaVersion: 1;
  cluster: string;
  incidents: IncidentEntry[];
}

/** Report file names inside a report prefix. */
export const REPORT_FILES = { json: 'report.json', markdown: 'report.md', html: 'report.html' } as const;
/** Folder of raw evidence inside a report prefix (the same layout as an evidence bundle). */
export const EVIDENCE_FOLDER = 'evidence/' as const;
/** Incidents kept per cluster index (oldest dropped first). */
export const MAX_INDEXED_INCIDENTS = 1000;

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  gz: 'application/gzip',
  svg: 'image/svg+xml',
  csv: 'text/csv; charset=utf-8',
};

/** Content type for a file name by extension (`application/octet-stream` when unknown). */
export function contentTypeFor(path: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/** Validate a blob-relative path: forward slashes, no `..`, not absolute. */
function cleanRelative(path: string): string {
  const p = path.replace(/\\/g, '/').replace(/^\.\/+/, '');
  if (p === '' || p.startsWith('/') || p.split('/').some((s) => s === '..' || s === '')) {
    throw new InvalidArgumentError(`Invalid relative path "${path}"`);
  }
  return p;
}

function ensurePrefix(prefix: string): string {
  if (prefix !== '' && !prefix.endsWith('/')) return `${prefix}/`;
  return prefix;
}

function statusOf(err: unknown): number | null {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The SDK retries only a brief blip (two retries within about 3 s): a longer outage is ridden out by the
 * orchestration on durable timers (STORE_RETRY_MINUTES), so activities never sleep through it and there is one
 * retry layer, not two nested ones.
 */
const STORE_CLIENT_OPTIONS = { retryOptions: { maxTries: 3, retryDelayInMs: 1_000, maxRetryDelayInMs: 4_000 } };

/** Stores reports, evidence and the incident index in one blob container. */
export class BlobReportStore {
  readonly #container: ContainerClient;
  readonly #links: ReadLinkSigner;

  /**
   * Use an existing container client (tests, or a client built with custom pipeline options).
   * Prefer {@link BlobReportStore.fromAccountUrl} or {@link BlobReportStore.fromConnectionString}.
   *
   * @param options.links - signs report links; default: account-key links only (a connection string's client).
   */
  constructor(containerClient: ContainerClient, options: { links?: ReadLinkSigner } = {}) {
    this.#container = containerClient;
    this.#links = options.links ?? new ReadLinkSigner(null);
  }

  /**
   * Store for `https://<account>.blob.core.windows.net` with an Entra ID credential (managed identity in Azure).
   *
   * @example
   * const store = await BlobReportStore.fromAccountUrl(settings.reports.accountUrl, new DefaultAzureCredential(), 'reports');
   */
  static async fromAccountUrl(
    accountUrl: string,
    credential: TokenCredential,
    containerName = 'reports',
  ): Promise<BlobReportStore> {
    const { BlobServiceClient } = await import('@azure/storage-blob');
    const service = new BlobServiceClient(accountUrl, credential, STORE_CLIENT_OPTIONS);
    return new BlobReportStore(service.getContainerClient(containerName), { links: new ReadLinkSigner(service) });
  }

  /** Store from a connection string (local development and Azurite). */
  static async fromConnectionString(connectionString: string, containerName = 'reports'): Promise<BlobReportStore> {
    const { BlobServiceClient } = await import('@azure/storage-blob');
    return new BlobReportStore(
      BlobServiceClient.fromConnectionString(connectionString, STORE_CLIENT_OPTIONS).getContainerClient(containerName),
    );
  }

  /** The container's URL (no credentials in it). */
  get containerUrl(): string {
    return this.#container.url;
  }

  /** Create the container when it does not exist. */
  async ensureContainer(): Promise<void> {
    try {
      await this.#container.createIfNotExists();
    } catch (err) {
      throw translateBlobError(err, `create container ${this.#container.containerName}`);
    }
  }

  /**
   * The folder of one report: `<cluster>/<node>/<UTC yyyymmddThhmmssZ>-<instanceId>/`, each part sanitised.
   *
   * @example
   * store.reportPrefix({ cluster: 'aks-prod-weu', node: 'aks-np-0', timestamp: '2026-11-03T09:30:05Z', instanceId: 'abc' })
   * // => 'aks-prod-weu/aks-np-0/20261103T093005Z-abc/'
   */
  reportPrefix(p: { cluster: string; node: string; timestamp: Date | string; instanceId: string }): string {
    return reportPrefix(p);
  }

  /**
   * Write one file (overwrites: retries of the same activity converge on the same content).
   * The content type follows the extension unless given.
   */
  async putFile(
    prefix: string,
    relativePath: string,
    data: string | Buffer,
    contentType?: string,
  ): Promise<{ url: string }> {
    const name = `${ensurePrefix(prefix)}${cleanRelative(relativePath)}`;
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const blob = this.#container.getBlockBlobClient(name);
    try {
      await blob.upload(body, body.length, {
        blobHTTPHeaders: { blobContentType: contentType ?? contentTypeFor(name) },
      });
    } catch (err) {
      throw translateBlobError(err, `upload ${name}`);
    }
    return { url: blob.url };
  }

  /** Write `report.json`, `report.md` and `report.html` under the prefix. */
  async putReport(prefix: string, files: { json: string; markdown: string; html: string }): Promise<StoredReport> {
    const [json, markdown, html] = await Promise.all([
      this.putFile(prefix, REPORT_FILES.json, files.json),
      this.putFile(prefix, REPORT_FILES.markdown, files.markdown),
      this.putFile(prefix, REPORT_FILES.html, files.html),
    ]);
    return { jsonUrl: json.url, markdownUrl: markdown.url, htmlUrl: html.url };
  }

  /**
   * A read-only link to one file of a report folder, valid in `window` (see {@link linkWindow}): a user-delegation
   * SAS with an Entra ID credential, an account-key SAS with a connection string. The file need not exist yet.
   *
   * @example
   * const url = await store.readLink(prefix, 'report.html', linkWindow(new Date(), 72));
   */
  async readLink(prefix: string, relativePath: string, window: LinkWindow): Promise<string> {
    const name = `${ensurePrefix(prefix)}${cleanRelative(relativePath)}`;
    try {
      return await this.#links.sign(this.#container.getBlobClient(name), window);
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw err;
      throw translateBlobError(err, `sign a read link to ${name}`);
    }
  }

  /** Paths of the blobs under the prefix, relative to it, sorted. */
  async listFiles(prefix: string): Promise<string[]> {
    const p = ensurePrefix(prefix);
    const names: string[] = [];
    try {
      for await (const item of this.#container.listBlobsFlat({ prefix: p })) names.push(item.name.slice(p.length));
    } catch (err) {
      throw translateBlobError(err, `list ${p}`);
    }
    return names.sort();
  }

  /** Deletes one file of a report folder; a file that is already gone is fine. */
  async deleteFile(prefix: string, relativePath: string): Promise<void> {
    const name = `${ensurePrefix(prefix)}${cleanRelative(relativePath)}`;
    try {
      await this.#container.getBlobClient(name).deleteIfExists();
    } catch (err) {
      throw translateBlobError(err, `delete ${name}`);
    }
  }

  /** Reads one file of a report folder (e.g. `report.json` for the notifier). */
  async readFile(prefix: string, relativePath: string): Promise<Buffer> {
    const name = `${ensurePrefix(prefix)}${cleanRelative(relativePath)}`;
    try {
      return await this.#container.getBlobClient(name).downloadToBuffer();
    } catch (err) {
      throw translateBlobError(err, `download ${name}`);
    }
  }

  /**
   * Download every blob under the prefix into `localDir` (e.g. a report's `evidence/` folder, so
   * `snat-responder analyze` can re-run offline). Returns every relative path under the prefix, sorted; `skip` leaves
   * a file out of the download (it is still listed).
   */
  async downloadPrefix(
    prefix: string,
    localDir: string,
    opts: { skip?: (relativePath: string) => boolean } = {},
  ): Promise<string[]> {
    const p = ensurePrefix(prefix);
    const root = resolve(localDir);
    const files = await this.listFiles(p);
    for (const rel of files) {
      if (opts.skip?.(rel)) continue;
      const target = resolve(join(root, rel));
      // Blob names are attacker-influenced only through sanitised segments, but never write outside localDir.
      if (target !== root && !target.startsWith(root + sep)) {
        throw new InvalidArgumentError(`Blob ${p}${rel} would be written outside ${root}`);
      }
      let content: Buffer;
      try {
        content = await this.#container.getBlobClient(`${p}${rel}`).downloadToBuffer();
      } catch (err) {
        throw translateBlobError(err, `download ${p}${rel}`);
      }
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    return files.map((f) =>
      relative(root, resolve(join(root, f)))
        .split(sep)
        .join('/'),
    );
  }

  /**
   * Add an incident to the cluster's index. Idempotent per `instanceId` (an activity retry does not
   * count twice) and safe under concurrent writers: the index is rewritten only if its ETag is unchanged.
   */
  async recordIncident(cluster: string, entry: IncidentEntry): Promise<void> {
    const when = new Date(entry.timestamp);
    if (Number.isNaN(when.getTime())) throw new InvalidArgumentError(`Invalid incident timestamp "${entry.timestamp}"`);
    const normalised: IncidentEntry = { ...entry, timestamp: when.toISOString() };
    const blob = this.#container.getBlockBlobClient(indexBlobName(cluster));
    const maxAttempts = 40;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const current = await this.#readIndex(cluster);
      const incidents = current.doc.incidents.filter((i) => i.instanceId !== entry.instanceId);
      incidents.push(normalised);
      incidents.sort(byTime);
      const doc: IndexDocument = {
        schemaVersion: 1,
        cluster,
        incidents: incidents.slice(-MAX_INDEXED_INCIDENTS),
      };
      const body = Buffer.from(JSON.stringify(doc), 'utf8');
      try {
        await blob.upload(body, body.length, {
          blobHTTPHeaders: { blobContentType: 'application/json' },
          conditions: current.etag ? { ifMatch: current.etag } : { ifNoneMatch: '*' },
        });
        return;
      } catch (err) {
        const status = statusOf(err);
        // 412: someone wrote since we read; 409: someone created it first. Re-read and merge again.
        if (status !== 412 && status !== 409) throw translateBlobError(err, `update incident index of ${cluster}`);
        await sleep(Math.min(200, 5 * attempt) + Math.floor(Math.random() * 20));
      }
    }
    throw new BlobStoreError(`Incident index of ${cluster} kept changing: gave up after ${maxAttempts} attempts`, {
      statusCode: 412,
      code: 'ConditionNotMet',
      retryable: true,
    });
  }

  /** The cluster's last `n` incidents, newest first. */
  async recentIncidents(cluster: string, n: number): Promise<IncidentEntry[]> {
    const { doc } = await this.#readIndex(cluster);
    return doc.incidents.slice(-Math.max(0, n)).reverse();
  }

  /**
   * How often `pod` (`namespace/pod`) was the top talker in the cluster's last `n` incidents:
   * `k` of `n` where `n` is the number of incidents actually known (at most the `n` asked for).
   */
  async topTalkerHistory(cluster: string, pod: string, n: number): Promise<{ k: number; n: number }> {
    const recent = await this.recentIncidents(cluster, n);
    return { k: recent.filter((i) => i.topPod === pod).length, n: recent.length };
  }

  /**
   * How often `workload` (`Deployment payments/checkout-api`) was the top talker in the cluster's last `n`
   * incidents, whatever its pods were called; incidents recorded before workloads were known count by pod.
   */
  async workloadHistory(
    cluster: string,
    talker: { workload: string; pod: string },
    n: number,
  ): Promise<{ k: number; n: number }> {
    const recent = await this.recentIncidents(cluster, n);
    const hit = (i: IncidentEntry) => (i.topWorkload ? i.topWorkload === talker.workload : i.topPod === talker.pod);
    return { k: recent.filter(hit).length, n: recent.length };
  }

  async #readIndex(cluster: string): Promise<{ doc: IndexDocument; etag: string | null }> {
    const blob = this.#container.getBlobClient(indexBlobName(cluster));
    try {
      const res = await blob.download();
      const text = await streamToString(res.readableStreamBody);
      const parsed = JSON.parse(text) as Partial<IndexDocument>;
      return {
        doc: { schemaVersion: 1, cluster, incidents: Array.isArray(parsed.incidents) ? parsed.incidents : [] },
        etag: res.etag ?? null,
      };
    } catch (err) {
      if (statusOf(err) === 404) return { doc: { schemaVersion: 1, cluster, incidents: [] }, etag: null };
      if (err instanceof SyntaxError) {
        throw new BlobStoreError(`Incident index of ${cluster} is not valid JSON`, {
          statusCode: null,
          code: 'InvalidIndex',
          cause: err,
        });
      }
      throw translateBlobError(err, `read incident index of ${cluster}`);
    }
  }
}

function byTime(a: IncidentEntry, b: IncidentEntry): number {
  return a.timestamp.localeCompare(b.timestamp) || a.instanceId.localeCompare(b.instanceId);
}

async function streamToString(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * An {@link EvidenceSink} writing under `<prefix>evidence/`, so raw capture files go straight to Blob.
 *
 * @example
 * const sink = blobEvidenceSink(store, prefix);
 * await sink.put('tcptracer.log', traceText);
 */
export function blobEvidenceSink(store: BlobReportStore, prefix: string): EvidenceSink {
  const base = `${ensurePrefix(prefix)}${EVIDENCE_FOLDER}`;
  return {
    async put(relativePath: string, data: string | Buffer): Promise<void> {
      await store.putFile(base, relativePath, data);
    },
  };
}
