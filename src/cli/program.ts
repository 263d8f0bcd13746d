import { Command } from 'commander';

/**
 * The commands, each in its own module under commands/, loaded only when needed: `analyze` must not pay for
 * the Kubernetes client, `alert` not for the report renderers. Help and unknown commands load them all.
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  analyze: async () => (await import('./commands/analyze.js')).registerAnalyzeCommand,
  investigate: async () => (await import('./commands/investigate.js')).registerInvestigateCommand,
  alert: async () => (await import('./commands/alert.js')).registerAlertCommand,
  demo: async () => (await import('./commands/demo.js')).registerDemoCommand,
  watch: async () => (await import('./commands/watch.js')).registerWatchCommand,
};

/** Builds the `snat-responder` command tree for these arguments. */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('snat-responder')
    .description("Find the AKS pods that exhaust a node's outbound SNAT ports.")
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  const first = argv[0];
  const versionOnly = argv.length === 1 && (first === '-V' || first === '--version');
  const names = first !== undefined && first in COMMANDS ? [first] : versionOnly ? [] : Object.keys(COMMANDS);
  for (const register of await Promise.all(names.map((n) => COMMANDS[n]!()))) register(program);
  return program;
}
