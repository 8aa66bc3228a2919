/** Exact order statistics: pure functions over samples (d3-array style). */

export interface Distribution {
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/**
 * Quantile p in [0, 1] of ascending-sorted values by linear interpolation between order statistics
 * (Hyndman & Fan type 7, numpy's default). NaN for no values.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  if (lo + 1 >= n) return a;
  return a + (h - lo) * ((sorted[lo + 1] as number) - a);
}

/** Mean and the usual percentiles of the samples (the input is not modified). */
export function distribution(values: ArrayLike<number>): Distribution {
  const xs = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i] as number;
  return {
    mean: xs.length ? sum / xs.length : Number.NaN,
    p50: quantileSorted(xs, 0.5),
    p90: quantileSorted(xs, 0.9),
    p95: quantileSorted(xs, 0.95),
    p99: quantileSorted(xs, 0.99),
  };
}

/**
 * The same for samples with integer multiplicities (each value counted `weights[i]` times): the
 * result equals `distribution` of the expanded sample, without expanding it. Quantiles come from a
 * weighted quickselect (expected linear time), so ten million weighted samples take well under a
 * second.
 */
export function weightedDistribution(values: ArrayLike<number>, weights: ArrayLike<number>): Distribution {
  const n = values.length;
  const v = Float64Array.from(values);
  const w = Float64Array.from(weights);
  let total = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    total += w[i] as number;
    sum += (v[i] as number) * (w[i] as number);
  }
  const q = (p: number): number => {
    if (total === 0) return Number.NaN;
    const h = (total - 1) * p;
    const lo = Math.floor(h);
    const a = weightedSelect(v, w, lo);
    if (lo + 1 >= total || h === lo) return a;
    return a + (h - lo) * (weightedSelect(v, w, lo + 1) - a);
  };
  return { mean: total ? sum / total : Number.NaN, p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99) };
}

/** The k-th smallest (0-based) element of the expanded sample; reorders v and w together. */
export function weightedSelect(v: Float64Array, w: Float64Array, k: number): number {
  let lo = 0;
  let hi = v.length - 1;
  for (;;) {
    if (lo > hi) throw new RangeError('weightedSelect: rank out of range');
    const mid = (lo + hi) >>> 1;
    const pivot = median3(v[lo] as number, v[mid] as number, v[hi] as number);
    // Three-way partition: [lo, lt) < pivot, [lt, i) == pivot, (gt, hi] > pivot.
    let lt = lo;
    let i = lo;
    let gt = hi;
    let wLess = 0;
    let wEq = 0;
    while (i <= gt) {
      const x = v[i] as number;
      if (x < pivot) {
        wLess += w[i] as number;
        swap(v, w, lt++, i++);
      } else if (x > pivot) {
        swap(v, w, i, gt--);
      } else {
        wEq += w[i] as number;
        i++;
      }
    }
    if (k < wLess) hi = lt - 1;
    else if (k < wLess + wEq) return pivot;
    else {
      k -= wLess + wEq;
      lo = gt + 1;
    }
  }
}

function median3(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
}

function swap(v: Float64Array, w: Float64Array, i: number, j: number): void {
  const x = v[i] as number;
  v[i] = v[j] as number;
  v[j] = x;
  const y = w[i] as number;
  w[i] = w[j] as number;
  w[j] = y;
}
