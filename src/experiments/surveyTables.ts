import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exponentialPrediction } from '../queueing/prediction.js';
import { parseService } from '../queueing/service.js';
import { CSV_HEADER, discrepancyNotes, formatPaired, formatTable, toCsvRows } from '../queueing/survey/format.js';
import { paperTable1, paperTables, type PaperTable } from '../queueing/survey/paperTables.js';
import { pairedCheck, SurveyReproduction, type Cell, type PairedCheck } from '../queueing/survey/reproduce.js';
import { hasSystemFonts, lineFigure, svgToPng, type Figure, type Series } from '../report/plot.js';
import { renderReport, type Block } from '../report/html.js';
import { describeProvenance } from '../run/provenance.js';
import type { Experiment, ExperimentContext } from './experiment.js';

/**
 * `gaps reproduce survey-tables`: the survey's Tables 1-3 beside our exact values and our
 * simulations. The printed numbers are data to compare against (src/queueing/survey/paperTables.ts);
 * nothing is tuned towards them. Runs are sized by load; `quick` shrinks them for tests.
 */

interface RunSizes {
  jobsFor: (lambda: number) => number;
  pairedJobs: number;
  pairedLambdas: number[];
}

function sizes(quick: boolean): RunSizes {
  if (quick) return { jobsFor: () => 20_000, pairedJobs: 100_000, pairedLambdas: [0.5] };
  return {
    // Relaxation slows as 1 / (1 - rho)^2; these lengths keep a full run near half a minute.
    jobsFor: (l) => (l <= 0.8 ? 300_000 : l <= 0.9 ? 600_000 : l <= 0.95 ? 1_000_000 : 1_500_000),
    pairedJobs: 8_000_000,
    pairedLambdas: [0.5, 0.7],
  };
}

function pairedChecks(ctx: ExperimentContext, s: RunSizes): PairedCheck[] {
  const service = parseService(paperTable1.service);
  const checks: PairedCheck[] = [];
  const paperOf = (label: string, lambda: number): number => {
    const col = paperTable1.columns.find((c) => c.label === label);
    return col?.values[paperTable1.lambdas.indexOf(lambda)] ?? Number.NaN;
  };
  for (const lambda of s.pairedLambdas) {
    for (const [policy, control, label] of [
      ['sprpt', 'srpt', 'SPRPT'],
      ['pspjf', 'psjf', 'PSPJF'],
    ] as const) {
      checks.push(pairedCheck(service, exponentialPrediction, lambda, policy, control, s.pairedJobs, ctx.seed, paperOf(label, lambda)));
    }
  }
  return checks;
}

/** Response time against lambda, one line per column (exact), simulated 95% intervals as bars. */
async function plotTable(t: PaperTable, cells: readonly Cell[]): Promise<Figure> {
  const series: Series[] = t.columns.map((col) => ({
    name: col.label,
    points: cells
      .filter((c) => c.column === col.label && c.exact !== undefined)
      .map((c) => ({ x: c.lambda, y: c.exact as number, ...(c.sim ? { lo: c.sim.lo, hi: c.sim.hi } : {}) })),
  }));
  const title = `${t.title.split(':')[0] ?? t.id} (${t.service === 'exp' ? 'exponential' : 'Weibull'} sizes): exact (lines), simulated 95% CI (bars)`;
  return lineFigure({ title, xLabel: 'arrival rate λ', yLabel: 'mean response time', series, logY: true });
}

async function run(ctx: ExperimentContext): Promise<void> {
  const s = sizes(ctx.quick);
  await mkdir(ctx.outDir, { recursive: true });
  const rep = new SurveyReproduction({ seed: ctx.seed, jobsFor: s.jobsFor, simulate: true, log: ctx.log });
  const text: string[] = [];
  const csv = [CSV_HEADER];
  const all: Cell[] = [];
  const figures: Block[] = [];
  for (const t of paperTables) {
    const cells = rep.table(t);
    all.push(...cells);
    text.push(...formatTable(t, cells), '');
    csv.push(...toCsvRows(cells));
    const figure = await plotTable(t, cells);
    await writeFile(join(ctx.outDir, `${t.id}.svg`), figure.svg);
    await writeFile(join(ctx.outDir, `${t.id}.png`), await svgToPng(figure.svg));
    figures.push({ kind: 'chart', figure, caption: `${t.title}: mean response time against the arrival rate, every policy (log scale).` });
  }
  const checks = pairedChecks(ctx, s);
  text.push(...formatPaired(checks), '', 'Notes:', ...discrepancyNotes(all).map((n) => `- ${n}`));
  if (!(await hasSystemFonts())) text.push('- No system fonts were found: the PNG plots carry no text (the SVGs do).');
  const result = ctx.result ?? ctx.log;
  for (const line of text) result(line);
  await writeFile(join(ctx.outDir, 'survey-tables.txt'), `${text.join('\n')}\n`);
  await writeFile(join(ctx.outDir, 'survey-tables.csv'), `${csv.join('\n')}\n`);
  const config = {
    experiment: 'survey-tables',
    seed: ctx.seed,
    quick: ctx.quick,
    jobsByLambda: Object.fromEntries([0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99].map((l) => [l, s.jobsFor(l)])),
    warmupFraction: 0.1,
    batches: 32,
    paired: { jobs: s.pairedJobs, lambdas: s.pairedLambdas },
    thresholds: 'exact optimum of the 1-bit mean for each column',
  };
  await writeFile(join(ctx.outDir, 'config.json'), `${JSON.stringify({ provenance: ctx.provenance ?? null, ...config }, null, 2)}\n`);
  const blocks: Block[] = [
    { kind: 'text', html: "The survey's Tables 1-3 (M/G/1 with predictions): the paper's printed values beside our exact formulas and our simulations. Files: survey-tables.csv, survey-tables.txt." },
    { kind: 'pre', text: text.join('\n') },
    ...figures,
  ];
  const report = join(ctx.outDir, 'report.html');
  await writeFile(report, renderReport('Survey Tables 1-3: M/G/1 with predictions', blocks, ctx.provenance && describeProvenance(ctx.provenance)));
  result(`report: ${report}`);
}

export const surveyTablesExperiment: Experiment = {
  summary: "Survey Tables 1-3 (M/G/1 with predictions): the paper's values vs exact formulas vs simulation",
  run,
};
