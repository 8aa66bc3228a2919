/**
 * Automatic prefix caching (vLLM's APC), counted in KV blocks: a full block of prompt tokens is
 * identified by the hash of its tokens and everything before it (the Mooncake traces' hash_ids), so
 * a request whose leading block hashes are cached reuses those blocks instead of recomputing them.
 * Cached blocks are shared and reference-counted; a block no running request uses stays cached
 * (idle) until the allocator needs the memory and evicts the least recently used idle block.
 */
export class PrefixCache {
  /** Reference count of every cached block. */
  private readonly refs = new Map<number, number>();
  /** Cached blocks nobody uses, least recently used first (Map keeps insertion order). */
  private readonly idle = new Map<number, true>();
  hits = 0;
  lookups = 0;

  /** Cached blocks, used or idle. */
  get size(): number {
    return this.refs.size;
  }

  /** Cached blocks that can be evicted. */
  get idleCount(): number {
    return this.idle.size;
  }

  /** Pins the longest cached prefix of `hashes`, at most `maxBlocks`; returns its length in blocks. */
  acquire(hashes: readonly number[], maxBlocks: number): number {
    const limit = Math.min(maxBlocks, hashes.length);
    let m = 0;
    while (m < limit && this.refs.has(hashes[m] as number)) m++;
    for (let i = 0; i < m; i++) this.pin(hashes[i] as number);
    this.lookups += limit;
    this.hits += m;
    return m;
  }

  /**
   * Caches blocks from..to-1 of a request that just computed them, owned by that request (one
   * reference each). Stops at the first block already cached by someone else, so the request's
   * shared blocks stay a prefix; returns how many were added.
   */
  publish(hashes: readonly number[], from: number, to: number): number {
    let added = 0;
    for (let i = from; i < Math.min(to, hashes.length); i++) {
      const h = hashes[i] as number;
      if (this.refs.has(h)) break;
      this.refs.set(h, 1);
      added++;
    }
    return added;
  }

  /** Drops one reference from each of the first n blocks of `hashes`. */
  release(hashes: readonly number[], n: number): void {
    for (let i = 0; i < n; i++) {
      const h = hashes[i] as number;
      const r = (this.refs.get(h) ?? 0) - 1;
      if (r < 0) throw new RangeError(`prefix block ${h} released more often than acquired`);
      this.refs.set(h, r);
      if (r === 0) this.idle.set(h, true);
    }
  }

  /** Evicts up to n idle blocks, least recently used first; returns how many it evicted. */
  evict(n: number): number {
    let k = 0;
    for (const h of this.idle.keys()) {
      if (k >= n) break;
      this.idle.delete(h);
      this.refs.delete(h);
      k++;
    }
    return k;
  }

  /** Blocks some running request still uses. */
  get pinned(): number {
    return this.refs.size - this.idle.size;
  }

  private pin(h: number): void {
    const r = this.refs.get(h) as number;
    if (r === 0) this.idle.delete(h);
    this.refs.set(h, r + 1);
  }
}
