/**
 * Time-between-tokens samples, exactly, without one entry per token: in continuous batching every
 * member of the decode set gets its token at the same instant, so one decode iteration contributes
 * one gap with a multiplicity. Gaps that differ (a request's first decode token after its prefill, a
 * resume after preemption) are recorded with multiplicity 1.
 */
export class TbtLog {
  gaps: Float64Array;
  counts: Int32Array;
  size = 0;

  constructor(capacity = 1024) {
    this.gaps = new Float64Array(capacity);
    this.counts = new Int32Array(capacity);
  }

  add(gap: number, count: number): void {
    if (count <= 0) return;
    if (this.size === this.gaps.length) {
      const g = new Float64Array(this.size * 2);
      g.set(this.gaps);
      const c = new Int32Array(this.size * 2);
      c.set(this.counts);
      this.gaps = g;
      this.counts = c;
    }
    this.gaps[this.size] = gap;
    this.counts[this.size] = count;
    this.size++;
  }
}
