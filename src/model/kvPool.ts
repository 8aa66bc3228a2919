import { InvariantError } from '../core/errors.js';
import { PrefixCache } from './prefixCache.js';
import type { RequestTable } from './requestTable.js';

/** Where a request's KV lives while it is not in a running batch. */
export const enum KvHome {
  /** Nowhere: the prefill must be (re)computed. */
  None = 0,
  /** Host memory (swapped out over PCIe). */
  Host = 1,
  /** In flight to this instance (migration or phase-split transfer); copied in on admission. */
  Migrated = 2,
  /** Still on this instance's GPU (paused, or preempted with 'keep'). */
  Resident = 3,
}

/**
 * One instance's KV memory: GPU blocks, host (swap) blocks, the prefix cache, and where each
 * request's KV lives. It is the only writer of the table's `blocks`, `shared` and `kvHome` fields
 * (the decode set re-derives `blocks` from a member's KV length when it leaves).
 */
export class KvPool {
  /** Blocks held by nobody and not cached. */
  freeBlocks: number;
  hostFreeBlocks: number;
  readonly prefixCache: PrefixCache | undefined;
  readonly watermarkBlocks: number;

  constructor(
    private readonly t: RequestTable,
    readonly capacity: number,
    readonly blockSize: number,
    readonly hostCapacity: number,
    watermark: number,
    prefixCaching: boolean,
  ) {
    this.freeBlocks = capacity;
    this.hostFreeBlocks = hostCapacity;
    this.prefixCache = prefixCaching ? new PrefixCache() : undefined;
    this.watermarkBlocks = Math.floor(watermark * capacity);
  }

  /** Free blocks plus cached blocks that may be evicted. */
  get available(): number {
    return this.freeBlocks + (this.prefixCache ? this.prefixCache.idleCount : 0);
  }

  /** Blocks usable by one request at most (capacity less the watermark). */
  get usableBlocks(): number {
    return this.capacity - this.watermarkBlocks;
  }

  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockSize);
  }

  /** Takes n blocks, evicting idle cached blocks first if the free pool is short. */
  take(n: number): void {
    if (n > this.freeBlocks && this.prefixCache) this.freeBlocks += this.prefixCache.evict(n - this.freeBlocks);
    this.freeBlocks -= n;
    if (this.freeBlocks < 0) throw new InvariantError(`KV over-allocated: ${-this.freeBlocks} blocks short`);
  }

  /** Grows a request's exclusive blocks so it can hold `tokens` tokens of KV. */
  growTo(id: number, tokens: number): void {
    const t = this.t;
    const need = this.blocksFor(tokens) - (t.live.blocks[id & t.live.mask] as number) - (t.live.shared[id & t.live.mask] as number);
    if (need > 0) {
      this.take(need);
      t.live.blocks[id & t.live.mask] = (t.live.blocks[id & t.live.mask] as number) + need;
    }
  }

  /** Blocks a request would need to hold `tokens` tokens, beyond what it holds. */
  extraBlocksFor(id: number, tokens: number): number {
    const t = this.t;
    return Math.max(0, this.blocksFor(tokens) - (t.live.blocks[id & t.live.mask] as number) - (t.live.shared[id & t.live.mask] as number));
  }

  /** Gives back a request's GPU blocks (exclusive ones and references to shared ones). */
  release(id: number): void {
    const t = this.t;
    this.freeBlocks += t.live.blocks[id & t.live.mask] as number;
    t.live.blocks[id & t.live.mask] = 0;
    const shared = t.live.shared[id & t.live.mask] as number;
    if (shared > 0) {
      (this.prefixCache as PrefixCache).release(t.hashes[id] as readonly number[], shared);
      t.live.shared[id & t.live.mask] = 0;
    }
    if (t.live.kvHome[id & t.live.mask] === KvHome.Resident) t.live.kvHome[id & t.live.mask] = KvHome.None;
  }

  /** Drops a request's KV entirely: nothing on the GPU or the host; the prefill starts over. */
  discard(id: number, prefillTarget: number): void {
    const t = this.t;
    if (t.live.kvHome[id & t.live.mask] === KvHome.Host) this.hostFreeBlocks += t.live.blocks[id & t.live.mask] as number;
    else if (t.live.kvHome[id & t.live.mask] !== KvHome.Migrated) this.release(id);
    t.live.blocks[id & t.live.mask] = 0;
    t.live.kvTokens[id & t.live.mask] = 0;
    t.live.prefillTarget[id & t.live.mask] = prefillTarget;
    t.live.kvHome[id & t.live.mask] = KvHome.None;
  }

  /** Marks a request's GPU blocks as kept while it waits. */
  keepResident(id: number): void {
    this.t.live.kvHome[id & this.t.live.mask] = KvHome.Resident;
  }

  /**
   * Copies a request's KV (shared blocks included: on the host they are its own) to host memory.
   * Returns the blocks moved, or -1 when the host has no room (nothing changes then).
   */
  swapOut(id: number): number {
    const t = this.t;
    const blocks = (t.live.blocks[id & t.live.mask] as number) + (t.live.shared[id & t.live.mask] as number);
    if (blocks === 0 || blocks > this.hostFreeBlocks) return -1;
    this.release(id);
    this.hostFreeBlocks -= blocks;
    t.live.blocks[id & t.live.mask] = blocks;
    t.live.kvHome[id & t.live.mask] = KvHome.Host;
    return blocks;
  }

  /** Blocks a waiting request needs on the GPU to be admitted with its KV. */
  blocksToBringIn(id: number): number {
    const t = this.t;
    return t.live.kvHome[id & t.live.mask] === KvHome.Resident ? 0 : (t.live.blocks[id & t.live.mask] as number);
  }

  /** Brings a waiting request's KV onto the GPU; returns the blocks copied over PCIe (host) or 0. */
  bringIn(id: number): number {
    const t = this.t;
    const home = t.live.kvHome[id & t.live.mask] as KvHome;
    t.live.kvHome[id & t.live.mask] = KvHome.None;
    if (home === KvHome.Resident) return 0;
    const blocks = t.live.blocks[id & t.live.mask] as number;
    this.take(blocks);
    if (home === KvHome.Host) {
      this.hostFreeBlocks += blocks;
      return blocks;
    }
    return 0;
  }

  /** A request leaves this instance from the waiting queue: frees what it holds here; returns its KV tokens kept. */
  leaveWaiting(id: number): number {
    const t = this.t;
    const home = t.live.kvHome[id & t.live.mask] as KvHome;
    if (home === KvHome.Host) this.hostFreeBlocks += t.live.blocks[id & t.live.mask] as number;
    if (home === KvHome.Resident) this.release(id);
    const kv = home === KvHome.None ? 0 : (t.live.kvTokens[id & t.live.mask] as number);
    t.live.kvHome[id & t.live.mask] = KvHome.None;
    t.live.blocks[id & t.live.mask] = 0;
    return kv;
  }

  /**
   * A request arrives from elsewhere (migration, phase-split transfer). With its KV (`kvTokens`
   * in the table), it is copied in on admission; without, its prefill starts over.
   */
  receive(id: number, withKv: boolean, recomputeTarget: number): void {
    const t = this.t;
    t.live.shared[id & t.live.mask] = 0;
    if (withKv && (t.live.kvTokens[id & t.live.mask] as number) > 0) {
      t.live.blocks[id & t.live.mask] = this.blocksFor(t.live.kvTokens[id & t.live.mask] as number);
      t.live.kvHome[id & t.live.mask] = KvHome.Migrated;
    } else {
      t.live.blocks[id & t.live.mask] = 0;
      t.live.kvTokens[id & t.live.mask] = 0;
      t.live.prefillTarget[id & t.live.mask] = recomputeTarget;
      t.live.kvHome[id & t.live.mask] = KvHome.None;
    }
  }

  /** Prefix caching: pins the longest cached prefix of the prompt; returns its length in blocks. */
  reusePrefix(id: number): number {
    const t = this.t;
    const hashes = t.hashes[id];
    if (!this.prefixCache || !hashes || (t.live.kvTokens[id & t.live.mask] as number) > 0) return 0;
    const B = this.blockSize;
    // At least one token is always computed: it yields the next token.
    const m = this.prefixCache.acquire(hashes, Math.floor(((t.live.prefillTarget[id & t.live.mask] as number) - 1) / B));
    t.live.shared[id & t.live.mask] = m;
    t.live.kvTokens[id & t.live.mask] = m * B;
    return m;
  }

  unreusePrefix(id: number): void {
    const t = this.t;
    (this.prefixCache as PrefixCache).release(t.hashes[id] as readonly number[], t.live.shared[id & t.live.mask] as number);
    t.live.shared[id & t.live.mask] = 0;
    t.live.kvTokens[id & t.live.mask] = 0;
  }

  /** Prefix caching: a finished prefill's full prompt blocks become cached (shared) blocks. */
  publishPrefix(id: number): void {
    const t = this.t;
    const hashes = t.hashes[id];
    if (!this.prefixCache || !hashes) return;
    const full = Math.floor((t.prompt[id] as number) / this.blockSize);
    const shared = t.live.shared[id & t.live.mask] as number;
    const added = this.prefixCache.publish(hashes, shared, full);
    t.live.shared[id & t.live.mask] = shared + added;
    t.live.blocks[id & t.live.mask] = (t.live.blocks[id & t.live.mask] as number) - added;
  }
}
