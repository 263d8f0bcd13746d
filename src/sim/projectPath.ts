import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of a file in the project checkout, found by walking up from this module to the folder holding
 * package.json: the same answer from `src/` under vitest and from `dist/src/` after a build.
 */
export function projectPath(relative: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'infra'))) return join(dir, relative);
    const up = dirname(dir);
    if (up === dir) throw new Error(`project root not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}
