import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { defaultWorkers, progressBar } from '../../experiments/sweep.js';
import { FileStore } from '../../sweep/fileStore.js';
import { pointLabel } from '../../sweep/grid.js';
import { planSweep, runSweepPlan } from '../../sweep/plan.js';
import { parseQueueUrl } from '../../sweep/queue/connection.js';
import { tableToCsv, tableToJson, type SweepTable } from '../../sweep/table.js';
import { int } from '../options.js';
import { defaultOutDir, ensureDir, makeRunner, projectVersion, readGridFile, writeOut } from '../sweepCommon.js';

interface SweepFlags {
  out?: string;
  workers?: number;
  queue?: string;
  status?: boolean;
  fresh?: boolean;
}

/** A plain-text view of the table for the terminal (numbers to 4 significant digits). */
export function formatTable(t: SweepTable, maxRows = 60): string {
  const keep = t.columns.map((c, i) => [c, i] as const).filter(([c]) => c !== 'config_hash' && c !== 'error');
  const fmt = (v: unknown): string => (v === null ? '-' : typeof v === 'number' ? String(Number(v.toPrecision(4))) : String(v));
  const cells = [keep.map(([c]) => c), ...t.rows.slice(0, maxRows).map((r) => keep.map(([, i]) => fmt(r[i])))];
  const widths = keep.map((_, j) => Math.max(...cells.map((r) => (r[j] as string).length)));
  const lines = cells.map((r) => r.map((c, j) => c.padStart(widths[j] as number)).join('  '));
  if (t.rows.length > maxRows) lines.push(`... ${t.rows.length - maxRows} more rows in the CSV`);
  return `${lines.join('\n')}\n`;
}

export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description('Run a grid of simulations (JSON or YAML grid file; see docs/SWEEPS.md) locally or on a Redis-backed BullMQ queue.')
    .argument('[grid]', 'grid file: base config, axes (config key path -> values), zip, exclude, metrics')
    .option('--out <dir>', 'output folder: table.csv, table.json, report.html, points.jsonl (default out/sweep-GRID)')
    .option('--workers <n>', 'local worker threads (default: all cores); results do not depend on it', int('--workers'))
    .option('--queue <url>', 'run the points as BullMQ jobs on redis://HOST:PORT[/DB][?queue=NAME]; start `gaps worker`s against it')
    .option('--status', 'with --queue: show the queue (and this grid\'s points) and exit')
    .option('--fresh', 'ignore results stored by an earlier run of this grid in --out')
    .action(async (gridPath: string | undefined, f: SweepFlags) => {
      const version = projectVersion();
      if (f.status) {
        if (!f.queue) throw new ConfigError('--status needs --queue redis://HOST:PORT');
        const ids = gridPath ? planSweep(readGridFile(gridPath), version, gridPath).ids : undefined;
        const target = parseQueueUrl(f.queue);
        const { formatQueueStatus, queueStatus } = await import('../../sweep/queue/status.js');
        process.stdout.write(formatQueueStatus(await queueStatus(target, ids)));
        return;
      }
      if (!gridPath) throw new ConfigError('sweep: give a grid file (gaps sweep GRID.json|GRID.yaml)');
      const plan = planSweep(readGridFile(gridPath), version, gridPath);
      const outDir = f.out ?? defaultOutDir('sweep', gridPath);
      ensureDir(outDir);
      const storePath = join(outDir, 'points.jsonl');
      if (f.fresh) rmSync(storePath, { force: true });
      const store = new FileStore(storePath);
      const runner = await makeRunner(f, version, defaultWorkers());
      const name = plan.grid.name ?? gridPath;
      process.stderr.write(`gaps sweep ${name}: ${plan.points.length} points on ${runner.description}\n`);
      if (plan.grid.capacity) process.stderr.write(`note: the grid's capacity section is used by 'gaps capacity --grid ${gridPath}', not by sweep\n`);
      let run;
      try {
        run = await runSweepPlan(plan, runner, store, progressBar('points', (s) => process.stderr.write(s), process.stderr.isTTY === true));
      } finally {
        await runner.close();
      }
      const axes = plan.points[0]?.values.map(([k]) => k) ?? [];
      // Charts load vega: only when a report is written (start-up time of every other command).
      const { sweepCharts, sweepReport } = await import('../../sweep/report.js');
      const charts = await sweepCharts(run.table, axes, plan.grid.metrics);
      const intro =
        `${plan.grid.description ?? ''} ${plan.points.length} points over ${axes.map((a) => `${a} (${new Set(plan.points.map((p) => pointLabel(p.values.filter(([k]) => k === a)))).size})`).join(' × ')}` +
        `${plan.grid.zip.length ? `, zipped: ${plan.grid.zip.map((z) => z.join('+')).join('; ')}` : ''}; ${version}.`;
      writeOut(outDir, {
        'table.csv': tableToCsv(run.table),
        'table.json': tableToJson(run.table),
        'points.json': `${JSON.stringify(plan.points.map((p, i) => ({ point: p.index, id: plan.ids[i], config: p.config })), null, 1)}\n`,
        'report.html': sweepReport(`Sweep: ${name}`, intro.trim(), run.table, charts),
      });
      process.stdout.write(formatTable(run.table));
      process.stdout.write(
        `\n${plan.points.length} points (${run.distinct} distinct, ${run.reused} from an earlier run), ${run.table.failed} failed; wrote ${outDir}/{table.csv,table.json,report.html}\n`,
      );
      if (run.table.failed > 0) process.exitCode = 1;
    });
}
