// Copies the runtime files tsc does not emit into dist/, next to the modules that read them, so nothing reads from
// src/ at run time (the deployable package has no src/). Part of `npm run build`.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Runtime assets, relative to the repository root. */
export const RUNTIME_ASSETS = [
  { from: 'src/kube/capture-script/capture.sh', to: 'dist/src/kube/capture-script/capture.sh' },
];

for (const { from, to } of RUNTIME_ASSETS) {
  mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
  copyFileSync(path.join(root, from), path.join(root, to));
}
