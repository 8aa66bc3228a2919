import type { HeapPositions } from './indexedHeap.js';
import { LiveSlots } from './liveSlots.js';
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
const SLO_TTFT = 0;
const SLO_TPOT = 1;
const SLO_SLACK = 2;
const SLO_TBT = 3;

/**
 * Per-request state and measurements as parallel typed arrays indexed by request id (arrival
 * order). One table serves the whole cluster: the instance model updates it, metrics read it.
 * Growing doubles the arrays; nothing is allocated per token or per iteration. What only a live
 * request needs (KV and decode bookkeeping) is in `live`, a ring of slots recycled once requests
 * are final; what summaries and outputs read after completion stays here, per id.
 */
export class RequestTable {
  private n = 0;
  /** Requests added so far (ids 0..count-1; ids are never reused). */
  get count(): number {
    return this.n;
  }
  private cap: number;
  readonly typeNames: string[] = [];
  private readonly typeIndex = new Map<string, number>();
  private lastTypeName: string | undefined = undefined;
  private lastType = 0;
  /** Columns of live requests, indexed by `id & live.mask`. */
  readonly live: LiveSlots;
  /** Every request below this id is final (done or rejected): the ring's window starts here. */
  private oldestLive = 0;

  arrival: Float64Array;
  prompt: Int32Array;
  output: Int32Array;
  type: Uint8Array;
  /** Predicted output tokens, written by whoever predicts (router, predictor); NaN when unknown. */
  predictedOutput: Float64Array;
  /**
   * Optional per-request SLO overrides from the workload (TTFT, TPOT, E2E slack) and TBT targets
   * (the simulation may set them by type); NaN means the run's default. A column exists only once
   * some request carries a value (8 bytes per request and column saved otherwise): read them with
   * the `slo*Of` methods.
   */
  private sloCols: (Float64Array | undefined)[] = [undefined, undefined, undefined, undefined];

  sloTtftOf(id: number): number {
    return this.sloOf(SLO_TTFT, id);
  }
  sloTpotOf(id: number): number {
    return this.sloOf(SLO_TPOT, id);
  }
  sloSlackOf(id: number): number {
    return this.sloOf(SLO_SLACK, id);
  }
  /** Time-between-tokens target, seconds; NaN means the run's default. */
  sloTbtOf(id: number): number {
    return this.sloOf(SLO_TBT, id);
  }
  setSloTbt(id: number, seconds: number): void {
    this.setSlo(SLO_TBT, id, seconds);
  }

  private sloOf(k: number, id: number): number {
    const c = this.sloCols[k];
    return c === undefined ? Number.NaN : (c[id] as number);
  }

  private setSlo(k: number, id: number, v: number | undefined): void {
    let c = this.sloCols[k];
    if (c === undefined) {
      if (v === undefined || Number.isNaN(v)) return;
      c = new Float64Array(this.cap).fill(Number.NaN);
      this.sloCols[k] = c;
    }
    c[id] = v ?? Number.NaN;
  }

  state: Uint8Array;
  instance: Int32Array;
  /** Prompt block hashes (prefix caching), when the workload gives them (only those ids are set). */
  readonly hashes: (readonly number[] | undefined)[] = [];
  preemptions: Int32Array;
  migrations: Int32Array;

  firstScheduled: Float64Array;
  firstToken: Float64Array;
  completion: Float64Array;
  readonly apiCalls: (readonly ApiCall[] | undefined)[] = [];
  /** Time-between-token gaps longer than the request's TBT target, so far. */
  tbtLate: Int32Array;
  /**
   * 1 where the completed request missed an SLO (written by the simulation's judge at completion;
   * 0 until then). A column here, grown and reserved with the others, so that no arrival has to
   * grow it.
   */
  sloViolated: Uint8Array;

  constructor(initialCapacity = 1024, liveCapacity = 1024) {
    this.cap = Math.max(16, initialCapacity);
    this.live = new LiveSlots(liveCapacity);
    const c = this.cap;
    this.arrival = new Float64Array(c);
    this.prompt = new Int32Array(c);
    this.output = new Int32Array(c);
    this.type = new Uint8Array(c);
    this.predictedOutput = new Float64Array(c);
    this.state = new Uint8Array(c);
    this.instance = new Int32Array(c);
    this.preemptions = new Int32Array(c);
    this.migrations = new Int32Array(c);
    this.firstScheduled = new Float64Array(c);
    this.firstToken = new Float64Array(c);
    this.completion = new Float64Array(c);
    this.tbtLate = new Int32Array(c);
    this.sloViolated = new Uint8Array(c);
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
    if (this.n === this.cap) this.grow();
    const id = this.n++;
    const L = this.live;
    if (id - this.oldestLive > L.mask) this.widenLive(id);
    const k = id & L.mask;
    this.arrival[id] = r.arrival;
    this.prompt[id] = r.promptTokens;
    this.output[id] = r.outputTokens;
    this.type[id] = this.typeId(r.type);
    L.session[k] = r.sessionId ?? NONE;
    this.predictedOutput[id] = Number.NaN;
    const slo = r.slo;
    const cols = this.sloCols;
    if (slo !== undefined || cols[0] || cols[1] || cols[2] || cols[3]) {
      this.setSlo(SLO_TTFT, id, slo?.ttftS);
      this.setSlo(SLO_TPOT, id, slo?.tpotS);
      this.setSlo(SLO_SLACK, id, slo?.e2eSlack);
      this.setSlo(SLO_TBT, id, slo?.tbtS);
    }
    this.state[id] = ReqState.Waiting;
    this.instance[id] = NONE;
    L.generated[k] = 0;
    L.kvTokens[k] = 0;
    L.prefillTarget[k] = r.promptTokens;
    L.blocks[k] = 0;
    L.shared[k] = 0;
    // Most workloads carry no hashes: leave the array empty then (reads past its end give undefined).
    if (r.prefixHashes !== undefined || id < this.hashes.length) this.hashes[id] = r.prefixHashes;
    L.joinIter[k] = 0;
    L.admitSeq[k] = 0;
    // preemptions, migrations, tbtLate and sloViolated start at 0 and ids are never reused: the arrays are
    // zero-filled, so they are not written here, and their pages stay untouched (not resident)
    // for the many runs where nothing is ever preempted, migrated or late.
    L.kvHome[k] = 0;
    this.firstScheduled[id] = Number.NaN;
    this.firstToken[id] = Number.NaN;
    L.lastToken[k] = Number.NaN;
    this.completion[id] = Number.NaN;
    L.enqueuedAt[k] = r.arrival;
    const calls = r.apiCalls !== undefined && r.apiCalls.length > 0 ? r.apiCalls : undefined;
    // Like hashes: only requests with API calls are stored (reads past the end give undefined).
    if (calls !== undefined || id < this.apiCalls.length) this.apiCalls[id] = calls;
    L.stopAt[k] = calls ? (calls[0] as ApiCall).afterTokens : r.outputTokens;
    L.apiNext[k] = 0;
    L.contextExtra[k] = 0;
    L.tbtMark[k] = 0;
    return id;
  }

  /** The window of possibly live requests outgrew the ring: skip final requests, then widen it if still needed. */
  private widenLive(id: number): void {
    let o = this.oldestLive;
    const st = this.state;
    while (o < id && (st[o] === ReqState.Done || st[o] === ReqState.Rejected)) o++;
    this.oldestLive = o;
    this.live.fit(o, id);
  }

  /** Makes a heap position index follow the live ring (see `LiveSlots.track`). */
  trackPositions(p: HeapPositions): void {
    this.live.track(p, this.oldestLive, this.n);
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
    this.predictedOutput = f(this.predictedOutput);
    this.sloCols = this.sloCols.map((a) => (a ? f(a).fill(Number.NaN, this.cap) : undefined));
    this.state = u(this.state);
    this.instance = i(this.instance);
    this.preemptions = i(this.preemptions);
    this.migrations = i(this.migrations);
    this.firstScheduled = f(this.firstScheduled);
    this.firstToken = f(this.firstToken);
    this.completion = f(this.completion);
    this.tbtLate = i(this.tbtLate);
    this.sloViolated = u(this.sloViolated);
    this.cap = c;
  }
}
