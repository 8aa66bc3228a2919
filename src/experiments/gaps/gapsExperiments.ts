import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeProvenance } from '../../run/provenance.js';
import type { Experiment, ExperimentContext } from '../experiment.js';
import { runSweep, type SweepJob } from '../sweep.js';
import { aggregate, toCsv } from './analysis.js';
import { evaluateClaims } from './claims.js';
import { fig3Jobs, fig4Jobs, fig5Jobs, STUDY_SIZE, workloadSources, type Figure } from './design.js';
import { writeGapsReport } from './report.js';


const JOBS: Record<Figure, typeof fig3Jobs> = { fig3: fig3Jobs, fig4: fig4Jobs, fig5: fig5Jobs };

async function reproduce(ctx: ExperimentContext, figures: readonly Figure[]): Promise<void> {
  const o = { dataDir: ctx.dataDir, quick: ctx.quick, baseSeed: ctx.seed };
  const sources = workloadSources(ctx.dataDir);
  for (const s of sources) {
    ctx.log(s.trace ? `workload ${s.name}: trace ${s.trace}` : `workload ${s.name}: trace not found under ${ctx.dataDir}; using the fitted preset azure-${s.name}`);
  }
  const jobs: SweepJob[] = figures.flatMap((f) => JOBS[f](o));
  ctx.log(`${jobs.length} simulations on ${ctx.workers} worker(s)`);
  const results = await runSweep(jobs, { workers: ctx.workers, ...(ctx.progress ? { progress: ctx.progress('simulating') } : {}) });
  const cells = aggregate(results);
  const claims = evaluateClaims(cells, ctx.quick ? 4 : STUDY_SIZE);
  mkdirSync(ctx.outDir, { recursive: true });
  writeFileSync(join(ctx.outDir, 'runs.json'), `${JSON.stringify(results.map((r) => ({ labels: r.job.labels, config: r.job.config, summary: r.summary })), null, 1)}\n`);
  writeFileSync(join(ctx.outDir, 'cells.csv'), toCsv(cells));
  writeFileSync(join(ctx.outDir, 'cells.json'), `${JSON.stringify(cells, null, 1)}\n`);
  writeFileSync(join(ctx.outDir, 'claims.json'), `${JSON.stringify(claims, null, 1)}\n`);
  const footer = ctx.provenance && describeProvenance(ctx.provenance);
  const report = await writeGapsReport(ctx.outDir, { cells, claims, figures, sources, quick: ctx.quick, ...(footer ? { footer } : {}) });
  const result = ctx.result ?? ctx.log;
  for (const c of claims) result(`${c.id} ${c.verdict.padEnd(13)} ${c.measured}`);
  result(`report: ${report}`);
}

function experiment(summary: string, figures: readonly Figure[]): Experiment {
  return { summary, run: (ctx) => reproduce(ctx, figures) };
}

export const gapsFig3 = experiment('GAPS Fig. 3: P99 latency and SLO violations vs cluster size, against Splitwise, Llumnix, FlashGen', ['fig3']);
export const gapsFig4 = experiment('GAPS Fig. 4: ablations NoPred, NoRebal, NoGlobal', ['fig4']);
export const gapsFig5 = experiment('GAPS Fig. 5: robustness to 0-40% prediction error, against NoPred', ['fig5']);
export const gapsAll = experiment('GAPS Figs. 3, 4 and 5 with the claims table', ['fig3', 'fig4', 'fig5']);
