import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes `text` to `path` atomically (temp file + rename), so a failure never leaves half a report. */
export async function writeFileAtomic(path: string, text: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** Prints to stdout or writes `--out`. */
export async function emit(text: string, out: string | undefined): Promise<void> {
  if (out) await writeFileAtomic(out, text);
  else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Collects a repeatable option (`--private-cidr A --private-cidr B`, also `A,B`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}
