/** Largest count the index takes (its buckets grow with the largest count). */
const MAX_COUNT = 1 << 28;

/**
 * The slot with the smallest count among a fixed set of slots (ties: the lowest index), for
 * non-negative integer counts that change by small steps (requests outstanding at each instance).
 * Per count value a bitmask of the slots holding it (one 32-bit word per 32 slots) and the smallest
 * count in use: a change moves one bit between two buckets and moves the minimum by at most the
 * step; the answer is the lowest set bit of the minimum's bucket. Memory: 4 bytes × ceil(slots/32)
 * per count value up to the largest count seen.
 */
export class MinCountIndex {
  private readonly words: number;
  private readonly counts: Int32Array;
  private masks: Int32Array;
  private minCount = 0;

  constructor(readonly slots: number) {
    if (!(Number.isInteger(slots) && slots >= 1 && slots <= 1 << 24)) throw new RangeError(`MinCountIndex: 1 to 2^24 slots, got ${slots}`);
    this.words = (slots + 31) >>> 5;
    this.counts = new Int32Array(slots);
    this.masks = new Int32Array(this.words * 64);
    // Every count starts at 0.
    for (let i = 0; i < slots; i++) this.masks[i >>> 5] = (this.masks[i >>> 5] as number) | (1 << (i & 31));
  }

  /** The slot with the smallest count, the lowest index among equal counts. */
  get min(): number {
    const W = this.words;
    const M = this.masks;
    const base = this.minCount * W;
    for (let w = 0; w < W; w++) {
      const m = M[base + w] as number;
      if (m !== 0) return (w << 5) + 31 - Math.clz32(m & -m);
    }
    return -1; // unreachable: the minimum's bucket always holds a slot
  }

  /** Sets slot i's count (an integer in [0, 2^28]). */
  set(i: number, count: number): void {
    const old = this.counts[i] as number;
    if (count === old) return;
    if (!(Number.isInteger(count) && count >= 0 && count <= MAX_COUNT)) throw new RangeError(`MinCountIndex: counts are integers in [0, 2^28], got ${count}`);
    const W = this.words;
    if ((count + 1) * W > this.masks.length) this.grow(count);
    const M = this.masks;
    const w = i >>> 5;
    const bit = 1 << (i & 31);
    M[old * W + w] = (M[old * W + w] as number) & ~bit;
    M[count * W + w] = (M[count * W + w] as number) | bit;
    this.counts[i] = count;
    if (count < this.minCount) this.minCount = count;
    else if (old === this.minCount) {
      // The old minimum's bucket may be empty now; bucket `count` (> old) is not, so this stops.
      while (this.empty(this.minCount)) this.minCount++;
    }
  }

  private empty(c: number): boolean {
    const W = this.words;
    const base = c * W;
    for (let w = 0; w < W; w++) if (this.masks[base + w] !== 0) return false;
    return true;
  }

  private grow(count: number): void {
    let n = this.masks.length;
    while (n < (count + 1) * this.words) n *= 2;
    const b = new Int32Array(n);
    b.set(this.masks);
    this.masks = b;
  }
}
