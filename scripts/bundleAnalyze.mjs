// Bundles the compiled CLI into a few files for `snat-responder analyze` (part of `npm run build`, after tsc and
// the scanner build). Why: every analyze run is a fresh process, and loading ~90 ES modules one by one (resolve,
// read, link) cost ~35 ms of CPU per run, a tenth of analysing a 1,000,000-line trace (docs/performance.md).
// Only `analyze` runs from the bundle (bin/snat-responder.js picks it, and only when it is newer than the tsc
// output); every other command runs from dist/src/ as compiled, since some read files next to their own module.
// Packages stay external (resolved from node_modules as usual) except the two small ones analyze always loads.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the bundle goes: under dist/src/cli/, which the Function App package leaves out (scripts/package.mjs). */
export const ANALYZE_BUNDLE_DIR = 'dist/src/cli/bundle';
/** Packages inlined into the bundle; every other package is imported from node_modules at run time. */
const INLINED = new Set(['commander', 'ipaddr.js']);

/**
 * `@scope/name` or `name` from a bare specifier such as `@azure/functions` or `commander/lib/x.js`.
 * @param {string} specifier
 * @returns {string}
 */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

const outDir = path.join(root, ANALYZE_BUNDLE_DIR);
rmSync(outDir, { recursive: true, force: true });
await build({
  // The trace worker is an entry of its own: analyzeBundle starts it as `./traceWorker.js` next to itself.
  input: {
    'snat-responder': path.join(root, 'dist/src/cli/main.js'),
    traceWorker: path.join(root, 'dist/src/evidence/read/traceWorker.js'),
  },
  platform: 'node',
  logLevel: 'warn',
  external: (id, _importer, isResolved) =>
    !isResolved && !id.startsWith('.') && !path.isAbsolute(id) && !INLINED.has(packageName(id)),
  output: { dir: outDir, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
});
// The scanner binary where wasmScanner looks for it relative to its own module (`../wasm/scanner.wasm`).
mkdirSync(path.join(outDir, '../wasm'), { recursive: true });
copyFileSync(
  path.join(root, 'dist/src/evidence/wasm/scanner.wasm'),
  path.join(root, ANALYZE_BUNDLE_DIR, '../wasm/scanner.wasm'),
);
