import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { availableParallelism } from 'node:os';
import { experiments } from '../../experiments/registry.js';
import { int } from '../options.js';
import { provenance, relativePath } from '../provenance.js';
import { ensureReport } from '../../report/fallback.js';
import { describeProvenance } from '../../run/provenance.js';
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
    .option('--out <dir>', 'output folder (default out/NAME, or out/NAME-quick with --quick)')
    .option('--data-dir <dir>', 'folder with the public data sets (default ../shared/data or $GAPS_DATA_DIR)')
    .option('--workers <n>', 'worker threads for sweeps (default: all cores); results do not depend on it', int('--workers'))
    .option('--seed <n>', 'base seed (default 1)', int('--seed'))
    .option('--quick', 'a small, fast variant (smoke test)')
    .option('--full', 'a larger variant where the experiment has one (gaps-regimes: more segments and grid points)')
    .action(async (name: string, f: ReproduceFlags) => {
      // The sweep runner (and the simulator behind it) loads only when an experiment runs.
      const { progressBar } = await import('../../experiments/sweep.js');
      const exp = experiments.get(name);
      if (f.workers !== undefined && f.workers < 1) throw new ConfigError(`--workers: must be at least 1, got ${f.workers}`);
      if (f.seed !== undefined && f.seed < 0) throw new ConfigError(`--seed: must be at least 0, got ${f.seed}`);
      const quick = f.quick ?? false;
      const outDir = f.out ?? join('out', quick ? `${name}-quick` : name);
      const seed = f.seed ?? 1;
      if (f.dataDir !== undefined && !existsSync(f.dataDir)) {
        throw new ConfigError(`--data-dir: no such folder '${f.dataDir}' (without --data-dir, ../shared/data or $GAPS_DATA_DIR is used, and experiments fall back to fitted presets when it is absent)`);
      }
      const dataDir = relativePath(f.dataDir ?? defaultDataDir());
      const prov = provenance({ experiment: name, seed, quick }, seed);
      const printed: string[] = [];
      // A reproduction folder is rewritten on every run (no --force), but must be usable before hours of work.
      prepareOutDir(outDir, [], true, '--out', true);
      await exp.run({
        outDir,
        dataDir,
        seed,
        provenance: prov,
        workers: f.workers ?? Math.max(1, availableParallelism()),
        quick,
        full: f.full ?? false,
        log: (line) => process.stderr.write(`${line}\n`),
        result: (line) => {
          printed.push(line);
          process.stdout.write(`${line}\n`);
        },
        progress: (label) => progressBar(label, (s) => process.stderr.write(s), process.stderr.isTTY === true, () => performance.now() / 1000),
      });
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'provenance.json'), `${JSON.stringify(prov, null, 2)}\n`);
      const report = ensureReport(outDir, exp.summary, printed, describeProvenance(prov));
      if (report) process.stdout.write(`report: ${report}\n`);
    });
}
