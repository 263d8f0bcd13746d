import { Command } from 'commander';
import { registerAnalyzeCommand } from './commands/analyze.js';

/** Builds the `snat-responder` command tree. Each command lives in its own module under commands/. */
export function buildProgram(): Command {
  const program = new Command('snat-responder')
    .description("Find the AKS pods that exhaust a node's outbound SNAT ports.")
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerAnalyzeCommand(program);
  return program;
}
