import type { HeapPositions } from './indexedHeap.js';

/**
 * The request columns only a live request needs (from its arrival until it is final: completed or
 * rejected), in a ring of slots: request `id` lives in slot `id & mask`. Ids are given in arrival
 * order, so the live requests are always inside the window from the oldest unfinished id to the
 * newest one; the ring only has to be as long as that window, and a finished request's slot is
 * recycled when the window passes it. Memory then grows with the requests in the system, not with
 * the requests of the run (a straggler that stays in the system for long widens the window: the
 * ring doubles then, copying the window, and at worst spans the run as per-id columns would).
 *
 * Read and write `column[id & mask]`; `mask` and the arrays change only when the table adds a
 * request (never during an iteration), so a function may keep them in locals.
 */
export class LiveSlots {
  mask: number;
  /** Output tokens generated so far (for decoding requests: as of their join to the decode set). */
  generated: Int32Array;
  /** Tokens whose KV is computed (for decoding requests: as of their join). */
  kvTokens: Int32Array;
  /** Tokens the current prefill must cover: prompt plus tokens generated before a recompute. */
  prefillTarget: Int32Array;
  /** KV blocks held exclusively (for decoding requests: as of their join). */
  blocks: Int32Array;
  /** Leading KV blocks shared through the prefix cache (counted there, not in `blocks`). */
  shared: Int32Array;
  /** Decode-iteration counter of the instance when the request joined its decode set (an integer). */
  joinIter: Int32Array;
  /** Admission order on the current instance (preemption victim choice; an integer). */
  admitSeq: Int32Array;
  /** Generated-token count at which the request next leaves the decode set: its output length, or its next API call. */
  stopAt: Int32Array;
  /** API calls started so far. */
  apiNext: Int32Array;
  /** Context tokens beyond the prompt and the generated tokens (API results appended so far). */
  contextExtra: Int32Array;
  /** The instance's late-iteration counter for the request's target when it last joined a decode set. */
  tbtMark: Int32Array;
  /** Conversation/session id from the workload, -1 when none (prediction features). */
  session: Int32Array;
  /** Where a waiting request's KV lives (`KvHome`). */
  kvHome: Uint8Array;
  lastToken: Float64Array;
  /** When the request last entered a waiting queue. */
  enqueuedAt: Float64Array;
  /** Heap position indexes that follow this ring (see `track`). */
  private readonly positions: HeapPositions[] = [];

  constructor(capacity = 1024) {
    let c = 16;
    while (c < capacity) c *= 2;
    this.mask = c - 1;
    this.generated = new Int32Array(c);
    this.kvTokens = new Int32Array(c);
    this.prefillTarget = new Int32Array(c);
    this.blocks = new Int32Array(c);
    this.shared = new Int32Array(c);
    this.joinIter = new Int32Array(c);
    this.admitSeq = new Int32Array(c);
    this.stopAt = new Int32Array(c);
    this.apiNext = new Int32Array(c);
    this.contextExtra = new Int32Array(c);
    this.tbtMark = new Int32Array(c);
    this.session = new Int32Array(c);
    this.kvHome = new Uint8Array(c);
    this.lastToken = new Float64Array(c);
    this.enqueuedAt = new Float64Array(c);
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /**
   * Makes a heap position index (one entry per request in a heap) follow this ring, so it is as
   * long as the ring rather than the run. Idempotent. Only live requests sit in heaps.
   */
  track(p: HeapPositions, from: number, to: number): void {
    if (this.positions.includes(p)) return;
    this.positions.push(p);
    p.follow(this.mask, from, to);
  }

  /** Makes the ring hold ids [from, to] (the window of possibly live requests), copying it when it grows. */
  fit(from: number, to: number): void {
    if (to - from <= this.mask) return;
    let c = this.mask + 1;
    while (c <= to - from) c *= 2;
    const oldMask = this.mask;
    const mask = c - 1;
    const i32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(c);
      for (let id = from; id < to; id++) b[id & mask] = a[id & oldMask] as number;
      return b;
    };
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(c);
      for (let id = from; id < to; id++) b[id & mask] = a[id & oldMask] as number;
      return b;
    };
    const u8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(c);
      for (let id = from; id < to; id++) b[id & mask] = a[id & oldMask] as number;
      return b;
    };
    this.generated = i32(this.generated);
    this.kvTokens = i32(this.kvTokens);
    this.prefillTarget = i32(this.prefillTarget);
    this.blocks = i32(this.blocks);
    this.shared = i32(this.shared);
    this.joinIter = i32(this.joinIter);
    this.admitSeq = i32(this.admitSeq);
    this.stopAt = i32(this.stopAt);
    this.apiNext = i32(this.apiNext);
    this.contextExtra = i32(this.contextExtra);
    this.tbtMark = i32(this.tbtMark);
    this.session = i32(this.session);
    this.kvHome = u8(this.kvHome);
    this.lastToken = f64(this.lastToken);
    this.enqueuedAt = f64(this.enqueuedAt);
    this.mask = mask;
    for (const p of this.positions) p.follow(mask, from, to);
  }
}
