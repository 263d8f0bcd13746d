import { Command } from 'commander';
import { registerAlertCommand } from './commands/alert.js';
import { registerAnalyzeCommand } from './commands/analyze.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerInvestigateCommand } from './commands/investigate.js';

/** Builds the `snat-responder` command tree. Each command lives in its own module under commands/. */
export function buildProgram(): Command {
  const program = new Command('snat-responder')
    .description("Find the AKS pods that exhaust a node's outbound SNAT ports.")
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerAnalyzeCommand(program);
  registerInvestigateCommand(program);
  registerAlertCommand(program);
  registerDemoCommand(program);
  return program;
}
