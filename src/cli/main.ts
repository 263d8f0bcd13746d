// Placeholder entry; commands are registered in src/cli/program.ts.
process.stdout.write('snat-responder: no commands yet\n');
