/** Exact order statistics: pure functions over samples (d3-array style). */
import { exactSum } from './exactSum.js';
import { moveNaNsToEnd, multiSelect } from './select.js';
import { StreamOrderStatistics, type ValueSink } from './streamSelect.js';
import { MAX_ENTRY_WEIGHT, weightedSelect, type WeightedSegment } from './weightedSelect.js';

export interface Distribution {
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/** The percentiles a `Distribution` reports. */
const PS = [0.5, 0.9, 0.95, 0.99] as const;

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
  return distributionInPlace(Float64Array.from(values));
}

/**
 * The same, reordering `xs[0..n)` in place (no copy): the type-7 percentiles come from a multi-select
 * of the two order statistics each needs, so they equal those of a full sort bit for bit; the mean is
 * the exactly rounded sum over n (independent of the order of the samples). NaNs sort last, as in an
 * ascending sort, and make the mean NaN.
 */
export function distributionInPlace(xs: Float64Array, n = xs.length): Distribution {
  const a = n === xs.length ? xs : xs.subarray(0, n);
  const mean = n > 0 ? exactSum(a, n) / n : Number.NaN;
  const finite = moveNaNsToEnd(a, n);
  const ranks: number[] = [];
  for (const p of PS) {
    const lo = Math.floor((n - 1) * p);
    ranks.push(lo, lo + 1);
  }
  multiSelect(a, ranks, 0, finite - 1);
  return { mean, p50: quantileSorted(a, 0.5), p90: quantileSorted(a, 0.9), p95: quantileSorted(a, 0.95), p99: quantileSorted(a, 0.99) };
}

/**
 * The same for a sample that `visit` produces on demand (it must push the same values in the same
 * order on every call; it is called twice, at most four times), without holding it: see
 * `StreamOrderStatistics`.
 */
export function streamDistribution(visit: (sink: ValueSink) => void): Distribution {
  const s = streamingDistribution();
  do visit(s);
  while (s.endPass());
  return s.distribution();
}

/** A caller-driven `streamDistribution`: push, `endPass()` while it asks for another pass, then read. */
export function streamingDistribution(): StreamOrderStatistics & { distribution(): Distribution } {
  const s = new StreamOrderStatistics((n) => {
    const ranks: number[] = [];
    for (const p of PS) {
      const lo = Math.floor((n - 1) * p);
      ranks.push(lo, lo + 1);
    }
    return ranks;
  });
  return Object.assign(s, {
    distribution(): Distribution {
      const st = s.result();
      const n = st.count;
      const q = (k: number): number => {
        if (n === 0) return Number.NaN;
        const h = (n - 1) * (PS[k] as number);
        const lo = Math.floor(h);
        const a = st.values[2 * k] as number;
        if (lo + 1 >= n) return a;
        return a + (h - lo) * ((st.values[2 * k + 1] as number) - a);
      };
      return { mean: st.mean, p50: q(0), p90: q(1), p95: q(2), p99: q(3) };
    },
  });
}

/**
 * The same for samples with integer multiplicities (each value counted `weights[i]` times): the
 * result equals `distribution` of the expanded sample, without expanding it. (A weight above 255 is
 * held as several entries; the mean then sums their products separately.)
 */
export function weightedDistribution(values: ArrayLike<number>, weights: ArrayLike<number>): Distribution {
  const n = values.length;
  let entries = 0;
  for (let i = 0; i < n; i++) {
    const x = weights[i] as number;
    if (!Number.isInteger(x) || x < 0 || x > Number.MAX_SAFE_INTEGER) throw new RangeError(`weight ${i} is ${x}: weights are integer multiplicities`);
    entries += Math.max(1, Math.ceil(x / MAX_ENTRY_WEIGHT));
  }
  const v = new Float64Array(entries);
  const w = new Uint8Array(entries);
  let k = 0;
  for (let i = 0; i < n; i++) {
    let x = weights[i] as number;
    do {
      const part = Math.min(x, MAX_ENTRY_WEIGHT);
      v[k] = values[i] as number;
      w[k++] = part;
      x -= part;
    } while (x > 0);
  }
  return weightedDistributionOf([{ values: v, weights: w, length: entries }]);
}

/**
 * Weighted distribution over several segments (e.g. every instance's TBT log), read in place: an
 * exact radix select (src/stats/weightedSelect.ts) finds the order statistics of the expanded sample.
 */
export function weightedDistributionOf(segments: readonly WeightedSegment[]): Distribution {
  const sel = weightedSelect(segments, (total) => {
    const ranks: number[] = [];
    for (const p of PS) {
      const h = (total - 1) * p;
      ranks.push(Math.floor(h), Math.min(Math.floor(h) + 1, total - 1));
    }
    return total > 0 ? ranks : [];
  });
  const total = sel.total;
  const q = (k: number): number => {
    if (total === 0) return Number.NaN;
    const h = (total - 1) * (PS[k] as number);
    const a = sel.values[2 * k] as number;
    const b = sel.values[2 * k + 1] as number;
    return h === Math.floor(h) ? a : a + (h - Math.floor(h)) * (b - a);
  };
  return { mean: total ? sel.sum / total : Number.NaN, p50: q(0), p90: q(1), p95: q(2), p99: q(3) };
}
