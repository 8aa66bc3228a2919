import type { Deployment } from '../../model/hardware.js';
import type { BatchShape } from '../../model/perfModel.js';
import { RooflineTerms, type RooflineOptions } from '../roofline.js';
import { nnls } from './nnls.js';

/**
 * The calibrated roofline's coefficients: the roofline's options (the throttle knee included) plus
 * floors, per-sequence costs and a prefill/decode interference term (see CalibratedPerfModel).
 * `mixedInterferenceS` is added once per decoding sequence of a mixed (chunked-prefill) iteration:
 * the slowdown a decode sees when a prefill chunk shares its step.
 */
export interface CalibratedCoefficients extends RooflineOptions {
  readonly mixedInterferenceS: number;
  /** Seconds added per prefilling sequence of an iteration (per-sequence work of the measured stack). */
  readonly prefillSeqOverheadS: number;
  /**
   * The least time of an iteration with a prefill (resp. decodes only), in seconds, besides the
   * overhead: the step takes max(floor, GPU time). A host-side floor (launching a step's kernels,
   * scheduling) that GPU work hides once it is longer. 0: no floor.
   */
  readonly prefillFloorS: number;
  readonly decodeFloorS: number;
  /** Seconds per sequence of the batch added to the floor (host-side work per sequence). */
  readonly floorPerSeqS: number;
}

/** One measured iteration: its shape and its time in seconds. */
export interface TimedShape {
  readonly shape: BatchShape;
  readonly seconds: number;
  /** Weight in the least squares (default 1). */
  readonly weight?: number;
}

/**
 * The fitted parameters, each >= 0: times in seconds as they are, efficiencies as 1/efficiency − 1
 * (an efficiency of 1 is the bound). The all-reduce latency and the knee position are not fitted:
 * within one (model, GPU, TP) the latency is a constant per iteration like the overhead, which
 * absorbs it, and the knee is chosen from a few candidates (fitWithSelection).
 */
export const FIT_PARAMS = ['iterationOverheadS', 'computeEfficiency', 'attentionEfficiency', 'memoryEfficiency', 'nvlinkEfficiency', 'mixedInterferenceS', 'throttledComputeEfficiency', 'prefillSeqOverheadS', 'prefillFloorS', 'decodeFloorS', 'floorPerSeqS'] as const;
export type FitParam = (typeof FIT_PARAMS)[number];

const UNIT: RooflineOptions = Object.freeze({
  computeEfficiency: 1,
  attentionEfficiency: 1,
  memoryEfficiency: 1,
  nvlinkEfficiency: 1,
  iterationOverheadS: 0,
  allReduceLatencyS: 0,
  throttledComputeEfficiency: 1,
  throttleTokens: Infinity,
});

/** An iteration's roofline parts at efficiency 1 (seconds), from which any coefficients price it. */
export interface UnitParts {
  linC: number;
  linM: number;
  preC: number;
  preM: number;
  decC: number;
  decM: number;
  arTok: number;
  arFixed: number;
  /** Decoding sequences of a mixed iteration (0 when not mixed). */
  mixedSeqs: number;
  prefillSeqs: number;
  seqs: number;
  hasPrefill: number;
  /** The part of linC from tokens beyond the throttle knee (linC itself keeps the rest). */
  linCHigh: number;
  empty: boolean;
}

/** Precomputes the efficiency-1 parts of shapes for one deployment. */
export function unitPartsFor(d: Deployment, allReduceLatencyS: number, throttleTokens: number): (s: BatchShape) => UnitParts {
  const unit = new RooflineTerms(d, UNIT);
  const latency = new RooflineTerms(d, { ...UNIT, allReduceLatencyS });
  return (s) => {
    const b = unit.breakdown(s);
    const tokens = s.prefillTokens + s.decodeSeqs;
    // The roofline prices the share (tokens − knee) / tokens of the linear compute at the throttled efficiency.
    const high = tokens > throttleTokens ? (b.linearCompute * (tokens - throttleTokens)) / tokens : 0;
    return {
      linC: b.linearCompute - high,
      linCHigh: high,
      linM: b.linearMemory,
      preC: b.prefillAttnCompute,
      preM: b.prefillAttnMemory,
      decC: b.decodeAttnCompute,
      decM: b.decodeAttnMemory,
      arTok: b.allReduce,
      arFixed: tokens === 0 ? 0 : latency.allReduce(0),
      mixedSeqs: s.prefillTokens > 0 && s.decodeSeqs > 0 ? s.decodeSeqs : 0,
      prefillSeqs: s.prefillSeqs,
      seqs: s.prefillSeqs + s.decodeSeqs,
      hasPrefill: s.prefillTokens > 0 ? 1 : 0,
      empty: tokens === 0,
    };
  };
}

/** The parameter vector of some coefficients (see FIT_PARAMS). */
export function toParams(c: CalibratedCoefficients): number[] {
  return [c.iterationOverheadS, 1 / c.computeEfficiency - 1, 1 / c.attentionEfficiency - 1, 1 / c.memoryEfficiency - 1, 1 / c.nvlinkEfficiency - 1, c.mixedInterferenceS, 1 / c.throttledComputeEfficiency - 1, c.prefillSeqOverheadS, c.prefillFloorS, c.decodeFloorS, c.floorPerSeqS];
}

export function fromParams(p: readonly number[], allReduceLatencyS: number, throttleTokens: number): CalibratedCoefficients {
  const eff = (i: number): number => 1 / (1 + (p[i] as number));
  return {
    iterationOverheadS: p[0] as number,
    computeEfficiency: eff(1),
    attentionEfficiency: eff(2),
    memoryEfficiency: eff(3),
    nvlinkEfficiency: eff(4),
    allReduceLatencyS,
    mixedInterferenceS: p[5] as number,
    prefillSeqOverheadS: p[7] as number,
    prefillFloorS: p[8] as number,
    decodeFloorS: p[9] as number,
    floorPerSeqS: p[10] as number,
    throttledComputeEfficiency: eff(6),
    throttleTokens,
  };
}

/**
 * The iteration time at parameters p, linearised: time = offset + row · p, exact at p for the
 * branches (compute or memory) that are active at p. This is the Gauss-Newton model of the fit.
 */
export function linearise(u: UnitParts, p: readonly number[]): { offset: number; row: number[] } {
  const row = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  if (u.empty) return { offset: 0, row };
  const uC = 1 + (p[1] as number);
  const uA = 1 + (p[2] as number);
  const uM = 1 + (p[3] as number);
  const uT = 1 + (p[6] as number);
  // GPU time: linear layers (compute below and beyond the throttle knee, or memory), attention, all-reduce.
  let offset = u.arFixed + u.arTok;
  row[4] = u.arTok;
  if (u.linC * uC + u.linCHigh * uT >= u.linM * uM) {
    offset += u.linC + u.linCHigh;
    row[1] = u.linC;
    row[6] = u.linCHigh;
  } else {
    offset += u.linM;
    row[3] = u.linM;
  }
  for (const [c, m] of [
    [u.preC, u.preM],
    [u.decC, u.decM],
  ] as const) {
    if (c === 0 && m === 0) continue;
    if (c * uA >= m * uM) {
      offset += c;
      row[2] = (row[2] as number) + c;
    } else {
      offset += m;
      row[3] = (row[3] as number) + m;
    }
  }
  // The floor replaces the GPU time where it is longer.
  const floorIdx = u.hasPrefill ? 8 : 9;
  const gpu = offset + row.reduce((s, v, j) => s + v * (p[j] as number), 0);
  if ((p[floorIdx] as number) + (p[10] as number) * u.seqs > gpu) {
    offset = 0;
    row.fill(0);
    row[floorIdx] = 1;
    row[10] = u.seqs;
  }
  // Added outside the max: overhead, per prefill sequence, interference.
  row[0] = 1;
  row[5] = u.mixedSeqs;
  row[7] = u.prefillSeqs;
  return { offset, row };
}

/** The model's time at parameters p (equals CalibratedPerfModel.iterationTime at fromParams(p)). */
export function predict(u: UnitParts, p: readonly number[]): number {
  const { offset, row } = linearise(u, p);
  return offset + row.reduce((s, v, j) => s + v * (p[j] as number), 0);
}

export interface FitOptions {
  /** Starting coefficients (also the values of parameters that are not fitted). */
  readonly start: CalibratedCoefficients;
  /** Parameters to fit; the default fits all, except the interference when no point is mixed. */
  readonly fit?: readonly FitParam[];
  readonly maxIterations?: number;
}

export interface FitResult {
  readonly coefficients: CalibratedCoefficients;
  /** Root mean square of the relative error over the fitted points. */
  readonly rmsRelative: number;
  readonly iterations: number;
  readonly fitted: readonly FitParam[];
}

/**
 * Repeats of one shape merged into one weighted point with the same least-squares objective:
 * Σ wᵢ (t/mᵢ − 1)² = W (t/m − 1)² + c with A = Σ wᵢ/mᵢ², B = Σ wᵢ/mᵢ, m = B/A, W = B²/A and
 * c = Σ wᵢ − B²/A. Fitting the merged points finds the same minimum, several times faster.
 */
export function mergeRepeats(points: readonly TimedShape[]): { merged: TimedShape[]; constant: number; totalWeight: number } {
  const groups = new Map<string, { shape: TimedShape['shape']; a: number; b: number; w: number }>();
  for (const pt of points) {
    const s = pt.shape;
    const key = `${s.prefillSeqs},${s.prefillTokens},${s.prefillAttnPairs},${s.prefillPastTokens},${s.decodeSeqs},${s.decodeContextTokens}`;
    const g = groups.get(key) ?? { shape: s, a: 0, b: 0, w: 0 };
    const w = pt.weight ?? 1;
    g.a += w / pt.seconds ** 2;
    g.b += w / pt.seconds;
    g.w += w;
    groups.set(key, g);
  }
  let constant = 0;
  let totalWeight = 0;
  const merged = [...groups.values()].map((g) => {
    constant += g.w - (g.b * g.b) / g.a;
    totalWeight += g.w;
    return { shape: g.shape, seconds: g.b / g.a, weight: (g.b * g.b) / g.a };
  });
  return { merged, constant: Math.max(0, constant), totalWeight };
}

function rmsRel(units: readonly UnitParts[], pts: readonly TimedShape[], p: readonly number[], constant = 0, totalWeight?: number): number {
  let s = constant;
  let w = 0;
  units.forEach((u, i) => {
    const pt = pts[i] as TimedShape;
    s += (pt.weight ?? 1) * (predict(u, p) / pt.seconds - 1) ** 2;
    w += pt.weight ?? 1;
  });
  return Math.sqrt(s / Math.max(1e-300, totalWeight ?? w));
}

/**
 * Least squares on relative error, min Σ (predicted / measured − 1)², with every parameter >= 0
 * (efficiencies <= 1, overhead and interference >= 0). The time is piecewise linear in the
 * parameters (a sum of maxima of linear terms), so each Gauss-Newton step is an exact NNLS on the
 * branches active at the current point; a step that does not lower the error is halved
 * (backtracking), and the loop ends when a step no longer helps. Pure and deterministic.
 */
export function fitRoofline(d: Deployment, raw: readonly TimedShape[], o: FitOptions): FitResult {
  const { merged: points, constant, totalWeight } = mergeRepeats(raw);
  const rms = (q: readonly number[]): number => rmsRel(units, points, q, constant, totalWeight);
  const knee = o.start.throttleTokens;
  const parts = unitPartsFor(d, o.start.allReduceLatencyS, knee);
  const units = points.map((pt) => parts(pt.shape));
  const anyMixed = units.some((u) => u.mixedSeqs > 0);
  const anyHigh = units.some((u) => u.linCHigh > 0);
  const fitted =
    o.fit ?? FIT_PARAMS.filter((k) => (k !== 'mixedInterferenceS' || anyMixed) && (k !== 'throttledComputeEfficiency' || anyHigh));
  const idx = fitted.map((k) => FIT_PARAMS.indexOf(k));
  let p = toParams(o.start);
  let err = rms(p);
  let it = 0;
  for (; it < (o.maxIterations ?? 100); it++) {
    // Rows: (row_fitted / m) · q = 1 − (offset + row_fixed · p_fixed) / m.
    const a: number[][] = [];
    const b: number[] = [];
    units.forEach((u, i) => {
      const m = (points[i] as TimedShape).seconds;
      const sw = Math.sqrt((points[i] as TimedShape).weight ?? 1);
      const { offset, row } = linearise(u, p);
      let fixed = offset;
      row.forEach((v, j) => {
        if (!idx.includes(j)) fixed += v * (p[j] as number);
      });
      a.push(idx.map((j) => (sw * (row[j] as number)) / m));
      b.push(sw * (1 - fixed / m));
    });
    // A parameter no point depends on at p (a floor nowhere active) keeps its value.
    const live = idx.map((_, k) => a.some((r) => r[k] !== 0));
    const q = nnls(
      a.map((r) => r.filter((_, k) => live[k])),
      b,
    );
    const target = p.slice();
    let next = 0;
    idx.forEach((j, k) => {
      if (live[k]) target[j] = q[next++] as number;
    });
    let step = 1;
    let improved = false;
    while (step > 1e-6) {
      const trial = p.map((v, j) => v + step * ((target[j] as number) - v));
      const e = rms(trial);
      if (e < err * (1 - 1e-12)) {
        p = trial;
        err = e;
        improved = true;
        break;
      }
      step /= 2;
    }
    if (!improved) break;
  }
  // A floor that no point reaches is reported as none.
  const onFloor = (j: number): boolean => units.some((u) => linearise(u, p).row[j] === 1);
  if (!onFloor(8) && !onFloor(9)) p[10] = 0;
  for (const j of [8, 9]) if (!onFloor(j)) p[j] = 0;
  const c = fromParams(p, o.start.allReduceLatencyS, knee);
  // Without tokens beyond the knee the throttled efficiency is unused: report it as the plain one.
  const coefficients = anyHigh || fitted.includes('throttledComputeEfficiency') ? c : { ...c, throttledComputeEfficiency: c.computeEfficiency };
  return { coefficients, rmsRelative: err, iterations: it, fitted };
}

/** Throttle knees tried (tokens per iteration), besides none: powers of two inside the measured range. */
export const THROTTLE_KNEES: readonly number[] = [1024, 2048, 4096];

/**
 * Model selection on the points given (never on held-out ones): the plain calibrated roofline, and
 * variants with a throttle knee (each of THROTTLE_KNEES) and/or a per-prefill-sequence cost. A
 * variant with e extra terms must lower the relative RMS to below plain × (1 − minGain)^e to be
 * chosen, so a setup whose points do not need a term keeps the simpler model.
 */
export function fitWithSelection(d: Deployment, points: readonly TimedShape[], start: CalibratedCoefficients, knees = THROTTLE_KNEES, minGain = 0.05): FitResult {
  const base = FIT_PARAMS.filter((k) => k !== 'prefillSeqOverheadS' && k !== 'throttledComputeEfficiency');
  const anyMixed = points.some((p) => p.shape.prefillTokens > 0 && p.shape.decodeSeqs > 0);
  const core = base.filter((k) => k !== 'mixedInterferenceS' || anyMixed);
  const run = (knee: number, perSeq: boolean): FitResult => {
    const fit: FitParam[] = [...core];
    if (Number.isFinite(knee)) fit.push('throttledComputeEfficiency');
    if (perSeq) fit.push('prefillSeqOverheadS');
    return fitRoofline(d, points, { start: { ...start, throttleTokens: knee, prefillSeqOverheadS: 0 }, fit });
  };
  // Floors start just below the fastest measured step of their kind, so that the fit can see them.
  const least = (pre: boolean): number => Math.min(...points.filter((p) => p.shape.prefillTokens > 0 === pre && !(pre && p.shape.decodeSeqs > 0)).map((p) => p.seconds));
  const floor = (pre: boolean): number => (Number.isFinite(least(pre)) ? 0.9 * least(pre) : 0);
  start = { ...start, prefillFloorS: start.prefillFloorS || floor(true), decodeFloorS: start.decodeFloorS || floor(false) };
  let best = run(Infinity, false);
  const plain = best.rmsRelative;
  for (const perSeq of [false, true]) {
    for (const knee of [Infinity, ...knees]) {
      const extra = (perSeq ? 1 : 0) + (Number.isFinite(knee) ? 1 : 0);
      if (extra === 0) continue;
      const r = run(knee, perSeq);
      if (r.rmsRelative < plain * (1 - minGain) ** extra && r.rmsRelative < best.rmsRelative) best = r;
    }
  }
  return best;
}
