import type { Command } from 'commander';
import { registerLiveCommands } from './live.js';
import { registerMg1Command } from './mg1.js';
import { registerPerfCommand } from './perf.js';
import { registerReproduceCommand } from './reproduce.js';
import { registerSimulateCommand } from './simulate.js';
import { registerCapacityCommand } from './capacity.js';
import { registerSweepCommand } from './sweep.js';
import { registerWorkerCommand } from './worker.js';

/** Every subcommand registers itself here; one line per command. */
export function registerCommands(program: Command): void {
  registerSimulateCommand(program);
  registerReproduceCommand(program);
  registerMg1Command(program);
  registerPerfCommand(program);
  registerLiveCommands(program);
  registerSweepCommand(program);
  registerWorkerCommand(program);
  registerCapacityCommand(program);
}
