/**
 * `snat-responder demo --serve --state-dir DIR`: keeps the simulated world running until SIGINT or SIGTERM,
 * then closes every server and exits 0. The world itself lives in src/sim/serve.ts.
 */
import { resolve } from 'node:path';
import { CliError } from '../errors.js';

/** The flags of the serve mode. */
export interface DemoServeFlags {
  serve?: boolean;
  stateDir?: string;
}

/** Checks the flag pair: `--serve` needs `--state-dir`, and `--state-dir` only means something with `--serve`. */
export function checkServeFlags(flags: DemoServeFlags & { alert?: string }): void {
  if (flags.serve && !flags.stateDir) throw new CliError('--serve needs --state-dir DIR (where the kubeconfigs go)');
  if (!flags.serve && flags.stateDir) throw new CliError('--state-dir is only used with --serve');
  if (flags.serve && flags.alert) throw new CliError('--alert cannot be combined with --serve');
}

/** Serves the simulated world until a signal arrives. */
export async function runDemoServe(flags: DemoServeFlags): Promise<void> {
  const dir = resolve(flags.stateDir ?? '');
  const { serveSimWorld, SERVE_FILES } = await import('../../sim/serve.js');
  process.stderr.write(
    'snat-responder demo --serve: starting the simulated world (ARM, Kubernetes API, Azurite, Teams)\n',
  );
  const served = await serveSimWorld(dir);
  const e = served.endpoints;
  process.stdout.write(
    [
      `Serving the simulated world (state in ${dir}):`,
      `  Kubernetes API  ${e.kubernetes}  (HTTPS; CA embedded in the kubeconfigs)`,
      `  ARM             ${e.arm}`,
      `  Blob (Azurite)  ${e.blob}`,
      `  Teams sink      ${e.teams}`,
      '',
      'Try:',
      `  kubectl --kubeconfig ${dir}/${SERVE_FILES.adminKubeconfig} get nodes -o wide`,
      `  kubectl --kubeconfig ${dir}/${SERVE_FILES.responderKubeconfig} auth can-i create jobs -n $(cat ${dir}/${SERVE_FILES.captureNamespace})`,
      `  npx snat-responder investigate --kubeconfig ${dir}/${SERVE_FILES.responderKubeconfig} --node 10.224.0.7`,
      '',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  process.stderr.write(`snat-responder demo --serve: ${signal}, closing every server\n`);
  await served.close();
}
