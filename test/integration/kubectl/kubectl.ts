/**
 * Runs the real kubectl (>= 1.31, found by .ci/find-kubectl.sh) against the loopback Kubernetes API server.
 * Each run gets its own discovery cache folder, so no state leaks between servers or from the user's ~/.kube.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIND_SCRIPT = fileURLToPath(new URL('../../../.ci/find-kubectl.sh', import.meta.url));

/** Path of a kubectl >= 1.31, or null with the reason. */
export function findKubectl(): { path: string | null; reason: string } {
  try {
    const path = execFileSync('bash', [FIND_SCRIPT], { encoding: 'utf8' }).trim();
    return path ? { path, reason: '' } : { path: null, reason: 'find-kubectl.sh printed no path' };
  } catch {
    return {
      path: null,
      reason: 'no kubectl >= 1.31 (looked at $KUBECTL, dpkg -L kubectl google-cloud-cli, PATH); set KUBECTL=/path',
    };
  }
}

/** On CI a missing kubectl is a failure; locally the suite skips and says why. */
export const KUBECTL_REQUIRED = process.env.CI === 'true';

export interface KubectlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A kubectl bound to one kubeconfig (written to a temporary file) and its own cache folder. */
export class Kubectl {
  private readonly kubeconfigPath: string;
  private readonly cacheDir: string;

  constructor(
    private readonly binary: string,
    kubeconfig: string,
  ) {
    const dir = mkdtempSync(join(tmpdir(), 'snat-kubectl-'));
    this.kubeconfigPath = join(dir, 'kubeconfig');
    this.cacheDir = join(dir, 'cache');
    writeFileSync(this.kubeconfigPath, kubeconfig, { mode: 0o600 });
  }

  /** Runs `kubectl ARGS`; never throws for a non-zero exit (the code is in the result). */
  run(args: string[], timeoutMs = 20_000): Promise<KubectlRun> {
    return new Promise((resolve) => {
      execFile(
        this.binary,
        ['--kubeconfig', this.kubeconfigPath, '--cache-dir', this.cacheDir, ...args],
        { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { PATH: process.env.PATH ?? '', HOME: this.cacheDir } },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
    });
  }

  /** Runs and expects exit 0; returns stdout. */
  async ok(args: string[]): Promise<string> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  }
}
