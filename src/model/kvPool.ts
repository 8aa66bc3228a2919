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
    const need = this.blocksFor(tokens) - (t.blocks[id] as number) - (t.shared[id] as number);
    if (need > 0) {
      this.take(need);
      t.blocks[id] = (t.blocks[id] as number) + need;
    }
  }

  /** Blocks a request would need to hold `tokens` tokens, beyond what it holds. */
  extraBlocksFor(id: number, tokens: number): number {
    const t = this.t;
    return Math.max(0, this.blocksFor(tokens) - (t.blocks[id] as number) - (t.shared[id] as number));
  }

  /** Gives back a request's GPU blocks (exclusive ones and references to shared ones). */
  release(id: number): void {
    const t = this.t;
    this.freeBlocks += t.blocks[id] as number;
    t.blocks[id] = 0;
    const shared = t.shared[id] as number;
    if (shared > 0) {
      (this.prefixCache as PrefixCache).release(t.hashes[id] as readonly number[], shared);
      t.shared[id] = 0;
    }
    if (t.kvHome[id] === KvHome.Resident) t.kvHome[id] = KvHome.None;
  }

  /** Drops a request's KV entirely: nothing on the GPU or the host; the prefill starts over. */
  discard(id: number, prefillTarget: number): void {
    const t = this.t;
    if (t.kvHome[id] === KvHome.Host) this.hostFreeBlocks += t.blocks[id] as number;
    else if (t.kvHome[id] !== KvHome.Migrated) this.release(id);
    t.blocks[id] = 0;
    t.kvTokens[id] = 0;
    t.prefillTarget[id] = prefillTarget;
    t.kvHome[id] = KvHome.None;
  }

  /** Marks a request's GPU blocks as kept while it waits. */
  keepResident(id: number): void {
    this.t.kvHome[id] = KvHome.Resident;
  }

  /**
   * Copies a request's KV (shared blocks included: on the host they are its own) to host memory.
   * Returns the blocks moved, or -1 when the host has no room (nothing changes then).
   */
  swapOut(id: number): number {
    const t = this.t;
    const blocks = (t.blocks[id] as number) + (t.shared[id] as number);
    if (blocks === 0 || blocks > this.hostFreeBlocks) return -1;
    this.release(id);
    this.hostFreeBlocks -= blocks;
    t.blocks[id] = blocks;
    t.kvHome[id] = KvHome.Host;
    return blocks;
  }

  /** Blocks a waiting request needs on the GPU to be admitted with its KV. */
  blocksToBringIn(id: number): number {
    const t = this.t;
    return t.kvHome[id] === KvHome.Resident ? 0 : (t.blocks[id] as number);
  }

  /** Brings a waiting request's KV onto the GPU; returns the blocks copied over PCIe (host) or 0. */
  bringIn(id: number): number {
    const t = this.t;
    const home = t.kvHome[id] as KvHome;
    t.kvHome[id] = KvHome.None;
    if (home === KvHome.Resident) return 0;
    const blocks = t.blocks[id] as number;
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
    const home = t.kvHome[id] as KvHome;
    if (home === KvHome.Host) this.hostFreeBlocks += t.blocks[id] as number;
    if (home === KvHome.Resident) this.release(id);
    const kv = home === KvHome.None ? 0 : (t.kvTokens[id] as number);
    t.kvHome[id] = KvHome.None;
    t.blocks[id] = 0;
    return kv;
  }

  /**
   * A request arrives from elsewhere (migration, phase-split transfer). With its KV (`kvTokens`
   * in the table), it is copied in on admission; without, its prefill starts over.
   */
  receive(id: number, withKv: boolean, recomputeTarget: number): void {
    const t = this.t;
    t.shared[id] = 0;
    if (withKv && (t.kvTokens[id] as number) > 0) {
      t.blocks[id] = this.blocksFor(t.kvTokens[id] as number);
      t.kvHome[id] = KvHome.Migrated;
    } else {
      t.blocks[id] = 0;
      t.kvTokens[id] = 0;
      t.prefillTarget[id] = recomputeTarget;
      t.kvHome[id] = KvHome.None;
    }
  }

  /** Prefix caching: pins the longest cached prefix of the prompt; returns its length in blocks. */
  reusePrefix(id: number): number {
    const t = this.t;
    const hashes = t.hashes[id];
    if (!this.prefixCache || !hashes || (t.kvTokens[id] as number) > 0) return 0;
    const B = this.blockSize;
    // At least one token is always computed: it yields the next token.
    const m = this.prefixCache.acquire(hashes, Math.floor(((t.prefillTarget[id] as number) - 1) / B));
    t.shared[id] = m;
    t.kvTokens[id] = m * B;
    return m;
  }

  unreusePrefix(id: number): void {
    const t = this.t;
    (this.prefixCache as PrefixCache).release(t.hashes[id] as readonly number[], t.shared[id] as number);
    t.shared[id] = 0;
    t.kvTokens[id] = 0;
  }

  /** Prefix caching: a finished prefill's full prompt blocks become cached (shared) blocks. */
  publishPrefix(id: number): void {
    const t = this.t;
    const hashes = t.hashes[id];
    if (!this.prefixCache || !hashes) return;
    const full = Math.floor((t.prompt[id] as number) / this.blockSize);
    const shared = t.shared[id] as number;
    const added = this.prefixCache.publish(hashes, shared, full);
    t.shared[id] = shared + added;
    t.blocks[id] = (t.blocks[id] as number) - added;
  }
}
