import type { Rng } from '../../kernel/rng.js';
import type { PerfModel } from '../../model/perfModel.js';
import { BiasAwareCalibrator, DEFAULT_CALIBRATION } from '../../predictors/calibration.js';
import { blankInstanceView, type ClusterView, type CompletionInfo, type InstanceView, type RoutedRequest, type ViewStamps } from '../clusterView.js';
import { CompletionEstimator, InstanceLedger, NEW_ARRIVAL, type QueuePosition } from './estimator.js';
import { IdPlaces } from './idPlaces.js';
import { LeastSlot } from './leastSlot.js';

/** The three components GAPS's ablations switch off (docs/GAPS.md). */
export interface GapsVariant {
  /** Use predicted output lengths (off: NoPred). */
  readonly prediction: boolean;
  /** Selective rebalancing (off: NoRebal). */
  readonly rebalancing: boolean;
  /** Global monitoring (off: NoGlobal; decisions from two sampled instances' stale reports only). */
  readonly global: boolean;
  /**
   * Monitor reports (off: the other NoGlobal reading, "local-only": the front end sees every instance
   * but only through its own counts, what it sent and saw complete; no queue, batch or KV reports).
   * Default on.
   */
  readonly monitor?: boolean;
}

/**
 * What Eq. 9's utilisation u reads (docs/GAPS.md):
 * - 'occupancy': per instance, the fuller of its two binding resources, batch slots
 *   ((running + waiting + sent since the report) / max_num_seqs, at most 1) and KV usage; averaged
 *   over instances. It moves at every batch size: at one sequence per instance one request fills it.
 * - 'waiting': the share of instances with a waiting queue (requests wait somewhere).
 * - 'kv': mean KV usage (the first version's reading; it rarely moves at small batch sizes).
 */
export type USignal = 'occupancy' | 'waiting' | 'kv';
export const U_SIGNALS: readonly USignal[] = ['occupancy', 'waiting', 'kv'];

export interface GapsOptions {
  /** Cluster utilisation u (read as `signal`) at or above which assignment uses predicted completion times. */
  readonly uThreshold: number;
  readonly signal: USignal;
  readonly rebalanceIntervalS: number;
  readonly checkIntervalS: number;
  readonly spikeThreshold: number;
  /** Completions an instance must have had since the last round before its violation rate can make a spike. */
  readonly spikeMinCompletions: number;
  readonly maxMovesPerRound: number;
  /** Smallest predicted gain worth a move, seconds. */
  readonly minGainS: number;
  /** Smallest relative gain worth a move (of the request's predicted completion where it is). */
  readonly minRelativeGain: number;
  /** An instance is overloaded when its predicted completion time exceeds the best by this factor. */
  readonly overloadFactor: number;
}

export const DEFAULT_GAPS: GapsOptions = {
  uThreshold: 0.5,
  signal: 'occupancy',
  rebalanceIntervalS: 2,
  checkIntervalS: 0.25,
  spikeThreshold: 0.2,
  spikeMinCompletions: 8,
  maxMovesPerRound: 4,
  minGainS: 0.05,
  minRelativeGain: 0.2,
  overloadFactor: 1.25,
};

/**
 * An instance as a front end without monitoring knows it: its static limits and its own live counts
 * (what it sent there and has not seen complete); every reported field reads as empty.
 */
function ownCountsOnly(v: InstanceView): InstanceView {
  return blankInstanceView(v.id, {
    role: v.role,
    available: v.available,
    kvTotalBlocks: v.kvTotalBlocks,
    kvBlockSize: v.kvBlockSize,
    maxNumSeqs: v.maxNumSeqs,
    outstanding: v.outstanding,
    sinceReport: v.outstanding,
    reportTime: -1,
  });
}

/** Shared state of a GAPS router and its rebalancer. */
export class GapsState {
  readonly ledgers: InstanceLedger[];
  /** Which instance each outstanding request is on, by our records. */
  readonly where = new IdPlaces();
  readonly calibrator = new BiasAwareCalibrator(DEFAULT_CALIBRATION);
  readonly estimator: CompletionEstimator;
  // Number fields that take fractional values are declared with a double (their starting values are
  // set in the constructor), so that they hold doubles in place: a field that starts as a small
  // integer can be boxed anew on every store, a heap number per request.
  /** Running mean of completed output lengths: the size NoPred assumes for every request (100 before any). */
  meanOutput = Number.NaN;
  /** Running mean of routed prompt lengths: the typical request the rebalancer prices instances with (512 before any). */
  meanPrompt = Number.NaN;
  private routed = 0;
  private completions = 0;
  /** Per instance: completions heard since the last rebalancing round, and how many missed an SLO. */
  readonly doneSinceRound: Int32Array;
  readonly violatedSinceRound: Int32Array;
  assignedByQueue = 0;
  assignedByPrediction = 0;

  constructor(
    n: number,
    readonly perf: PerfModel,
    readonly variant: GapsVariant,
    readonly opts: GapsOptions,
    readonly rng: Rng,
    readonly e2eSlack: number,
  ) {
    this.ledgers = Array.from({ length: n }, () => new InstanceLedger());
    // Each ledger leaves its entries' rows with `where`, where a completion looks them up.
    for (const l of this.ledgers) l.rowHints = this.where;
    this.doneSinceRound = new Int32Array(n);
    this.violatedSinceRound = new Int32Array(n);
    this.estimator = new CompletionEstimator(perf);
    this.meanOutput = 100;
    this.meanPrompt = 512;
  }

  /** s~ in tokens for a raw prediction (NaN or disabled prediction: the running mean). */
  calibrated(predicted: number): number {
    if (!this.variant.prediction || !Number.isFinite(predicted)) return this.meanOutput;
    return this.calibrator.calibrate(predicted);
  }

  /** The central estimate routing uses: the prediction with its mean bias removed (NaN or NoPred: the running mean). */
  central(predicted: number): number {
    if (!this.variant.prediction || !Number.isFinite(predicted)) return this.meanOutput;
    return this.calibrator.central(predicted);
  }

  /** Eq. 9's cluster utilisation u over the instances a decision considers, read as `opts.signal`. */
  utilisation(cands: readonly InstanceView[]): number {
    const n = cands.length;
    if (n === 0) return 0;
    const g = this.variant.global;
    let u = 0;
    if (this.opts.signal === 'kv') {
      for (let i = 0; i < n; i++) u += (cands[i] as InstanceView).kvUsage;
    } else if (this.opts.signal === 'waiting') {
      for (let i = 0; i < n; i++) {
        const v = cands[i] as InstanceView;
        u += v.waiting + (g ? Math.max(0, v.sinceReport + v.running - v.maxNumSeqs) : 0) > 0 ? 1 : 0;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = cands[i] as InstanceView;
        u += Math.max(v.kvUsage, Math.min(1, (v.waiting + v.running + (g ? v.sinceReport : 0)) / Math.max(1, v.maxNumSeqs)));
      }
    }
    return u / n;
  }

  /** The instance `occupancyAndShortestQueue` (or `readOccupancy`) found. */
  shortest: InstanceView | undefined;

  /**
   * `utilisation(candidates(view))` and the first instance with the shortest `queueLength` in one pass
   * over the view, in the common configuration (global awareness, monitor reports, the occupancy
   * signal); the instance is left in `shortest`. Undefined in the others, or when no instance is
   * available. Where the view carries change stamps, each instance's term is re-read only when its
   * view changed (see `occupancyByStamps`); the result is the same bits.
   */
  occupancyAndShortestQueue(view: ClusterView): number | undefined {
    if (!this.readOccupancy(view)) return undefined;
    if (!this.occupancyExact) this.foldTerms();
    return this.occupancy;
  }

  /** u as the scan computes it, when `occupancyExact` (a double field: see meanOutput). */
  private occupancy = Number.NaN;
  private occupancyExact = false;

  /**
   * The routing decision's half of `occupancyAndShortestQueue`: leaves the shortest queue in
   * `shortest` and prepares `occupancyAtLeast`; false where `occupancyAndShortestQueue` would be
   * undefined. Computes u's bits only if `occupancyAtLeast` cannot decide without them.
   */
  readOccupancy(view: ClusterView): boolean {
    if (!this.variant.global || this.variant.monitor === false || this.opts.signal !== 'occupancy') return false;
    const st = view.stamps;
    if (st !== undefined && st.at.length === view.instances.length) return this.occupancyByStamps(view, st);
    const u = this.occupancyByScan(view);
    this.termStamps = undefined; // the cached terms may not be this view's: re-read them all next time
    if (u === undefined) return false;
    this.occupancy = u;
    this.occupancyExact = true;
    return true;
  }

  /**
   * Whether u (`occupancyAndShortestQueue`'s value, bit for bit) is at least `th`, after a
   * `readOccupancy` that returned true. Between folds the stamped path keeps u's numerator as a
   * running sum (`termSum`: each change adds its difference), whose bits may differ from the scan's
   * index-order sum by rounding. Each differs from the exact sum of the terms by rounding alone:
   * summing n <= m terms in order errs by at most (n - 1) * 2^-53 * sum|term|, and each of the K
   * changes added since the last fold by at most 2^-53 * (|new| + |old| + |sum|) <= 3 * 2^-53 *
   * `termAbs` (an upper bound on sum|term|: it only grows between folds), so the two differ by at
   * most (2m + 3K) * 2^-53 * `termAbs`. `tol` is 32 times that, plus 2^-48 of the threshold's
   * numerator (the rounding of th * n and of the division by n) and a tiny absolute floor (for a
   * threshold of 0). So when the running sum is further than `tol` from th * n, the scan's u is on
   * the same side of th; otherwise (and when anything is not finite: both comparisons are false) the
   * terms are summed exactly as the scan sums them.
   */
  occupancyAtLeast(th: number): boolean {
    // A wrapper small enough to be inlined by its callers: `th` goes through a double field, since a
    // double passed to a call that is not inlined is boxed (a heap number per routing decision).
    this.argTh = th;
    return this.atLeastFromField();
  }

  /** `occupancyAtLeast`'s threshold (a double field: see `occupancyAtLeast`). */
  private argTh = Number.NaN;

  private atLeastFromField(): boolean {
    const th = this.argTh;
    if (!this.occupancyExact) {
      const t = th * this.candCount;
      const tol = (2 * this.termOf.length + 3 * this.termChanges + 4) * this.termAbs * 2 ** -48 + Math.abs(t) * 2 ** -48 + 2 ** -1000;
      if (this.termSum < t - tol) return false;
      if (this.termSum > t + tol) return true;
      this.foldTerms();
    }
    return this.occupancy >= th;
  }

  /** `occupancyAndShortestQueue` by reading every view (the reference the stamped path must equal). */
  occupancyByScan(view: ClusterView): number | undefined {
    let u = 0;
    let n = 0;
    let first: InstanceView | undefined;
    let best: InstanceView | undefined;
    let bestQ = Number.POSITIVE_INFINITY;
    for (const v of view.instances) {
      if (!v.available || v.role === 'decode') continue;
      const q = v.waiting + v.running + v.sinceReport;
      u += Math.max(v.kvUsage, Math.min(1, q / Math.max(1, v.maxNumSeqs)));
      n++;
      first ??= v;
      if (q < bestQ) {
        bestQ = q;
        best = v;
      }
    }
    if (n === 0) return undefined;
    this.shortest = best ?? first;
    return u / n;
  }

  /** Per instance, as last read from its view: whether it is a candidate, its Eq. 9 term and its queue length. */
  private candOf = new Uint8Array(0);
  private termOf = new Float64Array(0);
  private queueOf = new Float64Array(0);
  /** The stamps and the clock they had when the terms were last brought up to date. */
  private termStamps: ViewStamps | undefined;
  private termClock = -1;
  /** Candidates among the cached terms. */
  private candCount = 0;
  /** The candidates' terms summed at the last fold, each change's difference added since (see `occupancyAtLeast`). */
  private termSum = Number.NaN;
  /** sum|term| at the last fold plus |new term| of every change since: at least sum|term| now. */
  private termAbs = Number.NaN;
  /** Changes added to `termSum` since the last fold. */
  private termChanges = 0;
  /** The candidates' queue lengths (+Infinity for the others), for the scan's `best`: the first with the least. */
  private leastQueue = new LeastSlot(0);

  /**
   * `occupancyByScan` from cached terms: a view's term and queue length are recomputed (by the same
   * expression) only when its stamp is past the clock of the last read. After a report (every view
   * changed) the terms are summed in index order as the scan sums them and the least queue found as
   * the scan finds it; after a few changes the sum takes their differences (`occupancyAtLeast` says
   * when that decides u's side of a threshold) and the least queue replays only their matches.
   */
  private occupancyByStamps(view: ClusterView, st: ViewStamps): boolean {
    const views = view.instances;
    const m = views.length;
    let since = this.termClock;
    if (this.termStamps !== st || this.termOf.length !== m) {
      this.termStamps = st;
      this.candOf = new Uint8Array(m);
      this.termOf = new Float64Array(m);
      this.queueOf = new Float64Array(m);
      this.leastQueue = new LeastSlot(m);
      since = -1;
    }
    if (since !== st.clock) {
      if (st.loggedSince(since)) this.applyLogged(views, st, since);
      else {
        const at = st.at;
        const least = this.leastQueue;
        for (let i = 0; i < m; i++) {
          if ((at[i] as number) > since) this.readTerm(views[i] as InstanceView, i);
          least.put(i, this.candOf[i] === 1 ? (this.queueOf[i] as number) : Number.POSITIVE_INFINITY);
        }
        least.replayAll();
        this.foldTerms();
      }
      this.termClock = st.clock;
    }
    if (this.candCount === 0) return false;
    // A least queue below +Infinity is a candidate's; none (every candidate's queue length NaN or
    // infinite): the scan's `first`.
    const least = this.leastQueue;
    this.shortest = views[least.leastKey < Number.POSITIVE_INFINITY ? least.least : this.candOf.indexOf(1)] as InstanceView;
    return true;
  }

  /** Re-reads view i's term, queue length and candidacy. */
  private readTerm(v: InstanceView, i: number): void {
    if (!v.available || v.role === 'decode') {
      this.candOf[i] = 0;
      return;
    }
    const q = v.waiting + v.running + v.sinceReport;
    this.candOf[i] = 1;
    this.queueOf[i] = q;
    this.termOf[i] = Math.max(v.kvUsage, Math.min(1, q / Math.max(1, v.maxNumSeqs)));
  }

  /** Brings the cached terms up to date from the views the log names, adjusting the running sum and the least queue. */
  private applyLogged(views: readonly InstanceView[], st: ViewStamps, since: number): void {
    const cand = this.candOf;
    const term = this.termOf;
    const queue = this.queueOf;
    const at = st.at;
    const log = st.log;
    const mask = st.logMask;
    for (let c = since + 1; c <= st.clock; c++) {
      const i = log[c & mask] as number;
      if (at[i] !== c) continue; // touched again later: visited at its latest entry
      const was = cand[i] === 1;
      const old = was ? (term[i] as number) : 0;
      const oldQ = queue[i] as number;
      this.readTerm(views[i] as InstanceView, i);
      const now = cand[i] === 1;
      const t = now ? (term[i] as number) : 0;
      if (now !== was) this.candCount += now ? 1 : -1;
      if (t !== old || now !== was) {
        this.termSum += t - old;
        this.termAbs += Math.abs(t);
        this.termChanges++;
        this.occupancyExact = false;
      }
      const q = queue[i] as number;
      if (now !== was || (now && q !== oldQ)) this.leastQueue.set(i, now ? q : Number.POSITIVE_INFINITY);
    }
  }

  /** The scan's sum of the candidates' terms in index order, and u from it. */
  private foldTerms(): void {
    const cand = this.candOf;
    const term = this.termOf;
    let u = 0;
    let a = 0;
    let n = 0;
    for (let i = 0; i < cand.length; i++) {
      if (cand[i] === 0) continue;
      const t = term[i] as number;
      u += t;
      a += Math.abs(t);
      n++;
    }
    this.candCount = n;
    this.termSum = u;
    this.termAbs = a;
    this.termChanges = 0;
    this.occupancy = u / n;
    this.occupancyExact = true;
  }

  /** The buffer `candidates` fills for routing (a decision holds it only until it returns). */
  private readonly routeCands: InstanceView[] = [];

  /**
   * The instances a decision may consider: all, or two sampled ones when global awareness is off.
   * With global awareness the answer is `out` (by default a buffer reused by every routing decision).
   */
  candidates(view: ClusterView, given?: InstanceView[]): InstanceView[] {
    // The default read on every call (as a default parameter it would be read only when none is given,
    // which the rebalancer never does: the first routing decision to ask would then meet compiled code
    // without type feedback for it, and throw it away).
    const own = this.routeCands;
    const out = given ?? own;
    // Filled by index and then cut to length: emptying the array first would drop its storage, and
    // every tick of the rebalancer would grow it again. The length is set only when it changes: the
    // store calls into the runtime even when it does not (most of this function's time in a profile).
    let k = 0;
    for (const v of view.instances) if (v.available && v.role !== 'decode') out[k++] = v;
    if (out.length !== k) out.length = k;
    let avail = out;
    if (this.variant.monitor === false) avail = avail.map(ownCountsOnly);
    if (this.variant.global || avail.length <= 2) return avail;
    const a = this.rng.int(avail.length);
    let b = this.rng.int(avail.length - 1);
    if (b >= a) b++;
    return [avail[a] as InstanceView, avail[b] as InstanceView];
  }

  /** Queue length as monitoring reports it, plus what we sent since when global awareness is on. */
  queueLength(v: InstanceView): number {
    return v.waiting + v.running + (this.variant.global ? v.sinceReport : 0);
  }

  /** The ledger of an instance, synchronised with its view; undefined without global monitoring. */
  ledger(v: InstanceView, now: number): InstanceLedger | undefined {
    const l = this.ledgers[v.id] as InstanceLedger;
    l.sync(v, now);
    return this.variant.global ? l : undefined;
  }

  /** Eq. 9: predicted completion time on v of a request with central size `central` and upper estimate `upper`. */
  completionTime(v: InstanceView, prompt: number, central: number, upper: number, now: number, at: QueuePosition = NEW_ARRIVAL): number {
    return this.estimator.estimate(v, this.ledger(v, now), prompt, central, upper, now, this.meanOutput, this.meanPrompt, at);
  }

  /** A lower bound on completionTime(v, prompt, central, any upper, now, any position) for a request not on v (see CompletionEstimator.lowerBound). */
  completionLowerBound(v: InstanceView, prompt: number, central: number, now: number): number {
    return this.estimator.lowerBound(v, this.ledger(v, now), prompt, central, now);
  }

  /** completionTime on v with `running` and `waiting` in place of its reported counts (a candidate's source without it). */
  completionTimeAt(v: InstanceView, running: number, waiting: number, prompt: number, central: number, upper: number, now: number, at: QueuePosition): number {
    return this.estimator.estimateAt(v, running, waiting, this.ledger(v, now), prompt, central, upper, now, this.meanOutput, this.meanPrompt, at);
  }

  /**
   * `record` of a routing decision: the request's central and calibrated sizes are computed here (the
   * same values the router would pass), and its fields read from the objects, so that the call passes
   * no fractional numbers (each would be boxed: a heap number per request).
   */
  recordRouted(req: RoutedRequest, instance: number, view: ClusterView): void {
    const p = req.predictedOutputTokens;
    this.record(req.id, instance, req.promptTokens, this.central(p), this.calibrated(p), view.now, req.arrival);
  }

  record(id: number, instance: number, prompt: number, central: number, calibrated: number, now: number, arrival = now): void {
    this.routed++;
    this.meanPrompt += (prompt - this.meanPrompt) / this.routed;
    const l = this.ledgers[instance] as InstanceLedger;
    // Every id in a ledger is in `where` with that ledger's instance, so when `where` says otherwise it
    // is not there. Placed in `where` first, so that the ledger can leave the row there.
    const absent = this.where.get(id) !== instance;
    this.where.set(id, instance);
    l.insert(id, prompt, central, calibrated, now, arrival, now, absent);
  }

  forget(id: number, now: number): void {
    // A wrapper small enough to be inlined by its callers: `now` goes through a double field, since a
    // double passed to a call that is not inlined is boxed (a heap number per completion).
    this.forgetNow = now;
    this.forgetAtClock(id);
  }

  /** `forget`'s `now` (a double field: see `forget`). */
  private forgetNow = Number.NaN;

  private forgetAtClock(id: number): void {
    const i = this.where.get(id);
    if (i === undefined) return;
    (this.ledgers[i] as InstanceLedger).removeHinted(id, this.where.hint(id), this.forgetNow);
    this.where.delete(id);
  }

  moved(id: number, to: number, now: number): void {
    const i = this.where.get(id);
    if (i === undefined) return;
    const e = (this.ledgers[i] as InstanceLedger).take(id, now);
    if (!e) return;
    this.where.set(id, to);
    (this.ledgers[to] as InstanceLedger).add(id, e, now);
  }

  completed(info: CompletionInfo): void {
    this.forget(info.id, info.now);
    if (info.rejected) return;
    const i = info.instance;
    if (i >= 0 && i < this.doneSinceRound.length) {
      this.doneSinceRound[i] = (this.doneSinceRound[i] as number) + 1;
      if (info.sloViolated) this.violatedSinceRound[i] = (this.violatedSinceRound[i] as number) + 1;
    }
    this.completions++;
    this.meanOutput += (info.outputTokens - this.meanOutput) / this.completions;
    if (Number.isFinite(info.predictedOutputTokens)) this.calibrator.observe(info.predictedOutputTokens, info.outputTokens);
  }
}
