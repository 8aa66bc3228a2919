/**
 * The index with the smallest integer key among a fixed set of slots (ties: the lowest index),
 * kept in a winner tree so that changing one key costs log2(slots) matches instead of a scan. Each
 * slot's key and index are folded into one number, key × leaves + index (exact for |key| < 2^32 and
 * up to 2^20 slots), so every match is one comparison and no two slots ever tie.
 */
export class ArgminTree {
  private readonly leaves: number;
  private readonly comp: Float64Array;
  /** Node j (1 <= j < leaves) holds the winning slot of its subtree; node leaves + i is slot i. */
  private readonly win: Int32Array;

  constructor(readonly slots: number) {
    if (!(slots >= 1 && slots <= 1 << 20)) throw new RangeError(`ArgminTree: 1 to 2^20 slots, got ${slots}`);
    let p = 1;
    while (p < slots) p *= 2;
    this.leaves = p;
    this.comp = new Float64Array(p).fill(Number.POSITIVE_INFINITY);
    this.win = new Int32Array(2 * p);
    for (let i = 0; i < p; i++) this.win[p + i] = i;
    for (let i = 0; i < slots; i++) this.comp[i] = i; // every key starts at 0
    for (let j = p - 1; j >= 1; j--) {
      const a = this.win[2 * j] as number;
      const b = this.win[2 * j + 1] as number;
      this.win[j] = (this.comp[b] as number) < (this.comp[a] as number) ? b : a;
    }
  }

  /** The slot with the smallest key, the lowest index among equal keys. */
  get min(): number {
    return this.win[1] as number;
  }

  /** Sets slot i's key (an integer, |key| < 2^32). */
  set(i: number, key: number): void {
    const C = this.comp;
    const W = this.win;
    let c = i;
    let cc = key * this.leaves + i;
    C[i] = cc;
    let j = this.leaves + i;
    while (j > 1) {
      const b = W[j ^ 1] as number;
      // Without a branch on the comparison (its outcome is a coin toss): a mask selects b or c.
      const m = -+((C[b] as number) < cc);
      c = c ^ ((c ^ b) & m);
      cc = C[c] as number;
      j >>= 1;
      W[j] = c;
    }
  }
}
