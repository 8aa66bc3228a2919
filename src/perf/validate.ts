import type { Deployment } from '../model/hardware.js';
import { addPrefillChunk, emptyShape, type BatchShape, type PerfModel } from '../model/perfModel.js';
import { exclusionReason, SPLITWISE_MODELS, type SplitwiseRow } from './profile/splitwise.js';
import { makeDeployment } from './presets.js';

/** Builds the model under test for one deployment (may read profiles). */
export type ModelFactory = (d: Deployment) => PerfModel;

export type Phase = 'prefill' | 'decode';

export interface ErrorStats {
  /** Points compared (one per CSV row and phase). */
  n: number;
  /** Mean absolute percentage error, in percent. */
  mape: number;
  /** Mean signed relative error (predicted / measured - 1), in percent: < 0 means too fast. */
  bias: number;
}

export interface ValidationRow extends ErrorStats {
  model: string;
  hardware: string;
  tp: number;
  phase: Phase | 'all';
}

export interface ValidationReport {
  /** The deployment's model (llama-2-70b). */
  llm: string;
  /** Rows compared and rows left out, with the reasons. */
  rowsUsed: number;
  excluded: { reason: string; count: number }[];
  /** Per (perf model, hardware, tp, phase), then per (perf model, 'all', 0, phase) and overall. */
  rows: ValidationRow[];
}

export interface ValidationOptions {
  llm?: string;
  hardware?: readonly string[];
  tps?: readonly number[];
}

/** The measured prefill: batch_size prompts of prompt_size tokens in one iteration, no cache. */
export function prefillShape(r: SplitwiseRow): BatchShape {
  const s = emptyShape();
  for (let i = 0; i < r.batchSize; i++) addPrefillChunk(s, 0, r.promptSize);
  return s;
}

/** The measured decode step: batch_size sequences with context about prompt_size each. */
export function decodeShape(r: SplitwiseRow): BatchShape {
  const s = emptyShape();
  s.decodeSeqs = r.batchSize;
  s.decodeContextTokens = r.batchSize * r.promptSize;
  return s;
}

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
    return { n: this.n, mape: this.n ? (100 * this.abs) / this.n : Number.NaN, bias: this.n ? (100 * this.signed) / this.n : Number.NaN };
  }
}

/**
 * Compares each model against every measured SplitwiseSim point of one LLM (default Llama-2-70B) on
 * the given hardware and TP degrees: prefill = prompt_time of prompt_size x batch_size; decode =
 * token_time at batch_size sequences with context prompt_size. Rows flagged by exclusionReason are
 * left out and counted. Pure: the caller reads the CSV and builds the factories.
 */
export function validateAgainstSplitwise(
  rows: readonly SplitwiseRow[],
  factories: Readonly<Record<string, ModelFactory>>,
  opts: ValidationOptions = {},
): ValidationReport {
  const llm = opts.llm ?? 'llama-2-70b';
  const hardware = opts.hardware ?? ['a100-80gb', 'h100-80gb'];
  const tps = opts.tps ?? [2, 4, 8];
  const csvModel = SPLITWISE_MODELS[llm];
  const excluded = new Map<string, number>();
  const selected: SplitwiseRow[] = [];
  for (const r of rows) {
    if (r.model !== csvModel || !hardware.includes(r.hardware) || !tps.includes(r.tp)) continue;
    const why = exclusionReason(r);
    if (why !== undefined) excluded.set(why, (excluded.get(why) ?? 0) + 1);
    else selected.push(r);
  }
  const out: ValidationRow[] = [];
  for (const [name, factory] of Object.entries(factories)) {
    const byPhase: Record<Phase, Acc> = { prefill: new Acc(), decode: new Acc() };
    const overall = new Acc();
    for (const hw of hardware) {
      for (const tp of tps) {
        const mine = selected.filter((r) => r.hardware === hw && r.tp === tp);
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
        for (const phase of ['prefill', 'decode'] as const) out.push({ model: name, hardware: hw, tp, phase, ...acc[phase].stats() });
      }
    }
    for (const phase of ['prefill', 'decode'] as const) out.push({ model: name, hardware: 'all', tp: 0, phase, ...byPhase[phase].stats() });
    out.push({ model: name, hardware: 'all', tp: 0, phase: 'all', ...overall.stats() });
  }
  return { llm, rowsUsed: selected.length, excluded: [...excluded].map(([reason, count]) => ({ reason, count })), rows: out };
}

/** A Markdown table: one line per (hardware, tp, phase), one column pair per perf model. */
export function formatValidation(report: ValidationReport): string {
  const names = [...new Set(report.rows.map((r) => r.model))];
  const keys = [...new Set(report.rows.map((r) => `${r.hardware}|${r.tp}|${r.phase}`))];
  const find = (name: string, key: string): ValidationRow | undefined =>
    report.rows.find((r) => r.model === name && `${r.hardware}|${r.tp}|${r.phase}` === key);
  const pct = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)}%` : '-');
  let s = `Perf-model error vs SplitwiseSim measurements, ${report.llm} (${report.rowsUsed} CSV rows, 2 points each)\n\n`;
  s += `| hardware | tp | phase | n |${names.map((n) => ` ${n} MAPE | ${n} bias |`).join('')}\n`;
  s += `|---|---|---|---|${names.map(() => '---|---|').join('')}\n`;
  for (const key of keys) {
    const [hw, tp, phase] = key.split('|') as [string, string, string];
    const first = find(names[0]!, key);
    s += `| ${hw} | ${tp === '0' ? 'all' : tp} | ${phase} | ${first?.n ?? 0} |`;
    for (const n of names) {
      const r = find(n, key);
      s += ` ${pct(r?.mape ?? Number.NaN)} | ${pct(r?.bias ?? Number.NaN)} |`;
    }
    s += '\n';
  }
  for (const e of report.excluded) s += `\nexcluded ${e.count} rows: ${e.reason}`;
  return `${s}\n`;
}
