#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isUserError } from '../core/errors.js';
import { registerCommands } from './commands/index.js';
import { toolVersion } from './provenance.js';

/** The `gaps` command line. User mistakes print one line and exit 2; bugs keep their stack trace. */
async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('gaps')
    .description('Prediction-driven scheduling of LLM inference clusters: simulate, compute, reproduce.')
    .version(toolVersion(), '-V, --version', 'print the version')
    .showHelpAfterError(false)
    .exitOverride();
  await registerCommands(program, argv.slice(2));
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its message (or the help text).
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    if (isUserError(e)) {
      process.stderr.write(`gaps: error: ${(e as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}

await main(process.argv);
