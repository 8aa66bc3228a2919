/**
 * The sort-based quantiles this project used before selection (kept as the reference that
 * `quantile.test.ts` compares the selection-based ones against, value for value). Means here are
 * naive sums in ascending order; the selection-based ones use exactly rounded sums instead.
 */
import { quantileSorted, type Distribution } from './quantile.js';

/** Mean and the usual percentiles of the samples (the input is not modified). */
export function referenceDistribution(values: ArrayLike<number>): Distribution {
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
 * result equals `distribution` of the expanded sample, without expanding it. Values are sorted
 * together with their weights by an LSD radix sort on the IEEE-754 bit patterns (four 16-bit
 * passes, linear time), so ten million weighted samples take a fraction of a second.
 */
export function referenceWeightedDistribution(values: ArrayLike<number>, weights: ArrayLike<number>): Distribution {
  const { sorted, w } = sortWithWeights(values, weights);
  const n = sorted.length;
  let total = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    total += w[i] as number;
    sum += (sorted[i] as number) * (w[i] as number);
  }
  const ps = [0.5, 0.9, 0.95, 0.99];
  // Ranks needed in the expanded sample, ascending; then one walk over the cumulative weights.
  const ranks: number[] = [];
  for (const p of ps) {
    const h = (total - 1) * p;
    ranks.push(Math.floor(h), Math.min(Math.floor(h) + 1, total - 1));
  }
  const order = ranks.map((r, i) => [r, i] as const).sort((a, b) => a[0] - b[0]);
  const at = new Array<number>(ranks.length).fill(Number.NaN);
  let acc = 0;
  let j = 0;
  for (let i = 0; i < n && j < order.length; i++) {
    acc += w[i] as number;
    while (j < order.length && (order[j] as readonly [number, number])[0] < acc) {
      at[(order[j] as readonly [number, number])[1]] = sorted[i] as number;
      j++;
    }
  }
  const q = (k: number): number => {
    if (total === 0) return Number.NaN;
    const h = (total - 1) * (ps[k] as number);
    const a = at[2 * k] as number;
    const b = at[2 * k + 1] as number;
    return h === Math.floor(h) ? a : a + (h - Math.floor(h)) * (b - a);
  };
  return { mean: total ? sum / total : Number.NaN, p50: q(0), p90: q(1), p95: q(2), p99: q(3) };
}

/** Sorts values ascending, carrying their weights along (stable LSD radix sort on the bit patterns). */
export function sortWithWeights(values: ArrayLike<number>, weights: ArrayLike<number>): { sorted: Float64Array; w: Float64Array } {
  const n = values.length;
  let keys = Float64Array.from(values);
  let w = Float64Array.from(weights);
  let bits = new Uint32Array(keys.buffer);
  // Map IEEE-754 to order-preserving unsigned integers: flip the sign bit of positives, all bits of negatives.
  for (let i = 0; i < n; i++) {
    const hi = bits[2 * i + 1] as number;
    if (hi & 0x80000000) {
      bits[2 * i + 1] = ~hi >>> 0;
      bits[2 * i] = ~(bits[2 * i] as number) >>> 0;
    } else bits[2 * i + 1] = (hi | 0x80000000) >>> 0;
  }
  let keys2 = new Float64Array(n);
  let bits2 = new Uint32Array(keys2.buffer);
  let w2 = new Float64Array(n);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass >> 1; // little-endian: word 0 is the low 32 bits
    const shift = (pass & 1) * 16;
    count.fill(0);
    for (let i = 0; i < n; i++) {
      const b = ((bits[2 * i + word] as number) >>> shift) & 0xffff;
      count[b] = (count[b] as number) + 1;
    }
    // A digit that is the same for every value (common in the exponent bits) needs no pass.
    if (n > 0 && count[((bits[word] as number) >>> shift) & 0xffff] === n) continue;
    let sumC = 0;
    for (let b = 0; b < 65536; b++) {
      const c = count[b] as number;
      count[b] = sumC;
      sumC += c;
    }
    for (let i = 0; i < n; i++) {
      const b = ((bits[2 * i + word] as number) >>> shift) & 0xffff;
      const dst = count[b] as number;
      count[b] = dst + 1;
      bits2[2 * dst] = bits[2 * i] as number;
      bits2[2 * dst + 1] = bits[2 * i + 1] as number;
      w2[dst] = w[i] as number;
    }
    [keys, keys2] = [keys2, keys];
    [bits, bits2] = [bits2, bits];
    [w, w2] = [w2, w];
  }
  for (let i = 0; i < n; i++) {
    const hi = bits[2 * i + 1] as number;
    if (hi & 0x80000000) bits[2 * i + 1] = (hi & 0x7fffffff) >>> 0;
    else {
      bits[2 * i + 1] = ~hi >>> 0;
      bits[2 * i] = ~(bits[2 * i] as number) >>> 0;
    }
  }
  return { sorted: keys, w };
}
