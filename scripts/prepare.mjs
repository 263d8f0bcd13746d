// npm `prepare`: builds after a full install (`npm ci`), so `npx snat-responder demo` works from a fresh clone.
// A production install (`npm ci --omit=dev`) has no TypeScript compiler: skip the build instead of failing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (!existsSync(path.join(root, 'node_modules', 'typescript', 'package.json'))) {
  process.stdout.write('snat-responder: no devDependencies (production install): skipping the build\n');
} else {
  const npm = process.env.npm_execpath;
  const result = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  process.exitCode = result.status ?? 1;
}
