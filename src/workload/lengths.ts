import type { Rng } from '../kernel/rng.js';

/**
 * Token-length distributions. Every sample is an integer >= 1 without clamping: continuous
 * distributions are mapped to tokens with the ceiling (a positive x gives at least 1); quantile
 * tables round to the nearest integer and their smallest knot is >= 1. Each takes its own Rng.
 */
export interface LengthDist {
  /** Canonical spec text, e.g. 'lognormal:1469,1.2'. */
  readonly spec: string;
  /** Mean tokens per sample (for continuous laws E[x] + 0.5, the ceiling's average shift). */
  readonly mean: number;
  sample(rng: Rng): number;
  /** P(sample < k) for an integer k, used to weight prompt bins exactly. */
  probBelow(k: number): number;
}

/** Output length given the prompt length (independent models ignore the prompt). */
export interface OutputModel {
  readonly spec: string;
  sample(rng: Rng, promptTokens: number): number;
  /** Mean output tokens when prompts follow `prompt`. */
  meanGiven(prompt: LengthDist): number;
}

export function fixedLength(tokens: number): LengthDist {
  return {
    spec: `fixed:${tokens}`,
    mean: tokens,
    sample: () => tokens,
    probBelow: (k) => (tokens < k ? 1 : 0),
  };
}

/** Lognormal with log-mean `mu` and log-sd `sigma`: ceil(exp(mu + sigma Z)). */
export function lognormalLength(mu: number, sigma: number, spec = `lognormal-mu:${mu},${sigma}`): LengthDist {
  return {
    spec,
    mean: Math.exp(mu + (sigma * sigma) / 2) + 0.5,
    sample: (rng) => Math.ceil(rng.lognormal(mu, sigma)),
    probBelow: (k) => (k <= 1 ? 0 : normalCdf((Math.log(k - 1) - mu) / sigma)),
  };
}

/** Lognormal given its median (= e^mu) and sigma: the more readable parametrisation. */
export function lognormalByMedian(median: number, sigma: number): LengthDist {
  return lognormalLength(Math.log(median), sigma, `lognormal:${median},${sigma}`);
}

/** Pareto with minimum `xm` and tail index `alpha` (> 1, so the mean is finite): ceil(xm U^{-1/alpha}). */
export function paretoLength(xm: number, alpha: number): LengthDist {
  return {
    spec: `pareto:${xm},${alpha}`,
    mean: (alpha * xm) / (alpha - 1) + 0.5,
    sample: (rng) => Math.ceil(rng.pareto(xm, alpha)),
    probBelow: (k) => (k - 1 < xm ? 0 : 1 - Math.pow(xm / (k - 1), alpha)),
  };
}

/** Sampling with replacement from observed token counts (integers >= 1), e.g. one trace column. */
export function empiricalLength(values: ArrayLike<number>, spec = `empirical(${values.length} values)`): LengthDist {
  if (values.length === 0) throw new RangeError('empiricalLength: no values');
  const sorted = Float64Array.from(values).sort();
  if (!(sorted[0]! >= 1) || !Number.isInteger(sorted[0]) || !sorted.every(Number.isInteger)) {
    throw new RangeError('empiricalLength: values must be integers >= 1');
  }
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  return {
    spec,
    mean: sum / sorted.length,
    sample: (rng) => sorted[rng.int(sorted.length)]!,
    probBelow: (k) => lowerBound(sorted, k) / sorted.length,
  };
}

/**
 * Inverse-CDF sampling from a quantile table: `values[i]` is the quantile at probability
 * `probs[i]` (probs from 0 to 1 ascending, values non-decreasing, values[0] >= 1); linear
 * interpolation between knots, then rounding. This is how presets carry a trace's distribution
 * without the data file; samples never leave [values[0], values[last]].
 */
export function quantileTableLength(probs: readonly number[], values: readonly number[], spec = 'quantile-table'): LengthDist {
  checkTable(probs, values);
  return new QuantileTableLength(probs, values, spec);
}

/**
 * The quantile table as a class over typed arrays, searched by `guidedSearch`: one monomorphic call
 * per sample instead of three closures. The arithmetic is the same, operation for operation.
 */
class QuantileTableLength implements LengthDist {
  readonly mean: number;
  private readonly p: Float64Array;
  private readonly v: Float64Array;
  private readonly guide: Int32Array;

  constructor(
    private readonly probs: readonly number[],
    private readonly values: readonly number[],
    readonly spec: string,
  ) {
    const n = values.length;
    let mean = 0;
    for (let i = 1; i < n; i++) mean += ((probs[i]! - probs[i - 1]!) * (values[i]! + values[i - 1]!)) / 2;
    this.mean = mean;
    this.p = Float64Array.from(probs);
    this.v = Float64Array.from(values);
    this.guide = guideOf(this.p);
  }

  sample(rng: Rng): number {
    return Math.round(this.quantile(rng.next()));
  }

  private quantile(u: number): number {
    const a = this.p;
    const n = a.length;
    const j = Math.max(1, guidedSearch(a, this.guide, u)); // first knot with prob > u
    const v = this.v;
    if (j >= n) return v[n - 1] as number;
    const p0 = a[j - 1] as number;
    const v0 = v[j - 1] as number;
    return v0 + ((u - p0) / ((a[j] as number) - p0)) * ((v[j] as number) - v0);
  }

  probBelow(k: number): number {
    const probs = this.probs;
    const values = this.values;
    const n = values.length;
    const x = k - 0.5; // round(q) < k  <=>  q < k - 0.5
    if (x <= values[0]!) return 0;
    if (x > values[n - 1]!) return 1;
    const j = lowerBound(values, x); // first knot with value >= x; j >= 1 here
    const v0 = values[j - 1]!;
    return probs[j - 1]! + ((x - v0) / (values[j]! - v0)) * (probs[j]! - probs[j - 1]!);
  }
}

function checkTable(probs: readonly number[], values: readonly number[]): void {
  const n = values.length;
  if (n < 2 || probs.length !== n || probs[0] !== 0 || probs[n - 1] !== 1) {
    throw new RangeError('quantile table: need >= 2 knots, probs from 0 to 1, one value per prob');
  }
  for (let i = 1; i < n; i++) {
    if (!(probs[i]! > probs[i - 1]!) || !(values[i]! >= values[i - 1]!)) {
      throw new RangeError(`quantile table: knot ${i} is out of order`);
    }
  }
  if (!(values[0]! >= 1)) throw new RangeError('quantile table: the smallest value must be >= 1');
}

export function independentOutput(dist: LengthDist): OutputModel {
  return { spec: dist.spec, sample: (rng) => dist.sample(rng), meanGiven: () => dist.mean };
}

/**
 * Output length drawn from the distribution of the prompt's length bin: bin i holds prompts in
 * [lowerEdges[i], lowerEdges[i+1]); lowerEdges[0] must be <= 1 so every prompt has a bin.
 */
export function binnedOutput(lowerEdges: readonly number[], dists: readonly LengthDist[], spec: string): OutputModel {
  if (lowerEdges.length !== dists.length || lowerEdges.length === 0 || !(lowerEdges[0]! <= 1)) {
    throw new RangeError('binnedOutput: one distribution per bin, the first bin starting at <= 1');
  }
  for (let i = 1; i < lowerEdges.length; i++) {
    if (!(lowerEdges[i]! > lowerEdges[i - 1]!)) throw new RangeError('binnedOutput: edges must increase');
  }
  // Bin of each integer prompt below the last edge, looked up instead of searched (the same index as
  // upperBound for such prompts); other prompts are searched. Only for edges up to 2^16.
  const last = lowerEdges[lowerEdges.length - 1]!;
  const lookup = last <= 65536 && dists.length <= 256 ? new Uint8Array(Math.ceil(last) + 1) : undefined;
  if (lookup) for (let k = 0; k < lookup.length; k++) lookup[k] = upperBound(lowerEdges, k) - 1;
  const size = lookup ? lookup.length : 0;
  return {
    spec,
    sample: (rng, prompt) => {
      const bin = prompt >= 1 && prompt < size && (prompt | 0) === prompt ? (lookup as Uint8Array)[prompt]! : upperBound(lowerEdges, prompt) - 1;
      return dists[bin]!.sample(rng);
    },
    meanGiven: (prompt) => {
      let mean = 0;
      for (let i = 0; i < dists.length; i++) {
        const below = i + 1 < lowerEdges.length ? prompt.probBelow(lowerEdges[i + 1]!) : 1;
        mean += (below - prompt.probBelow(lowerEdges[i]!)) * dists[i]!.mean;
      }
      return mean;
    },
  };
}

/**
 * The empirical "output given prompt-length bin" model of a trace: within the prompt's bin, an
 * output is drawn with replacement from the outputs observed there. A bin with no observations
 * borrows the nearest non-empty bin below it (else above), so new prompt lengths still get outputs.
 */
export function empiricalBinnedOutput(
  prompts: ArrayLike<number>,
  outputs: ArrayLike<number>,
  lowerEdges: readonly number[],
): OutputModel {
  const perBin: number[][] = lowerEdges.map(() => []);
  for (let i = 0; i < prompts.length; i++) perBin[Math.max(0, upperBound(lowerEdges, prompts[i]!) - 1)]!.push(outputs[i]!);
  const filled = perBin.map((_, i) => nearestNonEmpty(perBin, i));
  const dists = filled.map((vals) => empiricalLength(vals));
  return binnedOutput(lowerEdges, dists, `empirical-binned(${lowerEdges.join(',')})`);
}

function nearestNonEmpty(bins: number[][], i: number): number[] {
  for (let j = i; j >= 0; j--) if (bins[j]!.length > 0) return bins[j]!;
  for (let j = i + 1; j < bins.length; j++) if (bins[j]!.length > 0) return bins[j]!;
  throw new RangeError('empiricalBinnedOutput: no observations');
}

/** First index with a[i] >= x (a ascending). */
export function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `upperBound(probs, u)` for a fixed ascending table, faster for u in [0, 1) (a uniform draw): a
 * guide of 256 buckets gives the range of answers for u's bucket (upperBound is monotone in u, and
 * u·256 is exact), and the binary search runs only there. The same index as `upperBound` for every u.
 */
const GUIDE = 256;

/** The guide of a table (as doubles): entry k is upperBound(a, k / GUIDE). */
function guideOf(a: Float64Array): Int32Array {
  const guide = new Int32Array(GUIDE + 1);
  for (let k = 0; k <= GUIDE; k++) guide[k] = upperBound(a, k / GUIDE);
  return guide;
}

/** upperBound(a, u), searched only within u's guide bucket when u is in [0, 1). */
function guidedSearch(a: Float64Array, guide: Int32Array, u: number): number {
  if (!(u >= 0 && u < 1)) return upperBound(a, u);
  const k = Math.floor(u * GUIDE);
  let lo = guide[k] as number;
  let hi = guide[k + 1] as number; // the answer is in [lo, hi]
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function guidedUpperBound(probs: readonly number[]): (u: number) => number {
  const a = Float64Array.from(probs);
  const guide = guideOf(a);
  return (u) => guidedSearch(a, guide, u);
}

/** First index with a[i] > x (a ascending). */
export function upperBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Standard normal CDF via erfc (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = -z / Math.SQRT2;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.5 * a);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
    t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfc = t * Math.exp(-a * a + poly);
  return 0.5 * (x >= 0 ? erfc : 2 - erfc);
}
