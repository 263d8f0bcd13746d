/**
 * The evidence port: where collected evidence files go. Collectors (the capture runner, the pod netstat
 * fan-out) write through it without knowing the destination. Implementations live with the adapters: a folder
 * and memory in src/kube/evidenceSinks.ts, Blob Storage in src/azure/blob/reportStore.ts (`blobEvidenceSink`).
 */
import { isAbsolute, normalize, sep } from 'node:path';

/** Stores the files of one evidence bundle. */
export interface EvidenceSink {
  /**
   * Stores one bundle file. `relativePath` is bundle-relative with `/` separators (`netstat/default_web.txt`)
   * and already validated ({@link assertBundlePath}).
   */
  put(relativePath: string, data: Buffer | string): Promise<void>;
}

/**
 * Throws unless `p` is a plain relative path that stays inside the bundle (no absolute path, no `..`, no NUL).
 *
 * @example assertBundlePath('netstat/default_web.txt') // ok
 * @example assertBundlePath('../etc/passwd') // throws
 */
export function assertBundlePath(p: string): void {
  const n = normalize(p);
  if (p.length === 0 || isAbsolute(p) || n.startsWith('..') || n.split(sep).includes('..') || p.includes('\0')) {
    throw new Error(`refusing evidence path outside the bundle: ${JSON.stringify(p)}`);
  }
}
