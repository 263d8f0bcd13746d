// The Azure CLI as the azd hooks use it: one runner, and the two preconditions (installed, signed in) checked
// first so a missing or logged-out `az` gives one clear line instead of a stack trace.
import { spawnSync } from 'node:child_process';

/** Raised for anything the user must fix before the hook can run; the message is the one line printed. */
export class HookError extends Error {
  /**
   * @param {string} message
   * @param {{ cause?: unknown }} [options]
   */
  constructor(message, options) {
    super(message, options);
    this.name = 'HookError';
  }
}

/**
 * @typedef {object} AzResult
 * @property {number} status Exit code.
 * @property {string} stdout
 * @property {string} stderr
 */

/**
 * Runs a CLI (`az` unless `AZ_CLI` names another executable, for tests) and captures its output.
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @param {{ executable?: string, inheritStdout?: boolean }} [options]
 * @returns {AzResult}
 * @throws {HookError} when the executable cannot be started.
 */
export function runCli(args, env, options = {}) {
  const executable = options.executable ?? env.AZ_CLI ?? 'az';
  const result = spawnSync(executable, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', options.inheritStdout ? 'inherit' : 'pipe', 'pipe'],
    encoding: 'utf8',
    // az is az.cmd on Windows: only a shell finds it.
    shell: process.platform === 'win32',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) {
    const code = /** @type {NodeJS.ErrnoException} */ (result.error).code;
    if (code === 'ENOENT') {
      throw new HookError(
        `${executable === 'az' ? 'the Azure CLI (az)' : executable} is not installed or not on PATH: install it (https://aka.ms/install-azure-cli), then run \`az login\``,
        { cause: result.error },
      );
    }
    throw new HookError(`could not run ${executable}: ${result.error.message}`, { cause: result.error });
  }
  return { status: result.status ?? 1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/**
 * Checks that `az` is installed and signed in, and returns the signed-in subscription id.
 * @param {NodeJS.ProcessEnv} env
 * @returns {string}
 * @throws {HookError} with one line saying what to do.
 */
export function ensureAzReady(env) {
  const account = runCli(['account', 'show', '--query', 'id', '--output', 'tsv', '--only-show-errors'], env);
  if (account.status !== 0) {
    throw new HookError(
      'the Azure CLI is not signed in: run `az login` (the same tenant as `azd auth login`), then retry',
    );
  }
  return account.stdout.trim();
}

/**
 * Runs `az ... --output json` and parses the answer.
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @param {string} what What is being read, for the error line.
 * @returns {any}
 * @throws {HookError} when az fails or prints no JSON.
 */
export function azJson(args, env, what) {
  const result = runCli([...args, '--output', 'json', '--only-show-errors'], env);
  if (result.status !== 0) {
    throw new HookError(`reading ${what} failed: ${firstLine(result.stderr) || `az exited with ${result.status}`}`);
  }
  try {
    return JSON.parse(result.stdout);
  } catch (error) {
    throw new HookError(`reading ${what} failed: az printed no JSON`, { cause: error });
  }
}

/**
 * The first non-empty line of a CLI's error output, without az's `ERROR: ` prefix.
 * @param {string} text
 * @returns {string}
 */
export function firstLine(text) {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return line.replace(/^ERROR:\s*/, '').trim();
}
