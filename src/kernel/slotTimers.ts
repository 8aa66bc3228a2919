/**
 * One pending time per slot (for example: when each instance's running iteration ends), kept in a
 * winner tree: the earliest slot is at the root, and setting a slot re-plays only the matches on its
 * leaf-to-root path (log2 of the slot count comparisons, one index written per level, no fields
 * moved). Ties in time go to the slot set first (a sequence number per `set`), the same order a
 * heap ordered by (time, insertion) gives. A slot's event is cleared by `pop`; `set` of a slot that
 * is still pending is an error, since each slot holds at most one event.
 */
export class SlotTimers {
  private readonly leaves: number;
  private readonly time: Float64Array;
  private readonly seq: Float64Array;
  /** Node j (1 <= j < leaves) holds the winning slot of its subtree; node leaves + i is slot i. */
  private readonly win: Int32Array;
  private nextSeq = 0;
  /** The slot popped last: its time is already +Infinity, its path not yet re-played. */
  private stale = -1;

  constructor(readonly slots: number) {
    let p = 1;
    while (p < slots) p *= 2;
    this.leaves = p;
    this.time = new Float64Array(p).fill(Number.POSITIVE_INFINITY);
    this.seq = new Float64Array(p);
    this.win = new Int32Array(2 * p);
    for (let i = 0; i < p; i++) this.win[p + i] = i;
    for (let j = p - 1; j >= 1; j--) this.win[j] = this.win[2 * j] as number;
  }

  /** Time of the earliest pending slot; +Infinity when none. */
  peekTime(): number {
    if (this.stale >= 0) this.replayStale();
    return this.time[this.win[1] as number] as number;
  }

  /** Whether `slot` has an event pending. */
  pending(slot: number): boolean {
    return slot !== this.stale && (this.time[slot] as number) !== Number.POSITIVE_INFINITY;
  }

  /** Schedules `slot` at time `t` (finite); the slot must have nothing pending. */
  set(slot: number, t: number): boolean {
    if (this.pending(slot) || !(t < Number.POSITIVE_INFINITY)) return false;
    this.time[slot] = t;
    this.seq[slot] = this.nextSeq++;
    const s = this.stale;
    this.stale = -1;
    if (s >= 0 && s !== slot) this.replay(s);
    this.replay(slot);
    return true;
  }

  /** Removes the earliest pending event and returns its slot (its time was `peekTime()`), or -1 when none. */
  pop(): number {
    if (this.stale >= 0) this.replayStale();
    const w = this.win[1] as number;
    if ((this.time[w] as number) === Number.POSITIVE_INFINITY) return -1;
    this.time[w] = Number.POSITIVE_INFINITY;
    this.stale = w;
    return w;
  }

  private replayStale(): void {
    const s = this.stale;
    this.stale = -1;
    this.replay(s);
  }

  /** Re-plays the matches on the slot's path; the path's current winner stays in locals (one sibling read per level). */
  private replay(slot: number): void {
    const T = this.time;
    const S = this.seq;
    const W = this.win;
    let c = slot;
    let ct = T[slot] as number;
    let j = this.leaves + slot;
    while (j > 1) {
      const b = W[j ^ 1] as number;
      const bt = T[b] as number;
      if (bt === ct) {
        // A tie in time (rare): the sequence decides (sequences of pending slots are distinct).
        if ((S[b] as number) < (S[c] as number)) c = b;
      } else {
        // Without a branch on the comparison, whose outcome is a coin toss: mask selects b or c.
        const m = -+(bt < ct);
        c = c ^ ((c ^ b) & m);
        ct = T[c] as number;
      }
      j >>= 1;
      W[j] = c;
    }
  }
}
