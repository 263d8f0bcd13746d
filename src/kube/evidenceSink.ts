/**
 * Where collected evidence goes. The CLI writes into a folder; the durable
 * activity can pass a sink that uploads to Blob Storage. Paths are
 * bundle-relative (`netstat/default_web.txt`) and already validated.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { isRedactedFile, redactEvidenceFile } from '../redaction/evidence.js';

export interface EvidenceSink {
  /** Stores one bundle file; `relativePath` uses `/` separators. */
  put(relativePath: string, data: Buffer | string): Promise<void>;
}

/** Throws unless `p` is a plain relative path that stays inside the bundle. */
export function assertBundlePath(p: string): void {
  const n = normalize(p);
  if (p.length === 0 || isAbsolute(p) || n.startsWith('..') || n.split(sep).includes('..') || p.includes('\0')) {
    throw new Error(`refusing evidence path outside the bundle: ${JSON.stringify(p)}`);
  }
}

/** Writes evidence files under a directory, creating folders as needed. */
export class DirectorySink implements EvidenceSink {
  constructor(readonly dir: string) {}

  async put(relativePath: string, data: Buffer | string): Promise<void> {
    assertBundlePath(relativePath);
    const target = join(this.dir, relativePath);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, data);
  }
}

/** Keeps evidence in memory (tests, and callers that post-process before storing). */
export class MemorySink implements EvidenceSink {
  readonly files = new Map<string, Buffer>();

  async put(relativePath: string, data: Buffer | string): Promise<void> {
    assertBundlePath(relativePath);
    this.files.set(relativePath, Buffer.isBuffer(data) ? data : Buffer.from(data));
  }
}

/**
 * The sink every collector writes through: files that can carry secrets (pods.json, node.json, crictl JSON,
 * lsns, pstree) are redacted before they reach `inner`, so what is stored never held them
 * (see src/redaction/evidence.ts). Other files pass byte for byte.
 *
 * @example const sink = redactingSink(new DirectorySink(join(out, 'evidence')));
 */
export function redactingSink(inner: EvidenceSink): EvidenceSink {
  return {
    async put(relativePath: string, data: Buffer | string): Promise<void> {
      assertBundlePath(relativePath);
      if (!isRedactedFile(relativePath)) return inner.put(relativePath, data);
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : data;
      return inner.put(relativePath, redactEvidenceFile(relativePath, text));
    },
  };
}
