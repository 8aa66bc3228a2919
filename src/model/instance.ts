import { InvariantError } from '../core/errors.js';
import type { ApiCallFacts, BatchBuilder, BatchPolicy, PreemptMode, RequestFacts } from './batchPolicy.js';
import { DecodeSet } from './decodeSet.js';
import { HeapPositions, IndexedHeap } from './indexedHeap.js';
import { IntList } from './intList.js';
import { KvHome, KvPool } from './kvPool.js';
import { addPrefillChunk, emptyShape, type BatchShape, type PerfModel } from './perfModel.js';
import type { PrefixCache } from './prefixCache.js';
import type { ApiCall } from './request.js';
import { ReqState, type RequestTable } from './requestTable.js';
import { TbtLog } from './tbtLog.js';

export interface InstanceConfig {
  /** Most sequences in one batch (vLLM max_num_seqs). */
  readonly maxNumSeqs: number;
  /** Most tokens in one iteration (vLLM max_num_batched_tokens); a policy may use fewer. */
  readonly maxBatchedTokens: number;
  readonly blockSize: number;
  readonly kvBlocks: number;
  /** Fraction of blocks kept free when admitting new requests (vLLM's watermark, 0.01). */
  readonly watermark: number;
  /** What 'default' preemption does: recompute, or swap to host memory. */
  readonly preemption: 'recompute' | 'swap';
  /** Host blocks available for swapped KV. */
  readonly hostKvBlocks: number;
  /** Seconds to move one KV block over PCIe (swap out or in). */
  readonly swapSecondsPerBlock: number;
  /** Reuse cached prompt blocks across requests by their block hashes (vLLM automatic prefix caching). */
  readonly prefixCaching?: boolean;
  /** Default time-between-tokens target for requests without their own, seconds (Infinity: none). */
  readonly tbtTargetS?: number;
  /** Longest context the model accepts (vLLM max_model_len): prompt plus output; longer requests are refused on arrival. */
  readonly maxModelLen?: number;
}

/**
 * Instance roles for phase-split serving (Splitwise): a 'prefill' instance hands each request over
 * after its first token (the router's `routeDecode` picks the 'decode' instance that continues it).
 */
export type InstanceRole = 'mixed' | 'prefill' | 'decode';

/** Why a request was rejected by an instance. */
export type RejectReason = 'kv-capacity' | 'max-model-len';

export interface InstanceListener {
  onFirstToken(id: number, now: number): void;
  onComplete(id: number, now: number): void;
  /** The request can never fit on this instance (prompt plus output exceed its KV); vLLM refuses it too. */
  onReject(id: number, now: number, reason: RejectReason): void;
  /** A 'prefill' instance finished a request's prefill; its `kv` tokens of KV must move on. */
  onHandoff(id: number, now: number, kv: number): void;
  /** The request starts an API call lasting `durationS`; call `apiReturn` when it ends. */
  onApiCall(id: number, now: number, durationS: number): void;
}

/** Optional per-request prediction refinement while decoding (Trail): predicted total output given tokens so far. */
export type PredictionRefiner = (id: number, generatedTokens: number) => number;

/** Iterations an instance may run without emitting a token before the run is declared stuck. */
const STALL_LIMIT_MIN = 100_000;

/**
 * One model replica with vLLM-style continuous batching: a ranked waiting queue, a running batch
 * (requests in prefill plus the decode set), a paged KV pool, and preemption. This class is the
 * mechanism; the `BatchPolicy` chooses what each iteration contains through the `BatchBuilder`
 * methods below. An iteration is formed at its start, timed by the performance model, and applied
 * at its end; requests join and leave only at iteration boundaries.
 */
export class Instance implements BatchBuilder {
  readonly waiting: IndexedHeap;
  readonly decode: DecodeSet;
  readonly kv: KvPool;
  /** Requests with prefill left to do, in admission order. */
  private readonly prefilling = new IntList();
  /** Decode members sitting out the iteration being formed or run; they rejoin at its end. */
  private readonly skipped = new IntList();
  /** Requests away on an API call with their KV resident. */
  private readonly awayResident = new IntList();
  private enqueueSeq = 0;
  private admitCounter = 0;
  /** Sum of prompt tokens of waiting requests (router-visible load). */
  waitingPromptTokens = 0;
  /** Requests away on API calls (any KV strategy). */
  awayCount = 0;
  /** API calls started, and how their KV was kept. */
  readonly apiStrategies = { preserve: 0, discard: 0, swap: 0 };

  busy = false;
  role: InstanceRole = 'mixed';
  now = 0;
  tokenBudget = 0;
  lastIterationS = 0;
  lastIterationTokens = 0;
  lastIterationAttention = 0;
  private iterTokens = 0;
  private iterAttention = 0;
  lastDecodeIterationS = 0;
  lastDecodeEnd = 0;
  private iterStart = 0;
  private busyAcc = 0;
  private iterHasDecode = false;
  private extraTime = 0;
  private readonly chunkIds = new IntList();
  private readonly chunkLens = new IntList();
  private readonly joiners = new IntList();
  readonly tbt = new TbtLog();
  iterations = 0;
  private itersSinceToken = 0;
  private readonly stallLimit: number;
  private readonly refiner: PredictionRefiner | undefined;
  /** Per API-call kind: returned calls and their summed durations (the duration a policy may predict). */
  private readonly apiKinds = new Map<string, { n: number; sum: number }>();
  /** Requests away on an API call: the call's kind and start time. */
  private readonly apiAway = new Map<number, { kind: string; start: number }>();
  private readonly shape: BatchShape = emptyShape();
  /** Distinct TBT targets of requests seen here, and per target the decode iterations whose common gap exceeded it. */
  private readonly tbtTargets: number[] = [];
  private readonly lateIters: number[] = [];
  private readonly reqFacts: RequestFacts = {
    id: 0,
    arrival: 0,
    promptTokens: 0,
    predictedOutputTokens: Number.NaN,
    generatedTokens: 0,
    kvTokens: 0,
    prefillTarget: 0,
    preemptions: 0,
    type: 0,
    lastTokenTime: Number.NaN,
    tbtTargetS: Number.POSITIVE_INFINITY,
    apiCallsDone: 0,
    waitedS: 0,
    kvResident: false,
  };

  constructor(
    readonly id: number,
    readonly cfg: InstanceConfig,
    private readonly perf: PerfModel,
    readonly policy: BatchPolicy,
    private readonly t: RequestTable,
    waitingPositions: HeapPositions,
    decodePositions: HeapPositions,
    private readonly listener: InstanceListener,
    private readonly refine?: PredictionRefiner,
  ) {
    // Only live requests sit in heaps: their position indexes follow the table's ring of live slots.
    t.trackPositions(waitingPositions);
    t.trackPositions(decodePositions);
    this.waiting = new IndexedHeap(waitingPositions);
    this.decode = new DecodeSet(t, cfg.blockSize, decodePositions);
    this.kv = new KvPool(t, cfg.kvBlocks, cfg.blockSize, cfg.hostKvBlocks, cfg.watermark, cfg.prefixCaching === true);
    this.refiner = policy.refinesPredictions ? refine : undefined;
    this.stallLimit = Math.max(STALL_LIMIT_MIN, 4 * Math.ceil((cfg.kvBlocks * cfg.blockSize) / Math.max(1, cfg.maxBatchedTokens)));
  }

  // ---- what routers, the monitor and controllers read ----

  get numWaiting(): number {
    return this.waiting.size;
  }
  get numRunning(): number {
    return this.decode.count + this.prefilling.size + this.skipped.size;
  }
  /** Blocks in use (cached blocks nobody uses count as free). */
  get usedBlocks(): number {
    return this.cfg.kvBlocks - this.kv.available;
  }
  get availableBlocks(): number {
    return this.kv.available;
  }
  get freeBlocks(): number {
    return this.kv.freeBlocks;
  }
  get prefixCache(): PrefixCache | undefined {
    return this.kv.prefixCache;
  }

  /** Busy seconds from the start of the run up to `now`. */
  busyTimeUntil(now: number): number {
    return this.busyAcc + (this.busy ? Math.max(0, now - this.iterStart) : 0);
  }

  /** True when the request is part of the iteration now running (it cannot leave until it ends). */
  inFlight(id: number): boolean {
    return this.busy && (this.chunkIds.includes(id) || (this.iterHasDecode && this.decode.has(id)));
  }

  /** Requests with prefill left, in admission order, then decode members sitting out (a copy). */
  prefillingIds(): number[] {
    return this.prefilling.toArray();
  }
  /** Decode members sitting out the current iteration (a copy). */
  skippedIds(): number[] {
    return this.skipped.toArray();
  }

  /** Current generated tokens and KV length of a running or waiting request on this instance. */
  generatedOf(id: number): number {
    return this.decode.has(id) ? this.decode.generatedOf(id) : (this.t.live.generated[id & this.t.live.mask] as number);
  }
  kvOf(id: number): number {
    if (this.decode.has(id)) return this.decode.kvOf(id);
    const t = this.t;
    if (t.state[id] === ReqState.Waiting && t.live.kvHome[id & t.live.mask] === KvHome.None) return 0;
    return t.live.kvTokens[id & t.live.mask] as number;
  }

  // ---- arrivals and departures ----

  /** Puts a request in the waiting queue; its KV is wherever the pool says. */
  enqueue(id: number, now: number): void {
    const t = this.t;
    const limit = this.cfg.maxModelLen;
    if (limit !== undefined && t.state[id] === ReqState.Waiting && (t.instance[id] as number) < 0 && this.lifetimeTokens(id) + 1 > limit) {
      // A new request longer than the model's context: refused at once, as vLLM's API server does.
      t.instance[id] = this.id;
      t.state[id] = ReqState.Rejected;
      this.listener.onReject(id, now, 'max-model-len');
      return;
    }
    t.state[id] = ReqState.Waiting;
    t.instance[id] = this.id;
    t.live.enqueuedAt[id & t.live.mask] = now;
    const rank = this.policy.ranksByArrival ? (t.arrival[id] as number) : this.policy.rank(this.factsOf(id, t.live.generated[id & t.live.mask] as number, now), now);
    this.waiting.push(id, rank, this.enqueueSeq++);
    this.waitingPromptTokens += t.prompt[id] as number;
  }

  /** A request arrives from another instance: with its KV (copied in on admission) or to recompute. */
  receive(id: number, withKv: boolean, now: number): void {
    this.kv.receive(id, withKv, this.recomputeTarget(id));
    this.enqueue(id, now);
  }

  /** Takes a request out of this instance wherever it is; frees its GPU blocks. Returns its KV tokens kept. */
  detach(id: number): number {
    const t = this.t;
    if (this.waiting.remove(id)) {
      this.waitingPromptTokens -= t.prompt[id] as number;
      return this.kv.leaveWaiting(id);
    }
    if (this.inFlight(id)) {
      throw new InvariantError(`request ${id} cannot leave instance ${this.id} during an iteration that includes it`);
    }
    if (this.decode.has(id)) this.leaveDecode(id);
    else if (!this.skipped.remove(id) && !this.prefilling.remove(id)) {
      throw new InvariantError(`request ${id} is not on instance ${this.id}`);
    }
    this.kv.release(id);
    return t.live.kvTokens[id & t.live.mask] as number;
  }

  /** An API call ended: the request queues again to prefill the call's result. */
  apiReturn(id: number, now: number): void {
    const t = this.t;
    this.awayCount--;
    const away = this.apiAway.get(id);
    if (away) {
      this.apiAway.delete(id);
      const k = this.apiKinds.get(away.kind) ?? { n: 0, sum: 0 };
      k.n++;
      k.sum += now - away.start;
      this.apiKinds.set(away.kind, k);
    }
    if (t.live.kvHome[id & t.live.mask] === KvHome.Resident) this.awayResident.remove(id);
    t.live.lastToken[id & t.live.mask] = now;
    this.enqueue(id, now);
  }

  private recomputeTarget(id: number): number {
    const t = this.t;
    return (t.prompt[id] as number) + (t.live.contextExtra[id & t.live.mask] as number) + (t.live.generated[id & t.live.mask] as number);
  }

  // ---- iterations ----

  /**
   * Forms the next batch; returns its duration, or 0 when there is nothing to run. (A wrapper small
   * enough to be inlined by its callers: the clock goes in through a field and the duration comes
   * back in one, so that no double is boxed for a call of the large `formIteration`, which the
   * optimiser does not inline: a heap number each way on every iteration otherwise.)
   */
  startIteration(now: number): number {
    this.now = now;
    this.formIteration();
    return this.iterationS;
  }
  /** The duration `formIteration` gave the iteration it formed (0: none). */
  private iterationS = 0;

  private formIteration(): void {
    const now = this.now;
    const s = this.shape;
    s.prefillSeqs = s.prefillTokens = s.prefillAttnPairs = s.prefillPastTokens = 0;
    s.decodeSeqs = s.decodeContextTokens = 0;
    this.chunkIds.clear();
    this.chunkLens.clear();
    this.extraTime = 0;
    this.iterHasDecode = false;
    this.iterationS = 0;
    if (this.numRunning === 0 && this.waiting.size === 0) {
      this.busy = false;
      return;
    }
    this.extraTime = this.extraTimeCarry;
    this.extraTimeCarry = 0;
    this.batchPreemptions = 0;
    if (this.policy.dynamicRank) this.rerankWaiting(now);
    this.tokenBudget = this.cfg.maxBatchedTokens;
    this.policy.formBatch(this);
    // No token work formed while work exists (at most PCIe copies): the mechanism makes progress itself.
    if (s.prefillSeqs === 0 && s.decodeSeqs === 0) this.ensureProgress(now);
    if (s.prefillSeqs === 0 && s.decodeSeqs === 0 && this.extraTime === 0) {
      if (this.numRunning > 0) throw new InvariantError(`instance ${this.id} has running requests but formed an empty batch`);
      if (this.waiting.size > 0) throw new InvariantError(`instance ${this.id}: policy '${this.policy.name}' admitted nothing from an idle instance`);
      this.busy = false;
      return;
    }
    const compute = s.prefillSeqs + s.decodeSeqs > 0 ? this.perf.iterationTime(s) : 0;
    // PCIe copies stall the iteration, unless the policy overlaps them with compute (FastServe).
    const dt = this.policy.overlapsSwaps ? Math.max(compute, this.extraTime) : compute + this.extraTime;
    if (!(dt > 0) || !Number.isFinite(dt)) throw new InvariantError(`instance ${this.id} formed a batch of duration ${dt}`);
    this.busy = true;
    this.iterStart = now;
    this.iterTokens = s.prefillTokens + s.decodeSeqs;
    this.iterAttention = s.prefillAttnPairs + s.decodeContextTokens;
    this.iterations++;
    if (++this.itersSinceToken > this.stallLimit) {
      throw new InvariantError(
        `instance ${this.id} ran ${this.itersSinceToken} iterations without producing a token (livelock): ` +
          `${this.waiting.size} waiting, ${this.numRunning} running, ${this.kv.available} of ${this.cfg.kvBlocks} KV blocks available`,
      );
    }
    this.iterationS = dt;
  }

  /**
   * The policy formed an empty batch although work exists. Progress is the mechanism's guarantee:
   * skipped decodes run after all; prefills stuck on KV give one victim's blocks back; an idle
   * instance admits its head alone.
   */
  private ensureProgress(now: number): void {
    if (this.skipped.size > 0) {
      this.rejoinSkipped();
      this.decodeAll();
      return;
    }
    if (this.decode.count > 0) {
      this.decodeAll();
      return;
    }
    for (let guard = this.prefilling.size + 1; guard > 0 && this.prefilling.size > 0; guard--) {
      for (let i = 0; i < this.prefilling.size && this.tokenBudget > 0; i++) {
        const id = this.prefilling.get(i);
        this.tokenBudget -= this.prefill(id, this.tokenBudget);
      }
      if (this.chunkIds.size > 0) return;
      // Every partial prefill is stuck on KV: give the lowest-priority one's blocks back.
      const victim = this.pickVictim(now);
      if (victim < 0) break;
      this.preempt(victim, 'default');
    }
    if (this.waiting.size > 0 && this.chunkIds.size === 0) {
      this.admit(this.cfg.maxBatchedTokens, true, true);
      // Admitted with its KV (swap-in, migration), it decodes now.
      if (this.decode.count > 0) this.decodeAll();
    }
  }

  private rerankWaiting(now: number): void {
    const w = this.waiting;
    const t = this.t;
    // Collect first: updating keys reorders heap slots.
    const ids = this.rerankIds;
    ids.clear();
    for (let i = 0; i < w.size; i++) ids.push(w.idAt(i));
    for (let i = 0; i < ids.size; i++) {
      const id = ids.get(i);
      w.update(id, this.policy.rank(this.factsOf(id, t.live.generated[id & t.live.mask] as number, now), now));
    }
  }
  private readonly rerankIds = new IntList();

  /** Applies the finished iteration: tokens, first tokens, completions, API calls, joins. (Inlined like `startIteration`.) */
  finishIteration(now: number): void {
    this.now = now;
    this.applyIteration();
  }

  private applyIteration(): void {
    const now = this.now;
    const t = this.t;
    const dt = now - this.iterStart;
    this.busyAcc += dt;
    this.busy = false;
    this.lastIterationS = dt;
    this.lastIterationTokens = this.iterTokens;
    this.lastIterationAttention = this.iterAttention;
    if (this.iterHasDecode) {
      const d = this.decode;
      const fresh = this.joiners.size;
      this.tbt.add(now - this.lastDecodeEnd, d.count - fresh);
      for (let i = 0; i < fresh; i++) {
        const j = this.joiners.get(i);
        this.tbt.add(now - (t.live.lastToken[j & t.live.mask] as number), 1);
      }
      const gap = now - this.lastDecodeEnd;
      for (let k = 0; k < this.tbtTargets.length; k++) if (gap > (this.tbtTargets[k] as number)) this.lateIters[k] = (this.lateIters[k] as number) + 1;
      if (this.tbtTargets.length > 0) {
        for (let i = 0; i < fresh; i++) {
          const j = this.joiners.get(i);
          this.judgeGap(j, now - (t.live.lastToken[j & t.live.mask] as number));
          this.markTbt(j);
        }
      }
      this.joiners.clear();
      this.lastDecodeEnd = now;
      this.lastDecodeIterationS = dt;
      if (d.count > 0) this.itersSinceToken = 0;
      d.advance();
      for (let id = d.nextFinished(); id >= 0; id = d.nextFinished()) {
        d.leave(id);
        this.settleTbt(id);
        t.live.lastToken[id & t.live.mask] = now;
        if ((t.live.generated[id & t.live.mask] as number) >= (t.output[id] as number)) this.complete(id);
        else this.startApiCall(id);
      }
    }
    this.rejoinSkipped();
    for (let i = 0; i < this.chunkIds.size; i++) {
      const id = this.chunkIds.get(i);
      const kv = (t.live.kvTokens[id & t.live.mask] as number) + this.chunkLens.get(i);
      t.live.kvTokens[id & t.live.mask] = kv;
      if (kv < (t.live.prefillTarget[id & t.live.mask] as number)) continue;
      this.prefilling.remove(id);
      this.kv.publishPrefix(id);
      this.emitPrefillToken(id);
    }
  }

  private rejoinSkipped(): void {
    for (let i = 0; i < this.skipped.size; i++) this.joinDecode(this.skipped.get(i));
    this.skipped.clear();
  }

  /** A finished prefill yields one token: the first token, or the next one after a recompute or an API call. */
  private emitPrefillToken(id: number): void {
    const now = this.now;
    const t = this.t;
    const g = (t.live.generated[id & t.live.mask] as number) + 1;
    t.live.generated[id & t.live.mask] = g;
    this.itersSinceToken = 0;
    if (g === 1) {
      t.firstToken[id] = now;
      this.listener.onFirstToken(id, now);
    } else {
      this.tbt.add(now - (t.live.lastToken[id & t.live.mask] as number), 1);
      this.judgeGap(id, now - (t.live.lastToken[id & t.live.mask] as number));
    }
    t.live.lastToken[id & t.live.mask] = now;
    if (g >= (t.output[id] as number)) this.complete(id);
    else if (g >= (t.live.stopAt[id & t.live.mask] as number)) this.startApiCall(id);
    else if (this.role === 'prefill') this.handoff(id, now);
    else this.joinDecode(id);
  }

  /** Phase split: the request leaves with its KV for a decode instance; its blocks here are freed. */
  private handoff(id: number, now: number): void {
    const t = this.t;
    this.kv.release(id);
    t.state[id] = ReqState.Migrating;
    this.listener.onHandoff(id, now, t.live.kvTokens[id & t.live.mask] as number);
  }

  /** The request reached its next API call: it leaves the batch; the policy chooses what its KV does. */
  private startApiCall(id: number): void {
    const now = this.now;
    const t = this.t;
    const calls = t.apiCalls[id] as readonly ApiCall[];
    const k = t.live.apiNext[id & t.live.mask] as number;
    const call = calls[k] as ApiCall;
    t.live.apiNext[id & t.live.mask] = k + 1;
    t.live.stopAt[id & t.live.mask] = k + 1 < calls.length ? (calls[k + 1] as ApiCall).afterTokens : (t.output[id] as number);
    const facts = this.factsOf(id, t.live.generated[id & t.live.mask] as number, now);
    const known = this.apiKinds.get(call.kind);
    const callFacts: ApiCallFacts = {
      durationS: call.durationS,
      returnTokens: call.returnTokens,
      kind: call.kind,
      predictedDurationS: known ? known.sum / known.n : Number.NaN,
    };
    this.apiAway.set(id, { kind: call.kind, start: now });
    let strategy = this.policy.apiStrategy ? this.policy.apiStrategy(facts, callFacts) : 'discard';
    t.live.contextExtra[id & t.live.mask] = (t.live.contextExtra[id & t.live.mask] as number) + call.returnTokens;
    if (strategy === 'swap') {
      const moved = this.kv.swapOut(id);
      if (moved < 0) strategy = 'discard';
      else this.extraTimeCarry += moved * this.cfg.swapSecondsPerBlock;
    }
    if (strategy === 'preserve') {
      this.kv.keepResident(id);
      this.awayResident.push(id);
    }
    if (strategy === 'discard') this.kv.discard(id, this.recomputeTarget(id));
    else t.live.prefillTarget[id & t.live.mask] = (t.live.kvTokens[id & t.live.mask] as number) + call.returnTokens;
    this.apiStrategies[strategy]++;
    t.state[id] = ReqState.ApiCall;
    this.awayCount++;
    this.listener.onApiCall(id, now, call.durationS);
  }
  /** PCIe seconds of swaps started between iterations, charged to the next iteration. */
  private extraTimeCarry = 0;

  private joinDecode(id: number): void {
    this.t.state[id] = ReqState.Decoding;
    this.tbtIndex(id);
    this.decode.join(id);
    this.joiners.push(id);
  }

  private leaveDecode(id: number): void {
    const d = this.decode;
    const wasJoiner = (this.t.live.joinIter[id & this.t.live.mask] as number) === d.iter;
    d.leave(id);
    if (wasJoiner) this.joiners.remove(id);
    else {
      this.t.live.lastToken[id & this.t.live.mask] = this.lastDecodeEnd;
      this.settleTbt(id);
    }
  }

  /** The request's TBT target, seconds (Infinity: none). */
  tbtTargetOf(id: number): number {
    const own = this.t.sloTbtOf(id);
    return Number.isNaN(own) ? (this.cfg.tbtTargetS ?? Number.POSITIVE_INFINITY) : own;
  }

  /** Index of a target among those counted here, registering it on first sight; -1 for no target. */
  private tbtIndex(id: number): number {
    const target = this.tbtTargetOf(id);
    if (!Number.isFinite(target)) return -1;
    let k = this.tbtTargets.indexOf(target);
    if (k < 0) {
      k = this.tbtTargets.length;
      this.tbtTargets.push(target);
      this.lateIters.push(0);
    }
    return k;
  }

  /** One gap recorded on its own (a joiner's first decode, a token after a prefill): judged directly. */
  private judgeGap(id: number, gap: number): void {
    if (gap > this.tbtTargetOf(id)) this.t.tbtLate[id] = (this.t.tbtLate[id] as number) + 1;
  }

  /** From now on the request shares the decode set's common gaps: remember the late counter. */
  private markTbt(id: number): void {
    const k = this.tbtIndex(id);
    if (k >= 0) this.t.live.tbtMark[id & this.t.live.mask] = this.lateIters[k] as number;
  }

  /** The request leaves the decode set: its late common gaps since it joined are the counter's growth. */
  private settleTbt(id: number): void {
    const k = this.tbtIndex(id);
    if (k < 0) return;
    const t = this.t;
    t.tbtLate[id] = (t.tbtLate[id] as number) + (this.lateIters[k] as number) - (t.live.tbtMark[id & t.live.mask] as number);
    t.live.tbtMark[id & t.live.mask] = this.lateIters[k] as number;
  }

  private complete(id: number): void {
    const now = this.now;
    const t = this.t;
    this.kv.release(id);
    t.state[id] = ReqState.Done;
    t.completion[id] = now;
    this.listener.onComplete(id, now);
  }

  // ---- BatchBuilder: the operations a policy forms a batch with ----

  get maxNumSeqs(): number {
    return this.cfg.maxNumSeqs;
  }
  get maxBatchedTokens(): number {
    return this.cfg.maxBatchedTokens;
  }
  get blockSize(): number {
    return this.cfg.blockSize;
  }
  get kvBlocks(): number {
    return this.cfg.kvBlocks;
  }
  get hostFreeBlocks(): number {
    return this.kv.hostFreeBlocks;
  }
  get swapSecondsPerBlock(): number {
    return this.cfg.swapSecondsPerBlock;
  }
  get numDecoding(): number {
    return this.iterHasDecode ? 0 : this.decode.count;
  }
  get numPrefilling(): number {
    return this.prefilling.size;
  }
  get batchPrefillTokens(): number {
    return this.shape.prefillTokens;
  }
  get batchDecodes(): number {
    return this.shape.decodeSeqs;
  }
  batchPreemptions = 0;
  waitingHead(): number {
    return this.waiting.peekId();
  }
  waitingAt(i: number): number {
    return this.waiting.idAt(i);
  }
  decodingAt(i: number): number {
    return this.decode.memberAt(i);
  }
  prefillingAt(i: number): number {
    return this.prefilling.get(i);
  }
  facts(id: number): RequestFacts {
    return this.factsOf(id, this.generatedOf(id), this.now);
  }

  skipDecode(id: number): void {
    if (this.iterHasDecode) throw new InvariantError(`policy '${this.policy.name}': skipDecode after decodeAll`);
    if (!this.decode.has(id)) throw new InvariantError(`policy '${this.policy.name}': request ${id} is not decoding on instance ${this.id}`);
    this.leaveDecode(id);
    this.skipped.push(id);
  }

  decodeAll(): number {
    if (this.iterHasDecode) return this.shape.decodeSeqs;
    const d = this.decode;
    while (d.count > 0 && this.kv.available < d.blocksNeeded()) {
      // A policy that offloads kept KV gives it up before any running request's (FastServe).
      if (this.policy.swapsKeptKv && this.evictResidentWaiter(-1)) continue;
      const victim = this.pickVictim(this.now);
      if (victim < 0) throw new InvariantError(`instance ${this.id}: KV exhausted with nothing to preempt`);
      this.preempt(victim, 'default');
    }
    if (d.count === 0) return 0;
    this.kv.take(d.blocksNeeded());
    this.shape.decodeSeqs = d.count;
    this.shape.decodeContextTokens = d.sumKv;
    this.iterHasDecode = true;
    this.tokenBudget -= d.count;
    return d.count;
  }

  prefill(id: number, maxTokens: number): number {
    const t = this.t;
    if (maxTokens <= 0 || this.chunkIds.includes(id)) return 0;
    const kvNow = t.live.kvTokens[id & t.live.mask] as number;
    let chunk = Math.min((t.live.prefillTarget[id & t.live.mask] as number) - kvNow, maxTokens);
    const room = ((t.live.blocks[id & t.live.mask] as number) + (t.live.shared[id & t.live.mask] as number) + this.kv.available) * this.cfg.blockSize - kvNow;
    chunk = Math.min(chunk, room);
    if (chunk <= 0) return 0;
    this.scheduleChunk(id, chunk);
    return chunk;
  }

  admit(maxTokens: number, chunked: boolean, alone: boolean): number {
    if (this.waiting.size === 0) return -1;
    return this.admitId(this.waiting.peekId(), maxTokens, chunked, alone);
  }

  admitId(id: number, maxTokens: number, chunked: boolean, alone: boolean): number {
    const t = this.t;
    if (!this.waiting.has(id)) throw new InvariantError(`policy '${this.policy.name}': request ${id} is not waiting on instance ${this.id}`);
    // A request whose whole context can never fit here is refused, as vLLM refuses prompts beyond
    // max_model_len: wherever its KV is (a phase-split handoff or a migration may bring a request
    // that fit its previous instance), admitting it would only cycle it through preemption.
    const needed = this.role === 'prefill' ? (t.live.prefillTarget[id & t.live.mask] as number) : this.lifetimeTokens(id);
    if (this.kv.blocksFor(needed) > this.kv.usableBlocks) {
      this.removeWaiting(id);
      this.kv.leaveWaiting(id);
      t.state[id] = ReqState.Rejected;
      this.listener.onReject(id, this.now, 'kv-capacity');
      return 0;
    }
    if (this.numRunning >= this.cfg.maxNumSeqs && !this.preemptFor(id, this.now)) return -1;
    const home = t.live.kvHome[id & t.live.mask] as KvHome;
    if (home !== KvHome.None) return this.admitWithKv(id);
    const reused = this.kv.reusePrefix(id);
    const admitted = this.admitFresh(id, maxTokens, chunked, alone);
    if (admitted < 0 && reused > 0) this.kv.unreusePrefix(id);
    return admitted;
  }

  /** Tokens of KV the request holds at its largest: prompt, API results and every output token but the last. */
  private lifetimeTokens(id: number): number {
    const t = this.t;
    let extra = t.live.contextExtra[id & t.live.mask] as number;
    const calls = t.apiCalls[id];
    if (calls) for (let k = t.live.apiNext[id & t.live.mask] as number; k < calls.length; k++) extra += (calls[k] as ApiCall).returnTokens;
    return (t.prompt[id] as number) + extra + Math.max(0, (t.output[id] as number) - 1);
  }

  private removeWaiting(id: number): void {
    // Admissions mostly take the queue's head: popping it skips the position lookup (same heap after).
    if (this.waiting.peekId() === id) this.waiting.pop();
    else this.waiting.remove(id);
    this.waitingPromptTokens -= this.t.prompt[id] as number;
  }

  private admitFresh(id: number, budget: number, chunked: boolean, alone: boolean): number {
    const t = this.t;
    const remaining = (t.live.prefillTarget[id & t.live.mask] as number) - (t.live.kvTokens[id & t.live.mask] as number);
    let chunk = remaining;
    if (chunked) chunk = Math.min(remaining, budget);
    else if (remaining > budget && !alone) return -1;
    if (chunk <= 0) return -1;
    const need = this.kv.extraBlocksFor(id, (t.live.kvTokens[id & t.live.mask] as number) + chunk);
    while (this.kv.available - need < this.kv.watermarkBlocks) {
      if (!this.preemptFor(id, this.now)) return -1;
    }
    this.removeWaiting(id);
    this.markAdmitted(id, ReqState.Prefilling);
    this.prefilling.push(id);
    this.scheduleChunk(id, chunk);
    return chunk;
  }

  /** Admits a request whose KV exists elsewhere (host, migration) or stayed resident: no prefill of it. */
  private admitWithKv(id: number): number {
    const t = this.t;
    const blocks = this.kv.blocksToBringIn(id);
    const extra = this.iterHasDecode && (t.live.kvTokens[id & t.live.mask] as number) % this.cfg.blockSize === 0 ? 1 : 0;
    while (this.kv.available - blocks - extra < this.kv.watermarkBlocks) {
      if (!this.preemptFor(id, this.now)) return -1;
    }
    this.removeWaiting(id);
    this.extraTime += this.kv.bringIn(id) * this.cfg.swapSecondsPerBlock;
    const kv = t.live.kvTokens[id & t.live.mask] as number;
    if (kv >= (t.live.prefillTarget[id & t.live.mask] as number)) {
      this.markAdmitted(id, ReqState.Decoding);
      this.tbtIndex(id);
      this.decode.join(id);
      this.joiners.push(id);
      if (this.iterHasDecode) {
        // The decode part of this batch is already formed: add the newcomer's token to it.
        if (kv % this.cfg.blockSize === 0) {
          this.kv.take(1);
        }
        this.shape.decodeSeqs += 1;
        this.shape.decodeContextTokens += kv;
        this.tokenBudget -= 1;
        return 1;
      }
    } else {
      this.markAdmitted(id, ReqState.Prefilling);
      this.prefilling.push(id);
    }
    return 0;
  }

  private markAdmitted(id: number, state: ReqState): void {
    const t = this.t;
    t.state[id] = state;
    t.live.admitSeq[id & t.live.mask] = this.admitCounter++;
    if (Number.isNaN(t.firstScheduled[id] as number)) t.firstScheduled[id] = this.now;
  }

  private scheduleChunk(id: number, chunk: number): void {
    const t = this.t;
    const kvNow = t.live.kvTokens[id & t.live.mask] as number;
    this.kv.growTo(id, kvNow + chunk);
    addPrefillChunk(this.shape, kvNow, chunk);
    this.chunkIds.push(id);
    this.chunkLens.push(chunk);
  }

  preempt(id: number, mode: PreemptMode): void {
    const t = this.t;
    if (this.chunkIds.includes(id) || (this.iterHasDecode && this.decode.has(id))) {
      throw new InvariantError(`policy '${this.policy.name}': request ${id} is already in the batch being formed`);
    }
    if (this.decode.has(id)) this.leaveDecode(id);
    else if (!this.skipped.remove(id) && !this.prefilling.remove(id)) {
      throw new InvariantError(`policy '${this.policy.name}': request ${id} is not running on instance ${this.id}`);
    }
    let m = mode === 'default' ? (this.policy.preemptMode ? this.policy.preemptMode(this.factsOf(id, t.live.generated[id & t.live.mask] as number, this.now)) : 'default') : mode;
    if (m === 'default') m = this.cfg.preemption;
    if (m === 'swap') {
      const moved = this.kv.swapOut(id);
      if (moved >= 0) this.extraTime += moved * this.cfg.swapSecondsPerBlock;
      else m = 'recompute';
    }
    if (m === 'keep') this.kv.keepResident(id);
    if (m === 'recompute') this.kv.discard(id, this.recomputeTarget(id));
    t.preemptions[id] = (t.preemptions[id] as number) + 1;
    this.batchPreemptions++;
    this.enqueue(id, this.now);
  }

  displaceWorse(): number {
    if (!this.policy.preemptive) return 0;
    let n = 0;
    // Each displacement moves a request into the queue behind the head, so this ends within the queue's size.
    for (let guard = this.waiting.size; guard > 0 && this.numRunning >= this.cfg.maxNumSeqs; guard--) {
      const head = this.waiting.peekId();
      if (head < 0 || !this.preemptFor(head, this.now, false)) break;
      n++;
    }
    return n;
  }

  /** For a preemptive policy, frees room for `id` by preempting a worse-ranked running request; else evicts resident waiters. */
  private preemptFor(id: number, now: number, evictKept = true): boolean {
    if (evictKept && this.evictResidentWaiter(id)) return true;
    if (!this.policy.preemptive || this.numRunning === 0) return false;
    const victim = this.pickVictim(now);
    if (victim < 0) return false;
    const t = this.t;
    const waitingRank = this.policy.rank(this.factsOf(id, t.live.generated[id & t.live.mask] as number, now), now);
    if (this.rankOfRunning(victim, now) <= waitingRank) return false;
    this.preempt(victim, 'default');
    return true;
  }

  /** KV kept by a waiting request (preempted with 'keep') goes before any running request's: recomputed later, or swapped to host when the policy says so. */
  private evictResidentWaiter(forId: number): boolean {
    const w = this.waiting;
    const t = this.t;
    let best = -1;
    let bestKey = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < w.size; i++) {
      const id = w.idAt(i);
      if (id === forId || t.live.kvHome[id & t.live.mask] !== KvHome.Resident) continue;
      if (w.keyAt(i) > bestKey) {
        best = id;
        bestKey = w.keyAt(i);
      }
    }
    if (best < 0) return false;
    const moved = this.policy.swapsKeptKv ? this.kv.swapOut(best) : -1;
    if (moved >= 0) this.extraTime += moved * this.cfg.swapSecondsPerBlock;
    else this.kv.discard(best, this.recomputeTarget(best));
    return true;
  }

  private rankOfRunning(id: number, now: number): number {
    const f = this.factsOf(id, this.generatedOf(id), now);
    return this.policy.victimRank ? this.policy.victimRank(f, now) : this.policy.rank(f, now);
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
      const r = this.policy.preemptive ? this.rankOfRunning(id, now) : 0;
      const s = this.t.live.admitSeq[id & this.t.live.mask] as number;
      if (r > bestRank || (r === bestRank && s > bestSeq)) {
        best = id;
        bestRank = r;
        bestSeq = s;
      }
    };
    if (!this.iterHasDecode) for (let i = 0; i < this.decode.count; i++) consider(this.decode.memberAt(i));
    for (let i = 0; i < this.skipped.size; i++) consider(this.skipped.get(i));
    for (let i = 0; i < this.prefilling.size; i++) consider(this.prefilling.get(i));
    return best;
  }

  private factsOf(id: number, generated: number, now: number): RequestFacts {
    const f = this.reqFacts;
    const t = this.t;
    f.id = id;
    f.arrival = t.arrival[id] as number;
    f.promptTokens = t.prompt[id] as number;
    const predicted = t.predictedOutput[id] as number;
    f.predictedOutputTokens = this.refiner && generated > 0 && Number.isFinite(predicted) ? this.refiner(id, generated) : predicted;
    f.generatedTokens = generated;
    f.kvTokens = this.decode.has(id) ? this.decode.kvOf(id) : (t.live.kvTokens[id & t.live.mask] as number);
    f.prefillTarget = t.live.prefillTarget[id & t.live.mask] as number;
    f.preemptions = t.preemptions[id] as number;
    f.type = t.type[id] as number;
    f.lastTokenTime = this.decode.has(id) && (t.live.joinIter[id & t.live.mask] as number) !== this.decode.iter ? this.lastDecodeEnd : (t.live.lastToken[id & t.live.mask] as number);
    const tbt = t.sloTbtOf(id);
    f.tbtTargetS = Number.isNaN(tbt) ? (this.cfg.tbtTargetS ?? Number.POSITIVE_INFINITY) : tbt;
    f.apiCallsDone = t.live.apiNext[id & t.live.mask] as number;
    f.waitedS = t.state[id] === ReqState.Waiting ? now - (t.live.enqueuedAt[id & t.live.mask] as number) : 0;
    f.kvResident = t.live.kvHome[id & t.live.mask] === KvHome.Resident;
    return f;
  }

  /** Block conservation: free + cached + held by requests on this instance == capacity. */
  checkInvariants(): void {
    const t = this.t;
    const B = this.cfg.blockSize;
    let held = 0;
    let shared = 0;
    for (let i = 0; i < this.decode.count; i++) {
      const id = this.decode.memberAt(i);
      held += Math.ceil(this.decode.kvOf(id) / B) - (t.live.shared[id & t.live.mask] as number);
      shared += t.live.shared[id & t.live.mask] as number;
    }
    const addHolder = (id: number): void => {
      held += t.live.blocks[id & t.live.mask] as number;
      shared += t.live.shared[id & t.live.mask] as number;
      // Each request holds exactly the blocks its KV needs (exclusive plus shared prefix blocks).
      const need = Math.ceil((t.live.kvTokens[id & t.live.mask] as number) / B);
      if (!this.busy && (t.live.blocks[id & t.live.mask] as number) + (t.live.shared[id & t.live.mask] as number) !== need) {
        throw new InvariantError(`instance ${this.id}: request ${id} holds ${t.live.blocks[id & t.live.mask]} + ${t.live.shared[id & t.live.mask]} shared KV blocks for ${t.live.kvTokens[id & t.live.mask]} tokens (needs ${need})`);
      }
    };
    for (let i = 0; i < this.prefilling.size; i++) addHolder(this.prefilling.get(i));
    for (let i = 0; i < this.skipped.size; i++) addHolder(this.skipped.get(i));
    for (let i = 0; i < this.awayResident.size; i++) addHolder(this.awayResident.get(i));
    for (let i = 0; i < this.waiting.size; i++) {
      const id = this.waiting.idAt(i);
      if (t.live.kvHome[id & t.live.mask] === KvHome.Resident) addHolder(id);
    }
    const cache = this.kv.prefixCache;
    if (cache && !this.busy && shared < cache.pinned) {
      throw new InvariantError(`instance ${this.id}: ${cache.pinned} cached blocks pinned but requests hold ${shared} references`);
    }
    held += cache ? cache.size : 0;
    const free = this.kv.freeBlocks;
    if (free < 0 || free > this.cfg.kvBlocks) {
      throw new InvariantError(`instance ${this.id}: free KV blocks ${free} outside [0, ${this.cfg.kvBlocks}]`);
    }
    if (!this.busy && held + free !== this.cfg.kvBlocks) {
      throw new InvariantError(`instance ${this.id}: KV blocks not conserved: held ${held} + free ${free} != ${this.cfg.kvBlocks}`);
    }
    if (this.kv.hostFreeBlocks < 0 || this.kv.hostFreeBlocks > this.cfg.hostKvBlocks) {
      throw new InvariantError(`instance ${this.id}: free host blocks ${this.kv.hostFreeBlocks} outside [0, ${this.cfg.hostKvBlocks}]`);
    }
  }
}
