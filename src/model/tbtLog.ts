import { MAX_ENTRY_WEIGHT } from '../stats/weightedSelect.js';

/**
 * Time-between-tokens samples, exactly, without one entry per token: in continuous batching every
 * member of the decode set gets its token at the same instant, so one decode iteration contributes
 * one gap with a multiplicity. Gaps that differ (a request's first decode token after its prefill, a
 * resume after preemption) are recorded with multiplicity 1.
 *
 * Stored in fixed-size chunks, so growing never copies and at most one chunk is partly empty; 9
 * bytes per entry (a double and an 8-bit multiplicity).
 */
export class TbtLog {
  private static readonly CHUNK = 1 << 16;
  private readonly chunks: { values: Float64Array; weights: Uint8Array; length: number }[] = [];
  private lastGaps: Float64Array = new Float64Array(0);
  private lastCounts: Uint8Array = new Uint8Array(0);
  private flat: { gaps: Float64Array; counts: Uint8Array } | undefined;
  private fill = TbtLog.CHUNK;
  size = 0;

  add(gap: number, count: number): void {
    if (count <= 0) return;
    // Multiplicities are 8-bit: a larger batch (rare: decode batches are mostly well below 255) is
    // recorded as several entries of the same gap, which leaves every quantile unchanged.
    while (count > MAX_ENTRY_WEIGHT) {
      this.add(gap, MAX_ENTRY_WEIGHT);
      count -= MAX_ENTRY_WEIGHT;
    }
    let f = this.fill;
    if (f === TbtLog.CHUNK) {
      const full = this.chunks[this.chunks.length - 1];
      if (full) full.length = TbtLog.CHUNK;
      this.lastGaps = new Float64Array(TbtLog.CHUNK);
      this.lastCounts = new Uint8Array(TbtLog.CHUNK);
      this.chunks.push({ values: this.lastGaps, weights: this.lastCounts, length: 0 });
      f = 0;
    }
    this.lastGaps[f] = gap;
    this.lastCounts[f] = count;
    this.fill = f + 1;
    this.size++;
  }

  /** All gaps in recording order, as one array (a copy, cached until the next `add`; for tests and inspection). */
  get gaps(): Float64Array {
    return this.flatten().gaps;
  }

  /** The multiplicities matching `gaps`. */
  get counts(): Uint8Array {
    return this.flatten().counts;
  }

  private flatten(): { gaps: Float64Array; counts: Uint8Array } {
    if (this.flat && this.flat.gaps.length === this.size) return this.flat;
    const gaps = new Float64Array(this.size);
    const counts = new Uint8Array(this.size);
    let k = 0;
    for (const c of this.segments()) {
      gaps.set(c.values.subarray(0, c.length), k);
      counts.set(c.weights.subarray(0, c.length), k);
      k += c.length;
    }
    this.flat = { gaps, counts };
    return this.flat;
  }

  /** The samples as (gap, multiplicity) segments, for `weightedDistributionOf`. */
  segments(): { values: Float64Array; weights: Uint8Array; length: number }[] {
    const last = this.chunks[this.chunks.length - 1];
    if (last) last.length = this.fill;
    return this.chunks;
  }
}
