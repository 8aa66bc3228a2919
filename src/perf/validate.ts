import type { Deployment } from '../model/hardware.js';
import type { PerfModel } from '../model/perfModel.js';
import { decodeShape, prefillShape } from './shapes.js';
import { exclusionReason, SPLITWISE_MODELS, type SplitwiseRow } from './profile/splitwise.js';
import { makeDeployment } from './presets.js';

/** Builds the model under test for one deployment (may read profiles). */
export type ModelFactory = (d: Deployment) => PerfModel;

export type Phase = 'prefill' | 'decode';

export interface ErrorStats {
  /** Points compared (one per CSV row and phase). */
  points: number;
  /** Mean absolute percentage error, as a fraction (0.05 = 5%). */
  mape: number;
  /** Mean signed relative error (predicted / measured - 1), as a fraction: < 0 means too fast. */
  bias: number;
}

export interface ValidationRow extends ErrorStats {
  hardware: string;
  tp: number;
  phase: Phase;
}

/** One perf model against the measurements. */
export interface ModelValidation extends ErrorStats {
  /** The factory's key (e.g. 'roofline'). */
  model: string;
  /** Per (hardware, tp, phase), in the order of the options. */
  rows: ValidationRow[];
  /** Per phase over every hardware and tp. */
  byPhase: Record<Phase, ErrorStats>;
}

export interface ValidationReport {
  /** The deployment's model (llama-2-70b). */
  llm: string;
  /** CSV rows compared (each gives a prefill and a decode point). */
  rowsUsed: number;
  /** Rows of this LLM at the chosen TP degrees that were left out, with the reasons. */
  excluded: { reason: string; count: number }[];
  models: ModelValidation[];
}

export interface ValidationOptions {
  llm?: string;
  hardware?: readonly string[];
  tps?: readonly number[];
}

export { decodeShape, prefillShape } from './shapes.js';

class Acc {
  n = 0;
  abs = 0;
  signed = 0;
  add(pred: number, meas: number): void {
    const e = pred / meas - 1;
    this.n++;
    this.abs += Math.abs(e);
    this.signed += e;
  }
  stats(): ErrorStats {
    return { points: this.n, mape: this.n ? this.abs / this.n : Number.NaN, bias: this.n ? this.signed / this.n : Number.NaN };
  }
}

/** Splits the rows of one LLM at the chosen hardware and TP degrees into usable and excluded. */
export function selectRows(rows: readonly SplitwiseRow[], opts: ValidationOptions = {}): { used: SplitwiseRow[]; excluded: Map<string, number> } {
  const csvModel = SPLITWISE_MODELS[opts.llm ?? 'llama-2-70b'];
  const hardware = opts.hardware ?? ['a100-80gb', 'h100-80gb'];
  const tps = opts.tps ?? [2, 4, 8];
  const excluded = new Map<string, number>();
  const used: SplitwiseRow[] = [];
  for (const r of rows) {
    if (r.model !== csvModel || !tps.includes(r.tp)) continue;
    const why = exclusionReason(r);
    if (why !== undefined) excluded.set(why, (excluded.get(why) ?? 0) + 1);
    else if (hardware.includes(r.hardware)) used.push(r);
  }
  return { used, excluded };
}

/**
 * Compares one perf model with every usable SplitwiseSim point of one LLM (default Llama-2-70B) on
 * the given hardware (default A100-80GB and H100-80GB) and TP degrees (default 2, 4, 8): prefill =
 * prompt_time of prompt_size x batch_size as one prefill-only batch; decode = token_time at
 * batch_size sequences of context prompt_size + token_size / 2. Pure: the caller reads the CSV.
 */
export function validatePerfModel(rows: readonly SplitwiseRow[], name: string, factory: ModelFactory, opts: ValidationOptions = {}): ModelValidation {
  const llm = opts.llm ?? 'llama-2-70b';
  const hardware = opts.hardware ?? ['a100-80gb', 'h100-80gb'];
  const tps = opts.tps ?? [2, 4, 8];
  const { used } = selectRows(rows, opts);
  const byPhase: Record<Phase, Acc> = { prefill: new Acc(), decode: new Acc() };
  const overall = new Acc();
  const out: ValidationRow[] = [];
  for (const hw of hardware) {
    for (const tp of tps) {
      const mine = used.filter((r) => r.hardware === hw && r.tp === tp);
      if (mine.length === 0) continue;
      const model = factory(makeDeployment(llm, hw, tp));
      const acc: Record<Phase, Acc> = { prefill: new Acc(), decode: new Acc() };
      for (const r of mine) {
        const points: [Phase, number, number][] = [
          ['prefill', model.iterationTime(prefillShape(r)), r.promptTimeMs / 1000],
          ['decode', model.iterationTime(decodeShape(r)), r.tokenTimeMs / 1000],
        ];
        for (const [phase, pred, meas] of points) {
          acc[phase].add(pred, meas);
          byPhase[phase].add(pred, meas);
          overall.add(pred, meas);
        }
      }
      for (const phase of ['prefill', 'decode'] as const) out.push({ hardware: hw, tp, phase, ...acc[phase].stats() });
    }
  }
  return { model: name, rows: out, byPhase: { prefill: byPhase.prefill.stats(), decode: byPhase.decode.stats() }, ...overall.stats() };
}

/** validatePerfModel for several models, with the rows used and the exclusions counted once. */
export function validateAgainstSplitwise(
  rows: readonly SplitwiseRow[],
  factories: Readonly<Record<string, ModelFactory>>,
  opts: ValidationOptions = {},
): ValidationReport {
  const { used, excluded } = selectRows(rows, opts);
  return {
    llm: opts.llm ?? 'llama-2-70b',
    rowsUsed: used.length,
    excluded: [...excluded].map(([reason, count]) => ({ reason, count })),
    models: Object.entries(factories).map(([name, f]) => validatePerfModel(rows, name, f, opts)),
  };
}

/** A Markdown table: one line per (hardware, tp, phase), then per phase and overall; a column pair per model. */
export function formatValidation(report: ValidationReport): string {
  const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');
  const first = report.models[0];
  let s = `Perf-model error vs SplitwiseSim measurements, ${report.llm} (${report.rowsUsed} CSV rows, 2 points each)\n\n`;
  s += `| hardware | tp | phase | points |${report.models.map((m) => ` ${m.model} MAPE | ${m.model} bias |`).join('')}\n`;
  s += `|---|---|---|---|${report.models.map(() => '---|---|').join('')}\n`;
  const line = (hw: string, tp: string, phase: string, get: (m: ModelValidation) => ErrorStats | undefined): void => {
    s += `| ${hw} | ${tp} | ${phase} | ${first ? (get(first)?.points ?? 0) : 0} |`;
    for (const m of report.models) {
      const r = get(m);
      s += ` ${pct(r?.mape ?? Number.NaN)} | ${pct(r?.bias ?? Number.NaN)} |`;
    }
    s += '\n';
  };
  for (const r of first?.rows ?? []) {
    line(r.hardware, String(r.tp), r.phase, (m) => m.rows.find((x) => x.hardware === r.hardware && x.tp === r.tp && x.phase === r.phase));
  }
  for (const phase of ['prefill', 'decode'] as const) line('all', 'all', phase, (m) => m.byPhase[phase]);
  line('all', 'all', 'all', (m) => m);
  for (const e of report.excluded) s += `\nexcluded ${e.count} rows: ${e.reason}`;
  return `${s}\n`;
}
