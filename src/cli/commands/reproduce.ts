import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { defaultWorkers, progressBar } from '../../experiments/sweep.js';
import { experiments } from '../../experiments/registry.js';
import { int } from '../options.js';
import { prepareOutDir } from '../outDir.js';

/** ../shared/data beside the repository, or $GAPS_DATA_DIR. */
export function defaultDataDir(): string {
  if (process.env.GAPS_DATA_DIR) return process.env.GAPS_DATA_DIR;
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
  return resolve(d, '..', 'shared', 'data');
}

interface ReproduceFlags {
  out?: string;
  dataDir?: string;
  workers?: number;
  seed?: number;
  quick?: boolean;
  full?: boolean;
}

export function registerReproduceCommand(program: Command): void {
  program
    .command('reproduce')
    .description(`Reproduce a paper's tables and figures. Experiments:\n${experiments.describe().map((l) => `  ${l}`).join('\n')}`)
    .argument('<name>', `experiment: ${experiments.names().join(', ')}`)
    .option('--out <dir>', 'output folder (default out/NAME)')
    .option('--data-dir <dir>', 'folder with the public data sets (default ../shared/data or $GAPS_DATA_DIR)')
    .option('--workers <n>', 'worker threads for sweeps (default: all cores); results do not depend on it', int('--workers'))
    .option('--seed <n>', 'base seed (default 1)', int('--seed'))
    .option('--quick', 'a small, fast variant (smoke test)')
    .option('--full', 'a larger variant where the experiment has one (gaps-regimes: more segments and grid points)')
    .action(async (name: string, f: ReproduceFlags) => {
      const exp = experiments.get(name);
      if (f.workers !== undefined && f.workers < 1) throw new ConfigError(`--workers: must be at least 1, got ${f.workers}`);
      if (f.seed !== undefined && f.seed < 0) throw new ConfigError(`--seed: must be at least 0, got ${f.seed}`);
      const outDir = f.out ?? join('out', name);
      // A reproduction folder is rewritten on every run (no --force), but must be usable before hours of work.
      prepareOutDir(outDir, [], true, '--out', true);
      await exp.run({
        outDir,
        dataDir: f.dataDir ?? defaultDataDir(),
        seed: f.seed ?? 1,
        workers: f.workers ?? defaultWorkers(),
        quick: f.quick ?? false,
        full: f.full ?? false,
        log: (line) => process.stderr.write(`${line}\n`),
        progress: (label) => progressBar(label, (s) => process.stderr.write(s), process.stderr.isTTY === true),
      });
    });
}
