import { InvariantError } from '../core/errors.js';
import { DecodeSet } from './decodeSet.js';
import { HeapPositions, IndexedHeap } from './indexedHeap.js';
import { IntList } from './intList.js';
import type { InstanceScheduler, RankFacts } from './instanceScheduler.js';
import { addPrefillChunk, emptyShape, type BatchShape, type PerfModel } from './perfModel.js';
import { PrefixCache } from './prefixCache.js';
import { ReqState, type RequestTable } from './requestTable.js';
import { TbtLog } from './tbtLog.js';

export interface InstanceConfig {
  /** Most sequences in one batch (vLLM max_num_seqs). */
  readonly maxNumSeqs: number;
  /** Most tokens in one iteration (vLLM max_num_batched_tokens). */
  readonly maxBatchedTokens: number;
  /** Sarathi/vLLM-V1 style mixed batches with chunked prefill; otherwise vLLM-V0 prefill-first batches. */
  readonly chunkedPrefill: boolean;
  readonly blockSize: number;
  readonly kvBlocks: number;
  /** Fraction of blocks kept free when admitting new requests (vLLM's watermark, 0.01). */
  readonly watermark: number;
  readonly preemption: 'recompute' | 'swap';
  /** Host blocks available for swapped KV. */
  readonly hostKvBlocks: number;
  /** Seconds to move one KV block over PCIe (swap out or in). */
  readonly swapSecondsPerBlock: number;
  /** Reuse cached prompt blocks across requests by their block hashes (vLLM automatic prefix caching). */
  readonly prefixCaching?: boolean;
}

/**
 * Instance roles for phase-split serving (Splitwise): a 'prefill' instance hands each request over
 * after its first token (the router's `routeDecode` picks the 'decode' instance that continues it).
 */
export type InstanceRole = 'mixed' | 'prefill' | 'decode';

export interface InstanceListener {
  onFirstToken(id: number, now: number): void;
  onComplete(id: number, now: number): void;
  /** The request can never fit on this instance (its prompt needs more KV than exists); vLLM rejects it too. */
  onReject(id: number, now: number): void;
  /** A 'prefill' instance finished a request's prefill; its `kv` tokens of KV must move on. */
  onHandoff(id: number, now: number, kv: number): void;
}

const enum KvHome {
  None = 0,
  Host = 1,
  Migrated = 2,
}

/**
 * One model replica with vLLM-style continuous batching: a ranked waiting queue, a running batch
 * (requests in prefill plus the decode set), a paged KV cache counted in blocks, and preemption by
 * recompute or swap when blocks run out. An iteration is formed at its start, timed by the
 * performance model, and applied at its end; requests join and leave only at iteration boundaries.
 */
export class Instance {
  readonly waiting: IndexedHeap;
  readonly decode: DecodeSet;
  /** Requests with prefill left to do, in admission order. */
  private readonly prefilling = new IntList();
  /** Blocks held by nobody and not cached. */
  freeBlocks: number;
  hostFreeBlocks: number;
  /** Shared prompt blocks (only when prefix caching is on). */
  readonly prefixCache: PrefixCache | undefined;
  private readonly watermarkBlocks: number;
  private enqueueSeq = 0;
  private admitCounter = 0;
  /** Sum of prompt tokens of waiting requests (router-visible load). */
  waitingPromptTokens = 0;

  busy = false;
  role: InstanceRole = 'mixed';
  private iterStart = 0;
  private busyAcc = 0;
  private iterHasDecode = false;
  private extraTime = 0;
  private readonly chunkIds = new IntList();
  private readonly chunkLens = new IntList();
  private readonly joiners = new IntList();
  private lastDecodeEnd = 0;
  readonly tbt = new TbtLog();
  iterations = 0;
  private readonly shape: BatchShape = emptyShape();
  private readonly facts: RankFacts = {
    id: 0,
    arrival: 0,
    promptTokens: 0,
    predictedOutputTokens: Number.NaN,
    generatedTokens: 0,
    preemptions: 0,
    type: 0,
  };

  constructor(
    readonly id: number,
    readonly cfg: InstanceConfig,
    private readonly perf: PerfModel,
    private readonly sched: InstanceScheduler,
    private readonly t: RequestTable,
    waitingPositions: HeapPositions,
    decodePositions: HeapPositions,
    private readonly listener: InstanceListener,
  ) {
    this.waiting = new IndexedHeap(waitingPositions);
    this.decode = new DecodeSet(t, cfg.blockSize, decodePositions);
    this.freeBlocks = cfg.kvBlocks;
    this.prefixCache = cfg.prefixCaching ? new PrefixCache() : undefined;
    this.hostFreeBlocks = cfg.hostKvBlocks;
    this.watermarkBlocks = Math.floor(cfg.watermark * cfg.kvBlocks);
  }

  get numWaiting(): number {
    return this.waiting.size;
  }
  get numRunning(): number {
    return this.decode.count + this.prefilling.size;
  }
  /** Blocks in use by running requests (cached blocks nobody uses count as free). */
  get usedBlocks(): number {
    return this.cfg.kvBlocks - this.availableBlocks;
  }

  /** Free blocks plus cached blocks that may be evicted. */
  get availableBlocks(): number {
    return this.freeBlocks + (this.prefixCache ? this.prefixCache.idleCount : 0);
  }

  /** Takes n blocks, evicting idle cached blocks first if the free pool is short. */
  private take(n: number): void {
    if (n > this.freeBlocks && this.prefixCache) this.freeBlocks += this.prefixCache.evict(n - this.freeBlocks);
    this.freeBlocks -= n;
  }

  /** Gives back a request's exclusive blocks and its references to shared ones. */
  private releaseBlocks(id: number): void {
    const t = this.t;
    this.freeBlocks += t.blocks[id] as number;
    t.blocks[id] = 0;
    const shared = t.shared[id] as number;
    if (shared > 0) {
      (this.prefixCache as PrefixCache).release(t.hashes[id] as readonly number[], shared);
      t.shared[id] = 0;
    }
  }
  /** Busy seconds from the start of the run up to `now`. */
  busyTimeUntil(now: number): number {
    return this.busyAcc + (this.busy ? Math.max(0, now - this.iterStart) : 0);
  }

  /** True when the request is part of the iteration now running (it cannot leave until it ends). */
  inFlight(id: number): boolean {
    return this.busy && (this.chunkIds.includes(id) || (this.iterHasDecode && this.decode.has(id)));
  }

  /** Requests with prefill left, in admission order (a copy). */
  prefillingIds(): number[] {
    return this.prefilling.toArray();
  }

  /** Puts a request in the waiting queue. Its KV state is whatever the table says (kvHome). */
  enqueue(id: number, now: number): void {
    const t = this.t;
    t.state[id] = ReqState.Waiting;
    t.instance[id] = this.id;
    this.waiting.push(id, this.sched.rank(this.factsOf(id, t.generated[id] as number), now), this.enqueueSeq++);
    this.waitingPromptTokens += t.prompt[id] as number;
  }

  /** Takes a request out of this instance wherever it is; frees its GPU blocks. Returns its KV tokens. */
  detach(id: number): number {
    const t = this.t;
    if (this.waiting.remove(id)) {
      this.waitingPromptTokens -= t.prompt[id] as number;
      if (t.kvHome[id] === KvHome.Host) this.hostFreeBlocks += t.blocks[id] as number;
      const kv = t.kvHome[id] === KvHome.None ? 0 : (t.kvTokens[id] as number);
      t.kvHome[id] = KvHome.None;
      return kv;
    }
    if (this.inFlight(id)) {
      throw new InvariantError(`request ${id} cannot leave instance ${this.id} during an iteration that includes it`);
    }
    if (this.decode.has(id)) {
      this.leaveDecode(id);
    } else {
      const i = this.prefilling.indexOf(id);
      if (i < 0) throw new InvariantError(`request ${id} is not on instance ${this.id}`);
      this.prefilling.removeAt(i);
    }
    this.releaseBlocks(id);
    return t.kvTokens[id] as number;
  }

  /** Forms the next batch; returns its duration, or 0 when there is nothing to run. */
  startIteration(now: number): number {
    const s = this.shape;
    s.prefillSeqs = s.prefillTokens = s.prefillAttnPairs = s.prefillPastTokens = 0;
    s.decodeSeqs = s.decodeContextTokens = 0;
    this.chunkIds.clear();
    this.chunkLens.clear();
    this.extraTime = 0;
    this.iterHasDecode = false;
    if (this.cfg.chunkedPrefill) this.formMixedBatch(now);
    else this.formPrefillFirstBatch(now);
    if (s.prefillSeqs === 0 && s.decodeSeqs === 0) {
      if (this.numRunning > 0 && this.waiting.size === 0 && this.extraTime === 0) {
        throw new InvariantError(`instance ${this.id} has running requests but formed an empty batch`);
      }
      if (this.extraTime === 0) {
        this.busy = false;
        return 0;
      }
    }
    const dt = (s.prefillSeqs + s.decodeSeqs > 0 ? this.perf.iterationTime(s) : 0) + this.extraTime;
    this.busy = true;
    this.iterStart = now;
    this.iterations++;
    return dt;
  }

  /** Applies the finished iteration: tokens, first tokens, completions, joins to the decode set. */
  finishIteration(now: number): void {
    const t = this.t;
    this.busyAcc += now - this.iterStart;
    this.busy = false;
    if (this.iterHasDecode) {
      const d = this.decode;
      const fresh = this.joiners.size;
      this.tbt.add(now - this.lastDecodeEnd, d.count - fresh);
      for (let i = 0; i < fresh; i++) {
        const j = this.joiners.get(i);
        this.tbt.add(now - (t.lastToken[j] as number), 1);
      }
      this.joiners.clear();
      this.lastDecodeEnd = now;
      d.advance();
      for (let id = d.nextFinished(); id >= 0; id = d.nextFinished()) {
        d.leave(id);
        t.lastToken[id] = now;
        this.complete(id, now);
      }
    }
    for (let i = 0; i < this.chunkIds.size; i++) {
      const id = this.chunkIds.get(i);
      const kv = (t.kvTokens[id] as number) + this.chunkLens.get(i);
      t.kvTokens[id] = kv;
      if (kv < (t.prefillTarget[id] as number)) continue;
      this.prefilling.remove(id);
      this.publishPrefix(id);
      this.emitPrefillToken(id, now);
    }
  }

  /** A finished prefill yields one token: the first token, or the next one after a recompute. */
  private emitPrefillToken(id: number, now: number): void {
    const t = this.t;
    const g = (t.generated[id] as number) + 1;
    t.generated[id] = g;
    if (g === 1) {
      t.firstToken[id] = now;
      this.listener.onFirstToken(id, now);
    } else {
      this.tbt.add(now - (t.lastToken[id] as number), 1);
    }
    t.lastToken[id] = now;
    if (g >= (t.output[id] as number)) this.complete(id, now);
    else if (this.role === 'prefill') this.handoff(id, now);
    else this.joinDecode(id);
  }

  /** Phase split: the request leaves with its KV for a decode instance; its blocks here are freed. */
  private handoff(id: number, now: number): void {
    const t = this.t;
    this.releaseBlocks(id);
    t.state[id] = ReqState.Migrating;
    this.listener.onHandoff(id, now, t.kvTokens[id] as number);
  }

  private joinDecode(id: number): void {
    this.t.state[id] = ReqState.Decoding;
    this.decode.join(id);
    this.joiners.push(id);
  }

  private leaveDecode(id: number): void {
    const d = this.decode;
    const wasJoiner = (this.t.joinIter[id] as number) === d.iter;
    d.leave(id);
    if (wasJoiner) {
      this.joiners.remove(id);
    } else {
      this.t.lastToken[id] = this.lastDecodeEnd;
    }
  }

  private complete(id: number, now: number): void {
    const t = this.t;
    this.releaseBlocks(id);
    t.state[id] = ReqState.Done;
    t.completion[id] = now;
    this.listener.onComplete(id, now);
  }

  // ---- batch formation ----

  /** vLLM V0 default: if any waiting request can be admitted, the iteration is prefill-only. */
  private formPrefillFirstBatch(now: number): void {
    let budget = this.cfg.maxBatchedTokens;
    while (this.waiting.size > 0) {
      const id = this.waiting.peekId();
      const r = this.admitOne(id, budget, now, this.chunkIds.size === 0);
      if (r < 0) break;
      budget -= r;
    }
    if (this.chunkIds.size > 0 || this.decode.count === 0) return;
    this.reserveDecodeBlocks(now);
    this.addDecodes();
  }

  /** Sarathi-Serve / vLLM V1: all decodes, then ongoing prefill chunks, then new admissions. */
  private formMixedBatch(now: number): void {
    this.reserveDecodeBlocks(now);
    let budget = this.cfg.maxBatchedTokens - this.decode.count;
    this.addDecodes();
    const t = this.t;
    for (let i = 0; i < this.prefilling.size && budget > 0; i++) {
      const id = this.prefilling.get(i);
      const kv = t.kvTokens[id] as number;
      let chunk = Math.min((t.prefillTarget[id] as number) - kv, budget);
      chunk = Math.min(chunk, ((t.blocks[id] as number) + (t.shared[id] as number) + this.availableBlocks) * this.cfg.blockSize - kv);
      if (chunk <= 0) continue;
      this.scheduleChunk(id, chunk);
      budget -= chunk;
    }
    while (budget > 0 && this.waiting.size > 0) {
      const r = this.admitOne(this.waiting.peekId(), budget, now, false);
      if (r < 0) break;
      budget -= r;
    }
    if (!this.iterHasDecode && this.decode.count > 0) {
      // Requests that arrived with their KV (swap-in, migration) joined the decode set just now.
      this.reserveDecodeBlocks(now);
      this.addDecodes();
    }
    if (this.chunkIds.size === 0 && this.decode.count === 0 && this.prefilling.size > 0) {
      // Every partial prefill is stuck on KV: give the lowest-priority one's blocks back.
      const victim = this.pickVictim(now);
      if (victim < 0) throw new InvariantError(`instance ${this.id}: prefills stuck with nothing to preempt`);
      this.preempt(victim, now);
      this.formMixedBatch(now);
    }
  }

  /**
   * Tries to admit the head of the waiting queue with up to `budget` prefill tokens. Returns the
   * tokens used (>= 0) or -1 when it does not fit. `alone` lets an over-long prompt run by itself.
   */
  private admitOne(id: number, budget: number, now: number, alone: boolean): number {
    const t = this.t;
    const cfg = this.cfg;
    if (this.numRunning >= cfg.maxNumSeqs) {
      if (!this.preemptFor(id, now)) return -1;
    }
    const home = t.kvHome[id] as KvHome;
    if (home !== KvHome.None) return this.admitWithKv(id, now, home);
    const reused = this.reusePrefix(id);
    const admitted = this.admitFresh(id, budget, now, alone);
    if (admitted < 0 && reused > 0) this.unreusePrefix(id);
    return admitted;
  }

  /** Prefix caching: pins the longest cached prefix of the prompt; the prefill starts after it. */
  private reusePrefix(id: number): number {
    const t = this.t;
    const hashes = t.hashes[id];
    if (!this.prefixCache || !hashes || (t.kvTokens[id] as number) > 0) return 0;
    const B = this.cfg.blockSize;
    // At least one token is always computed: it yields the next token.
    const m = this.prefixCache.acquire(hashes, Math.floor(((t.prefillTarget[id] as number) - 1) / B));
    t.shared[id] = m;
    t.kvTokens[id] = m * B;
    return m;
  }

  private unreusePrefix(id: number): void {
    const t = this.t;
    (this.prefixCache as PrefixCache).release(t.hashes[id] as readonly number[], t.shared[id] as number);
    t.shared[id] = 0;
    t.kvTokens[id] = 0;
  }

  /** Prefix caching: a finished prefill's full prompt blocks become cached (shared) blocks. */
  private publishPrefix(id: number): void {
    const t = this.t;
    const hashes = t.hashes[id];
    if (!this.prefixCache || !hashes) return;
    const full = Math.floor((t.prompt[id] as number) / this.cfg.blockSize);
    const shared = t.shared[id] as number;
    const added = this.prefixCache.publish(hashes, shared, full);
    t.shared[id] = shared + added;
    t.blocks[id] = (t.blocks[id] as number) - added;
  }

  private admitFresh(id: number, budget: number, now: number, alone: boolean): number {
    const t = this.t;
    const cfg = this.cfg;
    const remaining = (t.prefillTarget[id] as number) - (t.kvTokens[id] as number);
    let chunk = remaining;
    if (cfg.chunkedPrefill) chunk = Math.min(remaining, budget);
    else if (remaining > budget && !alone) return -1;
    if (Math.ceil((t.prefillTarget[id] as number) / cfg.blockSize) > cfg.kvBlocks - this.watermarkBlocks) {
      this.waiting.pop();
      this.waitingPromptTokens -= t.prompt[id] as number;
      this.releaseBlocks(id);
      t.state[id] = ReqState.Rejected;
      this.listener.onReject(id, now);
      return 0;
    }
    const need = Math.ceil(((t.kvTokens[id] as number) + chunk) / cfg.blockSize) - (t.shared[id] as number);
    while (this.availableBlocks - need < this.watermarkBlocks) {
      if (!this.preemptFor(id, now)) return -1;
    }
    this.waiting.pop();
    this.waitingPromptTokens -= t.prompt[id] as number;
    this.markAdmitted(id, now, ReqState.Prefilling);
    this.prefilling.push(id);
    this.scheduleChunk(id, chunk);
    return chunk;
  }

  /** Admits a request whose KV exists elsewhere (host memory or a migration): copy it in, no prefill. */
  private admitWithKv(id: number, now: number, home: KvHome): number {
    const t = this.t;
    const blocks = t.blocks[id] as number;
    const extra = this.iterHasDecode && (t.kvTokens[id] as number) % this.cfg.blockSize === 0 ? 1 : 0;
    while (this.availableBlocks - blocks - extra < this.watermarkBlocks) {
      if (!this.preemptFor(id, now)) return -1;
    }
    this.waiting.pop();
    this.waitingPromptTokens -= t.prompt[id] as number;
    if (home === KvHome.Host) {
      this.hostFreeBlocks += blocks;
      this.extraTime += blocks * this.cfg.swapSecondsPerBlock;
    }
    t.kvHome[id] = KvHome.None;
    this.take(blocks);
    const kv = t.kvTokens[id] as number;
    if (kv >= (t.prefillTarget[id] as number)) {
      this.markAdmitted(id, now, ReqState.Decoding);
      this.decode.join(id);
      this.joiners.push(id);
      if (this.iterHasDecode) {
        // The decode part of this batch is already formed: add the newcomer's token to it.
        if (kv % this.cfg.blockSize === 0) this.take(1);
        this.shape.decodeSeqs += 1;
        this.shape.decodeContextTokens += kv;
        return 1;
      }
    } else {
      this.markAdmitted(id, now, ReqState.Prefilling);
      this.prefilling.push(id);
    }
    return 0;
  }

  private markAdmitted(id: number, now: number, state: ReqState): void {
    const t = this.t;
    t.state[id] = state;
    t.admitSeq[id] = this.admitCounter++;
    if (Number.isNaN(t.firstScheduled[id] as number)) t.firstScheduled[id] = now;
  }

  private scheduleChunk(id: number, chunk: number): void {
    const t = this.t;
    const kv = t.kvTokens[id] as number;
    const need = Math.ceil((kv + chunk) / this.cfg.blockSize) - (t.blocks[id] as number) - (t.shared[id] as number);
    if (need > 0) {
      this.take(need);
      t.blocks[id] = (t.blocks[id] as number) + need;
    }
    addPrefillChunk(this.shape, kv, chunk);
    this.chunkIds.push(id);
    this.chunkLens.push(chunk);
  }

  private addDecodes(): void {
    const d = this.decode;
    if (d.count === 0) return;
    this.take(d.blocksNeeded());
    this.shape.decodeSeqs = d.count;
    this.shape.decodeContextTokens = d.sumKv;
    this.iterHasDecode = true;
  }

  /** Preempts decode members until the next decode iteration's new blocks fit. */
  private reserveDecodeBlocks(now: number): void {
    while (this.decode.count > 0 && this.availableBlocks < this.decode.blocksNeeded()) {
      const victim = this.pickVictim(now);
      if (victim < 0) throw new InvariantError(`instance ${this.id}: KV exhausted with nothing to preempt`);
      this.preempt(victim, now);
    }
  }

  /** For a preemptive policy, frees room for `id` by preempting a worse-ranked running request. */
  private preemptFor(id: number, now: number): boolean {
    if (!this.sched.preemptive || this.numRunning === 0) return false;
    const victim = this.pickVictim(now);
    if (victim < 0) return false;
    const t = this.t;
    const waitingRank = this.sched.rank(this.factsOf(id, t.generated[id] as number), now);
    if (this.rankOfRunning(victim, now) <= waitingRank) return false;
    this.preempt(victim, now);
    return true;
  }

  private rankOfRunning(id: number, now: number): number {
    const g = this.decode.has(id) ? this.decode.generatedOf(id) : (this.t.generated[id] as number);
    return this.sched.rank(this.factsOf(id, g), now);
  }

  /**
   * The running request to give up first: worst rank for preemptive policies, else latest admitted.
   * Requests already placed in the batch being formed are not eligible. Returns -1 when none is.
   */
  private pickVictim(now: number): number {
    let best = -1;
    let bestRank = Number.NEGATIVE_INFINITY;
    let bestSeq = Number.NEGATIVE_INFINITY;
    const consider = (id: number): void => {
      if (this.chunkIds.includes(id)) return;
      const r = this.sched.preemptive ? this.rankOfRunning(id, now) : 0;
      const s = this.t.admitSeq[id] as number;
      if (r > bestRank || (r === bestRank && s > bestSeq)) {
        best = id;
        bestRank = r;
        bestSeq = s;
      }
    };
    if (!this.iterHasDecode) for (let i = 0; i < this.decode.count; i++) consider(this.decode.memberAt(i));
    for (let i = 0; i < this.prefilling.size; i++) consider(this.prefilling.get(i));
    return best;
  }

  /** Preempts a running request: swap its KV to host if configured and room exists, else recompute later. */
  private preempt(id: number, now: number): void {
    const t = this.t;
    if (this.decode.has(id)) this.leaveDecode(id);
    else this.prefilling.remove(id);
    // Swapping copies every block, shared ones included: on the host they belong to this request alone.
    const blocks = (t.blocks[id] as number) + (t.shared[id] as number);
    this.releaseBlocks(id);
    if (this.cfg.preemption === 'swap' && blocks <= this.hostFreeBlocks && blocks > 0) {
      this.hostFreeBlocks -= blocks;
      this.extraTime += blocks * this.cfg.swapSecondsPerBlock;
      t.blocks[id] = blocks;
      t.kvHome[id] = KvHome.Host;
    } else {
      t.blocks[id] = 0;
      t.kvTokens[id] = 0;
      t.prefillTarget[id] = (t.prompt[id] as number) + (t.generated[id] as number);
      t.kvHome[id] = KvHome.None;
    }
    t.preemptions[id] = (t.preemptions[id] as number) + 1;
    this.enqueue(id, now);
  }

  private factsOf(id: number, generated: number): RankFacts {
    const f = this.facts;
    const t = this.t;
    f.id = id;
    f.arrival = t.arrival[id] as number;
    f.promptTokens = t.prompt[id] as number;
    f.predictedOutputTokens = t.predictedOutput[id] as number;
    f.generatedTokens = generated;
    f.preemptions = t.preemptions[id] as number;
    f.type = t.type[id] as number;
    return f;
  }

  /** Block conservation: free + cached + held exclusively by running requests == capacity. */
  checkInvariants(): void {
    const t = this.t;
    let held = 0;
    let shared = 0;
    for (let i = 0; i < this.decode.count; i++) {
      const id = this.decode.memberAt(i);
      held += Math.ceil(this.decode.kvOf(id) / this.cfg.blockSize) - (t.shared[id] as number);
      shared += t.shared[id] as number;
    }
    for (let i = 0; i < this.prefilling.size; i++) {
      held += t.blocks[this.prefilling.get(i)] as number;
      shared += t.shared[this.prefilling.get(i)] as number;
    }
    const cached = this.prefixCache ? this.prefixCache.size : 0;
    if (this.prefixCache && !this.busy && shared < this.prefixCache.pinned) {
      throw new InvariantError(`instance ${this.id}: ${this.prefixCache.pinned} cached blocks pinned but running requests share ${shared}`);
    }
    held += cached;
    if (this.freeBlocks < 0 || this.freeBlocks > this.cfg.kvBlocks) {
      throw new InvariantError(`instance ${this.id}: free KV blocks ${this.freeBlocks} outside [0, ${this.cfg.kvBlocks}]`);
    }
    if (!this.busy && held + this.freeBlocks !== this.cfg.kvBlocks) {
      throw new InvariantError(
        `instance ${this.id}: KV blocks not conserved: held ${held} + free ${this.freeBlocks} != ${this.cfg.kvBlocks}`,
      );
    }
  }
}
