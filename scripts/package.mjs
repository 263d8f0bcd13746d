// `npm run package` (after `npm run build`): writes build/package/, the folder azd deploys to Flex Consumption as it
// is (no remote build): host.json, a production package.json, dist/ (compiled code and its runtime assets such as
// the capture script and the WebAssembly scanner) and production node_modules only, installed from the lock file.
// Nothing from src/, test/, bench/, docs/ or infra/, and neither the CLI nor the simulated world (`demo`), compiled
// or their own dependencies. The last line printed is the folder and its size.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'build', 'package');

/** package.json fields the deployed app keeps; scripts (prepare!) and devDependencies stay behind. */
const KEPT_FIELDS = ['name', 'version', 'description', 'license', 'private', 'type', 'main', 'engines', 'dependencies'];

/** Compiled folders the Function App never loads. */
export const EXCLUDED_DIST = ['src/sim', 'src/cli'];

/**
 * Dependencies only the folders above load (the CLI and the simulated world `demo` runs on): product dependencies
 * of the command line, never installed in the Function App. test/infra/runtimeDependencies.test.ts checks
 * this list against the import graph: exactly the dependencies that dist/functions/ does not reach.
 */
export const NOT_DEPLOYED_DEPENDENCIES = ['@marcbachmann/cel-js', 'azurite', 'commander', 'selfsigned'];

/**
 * `deps` without the {@link NOT_DEPLOYED_DEPENDENCIES} (`keep` false), or only those (`keep` true).
 * @param {Record<string, string> | undefined} deps
 * @param {boolean} keep
 * @returns {Record<string, string>}
 */
function notDeployed(deps, keep) {
  return Object.fromEntries(
    Object.entries(deps ?? {}).filter(([name]) => NOT_DEPLOYED_DEPENDENCIES.includes(name) === keep),
  );
}

/**
 * The production package.json: the fields above, nothing that runs at install time, and the dependencies the
 * Function App loads.
 * @param {Record<string, unknown>} pkg
 * @returns {Record<string, unknown>}
 */
export function productionManifest(pkg) {
  const kept = Object.fromEntries(KEPT_FIELDS.filter((k) => k in pkg).map((k) => [k, pkg[k]]));
  return { ...kept, dependencies: notDeployed(/** @type {Record<string, string>} */ (pkg.dependencies), false) };
}

/**
 * The package.json to install from: the lock file's, with the {@link NOT_DEPLOYED_DEPENDENCIES} listed as dev
 * ones, so `npm ci --omit=dev` leaves them (and whatever only they need) out while the lock file still agrees.
 * @param {Record<string, unknown>} pkg
 * @returns {Record<string, unknown>}
 */
export function installManifest(pkg) {
  const { scripts: _scripts, ...installable } = pkg;
  const deps = /** @type {Record<string, string>} */ (pkg.dependencies);
  return {
    ...installable,
    dependencies: notDeployed(deps, false),
    devDependencies: { .../** @type {Record<string, string>} */ (pkg.devDependencies), ...notDeployed(deps, true) },
  };
}

/** Files in node_modules nothing loads at run time: source maps, type declarations, docs. */
const PRUNED = /(\.map|\.d\.ts|\.d\.mts|\.d\.cts|\.md|\.markdown)$/i;

/**
 * Deletes the files matching {@link PRUNED} under a folder; returns how many bytes that saved.
 * @param {string} dir
 * @returns {number}
 */
export function prune(dir) {
  let saved = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) saved += prune(full);
    else if (entry.isFile() && PRUNED.test(entry.name)) {
      saved += statSync(full).size;
      rmSync(full);
    }
  }
  return saved;
}

/**
 * Total bytes and file count under a folder (symbolic links counted as links).
 * @param {string} dir
 * @returns {{ bytes: number, files: number }}
 */
export function folderSize(dir) {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = folderSize(full);
      bytes += inner.bytes;
      files += inner.files;
    } else {
      bytes += statSync(full, { throwIfNoEntry: false })?.size ?? 0;
      files += 1;
    }
  }
  return { bytes, files };
}

/** @param {string} message @returns {never} */
function fail(message) {
  process.stderr.write(`snat-responder package: ${message}\n`);
  process.exit(1);
}

function main() {
  if (!existsSync(path.join(root, 'dist', 'functions', 'index.js')))
    fail('dist/ is missing: run `npm run build` first');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  // npm ci insists that package.json and the lock file agree, devDependencies included: install with them listed
  // (and omitted), then write the production manifest.
  writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(installManifest(pkg), null, 2)}\n`);
  cpSync(path.join(root, 'package-lock.json'), path.join(out, 'package-lock.json'));
  cpSync(path.join(root, 'host.json'), path.join(out, 'host.json'));
  // Source maps stay out (they point at src/, which is not deployed), and so do the simulated world and the CLI:
  // the functions import neither, and loopback test servers have no place in production.
  const distRoot = path.join(root, 'dist');
  cpSync(distRoot, path.join(out, 'dist'), {
    recursive: true,
    filter: (source) => {
      const rel = path.relative(distRoot, source).split(path.sep).join('/');
      return !source.endsWith('.map') && !EXCLUDED_DIST.some((d) => rel === d || rel.startsWith(`${d}/`));
    },
  });

  // Production dependencies exactly as locked; no lifecycle scripts (nothing in them needs one).
  const npm = process.env.npm_execpath;
  const args = ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'];
  const result = npm
    ? spawnSync(process.execPath, [npm, ...args], { cwd: out, stdio: ['ignore', 'ignore', 'inherit'] })
    : spawnSync('npm', args, { cwd: out, stdio: ['ignore', 'ignore', 'inherit'], shell: process.platform === 'win32' });
  if (result.status !== 0) fail(`npm ${args.join(' ')} failed in ${path.relative(root, out)}`);
  prune(path.join(out, 'node_modules'));
  // The lock file served the install; the host needs neither it nor the devDependency list.
  rmSync(path.join(out, 'package-lock.json'), { force: true });
  writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(productionManifest(pkg), null, 2)}\n`);

  const { bytes, files } = folderSize(out);
  process.stdout.write(`${path.relative(root, out)}: ${(bytes / 1024 / 1024).toFixed(1)} MB in ${files} files\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
