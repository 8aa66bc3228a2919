import type { BatchShape } from '../../model/perfModel.js';
import { exclusionReason, SPLITWISE_GPUS, SPLITWISE_MODELS, type SplitwiseRow } from '../profile/splitwise.js';
import { decodeShape, prefillShape } from '../shapes.js';

export type MeasuredPhase = 'prefill' | 'decode' | 'mixed';

/** One measured iteration time of one setup, with what decides its cross-validation fold. */
export interface MeasuredPoint {
  /** Our names (llama-2-70b, a100-80gb). */
  readonly model: string;
  readonly gpu: string;
  readonly tp: number;
  readonly phase: MeasuredPhase;
  readonly shape: BatchShape;
  readonly seconds: number;
  /** Sequences in the batch (for the error by batch size). */
  readonly batch: number;
  /**
   * The measured configuration this point repeats: points with the same key are repeats of one
   * measurement (or, for prefill, the same prompt and batch at another output length) and always
   * share a fold, so no held-out configuration is ever seen by the fit.
   */
  readonly config: readonly number[];
  /** Source line, for messages. */
  readonly line: number;
}

function invert(map: Readonly<Record<string, string>>): Map<string, string> {
  return new Map(Object.entries(map).map(([ours, theirs]) => [theirs, ours]));
}

/**
 * Every usable SplitwiseSim row as a prefill point (prompt_time; config = prompt, batch) and a
 * decode point (token_time; config = prompt, batch, output length, since the output length moves
 * the mean context). Rows of models or GPUs without a preset, and the README's exclusions, are
 * left out. The file has no mixed (chunked-prefill) iterations.
 */
export function splitwisePoints(rows: readonly SplitwiseRow[]): MeasuredPoint[] {
  const models = invert(SPLITWISE_MODELS);
  const gpus = invert(SPLITWISE_GPUS);
  const out: MeasuredPoint[] = [];
  for (const r of rows) {
    const model = models.get(r.model);
    const gpu = gpus.get(r.hardware);
    if (model === undefined || gpu === undefined || exclusionReason(r) !== undefined) continue;
    const base = { model, gpu, tp: r.tp, batch: r.batchSize, line: r.line };
    out.push({ ...base, phase: 'prefill', shape: prefillShape(r), seconds: r.promptTimeMs / 1000, config: [r.promptSize, r.batchSize] });
    out.push({ ...base, phase: 'decode', shape: decodeShape(r), seconds: r.tokenTimeMs / 1000, config: [r.promptSize, r.batchSize, r.tokenSize] });
  }
  return out;
}

function compareConfig(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The deterministic k-fold split: within each (setup, phase), the distinct configurations are
 * sorted (prompt, batch, output length ascending) and the i-th goes to fold i mod k. Neighbouring
 * configurations therefore land in different folds, every configuration is held out exactly once,
 * and repeats of a configuration never straddle the split. Returns one fold index per point.
 */
export function assignFolds(points: readonly MeasuredPoint[], k: number): number[] {
  const byGroup = new Map<string, number[][]>();
  for (const p of points) {
    const g = `${p.model}/${p.gpu}/${p.tp}/${p.phase}`;
    const list = byGroup.get(g) ?? [];
    if (!list.some((c) => compareConfig(c, p.config) === 0)) list.push([...p.config]);
    byGroup.set(g, list);
  }
  for (const list of byGroup.values()) list.sort(compareConfig);
  return points.map((p) => {
    const list = byGroup.get(`${p.model}/${p.gpu}/${p.tp}/${p.phase}`) as number[][];
    return list.findIndex((c) => compareConfig(c, p.config) === 0) % k;
  });
}
