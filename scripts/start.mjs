// `npm start`: the Functions host (`func start`) on this project's Node 22, with local.settings.json (Azurite).
// The host starts its Node worker from languageWorkers__node__defaultExecutablePath; without it, it would run the
// first `node` on PATH, which may be an older system Node.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shell = process.platform === 'win32';

const probe = spawnSync('func', ['--version'], { encoding: 'utf8', shell });
if (probe.error || probe.status !== 0) {
  process.stderr.write(
    'snat-responder: Azure Functions Core Tools (func) 4.x are not installed: `npm i -g azure-functions-core-tools@4` ' +
      'or https://learn.microsoft.com/azure/azure-functions/functions-run-local, then `npm start` again ' +
      '(the devcontainer in .devcontainer/ has them)\n',
  );
  process.exit(1);
}
if (!existsSync(path.join(root, 'local.settings.json'))) {
  process.stderr.write(
    'snat-responder: local.settings.json is missing: `cp local.settings.json.sample local.settings.json`, start ' +
      'Azurite (`npx azurite --silent --location .azurite`), then `npm start` again\n',
  );
  process.exit(1);
}
process.stdout.write(
  `snat-responder: func ${probe.stdout.trim()} with Node ${process.version} (${process.execPath})\n`,
);
const child = spawn('func', ['start', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  shell,
  env: { ...process.env, languageWorkers__node__defaultExecutablePath: process.execPath },
});
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
