#!/usr/bin/env node
// Thin launcher: checks the runtime, then runs the compiled CLI (built by `npm ci` via `prepare`).
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `snat-responder: Node.js ${process.versions.node} is too old (Node 22 required). ` +
      'Run it through npm (`npx snat-responder ...`), which uses the Node 22 installed by `npm ci`.\n',
  );
  process.exit(2);
}
// Node's on-disk compile cache makes every run after the first start faster (no effect when unsupported).
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
// `analyze` runs from a bundle of the same compiled code (scripts/bundleAnalyze.mjs: a fresh process per analysis
// pays less for loading modules), unless it is missing or older than the tsc output (a build without the bundle step).
try {
  if (await analyzeBundleIsCurrent()) await import('../dist/src/cli/bundle/snat-responder.js');
  else await import('../dist/src/cli/main.js');
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js')) {
    process.stderr.write('snat-responder: not built yet. Run `npm ci` (or `npm run build`) first.\n');
    process.exit(2);
  }
  throw err;
}

/** True for `analyze` when the bundle exists and is at least as new as the compiled CLI it was made from. */
async function analyzeBundleIsCurrent() {
  if (process.argv[2] !== 'analyze') return false;
  const { statSync } = await import('node:fs');
  const at = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? Number.NaN;
  return at('../dist/src/cli/bundle/snat-responder.js') >= at('../dist/src/cli/main.js');
}
