/**
 * Jobs in the system, one typed array per field, indexed by a recycled slot: memory stays
 * proportional to the jobs present, not to the jobs simulated, and nothing is allocated per job.
 */
export class JobTable {
  /** True size x. */
  size: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** Predicted size y (the full prediction). */
  pred: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** A second, independent prediction (SkipPredict's cheap 1-bit predictor thresholds it). */
  pred2: Float64Array<ArrayBuffer> = new Float64Array(0);
  arrival: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** Server time received so far (including prediction work in the server-cost model). */
  attained: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** Server time needed in all. */
  work: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** Cost added to the response time (prediction costs in the external-cost model). */
  extra: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** Rank, lexicographic (r1, r2), ties to the earlier arrival; cached while the job waits. */
  r1: Float64Array<ArrayBuffer> = new Float64Array(0);
  r2: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** Arrival index, for warm-up and batch bookkeeping. */
  index: Float64Array<ArrayBuffer> = new Float64Array(0);
  private free: Int32Array<ArrayBuffer> = new Int32Array(0);
  private nFree = 0;
  private capacity = 0;

  constructor(initial = 1024) {
    this.grow(initial);
  }

  alloc(): number {
    if (this.nFree === 0) this.grow(this.capacity * 2);
    return this.free[--this.nFree] as number;
  }

  release(slot: number): void {
    this.free[this.nFree++] = slot;
  }

  private grow(cap: number): void {
    const old = this.capacity;
    const re = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.size = re(this.size);
    this.pred = re(this.pred);
    this.pred2 = re(this.pred2);
    this.arrival = re(this.arrival);
    this.attained = re(this.attained);
    this.work = re(this.work);
    this.extra = re(this.extra);
    this.r1 = re(this.r1);
    this.r2 = re(this.r2);
    this.index = re(this.index);
    const f = new Int32Array(cap);
    f.set(this.free.subarray(0, this.nFree));
    // New slots are handed out lowest first.
    for (let s = cap - 1; s >= old; s--) f[this.nFree++] = s;
    this.free = f;
    this.capacity = cap;
  }
}

/** Is job a served before job b? Lower (r1, r2), then earlier arrival (SOAP's FCFS tie-break). */
export function before(t: JobTable, a: number, b: number): boolean {
  const a1 = t.r1[a] as number;
  const b1 = t.r1[b] as number;
  if (a1 !== b1) return a1 < b1;
  const a2 = t.r2[a] as number;
  const b2 = t.r2[b] as number;
  if (a2 !== b2) return a2 < b2;
  return (t.arrival[a] as number) < (t.arrival[b] as number);
}

/** A binary min-heap of waiting slots ordered by `before`; the hole is moved while sifting. */
export class SlotHeap {
  private slots = new Int32Array(64);
  n = 0;

  constructor(private readonly t: JobTable) {}

  top(): number {
    return this.n > 0 ? (this.slots[0] as number) : -1;
  }

  /** The i-th stored slot (heap order), for scans over every waiting job. */
  at(i: number): number {
    return this.slots[i] as number;
  }

  push(slot: number): void {
    if (this.n === this.slots.length) {
      const g = new Int32Array(this.n * 2);
      g.set(this.slots);
      this.slots = g;
    }
    const s = this.slots;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const ps = s[p] as number;
      if (!before(this.t, slot, ps)) break;
      s[i] = ps;
      i = p;
    }
    s[i] = slot;
  }

  pop(): number {
    const s = this.slots;
    const top = s[0] as number;
    const n = --this.n;
    if (n > 0) {
      const last = s[n] as number;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(this.t, s[r] as number, s[l] as number) ? r : l;
        if (!before(this.t, s[c] as number, last)) break;
        s[i] = s[c] as number;
        i = c;
      }
      s[i] = last;
    }
    return top;
  }
}
