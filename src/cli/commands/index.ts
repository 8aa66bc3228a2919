import type { Command } from 'commander';

/** Every subcommand registers itself here; one line per command. */
export function registerCommands(program: Command): void {
  void program;
}
