import type { ApiCall, RequestSpec } from './request.js';

/** Lifecycle of a request inside the cluster. */
export const enum ReqState {
  Waiting = 1,
  Prefilling = 2,
  Decoding = 3,
  Done = 4,
  Migrating = 5,
  /** Could never fit on its instance (prompt larger than the KV cache). */
  Rejected = 6,
  /** Away on an API call (its KV preserved, swapped or discarded as its policy chose). */
  ApiCall = 7,
}

const NONE = -1;

/**
 * Per-request state and measurements as parallel typed arrays indexed by request id (arrival
 * order). One table serves the whole cluster: the instance model updates it, metrics read it.
 * Growing doubles the arrays; nothing is allocated per token or per iteration.
 */
export class RequestTable {
  count = 0;
  private cap: number;
  readonly typeNames: string[] = [];
  private readonly typeIndex = new Map<string, number>();
  private lastTypeName: string | undefined = undefined;
  private lastType = 0;

  arrival: Float64Array;
  prompt: Int32Array;
  output: Int32Array;
  type: Uint8Array;
  session: Int32Array;
  /** Predicted output tokens, written by whoever predicts (router, predictor); NaN when unknown. */
  predictedOutput: Float64Array;
  /**
   * Optional per-request SLO overrides from the workload (TTFT, TPOT, E2E slack); NaN means the run's
   * default. Until a request carries one, the three share one all-NaN column (16 bytes per request
   * saved on workloads without overrides), so they are read-only outside `add` (typed so).
   */
  get sloTtft(): ArrayLike<number> {
    return this.slo ? this.slo.ttft : this.noSlo;
  }
  get sloTpot(): ArrayLike<number> {
    return this.slo ? this.slo.tpot : this.noSlo;
  }
  get sloSlack(): ArrayLike<number> {
    return this.slo ? this.slo.slack : this.noSlo;
  }
  private noSlo: Float64Array;
  private slo: { ttft: Float64Array; tpot: Float64Array; slack: Float64Array } | undefined = undefined;
  /** Time-between-tokens target, seconds; NaN means the run's default (the simulation may set it by type). */
  sloTbt: Float64Array;

  state: Uint8Array;
  instance: Int32Array;
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
  /** Prompt block hashes (prefix caching), when the workload gives them (only those ids are set). */
  readonly hashes: (readonly number[] | undefined)[] = [];
  /** Decode-iteration counter of the instance when the request joined its decode set (an integer). */
  joinIter: Int32Array;
  /** Admission order on the current instance (preemption victim choice; an integer). */
  admitSeq: Int32Array;
  preemptions: Int32Array;
  migrations: Int32Array;
  /** Where a waiting request's KV lives: 0 none (prefill needed), 1 host memory (swapped), 2 copied in by migration. */
  kvHome: Uint8Array;

  firstScheduled: Float64Array;
  firstToken: Float64Array;
  lastToken: Float64Array;
  completion: Float64Array;
  /** When the request last entered a waiting queue. */
  enqueuedAt: Float64Array;
  /** Generated-token count at which the request next leaves the decode set: its output length, or its next API call. */
  stopAt: Int32Array;
  /** API calls started so far. */
  apiNext: Int32Array;
  /** Context tokens beyond the prompt and the generated tokens (API results appended so far). */
  contextExtra: Int32Array;
  readonly apiCalls: (readonly ApiCall[] | undefined)[] = [];
  /** Time-between-token gaps longer than the request's TBT target, so far. */
  tbtLate: Int32Array;
  /** The instance's late-iteration counter for the request's target when it last joined a decode set. */
  tbtMark: Int32Array;

  constructor(initialCapacity = 1024) {
    this.cap = Math.max(16, initialCapacity);
    const c = this.cap;
    this.arrival = new Float64Array(c);
    this.prompt = new Int32Array(c);
    this.output = new Int32Array(c);
    this.type = new Uint8Array(c);
    this.session = new Int32Array(c);
    this.predictedOutput = new Float64Array(c);
    this.noSlo = new Float64Array(c);
    this.sloTbt = new Float64Array(c);
    this.state = new Uint8Array(c);
    this.instance = new Int32Array(c);
    this.generated = new Int32Array(c);
    this.kvTokens = new Int32Array(c);
    this.prefillTarget = new Int32Array(c);
    this.blocks = new Int32Array(c);
    this.shared = new Int32Array(c);
    this.joinIter = new Int32Array(c);
    this.admitSeq = new Int32Array(c);
    this.preemptions = new Int32Array(c);
    this.migrations = new Int32Array(c);
    this.kvHome = new Uint8Array(c);
    this.firstScheduled = new Float64Array(c);
    this.firstToken = new Float64Array(c);
    this.lastToken = new Float64Array(c);
    this.completion = new Float64Array(c);
    this.enqueuedAt = new Float64Array(c);
    this.stopAt = new Int32Array(c);
    this.apiNext = new Int32Array(c);
    this.contextExtra = new Int32Array(c);
    this.tbtLate = new Int32Array(c);
    this.tbtMark = new Int32Array(c);
  }

  typeId(name: string): number {
    // Consecutive requests mostly share a type: skip the map lookup then.
    if (name === this.lastTypeName) return this.lastType;
    let t = this.typeIndex.get(name);
    if (t === undefined) {
      t = this.typeNames.length;
      if (t > 255) throw new RangeError('at most 256 workload types');
      this.typeNames.push(name);
      this.typeIndex.set(name, t);
    }
    this.lastTypeName = name;
    this.lastType = t;
    return t;
  }

  /** Appends a request in state Waiting (not yet on any instance) and returns its id. */
  add(r: RequestSpec): number {
    if (this.count === this.cap) this.grow();
    const id = this.count++;
    this.arrival[id] = r.arrival;
    this.prompt[id] = r.promptTokens;
    this.output[id] = r.outputTokens;
    this.type[id] = this.typeId(r.type);
    this.session[id] = r.sessionId ?? NONE;
    this.predictedOutput[id] = Number.NaN;
    const slo = r.slo;
    if (slo && !this.slo) {
      this.slo = { ttft: this.noSlo.slice(), tpot: this.noSlo.slice(), slack: this.noSlo.slice() };
    }
    if (this.slo) {
      this.slo.ttft[id] = slo?.ttftS ?? Number.NaN;
      this.slo.tpot[id] = slo?.tpotS ?? Number.NaN;
      this.slo.slack[id] = slo?.e2eSlack ?? Number.NaN;
    } else this.noSlo[id] = Number.NaN;
    this.sloTbt[id] = slo?.tbtS ?? Number.NaN;
    this.state[id] = ReqState.Waiting;
    this.instance[id] = NONE;
    this.generated[id] = 0;
    this.kvTokens[id] = 0;
    this.prefillTarget[id] = r.promptTokens;
    this.blocks[id] = 0;
    this.shared[id] = 0;
    // Most workloads carry no hashes: leave the array empty then (reads past its end give undefined).
    if (r.prefixHashes !== undefined || id < this.hashes.length) this.hashes[id] = r.prefixHashes;
    this.joinIter[id] = 0;
    this.admitSeq[id] = 0;
    this.preemptions[id] = 0;
    this.migrations[id] = 0;
    this.kvHome[id] = 0;
    this.firstScheduled[id] = Number.NaN;
    this.firstToken[id] = Number.NaN;
    this.lastToken[id] = Number.NaN;
    this.completion[id] = Number.NaN;
    this.enqueuedAt[id] = r.arrival;
    const calls = r.apiCalls !== undefined && r.apiCalls.length > 0 ? r.apiCalls : undefined;
    // Like hashes: only requests with API calls are stored (reads past the end give undefined).
    if (calls !== undefined || id < this.apiCalls.length) this.apiCalls[id] = calls;
    this.stopAt[id] = calls ? (calls[0] as ApiCall).afterTokens : r.outputTokens;
    this.apiNext[id] = 0;
    this.contextExtra[id] = 0;
    this.tbtLate[id] = 0;
    this.tbtMark[id] = 0;
    return id;
  }

  /**
   * Makes room for `n` requests in one allocation (when the workload's size is known), so the arrays
   * never grow by copying. Pages of unused capacity are never touched, so over-reserving costs
   * address space, not resident memory.
   */
  reserve(n: number): void {
    if (n > this.cap) this.resize(n);
  }

  private grow(): void {
    this.resize(this.cap * 2);
  }

  private resize(c: number): void {
    const f = (a: Float64Array): Float64Array => {
      const b = new Float64Array(c);
      b.set(a);
      return b;
    };
    const i = (a: Int32Array): Int32Array => {
      const b = new Int32Array(c);
      b.set(a);
      return b;
    };
    const u = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(c);
      b.set(a);
      return b;
    };
    this.arrival = f(this.arrival);
    this.prompt = i(this.prompt);
    this.output = i(this.output);
    this.type = u(this.type);
    this.session = i(this.session);
    this.predictedOutput = f(this.predictedOutput);
    this.noSlo = f(this.noSlo);
    if (this.slo) this.slo = { ttft: f(this.slo.ttft), tpot: f(this.slo.tpot), slack: f(this.slo.slack) };
    this.sloTbt = f(this.sloTbt);
    this.state = u(this.state);
    this.instance = i(this.instance);
    this.generated = i(this.generated);
    this.kvTokens = i(this.kvTokens);
    this.prefillTarget = i(this.prefillTarget);
    this.blocks = i(this.blocks);
    this.shared = i(this.shared);
    this.joinIter = i(this.joinIter);
    this.admitSeq = i(this.admitSeq);
    this.preemptions = i(this.preemptions);
    this.migrations = i(this.migrations);
    this.kvHome = u(this.kvHome);
    this.firstScheduled = f(this.firstScheduled);
    this.firstToken = f(this.firstToken);
    this.lastToken = f(this.lastToken);
    this.completion = f(this.completion);
    this.enqueuedAt = f(this.enqueuedAt);
    this.stopAt = i(this.stopAt);
    this.apiNext = i(this.apiNext);
    this.contextExtra = i(this.contextExtra);
    this.tbtLate = i(this.tbtLate);
    this.tbtMark = i(this.tbtMark);
    this.cap = c;
  }
}
