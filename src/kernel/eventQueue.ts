/**
 * +Infinity as a module constant, for branches first taken late in a run (an emptied queue): reading
 * `Number.POSITIVE_INFINITY` is a property load that needs type feedback, and optimised code that
 * meets one without feedback is thrown away and recompiled (here: the event loop, at the end of a run).
 */
const INFINITY = Number.POSITIVE_INFINITY;

/**
 * A binary min-heap of events stored as parallel typed arrays (one array per field).
 *
 * Events are ordered by (time, phase, seq): `phase` makes the order of simultaneous events an explicit
 * decision (lower phases run first), and `seq` (insertion order) breaks the remaining ties, so the
 * order never depends on the heap's internal layout. Pushing and popping allocate nothing once the
 * arrays have grown to the peak size. The payload is three integers: an event `kind`, a `target`
 * (for example an instance index) and a `data` word; the kernel gives them no meaning.
 */
export class EventQueue {
  private time: Float64Array;
  private seq: Float64Array;
  private phase: Int32Array;
  private kind: Int32Array;
  private target: Int32Array;
  private data: Int32Array;
  private n = 0;
  /** Slot 0 is free (its event was popped) and `n` still counts it. */
  private hole = false;
  private nextSeq = 0;

  /** Fields of the event most recently returned by `pop()`. */
  popTime = 0;
  popPhase = 0;
  popKind = 0;
  popTarget = 0;
  popData = 0;

  constructor(initialCapacity = 64) {
    const c = Math.max(4, initialCapacity | 0);
    this.time = new Float64Array(c);
    this.seq = new Float64Array(c);
    this.phase = new Int32Array(c);
    this.kind = new Int32Array(c);
    this.target = new Int32Array(c);
    this.data = new Int32Array(c);
  }

  get size(): number {
    return this.hole ? this.n - 1 : this.n;
  }

  /** Time of the earliest event; +Infinity when empty. */
  peekTime(): number {
    if (this.hole) this.fillHole();
    return this.n > 0 ? (this.time[0] as number) : INFINITY;
  }

  /** Phase of the earliest event; +Infinity when empty. */
  peekPhase(): number {
    if (this.hole) this.fillHole();
    return this.n > 0 ? (this.phase[0] as number) : INFINITY;
  }

  push(time: number, phase: number, kind: number, target: number, data: number): void {
    const s = this.nextSeq++;
    if (this.hole) {
      // The slot of the event popped last is still free at the root: put this one there and sift
      // it down (one sift instead of the pop's and this push's).
      this.hole = false;
      this.siftDown(time, s, phase, kind, target, data, this.n);
      return;
    }
    if (this.n === this.time.length) this.grow();
    let i = this.n++;
    const T = this.time;
    const S = this.seq;
    const P = this.phase;
    const K = this.kind;
    const G = this.target;
    const D = this.data;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = T[p] as number;
      if (pt < time || (pt === time && ((P[p] as number) < phase || ((P[p] as number) === phase && (S[p] as number) < s)))) break;
      T[i] = pt;
      S[i] = S[p] as number;
      P[i] = P[p] as number;
      K[i] = K[p] as number;
      G[i] = G[p] as number;
      D[i] = D[p] as number;
      i = p;
    }
    T[i] = time;
    S[i] = s;
    P[i] = phase;
    K[i] = kind;
    G[i] = target;
    D[i] = data;
  }

  /**
   * Removes the earliest event and exposes it through the `pop*` fields. Returns false when empty.
   * Its slot stays free at the root until the next operation: a push fills it, anything else
   * moves the last event there first (the order of events is the same either way).
   */
  pop(): boolean {
    if (this.hole) this.fillHole();
    if (this.n === 0) return false;
    this.popTime = this.time[0] as number;
    this.popPhase = this.phase[0] as number;
    this.popKind = this.kind[0] as number;
    this.popTarget = this.target[0] as number;
    this.popData = this.data[0] as number;
    this.hole = true;
    return true;
  }

  /** The root slot is free: move the last event there and sift it down. */
  private fillHole(): void {
    this.hole = false;
    const last = --this.n;
    if (last === 0) return;
    this.siftDown(
      this.time[last] as number,
      this.seq[last] as number,
      this.phase[last] as number,
      this.kind[last] as number,
      this.target[last] as number,
      this.data[last] as number,
      last,
    );
  }

  /** Places an event at the root of the first `n` slots (the root's content is discarded) and sifts it down. */
  private siftDown(t: number, s: number, ph: number, k: number, tg: number, d: number, n: number): void {
    const T = this.time;
    const S = this.seq;
    const P = this.phase;
    const K = this.kind;
    const G = this.target;
    const D = this.data;
    let i = 0;
    const half = n >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      const r = c + 1;
      if (r < n) {
        const ct = T[c] as number;
        const rt = T[r] as number;
        if (rt < ct || (rt === ct && ((P[r] as number) < (P[c] as number) || ((P[r] as number) === (P[c] as number) && (S[r] as number) < (S[c] as number))))) c = r;
      }
      const ct = T[c] as number;
      if (t < ct || (t === ct && (ph < (P[c] as number) || (ph === (P[c] as number) && s < (S[c] as number))))) break;
      // The child moves up (written out: this loop is the hottest in the simulator).
      T[i] = ct;
      S[i] = S[c] as number;
      P[i] = P[c] as number;
      K[i] = K[c] as number;
      G[i] = G[c] as number;
      D[i] = D[c] as number;
      i = c;
    }
    T[i] = t;
    S[i] = s;
    P[i] = ph;
    K[i] = k;
    G[i] = tg;
    D[i] = d;
  }

  clear(): void {
    this.n = 0;
    this.hole = false;
  }

  private grow(): void {
    const c = this.time.length * 2;
    const g64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(c);
      b.set(a);
      return b;
    };
    const g32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(c);
      b.set(a);
      return b;
    };
    this.time = g64(this.time);
    this.seq = g64(this.seq);
    this.phase = g32(this.phase);
    this.kind = g32(this.kind);
    this.target = g32(this.target);
    this.data = g32(this.data);
  }
}
