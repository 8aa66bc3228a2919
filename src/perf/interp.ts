import { ConfigError } from '../core/errors.js';

/**
 * A piecewise-linear function over a sorted grid held in typed arrays, for hot-path lookups
 * (binary search, no allocation).
 *
 * - At a grid point it returns the tabulated value exactly.
 * - Between grid points it interpolates linearly.
 * - Below the first point it holds the first value: a smaller batch is never modelled as
 *   cheaper than the smallest one measured, and linear extrapolation towards zero can go negative.
 * - Above the last point it extrapolates linearly with the slope over the upper half of the table
 *   (from the last point to the largest grid point at or below half its x), clamped at zero. A
 *   long baseline keeps measurement noise in the last few points from setting the slope; time
 *   never falls beyond the table.
 */
export class PiecewiseLinear {
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  private readonly last: number;
  private readonly tailSlope: number;

  constructor(xs: ArrayLike<number>, ys: ArrayLike<number>, what = 'table') {
    if (xs.length === 0 || xs.length !== ys.length) {
      throw new ConfigError(`${what}: need equally long, non-empty x and y arrays (got ${xs.length} and ${ys.length})`);
    }
    this.xs = Float64Array.from(xs);
    this.ys = Float64Array.from(ys);
    const n = this.xs.length;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(this.xs[i]!) || !Number.isFinite(this.ys[i]!)) throw new ConfigError(`${what}: point ${i} is not finite`);
      if (i > 0 && !(this.xs[i]! > this.xs[i - 1]!)) throw new ConfigError(`${what}: x must increase strictly (point ${i}: ${this.xs[i]} after ${this.xs[i - 1]})`);
    }
    this.last = n - 1;
    let slope = 0;
    if (n > 1) {
      const xl = this.xs[n - 1]!;
      let j = n - 2;
      while (j > 0 && this.xs[j]! > xl / 2) j--;
      slope = (this.ys[n - 1]! - this.ys[j]!) / (xl - this.xs[j]!);
    }
    this.tailSlope = Math.max(0, slope);
  }

  at(x: number): number {
    const xs = this.xs;
    const ys = this.ys;
    const last = this.last;
    if (x <= xs[0]!) return ys[0]!;
    if (x >= xs[last]!) return ys[last]! + this.tailSlope * (x - xs[last]!);
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (xs[mid]! <= x) lo = mid;
      else hi = mid;
    }
    const x0 = xs[lo]!;
    const y0 = ys[lo]!;
    return y0 + ((ys[hi]! - y0) * (x - x0)) / (xs[hi]! - x0);
  }
}

/**
 * Groups (x, y) samples by x and reduces each group with `reduce` (e.g. the median of repeated
 * measurements), returning the sorted grid.
 */
export function groupedGrid(
  xs: readonly number[],
  ys: readonly number[],
  reduce: (values: number[]) => number,
): { xs: number[]; ys: number[] } {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < xs.length; i++) {
    const g = groups.get(xs[i]!);
    if (g) g.push(ys[i]!);
    else groups.set(xs[i]!, [ys[i]!]);
  }
  const keys = [...groups.keys()].sort((a, b) => a - b);
  return { xs: keys, ys: keys.map((k) => reduce(groups.get(k)!)) };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
