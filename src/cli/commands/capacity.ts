import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { defaultWorkers, progressBar } from '../../experiments/sweep.js';
import { parseSimulateConfig, type SimulateInput } from '../../run/config.js';
import { capacityTable, runCapacityGrid } from '../../sweep/capacityGrid.js';
import { findCapacity, type CapacityAxis, type CapacityResult } from '../../sweep/capacitySearch.js';
import { FileStore } from '../../sweep/fileStore.js';
import { expandGrid, parseGrid } from '../../sweep/grid.js';
import { parseSlo } from '../../sweep/sloExpr.js';
import { tableToCsv, tableToJson } from '../../sweep/table.js';
import { int, num } from '../options.js';
import { defaultOutDir, ensureDir, makeRunner, projectVersion, readGridFile, writeOut } from '../sweepCommon.js';
import { formatTable } from './sweep.js';
import { flagsToInput, withSimulateOptions, type SimulateFlags } from './simulate.js';

interface CapacityFlags extends SimulateFlags {
  slo?: string;
  axis?: string;
  start?: number;
  tolerance?: number;
  maxProbes?: number;
  grid?: string;
  workers?: number;
  queue?: string;
  fresh?: boolean;
}

function formatCapacity(r: CapacityResult): string {
  const unit = r.axis === 'rate' ? 'req/s' : 'of nominal capacity';
  let text = `gaps capacity: SLO ${r.slo}, searching the ${r.axis}\n\n`;
  text += `  ${'probe'.padStart(5)}  ${r.axis.padStart(10)}  ${'req/s'.padStart(10)}  holds  clauses\n`;
  r.probes.forEach((p, i) => {
    const cl = p.error ?? p.clauses.map((c) => `${c.clause.replace(/(<=|>=|<|>).*/, '')}=${Number(c.value.toPrecision(4))}`).join(' ');
    text += `  ${String(i + 1).padStart(5)}  ${String(Number(p.value.toPrecision(6))).padStart(10)}  ${(p.offeredRps === null ? '-' : p.offeredRps.toFixed(3)).padStart(10)}  ${(p.holds ? 'yes' : 'no').padEnd(5)}  ${cl}\n`;
  });
  const lo = r.bracket.lo === null ? 'none' : String(r.bracket.lo);
  const hi = r.bracket.hi === null ? 'none' : String(r.bracket.hi);
  text += `\n  capacity: ${r.capacity === null ? 'none' : `${r.capacity} ${unit}`}${r.capacityRps !== null && r.axis === 'load' ? ` (${r.capacityRps.toFixed(3)} req/s)` : ''}\n`;
  text += `  bracket: holds at ${lo}, fails at ${hi}; ${r.probes.length} probes; ${r.note}\n`;
  return text;
}

async function runGridForm(f: CapacityFlags, gridPath: string): Promise<void> {
  const version = projectVersion();
  const grid = parseGrid(readGridFile(gridPath), gridPath);
  const spec = grid.capacity;
  const sloText = f.slo ?? spec?.slo;
  if (!sloText) throw new ConfigError(`capacity --grid: give --slo or a capacity.slo in '${gridPath}'`);
  const slo = parseSlo(sloText, f.slo ? '--slo' : `${gridPath}: capacity.slo`);
  const points = expandGrid(grid, gridPath);
  const opts = {
    tolerance: f.tolerance ?? spec?.tolerance ?? 0.02,
    maxProbes: f.maxProbes ?? spec?.maxProbes ?? 16,
    gpuCostPerHour: spec?.gpuCostPerHour ?? {},
    ...((f.axis ?? spec?.axis) ? { axis: (f.axis ?? spec?.axis) as CapacityAxis } : {}),
    ...((f.start ?? spec?.start) !== undefined ? { start: (f.start ?? spec?.start) as number } : {}),
    ...(spec?.targetRps !== undefined ? { targetRps: spec.targetRps } : {}),
  };
  const outDir = f.out ?? defaultOutDir('capacity', gridPath);
  ensureDir(outDir);
  const storePath = join(outDir, 'probes.jsonl');
  if (f.fresh) rmSync(storePath, { force: true });
  const runner = await makeRunner(f, version, defaultWorkers());
  process.stderr.write(`gaps capacity ${grid.name ?? gridPath}: ${points.length} configurations, SLO ${sloText}, on ${runner.description}\n`);
  const bar = progressBar('searches', (s) => process.stderr.write(s), process.stderr.isTTY === true);
  let g;
  try {
    g = await runCapacityGrid(points, slo, opts, runner, new FileStore(storePath), version, (_p, done, total) => bar(done, total));
  } finally {
    await runner.close();
  }
  const t = capacityTable(g);
  const { capacityCharts, capacityReport } = await import('../../sweep/report.js');
  const intro = `${grid.description ?? ''} Capacity of each configuration: the highest ${opts.axis ?? 'rate or load'} at which ${sloText} holds, by bisection with the same seed at every probe; cost = GPUs × price per GPU-hour${Object.keys(opts.gpuCostPerHour).length ? '' : ' (1 per GPU)'}${opts.targetRps !== undefined ? `; target ${opts.targetRps} req/s` : ''}. ${g.probes} probes (${g.reusedProbes} from an earlier run); ${version}.`;
  writeOut(outDir, {
    'table.csv': tableToCsv(t),
    'table.json': tableToJson(t),
    'capacity.json': `${JSON.stringify(g.rows.map((r) => ({ point: r.point.index, axes: Object.fromEntries(r.point.values), ...r.result, gpus: r.gpus, costPerHour: r.costPerHour })), null, 1)}\n`,
    'report.html': capacityReport(`Capacity: ${grid.name ?? gridPath}`, intro.trim(), g, t, await capacityCharts(g)),
  });
  process.stdout.write(formatTable(t));
  const best = g.cheapest !== null ? g.rows[g.cheapest] : undefined;
  process.stdout.write(
    best
      ? `\ncheapest meeting the SLO: point ${best.point.index} (${best.point.values.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}), ${best.result.capacityRps?.toFixed(3)} req/s on ${best.gpus} GPU(s)\n`
      : '\nno configuration meets the SLO\n',
  );
  process.stdout.write(`wrote ${outDir}/{table.csv,table.json,capacity.json,report.html}\n`);
}

export function registerCapacityCommand(program: Command): void {
  withSimulateOptions(
    program
      .command('capacity')
      .description(
        'The highest arrival rate (or load) at which an SLO holds, by bisection with the same seed at every probe; with --grid, for every point of a grid, and the cheapest configuration meeting it.',
      ),
  )
    .option('--slo <expr>', "SLO over the run summary, e.g. 'ttft.p50<=0.5,tbt.p99<=0.1' (operators <=, <, >=, >)")
    .option('--axis <rate|load>', 'search the arrival rate or the load (default: rate when --rate is given, else load)')
    .option('--start <x>', 'first probe (default: the config\'s rate or load, else load 0.8)', num('--start'))
    .option('--tolerance <f>', 'stop when the bracket is narrower than this fraction of its upper end (default 0.02)', num('--tolerance'))
    .option('--max-probes <n>', 'at most this many simulations per search (default 16)', int('--max-probes'))
    .option('--json', 'print the result (bracket and every probe) as JSON')
    .option('--grid <file>', 'grid form: a sweep grid file (axes, base, capacity: {slo, targetRps, gpuCostPerHour})')
    .option('--workers <n>', 'grid form: local worker threads (default: all cores)', int('--workers'))
    .option('--queue <url>', 'grid form: run probes as BullMQ jobs on redis://HOST:PORT')
    .option('--fresh', 'grid form: ignore probes stored by an earlier run in --out')
    .option('--out <dir>', 'grid form: output folder (default out/capacity-GRID)')
    .action(async (f: CapacityFlags & { json?: boolean }, cmd: Command) => {
      if (f.axis !== undefined && f.axis !== 'rate' && f.axis !== 'load') throw new ConfigError(`--axis: expected rate or load, got '${f.axis}'`);
      if (f.grid) return runGridForm(f, f.grid);
      if (!f.slo) throw new ConfigError("capacity: give --slo, e.g. --slo 'ttft.p50<=0.5,tbt.p99<=0.1'");
      const given = (flag: keyof SimulateFlags): boolean => cmd.getOptionValueSource(flag) === 'cli';
      const input = flagsToInput(f, given) as SimulateInput;
      parseSimulateConfig(input, f.config ? `config '${f.config}'` : 'options');
      const slo = parseSlo(f.slo);
      const r = await findCapacity(input, slo, {
        ...(f.axis ? { axis: f.axis as CapacityAxis } : {}),
        ...(f.start !== undefined ? { start: f.start } : {}),
        ...(f.tolerance !== undefined ? { tolerance: f.tolerance } : {}),
        ...(f.maxProbes !== undefined ? { maxProbes: f.maxProbes } : {}),
      });
      process.stdout.write(f.json ? `${JSON.stringify(r)}\n` : formatCapacity(r));
    });
}
