import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReport, type Block } from '../../report/html.js';
import { lineFigure, svgToPng } from '../../report/plot.js';
import { describeProvenance } from '../../run/provenance.js';
import type { SimulateInput } from '../../run/config.js';
import type { Experiment, ExperimentContext } from '../experiment.js';
import { runSweep, type JobSummary, type SweepJob } from '../sweep.js';

/**
 * An instance-scheduling reproduction: policies x loads x seeds on one configuration, a claims
 * table (the paper's claim, our measurement, the verdict and how it was judged), line charts of
 * each metric against load, and the raw results. Each study (slai, trail, fastserve, lamps) is a
 * declaration plus its claims.
 */
export interface StudyPolicy {
  readonly label: string;
  readonly scheduler: string;
  readonly predictor?: string;
}

/**
 * A second configuration of the same study where the paper's mechanism should matter more (the
 * search for the regime where an idea wins): engine settings and their own loads.
 */
export interface StudyRegime {
  readonly key: string;
  readonly label: string;
  readonly engine: Readonly<Record<string, unknown>>;
  /** Workload settings that replace the study's own (a different size distribution, say); the load still comes from `loads`. */
  readonly workload?: Readonly<NonNullable<SimulateInput['workload']>>;
  readonly loads: (quick: boolean) => readonly number[];
}

/** The study's own configuration. */
export const DEFAULT_REGIME = 'default';

/** One point: the mean over seeds of a policy's metrics at one load. */
export interface StudyCell {
  /** `DEFAULT_REGIME`, or a `StudyRegime.key`. */
  readonly regime: string;
  readonly policy: string;
  readonly load: number;
  readonly metrics: Readonly<Record<string, number>>;
  /** Per-seed values, in seed order (paired across policies). */
  readonly perSeed: Readonly<Record<string, readonly number[]>>;
}

export type Verdict = 'holds' | 'partly holds' | 'does not hold' | 'untestable';

export interface Claim {
  readonly id: string;
  readonly claim: string;
  readonly measured: string;
  readonly verdict: Verdict;
  readonly why: string;
}

export interface StudyMetric {
  readonly key: string;
  readonly label: string;
  readonly pick: (s: JobSummary) => number;
}

export interface Study {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  /** Setup lines for the report (what was run and why, including stand-ins for unavailable data). */
  readonly setup: readonly string[];
  readonly base: (quick: boolean) => SimulateInput;
  readonly policies: readonly StudyPolicy[];
  readonly loads: (quick: boolean) => readonly number[];
  /** Further configurations, each with its own loads (see `StudyRegime`). */
  readonly regimes?: readonly StudyRegime[];
  readonly seeds: (quick: boolean) => number;
  readonly metrics: readonly StudyMetric[];
  readonly claims: (cells: readonly StudyCell[], ctx: StudyContext) => Promise<Claim[]> | Claim[];
}

/** What a study's claims may run beyond the grid (a capacity search, say). */
export interface StudyContext {
  readonly quick: boolean;
  readonly seed: number;
  readonly workers: number;
  readonly log: (line: string) => void;
}

export const COMMON_METRICS: readonly StudyMetric[] = [
  { key: 'ttftMean', label: 'mean TTFT (s)', pick: (s) => s.ttft.mean ?? Number.NaN },
  { key: 'ttftP50', label: 'median TTFT (s)', pick: (s) => s.ttft.p50 ?? Number.NaN },
  { key: 'e2eMean', label: 'mean end-to-end latency (s)', pick: (s) => s.e2e.mean ?? Number.NaN },
  { key: 'e2eP99', label: 'P99 end-to-end latency (s)', pick: (s) => s.e2e.p99 ?? Number.NaN },
  { key: 'tbtP99', label: 'P99 time between tokens (s)', pick: (s) => s.tbt.p99 ?? Number.NaN },
];

function regimesOf(study: Study): StudyRegime[] {
  return [{ key: DEFAULT_REGIME, label: 'as the paper ran it', engine: {}, loads: study.loads }, ...(study.regimes ?? [])];
}

function jobsOf(study: Study, ctx: ExperimentContext): SweepJob[] {
  const jobs: SweepJob[] = [];
  const base = study.base(ctx.quick);
  for (const r of regimesOf(study)) {
    for (const p of study.policies) {
      for (const load of r.loads(ctx.quick)) {
        for (let k = 0; k < study.seeds(ctx.quick); k++) {
          const config: SimulateInput = {
            ...base,
            seed: ctx.seed + k,
            scheduler: p.scheduler,
            ...(p.predictor ? { predictor: p.predictor } : {}),
            engine: { ...base.engine, ...r.engine },
            workload: { ...base.workload, ...r.workload, load },
          };
          jobs.push({ labels: { regime: r.key, policy: p.label, load, seed: k }, config });
        }
      }
    }
  }
  return jobs;
}

function cellsOf(study: Study, results: readonly { job: SweepJob; summary: JobSummary }[]): StudyCell[] {
  const groups = new Map<string, { regime: string; policy: string; load: number; summaries: JobSummary[] }>();
  for (const r of results) {
    const key = `${r.job.labels.regime}/${r.job.labels.policy}@${r.job.labels.load}`;
    const g = groups.get(key) ?? { regime: String(r.job.labels.regime), policy: String(r.job.labels.policy), load: Number(r.job.labels.load), summaries: [] };
    g.summaries.push(r.summary);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => {
    const metrics: Record<string, number> = {};
    const perSeed: Record<string, number[]> = {};
    for (const m of study.metrics) {
      const v = g.summaries.map(m.pick);
      perSeed[m.key] = v;
      metrics[m.key] = v.reduce((a, b) => a + b, 0) / v.length;
    }
    return { regime: g.regime, policy: g.policy, load: g.load, metrics, perSeed };
  });
}

/** The cell of a policy at a load (in the study's own configuration unless a regime is named). */
export function cellAt(cells: readonly StudyCell[], policy: string, load: number, regime = DEFAULT_REGIME): StudyCell | undefined {
  return cells.find((c) => c.regime === regime && c.policy === policy && c.load === load);
}

/**
 * Ratios baseline / ours of a metric at every load where both exist (how many times lower ours is),
 * from the means over seeds.
 */
export function ratios(cells: readonly StudyCell[], baseline: string, ours: string, metric: string, regime = DEFAULT_REGIME): { load: number; ratio: number }[] {
  const out: { load: number; ratio: number }[] = [];
  for (const c of cells.filter((x) => x.regime === regime && x.policy === ours)) {
    const b = cellAt(cells, baseline, c.load, regime);
    const o = c.metrics[metric];
    const bv = b?.metrics[metric];
    if (bv !== undefined && o !== undefined && o > 0 && Number.isFinite(bv)) out.push({ load: c.load, ratio: bv / o });
  }
  return out.sort((a, b) => a.load - b.load);
}

/**
 * Judges a claimed "up to / between LO and HI times lower" against measured ratios over loads:
 * holds when the largest ratio at a load the baseline sustains reaches LO; partly when it reaches LO
 * only past `overloadedAbove` (finite runs of an overloaded system, whose latencies grow with the
 * run's length), or when ours is lower by more than 5% somewhere; does not hold otherwise.
 */
export function judgeRatio(id: string, claim: string, measured: { load: number; ratio: number }[], lo: number, what: string, overloadedAbove = Number.POSITIVE_INFINITY): Claim {
  const text = measured.map((m) => `${m.ratio.toFixed(2)}x at load ${m.load}${m.load > overloadedAbove ? ' (overloaded)' : ''}`).join(', ');
  const stable = measured.filter((m) => m.load <= overloadedAbove);
  const bestStable = Math.max(...stable.map((m) => m.ratio));
  const best = Math.max(...measured.map((m) => m.ratio));
  const verdict: Verdict = measured.length === 0 ? 'untestable' : bestStable >= lo ? 'holds' : best > 1.05 ? 'partly holds' : 'does not hold';
  const limit = Number.isFinite(overloadedAbove) ? `; loads above ${overloadedAbove} overload the baseline and count only towards "partly"` : '';
  return {
    id,
    claim,
    measured: measured.length ? `${what}: ${text}` : 'no comparable points',
    verdict,
    why: `holds if the largest ratio over the loads reaches ${lo}x; partly if ours is >5% lower somewhere${limit}; ratios of means over seeds`,
  };
}

const CLASS: Record<Verdict, string> = { holds: 'holds', 'partly holds': 'partly', 'does not hold': 'fails', untestable: 'partly' };

async function report(study: Study, ctx: ExperimentContext, cells: readonly StudyCell[], claims: readonly Claim[]): Promise<string> {
  const blocks: Block[] = [{ kind: 'heading', text: 'Setup' }, ...study.setup.map((html): Block => ({ kind: 'text', html }))];
  if (ctx.quick) blocks.push({ kind: 'text', html: '<b>Quick run</b>: fewer loads, seeds and requests; for smoke tests only.' });
  blocks.push(
    { kind: 'heading', text: 'Claims of the paper against our measurements' },
    {
      kind: 'table',
      head: ['id', 'claim (paper)', 'measured (ours)', 'verdict', 'how judged'],
      rows: claims.map((c) => [c.id, c.claim, c.measured, c.verdict, c.why]),
      classes: claims.map((c) => CLASS[c.verdict]),
      highlight: 3,
    },
  );
  for (const r of regimesOf(study)) {
    const own = cells.filter((c) => c.regime === r.key);
    const suffix = r.key === DEFAULT_REGIME ? '' : `-${r.key}`;
    blocks.push({ kind: 'heading', text: r.key === DEFAULT_REGIME ? 'The paper\'s configuration' : `Regime: ${r.label}` });
    for (const m of study.metrics) {
      const series = study.policies.map((p) => ({
        name: p.label,
        points: own
          .filter((c) => c.policy === p.label)
          .sort((a, b) => a.load - b.load)
          .map((c) => ({ x: c.load, y: c.metrics[m.key] as number })),
      }));
      const figure = await lineFigure({ title: `${m.label}${r.key === DEFAULT_REGIME ? '' : ` (${r.label})`}`, xLabel: 'load (fraction of nominal capacity)', yLabel: m.label, series });
      writeFileSync(join(ctx.outDir, `${m.key}${suffix}.svg`), figure.svg);
      writeFileSync(join(ctx.outDir, `${m.key}${suffix}.png`), await svgToPng(figure.svg));
      blocks.push({ kind: 'chart', figure, caption: `${m.label} of each policy against the load${r.key === DEFAULT_REGIME ? '' : ` (${r.label})`}, mean over seeds.` });
    }
    blocks.push({
      kind: 'table',
      head: ['policy', 'load', ...study.metrics.map((m) => m.label)],
      rows: [...own].sort((a, b) => a.load - b.load || a.policy.localeCompare(b.policy)).map((c) => [c.policy, c.load, ...study.metrics.map((m) => (c.metrics[m.key] as number).toFixed(3))]),
    });
  }
  const path = join(ctx.outDir, 'report.html');
  writeFileSync(path, renderReport(study.title, blocks, ctx.provenance && describeProvenance(ctx.provenance)));
  return path;
}

/** The `gaps reproduce NAME` entry of a study. */
export function studyExperiment(study: Study): Experiment {
  return {
    summary: study.summary,
    async run(ctx) {
      const jobs = jobsOf(study, ctx);
      const results = await runSweep(jobs, { workers: ctx.workers, ...(ctx.progress ? { progress: ctx.progress(study.name) } : {}) });
      const cells = cellsOf(study, results);
      const claims = await study.claims(cells, { quick: ctx.quick, seed: ctx.seed, workers: ctx.workers, log: ctx.log });
      mkdirSync(ctx.outDir, { recursive: true });
      writeFileSync(join(ctx.outDir, 'results.json'), `${JSON.stringify(cells, null, 1)}\n`);
      writeFileSync(join(ctx.outDir, 'claims.json'), `${JSON.stringify(claims, null, 1)}\n`);
      const path = await report(study, ctx, cells, claims);
      const lines = claims.map((c) => `${c.id.padEnd(4)} ${c.verdict.padEnd(14)} ${c.measured}`);
      (ctx.result ?? ctx.log)(`${study.title}\n${lines.join('\n')}\n\nreport: ${path}`);
    },
  };
}
