import type { PerfModel } from '../../model/perfModel.js';
import { CalibratedPerfModel, type PhaseError } from '../calibrated.js';
import { makeDeployment } from '../presets.js';
import { DEFAULT_ROOFLINE, RooflinePerfModel } from '../roofline.js';
import { assignFolds, type MeasuredPhase, type MeasuredPoint } from './points.js';
import { fitWithSelection, type CalibratedCoefficients } from './rooflineFit.js';

/** The coefficients the fit starts from: the roofline's defaults, no interference. */
export const FIT_START: CalibratedCoefficients = Object.freeze({ ...DEFAULT_ROOFLINE, mixedInterferenceS: 0, prefillSeqOverheadS: 0, prefillFloorS: 0, decodeFloorS: 0, floorPerSeqS: 0, throttledComputeEfficiency: DEFAULT_ROOFLINE.computeEfficiency, throttleTokens: Infinity });

export const DEFAULT_FOLDS = 5;

/** Accumulates relative errors pred / meas − 1 (fractions). */
export class ErrorAcc {
  points = 0;
  private abs = 0;
  private signed = 0;
  add(pred: number, meas: number): void {
    const e = pred / meas - 1;
    this.points++;
    this.abs += Math.abs(e);
    this.signed += e;
  }
  stats(): PhaseError {
    return { points: this.points, mape: this.points ? this.abs / this.points : Number.NaN, bias: this.points ? this.signed / this.points : Number.NaN };
  }
}

type ByPhase = Partial<Record<MeasuredPhase, PhaseError>>;

/** Held-out and uncalibrated errors of one phase at one batch size. */
export interface BatchError {
  readonly phase: MeasuredPhase;
  readonly batch: number;
  readonly before: PhaseError;
  readonly heldOut: PhaseError;
}

export interface FoldFit {
  readonly fold: number;
  /** Points the fit saw, and points it was scored on (never the same). */
  readonly fitPoints: number;
  readonly heldOutPoints: number;
  readonly coefficients: CalibratedCoefficients;
}

/** Everything the calibration of one (model, GPU, TP) produced. */
export interface SetupFit {
  readonly model: string;
  readonly gpu: string;
  readonly tp: number;
  /** Fitted on every point: what a calibration file ships. */
  readonly coefficients: CalibratedCoefficients;
  /** Uncalibrated roofline (DEFAULT_ROOFLINE) on every point. */
  readonly before: ByPhase;
  /** Each point predicted by the fold that did not see it. */
  readonly heldOut: ByPhase;
  /** The shipped coefficients on the points they were fitted to. */
  readonly inSample: ByPhase;
  readonly byBatch: readonly BatchError[];
  readonly folds: readonly FoldFit[];
}

function phasesOf(accs: Map<MeasuredPhase, ErrorAcc>): ByPhase {
  const out: ByPhase = {};
  for (const ph of ['prefill', 'decode', 'mixed'] as const) {
    const a = accs.get(ph);
    if (a) out[ph] = a.stats();
  }
  return out;
}

function errorsOf(points: readonly MeasuredPoint[], model: (p: MeasuredPoint) => PerfModel): ByPhase {
  const accs = new Map<MeasuredPhase, ErrorAcc>();
  for (const p of points) {
    const a = accs.get(p.phase) ?? new ErrorAcc();
    a.add(model(p).iterationTime(p.shape), p.seconds);
    accs.set(p.phase, a);
  }
  return phasesOf(accs);
}

/**
 * Each point weighted 1 / (points of its phase and configuration), so that every measured
 * configuration counts once in the fit however often it was repeated.
 */
export function configWeighted(points: readonly MeasuredPoint[]): (MeasuredPoint & { weight: number })[] {
  const key = (p: MeasuredPoint): string => `${p.phase}:${p.config.join(',')}`;
  const count = new Map<string, number>();
  for (const p of points) count.set(key(p), (count.get(key(p)) ?? 0) + 1);
  return points.map((p) => ({ ...p, weight: 1 / (count.get(key(p)) as number) }));
}

/** The measured setups in the points, sorted (model, gpu, tp). */
export function setupsOf(points: readonly MeasuredPoint[]): { model: string; gpu: string; tp: number }[] {
  const seen = new Map<string, { model: string; gpu: string; tp: number }>();
  for (const p of points) seen.set(`${p.model}/${p.gpu}/${String(p.tp).padStart(3, '0')}`, { model: p.model, gpu: p.gpu, tp: p.tp });
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/**
 * Calibrates one setup: k fits, each on every fold but one and scored on that one (see
 * assignFolds), then one fit on all points for the shipped coefficients.
 */
export function calibrateSetup(points: readonly MeasuredPoint[], k = DEFAULT_FOLDS, start: CalibratedCoefficients = FIT_START): SetupFit {
  const first = points[0];
  if (first === undefined) throw new Error('calibrateSetup: no points');
  const d = makeDeployment(first.model, first.gpu, first.tp);
  const folds = assignFolds(points, k);
  const weighted = configWeighted(points);
  const heldModel: PerfModel[] = new Array<PerfModel>(points.length);
  const foldFits: FoldFit[] = [];
  for (let f = 0; f < k; f++) {
    const train = weighted.filter((_, i) => folds[i] !== f);
    const test = points.filter((_, i) => folds[i] === f);
    if (test.length === 0) continue;
    const fit = fitWithSelection(d, train, start);
    const model = new CalibratedPerfModel(d, fit.coefficients);
    folds.forEach((g, i) => {
      if (g === f) heldModel[i] = model;
    });
    foldFits.push({ fold: f, fitPoints: train.length, heldOutPoints: test.length, coefficients: fit.coefficients });
  }
  const all = fitWithSelection(d, weighted, start);
  const shipped = new CalibratedPerfModel(d, all.coefficients);
  const roofline = new RooflinePerfModel(d);
  const index = new Map(points.map((p, i) => [p, i]));
  const byBatch: BatchError[] = [];
  const keys = [...new Set(points.map((p) => `${p.phase}:${p.batch}`))];
  for (const key of keys) {
    const [phase, batch] = key.split(':') as [MeasuredPhase, string];
    const mine = points.filter((p) => p.phase === phase && p.batch === Number(batch));
    byBatch.push({
      phase,
      batch: Number(batch),
      before: errorsOf(mine, () => roofline)[phase] as PhaseError,
      heldOut: errorsOf(mine, (p) => heldModel[index.get(p) as number] as PerfModel)[phase] as PhaseError,
    });
  }
  byBatch.sort((a, b) => (a.phase === b.phase ? a.batch - b.batch : a.phase < b.phase ? 1 : -1));
  return {
    model: first.model,
    gpu: first.gpu,
    tp: first.tp,
    coefficients: all.coefficients,
    before: errorsOf(points, () => roofline),
    heldOut: errorsOf(points, (p) => heldModel[index.get(p) as number] as PerfModel),
    inSample: errorsOf(points, () => shipped),
    byBatch,
    folds: foldFits,
  };
}

/** calibrateSetup for every setup in the points. */
export function calibrateAll(points: readonly MeasuredPoint[], k = DEFAULT_FOLDS): SetupFit[] {
  return setupsOf(points).map((s) => calibrateSetup(points.filter((p) => p.model === s.model && p.gpu === s.gpu && p.tp === s.tp), k));
}
