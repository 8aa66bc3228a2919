/**
 * The instance-level scheduling seam. `Instance` owns the mechanism (executing an iteration, exact
 * token / KV / TBT bookkeeping, completions); a `BatchPolicy` decides, at every iteration, what the
 * iteration contains, by calling the `BatchBuilder` the instance hands it. The builder enforces
 * the mechanism's rules (KV blocks, the batch cap, one chunk per request per iteration), so a policy
 * cannot corrupt state; it can only choose. Policies live in src/policies/schedulers/, one per file,
 * registered by name.
 */

/** What a policy may know about one request. The instance fills one reused object: do not keep it. */
export interface RequestFacts {
  id: number;
  arrival: number;
  promptTokens: number;
  /** Predicted output tokens (refined while decoding when the predictor can); NaN when unknown. */
  predictedOutputTokens: number;
  /** Output tokens generated so far (attained service). */
  generatedTokens: number;
  /** Tokens whose KV is computed (prompt prefilled so far plus generated tokens). */
  kvTokens: number;
  /** Tokens the current prefill must cover (prompt plus tokens to recompute); kvTokens >= this once prefilled. */
  prefillTarget: number;
  preemptions: number;
  /** Workload type index (RequestTable.typeNames). */
  type: number;
  /** Time of the request's last token (NaN before the first). */
  lastTokenTime: number;
  /** The request's time-between-tokens target, seconds (Infinity when none). */
  tbtTargetS: number;
  /** API calls completed so far (API-augmented requests). */
  apiCallsDone: number;
  /** Seconds the request has spent waiting since it last entered the waiting queue. */
  waitedS: number;
  /** True when the request's KV sits on this GPU while it waits (preserved through an API call, or preempted with 'keep'). */
  kvResident: boolean;
}

/** How a running request gives up its place. */
export type PreemptMode =
  /** Drop its KV; the prefill is redone later (prompt plus generated tokens). */
  | 'recompute'
  /** Copy its KV to host memory over PCIe (falls back to recompute when the host is full). */
  | 'swap'
  /** Keep its KV on the GPU while it waits (counts against free blocks until it runs again). */
  | 'keep'
  /** The instance's configured mode (`InstanceConfig.preemption`). */
  | 'default';

/** What a request does with its KV during an API call (the survey's Section 5.1). */
export type ApiKvStrategy = 'preserve' | 'discard' | 'swap';

/** A request about to start an API call, as the policy sees it. */
export interface ApiCallFacts {
  readonly durationS: number;
  readonly returnTokens: number;
  readonly kind: string;
  /** Predicted call duration: the mean duration of this kind's calls that returned on this instance so far (NaN before any). */
  readonly predictedDurationS: number;
}

/** Read-only state of the instance at the start of an iteration. */
export interface InstanceState {
  readonly id: number;
  readonly now: number;
  readonly maxNumSeqs: number;
  readonly maxBatchedTokens: number;
  readonly blockSize: number;
  readonly kvBlocks: number;
  /** Blocks that can be allocated now (free plus evictable cached). */
  readonly availableBlocks: number;
  /** Blocks held by requests on this instance (running, paused or kept while waiting) and cached blocks in use. */
  readonly usedBlocks: number;
  readonly hostFreeBlocks: number;
  /** Seconds to move one KV block over PCIe. */
  readonly swapSecondsPerBlock: number;
  /** Seconds of the last iteration that ran, and of the last one that decoded (0 before any). */
  readonly lastIterationS: number;
  /** Iterations run so far on this instance. */
  readonly iterations: number;
  /** Tokens (prefill chunk tokens plus decodes) of the last iteration that ran; 0 for a swap-only one. */
  readonly lastIterationTokens: number;
  /**
   * Attention work of the last iteration, in query-key pairs: causal pairs of its prefill chunks
   * plus the context every decode read (what grows an iteration beyond its token count).
   */
  readonly lastIterationAttention: number;
  readonly lastDecodeIterationS: number;
  /** End time of the last decode iteration (when every decode member got its last token). */
  readonly lastDecodeEnd: number;
  readonly numWaiting: number;
  /** Decode members not yet included or skipped in the batch being formed. */
  readonly numDecoding: number;
  readonly numPrefilling: number;
  /** Requests in the batch or holding a batch slot (decoding + prefilling). */
  readonly numRunning: number;
  /** The best-ranked waiting request, or -1. */
  waitingHead(): number;
  /** Waiting request at heap slot i (arbitrary order), 0 <= i < numWaiting. */
  waitingAt(i: number): number;
  /** Decode member at slot i (arbitrary order), 0 <= i < numDecoding. */
  decodingAt(i: number): number;
  /** Partially prefilled request i in admission order, 0 <= i < numPrefilling. */
  prefillingAt(i: number): number;
  /** Current facts of any request on this instance (a reused object). */
  facts(id: number): RequestFacts;
}

/** The mechanism's operations a policy uses to form one iteration. */
export interface BatchBuilder extends InstanceState {
  /** Tokens still allowed in this iteration; starts at maxBatchedTokens, a policy may set it. */
  tokenBudget: number;
  /** Keeps a decode member out of this iteration (it stays resident and decodes again later). Call before `decodeAll`. */
  skipDecode(id: number): void;
  /**
   * Puts every remaining decode member in the batch (one token each, charged to the budget),
   * preempting victims until their new KV blocks fit. Returns how many decode. Idempotent.
   */
  decodeAll(): number;
  /** Continues a partial prefill with up to `maxTokens` tokens; returns the tokens scheduled (0: none fit). */
  prefill(id: number, maxTokens: number): number;
  /**
   * Admits the best-ranked waiting request. `chunked`: it may take fewer than its remaining
   * prefill tokens (up to `maxTokens`); otherwise it needs them all within `maxTokens`, unless
   * `alone` (an over-long prompt may run by itself). Returns the prefill tokens scheduled (>= 0), or
   * -1 when it cannot be admitted now. A request whose prompt can never fit is rejected (returns 0).
   */
  admit(maxTokens: number, chunked: boolean, alone: boolean): number;
  /** Admits a specific waiting request (not only the head), same rules and result as `admit`. */
  admitId(id: number, maxTokens: number, chunked: boolean, alone: boolean): number;
  /**
   * For a preemptive policy: while the batch is full and the best-ranked waiting request ranks
   * better than the worst running one (by `victimRank`), the running one is preempted. Call before
   * `decodeAll` (placed decodes cannot be displaced). Returns how many were preempted.
   */
  displaceWorse(): number;
  /** Preempts a running request not yet placed in this batch. */
  preempt(id: number, mode: PreemptMode): void;
  /** Tokens of prefill and decode placed so far in this batch. */
  readonly batchPrefillTokens: number;
  readonly batchDecodes: number;
  /** Requests preempted while forming this batch (for KV or for rank). */
  readonly batchPreemptions: number;
}

/** An instance-level scheduling policy. */
export interface BatchPolicy {
  readonly name: string;
  /** True when it reads predictions: the run then needs a predictor. */
  readonly usesPredictions?: boolean;
  /** True when predictions should be refined while decoding (`RequestFacts.predictedOutputTokens` then uses the tokens so far). */
  readonly refinesPredictions?: boolean;
  /**
   * Order of the waiting queue: lower runs first (ties by arrival at the queue). Evaluated when a
   * request enters the queue, and at every iteration when `dynamicRank` is set.
   */
  rank(facts: RequestFacts, now: number): number;
  /**
   * Declares that `rank(f, now)` is `f.arrival` (first come, first served): the instance then keys
   * its queue by arrival without gathering the request's facts, a fast path on the default
   * scheduler. The scheduler conformance suite checks the claim against `rank`.
   */
  readonly ranksByArrival?: boolean;
  /** Ranks change with time or progress (deadlines, ageing): re-rank the waiting queue every iteration. */
  readonly dynamicRank?: boolean;
  /**
   * When true, a waiting request ranked better than a running one may displace it when the batch
   * is full or KV is short, and KV victims are the worst-ranked running requests. When false,
   * victims follow vLLM: the most recently admitted running request first.
   */
  readonly preemptive: boolean;
  /**
   * Rank of a running request when choosing preemption victims (higher goes first); defaults to
   * `rank`. -Infinity protects a request from displacement by a better-ranked one (Trail's limit).
   */
  victimRank?(facts: RequestFacts, now: number): number;
  /**
   * True when KV swaps (out on preemption, in on admission) run concurrently with the iteration's
   * compute, so an iteration takes max(compute, copies) instead of their sum (FastServe's proactive,
   * pipelined swapping). vLLM's swaps block the step.
   */
  readonly overlapsSwaps?: boolean;
  /**
   * True when KV kept on the GPU by a waiting request (preempted with 'keep') is swapped to host
   * memory when the instance needs its blocks, instead of being dropped for recompute (FastServe's
   * proactive offload: preempted jobs keep their KV on the GPU until memory runs short). Falls back
   * to recompute when the host is full.
   */
  readonly swapsKeptKv?: boolean;
  /** How a victim gives up its place when the instance preempts it for KV or for a better rank. */
  preemptMode?(facts: RequestFacts): PreemptMode;
  /** Forms one iteration. Called only when the instance has something to run. */
  formBatch(b: BatchBuilder): void;
  /** A running request reaches an API call: what happens to its KV while the call runs. Default: discard. */
  apiStrategy?(facts: RequestFacts, call: ApiCallFacts): ApiKvStrategy;
}
