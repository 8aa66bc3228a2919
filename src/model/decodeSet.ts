import { HeapPositions, IndexedHeap } from './indexedHeap.js';
import type { RequestTable } from './requestTable.js';

/**
 * The requests of one instance that decode one token in every decode iteration. Nothing is counted
 * down per token: the set keeps an iteration counter, and each member remembers the counter, its KV
 * length and its generated tokens at the moment it joined. From these every quantity is exact:
 *   generated(now) = generated0 + (iter - joinIter), kv(now) = kv0 + (iter - joinIter).
 * Running sums give the batch shape in O(1); a heap keyed by the iteration at which each member
 * finishes gives completions in O(log n); and because a member needs a new KV block exactly when its
 * KV length is a multiple of the block size, members are bucketed by (joinIter - kv0) mod blockSize,
 * so the blocks the next iteration needs are one array read.
 */
export class DecodeSet {
  /** Decode iterations completed so far. */
  iter = 0;
  count = 0;
  /** Sum of members' KV lengths before the next iteration's token. */
  sumKv = 0;
  private readonly byResidue: Int32Array;
  private readonly finish: IndexedHeap;
  /** The finish heap's smallest key (+Infinity when empty), kept here so each iteration's check reads no heap. */
  private stop = Number.POSITIVE_INFINITY;
  /**
   * For a power-of-two block size (the usual case): blockSize − 1 and log2(blockSize), so residues
   * and block counts are a mask and a shift instead of a division (exactly equal: residues of int32
   * differences in two's complement, ceilings of non-negative integers); -1 otherwise.
   */
  private readonly blockMask: number;
  private readonly blockShift: number;

  constructor(
    private readonly t: RequestTable,
    private readonly blockSize: number,
    positions: HeapPositions,
  ) {
    this.byResidue = new Int32Array(blockSize);
    const pow2 = blockSize >= 1 && blockSize <= 1 << 30 && Number.isInteger(blockSize) && (blockSize & (blockSize - 1)) === 0;
    this.blockMask = pow2 ? blockSize - 1 : -1;
    this.blockShift = pow2 ? Math.log2(blockSize) : 0;
    this.finish = new IndexedHeap(positions, 64);
  }

  private residue(id: number): number {
    const x = (this.t.live.joinIter[id & this.t.live.mask] as number) - (this.t.live.kvTokens[id & this.t.live.mask] as number);
    if (this.blockMask >= 0) return x & this.blockMask;
    const B = this.blockSize;
    const r = x % B;
    return r < 0 ? r + B : r;
  }

  /** Adds a request whose table fields kvTokens and generated are current; it decodes from the next iteration. */
  join(id: number): void {
    const t = this.t;
    t.live.joinIter[id & t.live.mask] = this.iter;
    this.count++;
    this.sumKv += t.live.kvTokens[id & t.live.mask] as number;
    const r = this.residue(id);
    this.byResidue[r] = (this.byResidue[r] as number) + 1;
    const finishAt = this.iter + (t.live.stopAt[id & t.live.mask] as number) - (t.live.generated[id & t.live.mask] as number);
    this.finish.push(id, finishAt, id);
    if (finishAt < this.stop) this.stop = finishAt;
  }

  /** Removes a member and writes its current kvTokens, generated and blocks back into the table. */
  leave(id: number): void {
    const t = this.t;
    const r = this.residue(id);
    this.byResidue[r] = (this.byResidue[r] as number) - 1;
    const done = this.iter - (t.live.joinIter[id & t.live.mask] as number);
    const kv = (t.live.kvTokens[id & t.live.mask] as number) + done;
    this.sumKv -= kv;
    this.count--;
    // A finishing member is usually the heap's root: popping it skips the position lookup.
    if (this.finish.peekId() === id) this.finish.pop();
    else this.finish.remove(id);
    this.stop = this.finish.peekKey();
    t.live.kvTokens[id & t.live.mask] = kv;
    t.live.generated[id & t.live.mask] = (t.live.generated[id & t.live.mask] as number) + done;
    const blocks = this.blockMask >= 0 ? (kv + this.blockMask) >>> this.blockShift : Math.ceil(kv / this.blockSize);
    t.live.blocks[id & t.live.mask] = blocks - (t.live.shared[id & t.live.mask] as number);
    t.live.joinIter[id & t.live.mask] = this.iter;
  }

  /** KV blocks the next iteration must allocate. */
  blocksNeeded(): number {
    return this.byResidue[this.blockMask >= 0 ? this.iter & this.blockMask : this.iter % this.blockSize] as number;
  }

  /** Records one finished decode iteration. */
  advance(): void {
    this.sumKv += this.count;
    this.iter++;
  }

  /** The member that reaches its stop (completion or API call) at or before the current iteration, or -1. */
  nextFinished(): number {
    return this.stop <= this.iter ? this.finish.peekId() : -1;
  }

  has(id: number): boolean {
    return this.finish.has(id);
  }

  /** Member at slot i, 0 <= i < count (arbitrary order), for rare scans such as victim choice. */
  memberAt(i: number): number {
    return this.finish.idAt(i);
  }

  /** Current generated tokens of a member. */
  generatedOf(id: number): number {
    return (this.t.live.generated[id & this.t.live.mask] as number) + this.iter - (this.t.live.joinIter[id & this.t.live.mask] as number);
  }

  /** Current KV length of a member. */
  kvOf(id: number): number {
    return (this.t.live.kvTokens[id & this.t.live.mask] as number) + this.iter - (this.t.live.joinIter[id & this.t.live.mask] as number);
  }
}
