import type { Rng } from '../../kernel/rng.js';
import type { PerfModel } from '../../model/perfModel.js';
import { BiasAwareCalibrator, DEFAULT_CALIBRATION } from '../../predictors/calibration.js';
import { blankInstanceView, type ClusterView, type CompletionInfo, type InstanceView, type RoutedRequest, type ViewStamps } from '../clusterView.js';
import { CompletionEstimator, InstanceLedger, NEW_ARRIVAL, type QueuePosition } from './estimator.js';
import { IdPlaces } from './idPlaces.js';

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

  /** The instance `occupancyAndShortestQueue` found. */
  shortest: InstanceView | undefined;

  /**
   * `utilisation(candidates(view))` and the first instance with the shortest `queueLength` in one pass
   * over the view, in the common configuration (global awareness, monitor reports, the occupancy
   * signal); the instance is left in `shortest`. Undefined in the others, or when no instance is
   * available. Where the view carries change stamps, each instance's term is re-read only when its
   * view changed (see `occupancyByStamps`); the result is the same bits.
   */
  occupancyAndShortestQueue(view: ClusterView): number | undefined {
    return this.readOccupancy(view) ? this.occupancy : undefined;
  }

  /** u from the last `readOccupancy` that returned true (a double field: see meanOutput). */
  occupancy = Number.NaN;

  /**
   * `occupancyAndShortestQueue` with u left in `occupancy` (a number field, where a returned double
   * would be boxed on every call); false where that would be undefined.
   */
  readOccupancy(view: ClusterView): boolean {
    if (!this.variant.global || this.variant.monitor === false || this.opts.signal !== 'occupancy') return false;
    const st = view.stamps;
    if (st !== undefined && st.at.length === view.instances.length) return this.occupancyByStamps(view, st);
    const u = this.occupancyByScan(view);
    if (u === undefined) return false;
    this.occupancy = u;
    return true;
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

  /**
   * `occupancyByScan` from cached terms: a view's term and queue length are recomputed (by the same
   * expression) only when its stamp is past the clock of the last read, and the terms are then summed
   * in index order from 0 as the scan sums them, so u has the same bits; the first strict minimum of
   * the queue lengths is the scan's `best`.
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
      since = -1;
    }
    const cand = this.candOf;
    const term = this.termOf;
    const queue = this.queueOf;
    const at = st.at;
    if (since !== st.clock) {
      for (let i = 0; i < m; i++) {
        if ((at[i] as number) <= since) continue;
        const v = views[i] as InstanceView;
        if (!v.available || v.role === 'decode') {
          cand[i] = 0;
          continue;
        }
        const q = v.waiting + v.running + v.sinceReport;
        cand[i] = 1;
        queue[i] = q;
        term[i] = Math.max(v.kvUsage, Math.min(1, q / Math.max(1, v.maxNumSeqs)));
      }
      this.termClock = st.clock;
    }
    let u = 0;
    let n = 0;
    let first = -1;
    let best = -1;
    let bestQ = Number.POSITIVE_INFINITY;
    for (let i = 0; i < m; i++) {
      if (cand[i] === 0) continue;
      u += term[i] as number;
      n++;
      if (first < 0) first = i;
      const q = queue[i] as number;
      if (q < bestQ) {
        bestQ = q;
        best = i;
      }
    }
    if (n === 0) return false;
    this.shortest = views[best >= 0 ? best : first] as InstanceView;
    this.occupancy = u / n;
    return true;
  }

  /** The buffer `candidates` fills for routing (a decision holds it only until it returns). */
  private readonly routeCands: InstanceView[] = [];

  /**
   * The instances a decision may consider: all, or two sampled ones when global awareness is off.
   * With global awareness the answer is `out` (by default a buffer reused by every routing decision).
   */
  candidates(view: ClusterView, out: InstanceView[] = this.routeCands): InstanceView[] {
    // Filled by index and then cut to length: emptying the array first would drop its storage, and
    // every tick of the rebalancer would grow it again.
    let k = 0;
    for (const v of view.instances) if (v.available && v.role !== 'decode') out[k++] = v;
    // Setting an array's length is a call into the runtime even when it does not change (every tick).
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
    // Every id in a ledger is in `where` with that ledger's instance, so when `where` says otherwise it is not there.
    l.insert(id, prompt, central, calibrated, now, arrival, now, this.where.get(id) !== instance);
    l.promptSinceReport += prompt;
    this.where.set(id, instance);
  }

  forget(id: number, now: number): void {
    const i = this.where.get(id);
    if (i === undefined) return;
    (this.ledgers[i] as InstanceLedger).remove(id, now);
    this.where.delete(id);
  }

  moved(id: number, to: number, now: number): void {
    const i = this.where.get(id);
    if (i === undefined) return;
    const e = (this.ledgers[i] as InstanceLedger).take(id, now);
    if (!e) return;
    (this.ledgers[to] as InstanceLedger).add(id, e, now);
    this.where.set(id, to);
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
