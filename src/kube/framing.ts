/**
 * The capture Job's output framing: what `capture.sh` prints and `collect()`
 * reads back from the pod log. One block per file, each gzip-compressed and
 * base64-encoded, between begin/end markers that carry byte counts, so a log
 * cut by kubelet rotation or a dying pod is detected instead of silently
 * yielding half a bundle.
 *
 * ```
 * ==SNAT-CAPTURE-BEGIN v1==
 * ==SNAT-FILE path=tcptracer.log gz=1234==
 * H4sIAAAAAAAAA+3...            (base64, any line width)
 * ==SNAT-FILE-END==
 * ==SNAT-CAPTURE-END files=7 gz=45678==
 * ```
 * Lines outside a block (stderr noise in the container log) are ignored.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { assertBundlePath } from '../evidence/evidenceSink.js';
import { CaptureOutputTruncatedError } from './errors.js';

/** The framing markers `capture.sh` prints around the capture and around each (gzip, base64) file. */
export const FRAME = {
  begin: '==SNAT-CAPTURE-BEGIN v1==',
  fileRe: /^==SNAT-FILE path=(\S+) gz=(\d+)==$/,
  fileEnd: '==SNAT-FILE-END==',
  endRe: /^==SNAT-CAPTURE-END files=(\d+) gz=(\d+)==$/,
} as const;

/** One file of a capture. */
export interface CapturedFile {
  /** Bundle-relative path. */
  path: string;
  /** The file's bytes (uncompressed). */
  data: Buffer;
}

/** Encodes files the way `capture.sh` does (used by the simulated node and tests). */
export function encodeCapture(files: CapturedFile[]): string {
  const out: string[] = [FRAME.begin];
  let total = 0;
  for (const f of files) {
    const gz = gzipSync(f.data);
    total += gz.length;
    out.push(`==SNAT-FILE path=${f.path} gz=${gz.length}==`);
    const b64 = gz.toString('base64');
    for (let i = 0; i < b64.length; i += 76) out.push(b64.slice(i, i + 76));
    out.push(FRAME.fileEnd);
  }
  out.push(`==SNAT-CAPTURE-END files=${files.length} gz=${total}==`);
  return `${out.join('\n')}\n`;
}

/**
 * Decodes a capture log.
 *
 * @throws CaptureOutputTruncatedError when the begin or end marker is missing, a
 *   block is cut, or a byte count or gzip stream does not check out.
 */
export function decodeCapture(log: string): CapturedFile[] {
  const lines = log.split('\n').map((l) => l.replace(/\r$/, ''));
  const begin = lines.indexOf(FRAME.begin);
  if (begin < 0) {
    throw new CaptureOutputTruncatedError('capture log has no begin marker: the script produced no evidence');
  }
  const files: CapturedFile[] = [];
  let gzTotal = 0;
  let current: { path: string; gz: number; chunks: string[] } | null = null;
  for (let i = begin + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (current) {
      if (line === FRAME.fileEnd) {
        const gz = Buffer.from(current.chunks.join(''), 'base64');
        if (gz.length !== current.gz) {
          throw new CaptureOutputTruncatedError(
            `capture block ${current.path}: ${gz.length} bytes decoded, ${current.gz} announced`,
          );
        }
        let data: Buffer;
        try {
          data = gunzipSync(gz);
        } catch (err) {
          throw new CaptureOutputTruncatedError(`capture block ${current.path}: corrupt gzip`, { cause: err });
        }
        files.push({ path: current.path, data });
        gzTotal += gz.length;
        current = null;
      } else if (/^[A-Za-z0-9+/=]+$/.test(line)) {
        current.chunks.push(line);
      } else if (line.startsWith('==SNAT-')) {
        throw new CaptureOutputTruncatedError(`capture block ${current.path} is cut before its end marker`);
      }
      // Other lines inside a block are stderr interleaved by the runtime: skip them.
      continue;
    }
    const file = FRAME.fileRe.exec(line);
    if (file) {
      const path = file[1] ?? '';
      assertBundlePath(path);
      current = { path, gz: Number(file[2]), chunks: [] };
      continue;
    }
    const end = FRAME.endRe.exec(line);
    if (end) {
      if (Number(end[1]) !== files.length || Number(end[2]) !== gzTotal) {
        throw new CaptureOutputTruncatedError(
          `capture end marker announces ${end[1]} files/${end[2]} bytes, log holds ${files.length}/${gzTotal}`,
        );
      }
      return files;
    }
  }
  throw new CaptureOutputTruncatedError(
    `capture log has no end marker (${files.length} complete blocks): output truncated, e.g. by kubelet log rotation or a killed pod`,
  );
}
