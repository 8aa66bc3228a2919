import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReport, type Block } from '../../report/html.js';
import { barFigure, lineFigure, svgToPng, type Figure as ChartFigure } from '../../report/plot.js';
import type { Cell } from './analysis.js';
import type { ClaimResult } from './claims.js';
import { ABLATIONS, BASELINES, LOAD, WORKLOADS, type Figure, type WorkloadSource } from './design.js';

interface ReportInput {
  cells: readonly Cell[];
  claims: readonly ClaimResult[];
  figures: readonly Figure[];
  sources: readonly WorkloadSource[];
  quick: boolean;
  /** Small print closing the page (the run's provenance). */
  footer?: string;
}

type Metric = 'p99' | 'violations';
const METRIC_LABEL: Record<Metric, string> = { p99: 'P99 end-to-end latency (s)', violations: 'SLO violation rate' };

async function chart(outDir: string, file: string, title: string, xLabel: string, metric: Metric, series: { name: string; cells: Cell[]; x: (c: Cell) => number }[]): Promise<ChartFigure> {
  const figure = await lineFigure({
    title,
    xLabel,
    yLabel: METRIC_LABEL[metric],
    rate: metric === 'violations',
    series: series.map((s) => ({
      name: s.name,
      points: s.cells.map((c) => ({ x: s.x(c), y: c[metric].mean, lo: c[metric].mean - c[metric].half, hi: c[metric].mean + c[metric].half })),
    })),
  });
  writeFileSync(join(outDir, `${file}.svg`), figure.svg);
  writeFileSync(join(outDir, `${file}.png`), await svgToPng(figure.svg));
  return figure;
}

function cellsOf(cells: readonly Cell[], figure: string, workload: string, policy: string): Cell[] {
  return cells.filter((c) => c.figure === figure && c.workload === workload && c.policy === policy);
}

async function figureBlocks(outDir: string, input: ReportInput): Promise<Block[]> {
  const blocks: Block[] = [];
  const { cells } = input;
  const plan: { fig: Figure; title: string; policies: readonly string[]; x: (c: Cell) => number; xLabel: string }[] = [
    { fig: 'fig3', title: 'Fig. 3 — scalability', policies: ['gaps', ...BASELINES], x: (c) => c.instances, xLabel: 'instances N' },
    { fig: 'fig4', title: 'Fig. 4 — ablations', policies: ['gaps', ...ABLATIONS], x: (c) => c.instances, xLabel: 'instances N' },
    { fig: 'fig5', title: 'Fig. 5 — prediction robustness', policies: ['gaps', 'gaps-nopred'], x: (c) => (c.error ?? 0) * 100, xLabel: 'prediction error (MAPE, %)' },
  ];
  for (const p of plan) {
    if (!input.figures.includes(p.fig)) continue;
    blocks.push({ kind: 'heading', text: p.title });
    if (p.fig === 'fig4') {
      for (const metric of ['p99', 'violations'] as const) {
        const bars = cells
          .filter((c) => c.figure === 'fig4')
          .map((c) => ({ category: c.workload, group: c.policy, value: c[metric].mean, lo: c[metric].mean - c[metric].half, hi: c[metric].mean + c[metric].half }));
        const figure = await barFigure({ title: `${p.title}: ${METRIC_LABEL[metric]}`, xLabel: 'workload', yLabel: METRIC_LABEL[metric], rate: metric === 'violations', bars });
        writeFileSync(join(outDir, `fig4-${metric}.svg`), figure.svg);
        writeFileSync(join(outDir, `fig4-${metric}.png`), await svgToPng(figure.svg));
        blocks.push({ kind: 'chart', figure, caption: `${METRIC_LABEL[metric]} of GAPS and its ablations on each workload: mean over seeds, bars for 95% intervals.` });
      }
    }
    for (const w of p.fig === 'fig4' ? [] : WORKLOADS) {
      for (const metric of ['p99', 'violations'] as const) {
        const series = p.policies.map((name) => ({ name, cells: cellsOf(cells, p.fig, w, name).sort((a, b) => p.x(a) - p.x(b)), x: p.x }));
        const file = `${p.fig}-${w}-${metric}`;
        const figure = await chart(outDir, file, `${p.title}: ${w}`, p.xLabel, metric, series);
        blocks.push({ kind: 'chart', figure, caption: `${METRIC_LABEL[metric]} against ${p.xLabel} on the ${w} workload: mean over seeds, vertical bars for 95% intervals.` });
      }
    }
    const rows = cells
      .filter((c) => c.figure === p.fig)
      .map((c) => [c.workload, c.instances, c.policy, c.error === undefined ? '' : `${(c.error * 100).toFixed(0)}%`, `${c.p99.mean.toFixed(3)} ± ${c.p99.half.toFixed(3)}`, `${(100 * c.violations.mean).toFixed(1)}% ± ${(100 * c.violations.half).toFixed(1)}`, c.migrations.mean.toFixed(0)]);
    blocks.push({ kind: 'table', head: ['workload', 'N', 'policy', 'error', 'P99 e2e (s)', 'SLO violations', 'migrations'], rows });
  }
  return blocks;
}

const CLASS: Record<string, string> = { holds: 'holds', 'partly holds': 'partly', 'does not hold': 'fails', 'not measured': 'unmeasured' };

const FIGURE_TITLES: Record<Figure, string> = {
  fig3: 'GAPS Fig. 3: P99 latency and SLO violations against cluster size',
  fig4: 'GAPS Fig. 4: ablations',
  fig5: 'GAPS Fig. 5: robustness to prediction error',
};

/** The page title: the figure's own when the run reproduces one figure. */
export function reportTitle(figures: readonly Figure[]): string {
  return figures.length === 1 ? FIGURE_TITLES[figures[0] as Figure] : `GAPS reproduction (${figures.map((f) => `Fig. ${f.slice(3)}`).join(', ')})`;
}

/** Writes report.html (self-contained: inline SVG) and the figure files; returns the report's path. */
export async function writeGapsReport(outDir: string, input: ReportInput): Promise<string> {
  const setup = [
    `Replicas: Llama-2-7B on A100-80GB (roofline performance model), vLLM-style continuous batching with chunked prefill.`,
    `Workloads: ${input.sources.map((s) => `${s.name} from ${s.trace ?? `the fitted preset (trace not found)`}`).join('; ')}; replayed with timestamps scaled so each instance sees the same fraction of its nominal capacity at every cluster size (code ${LOAD.code}, conversation ${LOAD.conversation}).`,
    `SLO: end-to-end latency at most 5 x the request's unloaded latency. Predictors: GAPS uses the online linear predictor in Figs. 3-4 and the noisy oracle (MAPE = e) in Fig. 5.`,
    input.quick ? '<b>Quick run</b>: reduced sizes, one seed, 1,200 requests per run; for smoke tests only.' : 'Three seeds per point; intervals are 95% Student-t over seeds. Seed k replays the trace from (k - 1)/3 of its span, wrapping around, and drives the randomised parts (noisy predictions, NoGlobal sampling).',
  ];
  // Claims about figures this run did not reproduce are left out of the table, and counted.
  const ran = new Set(input.figures.map((f) => `Fig. ${f.slice(3)}`));
  const claims = input.claims.filter((c) => ran.has(c.figure) || !/^Fig\. \d$/.test(c.figure));
  const other = input.claims.length - claims.length;
  const blocks: Block[] = [
    { kind: 'heading', text: 'Setup' },
    ...setup.map((html): Block => ({ kind: 'text', html })),
    { kind: 'heading', text: 'Claims of the paper against our measurements' },
    ...(other > 0 ? [{ kind: 'text', html: `${other} claims about figures not reproduced in this run are not listed (run <code>gaps reproduce gaps</code> for all of them).` } as Block] : []),
    {
      kind: 'table',
      head: ['id', 'figure', 'claim (paper)', 'measured (ours)', 'verdict', 'how judged'],
      rows: claims.map((c) => [c.id, c.figure, c.claim, c.measured, c.verdict, c.why]),
      classes: claims.map((c) => CLASS[c.verdict]),
      highlight: 4,
    },
    ...(await figureBlocks(outDir, input)),
  ];
  const path = join(outDir, 'report.html');
  writeFileSync(path, renderReport(reportTitle(input.figures), blocks, input.footer));
  return path;
}
