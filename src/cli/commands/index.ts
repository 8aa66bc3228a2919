import type { Command } from 'commander';

/**
 * Every subcommand, one line each: its name, the summary shown by `gaps --help`, and how to load
 * it. A command's module (and the simulator, policies, charts behind it) is imported only when that
 * command runs or shows its own help, so `gaps --help` and `gaps simulate --help` start fast
 * (docs/PERFORMANCE.md).
 */
interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<(program: Command) => void>;
}

/** emulate, serve and loadgen register together. */
const live = async (): Promise<(program: Command) => void> => (await import('./live.js')).registerLiveCommands;

const COMMANDS: readonly CommandEntry[] = [
  { name: 'simulate', summary: 'Simulate an LLM cluster on a trace or a synthetic workload and report latency metrics.', load: async () => (await import('./simulate.js')).registerSimulateCommand },
  { name: 'reproduce', summary: "Reproduce a paper's tables and figures (gaps reproduce --help lists them).", load: async () => (await import('./reproduce.js')).registerReproduceCommand },
  { name: 'mg1', summary: 'Mean response time of an M/G/1 queue with predictions: exact where a formula exists, else simulated', load: async () => (await import('./mg1.js')).registerMg1Command },
  { name: 'perf', summary: 'Performance models: list presets, time one iteration, validate against measurements.', load: async () => (await import('./perf.js')).registerPerfCommand },
  { name: 'emulate', summary: 'Run an OpenAI-compatible model-server emulator timed by the instance model, with vLLM metric names and fault injection.', load: live },
  { name: 'serve', summary: 'Run the OpenAI-compatible router: a registered policy in front of real (or emulated) model servers.', load: live },
  { name: 'loadgen', summary: 'Replay a trace or synthetic workload against an OpenAI-compatible server; report as `vllm bench serve` does.', load: live },
  { name: 'sweep', summary: 'Run a grid of simulations (JSON or YAML grid file; see docs/SWEEPS.md) locally or on a Redis-backed BullMQ queue.', load: async () => (await import('./sweep.js')).registerSweepCommand },
  { name: 'worker', summary: 'Run sweep points from a Redis-backed BullMQ queue until stopped.', load: async () => (await import('./worker.js')).registerWorkerCommand },
  { name: 'capacity', summary: 'The highest arrival rate (or load) at which an SLO holds, by bisection; with --grid, for every point of a grid.', load: async () => (await import('./capacity.js')).registerCapacityCommand },
];

/**
 * Registers the command named in `args` (the words after `gaps`; `help NAME` counts), or, when
 * none is named, every command as a one-line stub for the top-level help and for commander's
 * "unknown command" message.
 */
export async function registerCommands(program: Command, args: readonly string[] = []): Promise<void> {
  const first = args.find((a) => !a.startsWith('-'));
  const named = first === 'help' ? args[args.indexOf('help') + 1] : first;
  const entry = COMMANDS.find((c) => c.name === named);
  if (entry) {
    (await entry.load())(program);
    return;
  }
  for (const c of COMMANDS) program.command(c.name).description(c.summary);
}
