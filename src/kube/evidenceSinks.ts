/**
 * The evidence sinks the collectors write through (implementations of the {@link EvidenceSink} port in
 * src/evidence/evidenceSink.ts): a folder for the CLI, memory for tests and benchmarks, and the redacting
 * decorator every collector's sink is wrapped in. The Blob sink is `blobEvidenceSink` in src/azure/blob/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { assertBundlePath, type EvidenceSink } from '../evidence/evidenceSink.js';
import { isRedactedFile, redactEvidenceFile } from '../redaction/evidence.js';

/** Writes evidence files under a directory, creating folders as needed. */
export class DirectorySink implements EvidenceSink {
  /** @param dir the bundle's folder; created on the first write. */
  constructor(readonly dir: string) {}

  /** Writes `relativePath` under the folder, creating sub-folders. */
  async put(relativePath: string, data: Buffer | string): Promise<void> {
    assertBundlePath(relativePath);
    const target = join(this.dir, relativePath);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, data);
  }
}

/** Keeps evidence in memory (tests, and callers that post-process before storing). */
export class MemorySink implements EvidenceSink {
  /** The stored files by bundle-relative path. */
  readonly files = new Map<string, Buffer>();

  /** Keeps a copy of the file in {@link MemorySink.files}. */
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
