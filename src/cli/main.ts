import { CommanderError } from 'commander';
import { CliError } from './errors.js';
import { buildProgram } from './program.js';

/** Runs the CLI; maps errors to one stderr line and an exit code (2 = bad input, 1 = failure). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed help/version or the usage error.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CliError) {
      process.stderr.write(`snat-responder: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`snat-responder: ${(err as Error).message ?? String(err)}\n`);
    if (process.env.SNAT_RESPONDER_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
