import { tQuantile975 } from '../special.js';

/** A point estimate with its two-sided 95% confidence interval. */
export interface Estimate {
  mean: number;
  lo: number;
  hi: number;
  halfWidth: number;
  /** Independent observations the interval rests on (batches or replications). */
  n: number;
}

/**
 * Student-t interval over independent, identically distributed observations: batch means of one long
 * run (batches of consecutive arrivals, long enough to be nearly independent) or means of independent
 * replications. With fewer than two observations the interval is unbounded.
 */
export function tInterval(values: ArrayLike<number>): Estimate {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i] as number;
  const mean = n > 0 ? s / n : Number.NaN;
  if (n < 2) return { mean, lo: Number.NEGATIVE_INFINITY, hi: Number.POSITIVE_INFINITY, halfWidth: Number.POSITIVE_INFINITY, n };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((values[i] as number) - mean) ** 2;
  const halfWidth = tQuantile975(n - 1) * Math.sqrt(ss / (n - 1) / n);
  return { mean, lo: mean - halfWidth, hi: mean + halfWidth, halfWidth, n };
}

/** Accumulates per-job values into equal batches by arrival index, after a warm-up prefix. */
export class BatchMeans {
  readonly sums: Float64Array;
  readonly counts: Float64Array;

  constructor(
    readonly total: number,
    readonly warmup: number,
    readonly batches: number,
  ) {
    this.sums = new Float64Array(batches);
    this.counts = new Float64Array(batches);
  }

  add(index: number, value: number): void {
    if (index < this.warmup) return;
    const b = Math.min(this.batches - 1, Math.floor(((index - this.warmup) * this.batches) / (this.total - this.warmup)));
    this.sums[b] = (this.sums[b] as number) + value;
    this.counts[b] = (this.counts[b] as number) + 1;
  }

  /** The mean of each non-empty batch, in batch order. */
  means(): number[] {
    const means: number[] = [];
    for (let b = 0; b < this.batches; b++) {
      const c = this.counts[b] as number;
      if (c > 0) means.push((this.sums[b] as number) / c);
    }
    return means;
  }

  estimate(): Estimate {
    const means: number[] = [];
    for (let b = 0; b < this.batches; b++) {
      const c = this.counts[b] as number;
      if (c > 0) means.push((this.sums[b] as number) / c);
    }
    // The overall mean weights jobs equally; the interval comes from the batch means.
    let s = 0;
    let c = 0;
    for (let b = 0; b < this.batches; b++) {
      s += this.sums[b] as number;
      c += this.counts[b] as number;
    }
    const e = tInterval(means);
    const mean = c > 0 ? s / c : Number.NaN;
    return { ...e, mean, lo: mean - e.halfWidth, hi: mean + e.halfWidth };
  }
}
