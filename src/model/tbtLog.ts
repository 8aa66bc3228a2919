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
interface Chunk {
  values: Float64Array;
  weights: Uint8Array;
  length: number;
  next: Chunk | undefined;
}

function newChunk(capacity: number): Chunk {
  return { values: new Float64Array(capacity), weights: new Uint8Array(capacity), length: 0, next: undefined };
}

export class TbtLog {
  private static readonly CHUNK = 1 << 16;
  /**
   * The chunks as a list from a placeholder head that is not a segment. A list, not an array: the
   * first `add` of a log runs the same statements with the same object shapes as every later new
   * chunk (an array's push would change the array's elements kind after the first chunk), so code
   * optimised early in a run is not thrown away when an instance's first chunk fills.
   */
  private readonly head: Chunk = newChunk(0);
  private last: Chunk = this.head;
  private lastGaps: Float64Array = this.head.values;
  private lastCounts: Uint8Array = this.head.weights;
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
      // The full chunk (the head, on the first call) gets its length; a new one follows it.
      const c = newChunk(TbtLog.CHUNK);
      this.last.length = f;
      this.last.next = c;
      this.last = c;
      this.lastGaps = c.values;
      this.lastCounts = c.weights;
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

  /** The samples as (gap, multiplicity) segments, in recording order, for `weightedDistributionOf`. */
  segments(): { values: Float64Array; weights: Uint8Array; length: number }[] {
    if (this.last !== this.head) this.last.length = this.fill;
    const out: Chunk[] = [];
    for (let c = this.head.next; c !== undefined; c = c.next) out.push(c);
    return out;
  }
}
