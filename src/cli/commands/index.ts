import type { Command } from 'commander';
import { registerSimulateCommand } from './simulate.js';

/** Every subcommand registers itself here; one line per command. */
export function registerCommands(program: Command): void {
  registerSimulateCommand(program);
}
