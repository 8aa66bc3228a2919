import type { InstanceView } from '../clusterView.js';
import type { ClusterControl, Controller, RequestSnapshot } from '../controllers/controller.js';
import type { QueuePosition } from './estimator.js';
import type { GapsState } from './state.js';

/**
 * GAPS selective rebalancing (Section 4.3): "triggered periodically or upon violation spikes";
 * "candidate requests are selected based on large predicted completion times, urgent deadlines, or
 * overloaded instances"; a request moves "only if expected latency reduction outweighs migration
 * overhead c(i, j->k)". Minimal corrective migration: a few moves per round, cheap moves first.
 *
 * Every `checkIntervalS` the rebalancer looks for a spike (an instance whose SLO-violation rate since
 * the last round, over at least `spikeMinCompletions` completions, exceeds the pooled rate by
 * `spikeThreshold`); every `rebalanceIntervalS` it runs anyway. A
 * round ranks instances by the predicted completion time of a typical request; the instances above
 * the cluster's best by the overload factor (1.25) are overloaded. Their requests are candidates,
 * ordered by urgency (predicted finish past the adaptive deadline first), then by predicted remaining
 * work (largest first), waiting requests before running ones. For each, the best target is the
 * instance with the smallest predicted completion time for it; it moves when
 * C_source - C_target - cost exceeds both 0.05 s and 20% of C_source, where cost is the migration cost (a waiting
 * request's small fixed cost, or a running one's KV transfer and pause).
 */
export class GapsRebalancer implements Controller {
  readonly name = 'gaps-rebalancer';
  readonly intervalS: number;
  private lastRound = Number.NEGATIVE_INFINITY;
  rounds = 0;
  /** The instances of a round (reused). */
  private readonly views: InstanceView[] = [];
  considered = 0;
  moves = 0;

  constructor(private readonly s: GapsState) {
    this.intervalS = s.opts.checkIntervalS;
  }

  stats(): Record<string, number> {
    return { rebalanceRounds: this.rounds, rebalanceCandidates: this.considered, rebalanceMoves: this.moves };
  }

  tick(now: number, ctl: ClusterControl): void {
    const views = this.s.candidates(ctl.view, this.views);
    if (views.length < 2) return;
    const periodic = now - this.lastRound >= this.s.opts.rebalanceIntervalS;
    if (!periodic && !this.spike(views)) return;
    this.lastRound = now;
    this.rounds++;
    this.s.doneSinceRound.fill(0);
    this.s.violatedSinceRound.fill(0);
    this.round(now, ctl, views);
  }

  /**
   * A violation spike: among the instances this front end sees, one that has completed at least
   * `spikeMinCompletions` requests since the last round and missed SLOs on a share of them above the
   * pooled share by `spikeThreshold`. Counting since the last round (not over the monitor's 50 ms
   * report window, where one late request on an instance reads as a 100% rate) makes a spike a rate
   * with evidence behind it rather than the noise of one or two completions.
   */
  private spike(views: readonly InstanceView[]): boolean {
    const s = this.s;
    // Everything read up front and one pass (what is read only on a rare path reaches the compiled
    // code without type feedback, and the first time it runs the code is thrown away and compiled
    // again). Some instance's rate minus the pooled one reaches the threshold exactly when the
    // highest rate's does (a rounded subtraction of the same number is monotone in the rate).
    const doneOn = s.doneSinceRound;
    const violatedOn = s.violatedSinceRound;
    const min = Math.max(1, s.opts.spikeMinCompletions);
    const threshold = s.opts.spikeThreshold;
    let done = 0;
    let violated = 0;
    let highest = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < views.length; i++) {
      const id = (views[i] as InstanceView).id;
      const d = doneOn[id] as number;
      const x = violatedOn[id] as number;
      done += d;
      violated += x;
      const rate = d >= min ? x / d : Number.NEGATIVE_INFINITY;
      if (rate > highest) highest = rate;
    }
    if (done === 0) return false;
    return highest - violated / done >= threshold;
  }

  /** Each view's predicted completion time of a typical request this round, by position (reused). */
  private pressure = new Float64Array(16);
  /** Candidate ranking keys, by position in the source's request list (reused). */
  private keyUrgent = new Float64Array(16);
  private keyPhase = new Float64Array(16);
  private keyRemaining = new Float64Array(16);
  private keyId = new Float64Array(16);
  /** Candidate positions, best first (reused: a round ranks one source at a time and finishes with it first). */
  private readonly order: number[] = [];
  private readonly overloaded: number[] = [];

  private round(now: number, ctl: ClusterControl, views: InstanceView[]): void {
    const s = this.s;
    const typical = s.central(Number.NaN);
    const n = views.length;
    if (this.pressure.length < n) this.pressure = new Float64Array(Math.max(n, 2 * this.pressure.length));
    const pressure = this.pressure;
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const c = s.completionTime(views[i] as InstanceView, s.meanPrompt, typical, typical, now);
      pressure[i] = c;
      best = Math.min(best, c);
    }
    const overloaded = this.overloaded;
    overloaded.length = 0;
    for (let i = 0; i < n; i++) {
      const v = views[i] as InstanceView;
      if ((pressure[i] as number) > s.opts.overloadFactor * best + s.opts.minGainS && v.waiting + v.running > 0) overloaded.push(i);
    }
    overloaded.sort((a, b) => (pressure[b] as number) - (pressure[a] as number));
    let budget = s.opts.maxMovesPerRound;
    for (const i of overloaded) {
      if (budget <= 0) return;
      const src = views[i] as InstanceView;
      const reqs = ctl.requestsOn(src.id);
      for (const k of this.rankCandidates(now, reqs)) {
        if (budget <= 0) return;
        this.considered++;
        if (this.tryMove(now, reqs[k] as RequestSnapshot, src, views, ctl)) budget--;
      }
    }
  }

  /**
   * Urgent first, then large predicted remaining work; waiting before running at equal urgency. A
   * request is urgent when finishing its calibrated upper estimate s~ alone from now would pass its
   * adaptive deadline d = arrival + (1 + epsilon) * slack * unloaded(s~) (Eq. 2/8). Returns positions
   * in `reqs`, best first (prefilling requests are not candidates).
   */
  private rankCandidates(now: number, reqs: readonly RequestSnapshot[]): number[] {
    const s = this.s;
    const n = reqs.length;
    if (this.keyUrgent.length < n) {
      const cap = Math.max(n, 2 * this.keyUrgent.length);
      this.keyUrgent = new Float64Array(cap);
      this.keyPhase = new Float64Array(cap);
      this.keyRemaining = new Float64Array(cap);
      this.keyId = new Float64Array(cap);
    }
    const { keyUrgent: ku, keyPhase: kp, keyRemaining: kr, keyId: kid } = this;
    const slackFactor = (1 + s.calibrator.opts.epsilon) * s.e2eSlack;
    const order = this.order;
    order.length = 0;
    for (let k = 0; k < n; k++) {
      const r = reqs[k] as RequestSnapshot;
      if (r.phase === 'prefilling') continue;
      const waiting = r.phase === 'waiting';
      const cal = s.calibrated(r.predictedOutputTokens);
      const upperLeft = Math.max(1, cal - r.generatedTokens);
      const deadline = Number.isFinite(r.deadline ?? Number.NaN) ? (r.deadline as number) : r.arrival + slackFactor * this.unloaded(r.promptTokens, cal);
      ku[k] = now + this.unloaded(waiting ? r.promptTokens : 0, upperLeft) > deadline ? 0 : 1;
      kp[k] = waiting ? 0 : 1;
      kr[k] = -Math.max(1, s.central(r.predictedOutputTokens) - r.generatedTokens);
      kid[k] = r.id;
      order.push(k);
    }
    order.sort((a, b) => (ku[a] as number) - (ku[b] as number) || (kp[a] as number) - (kp[b] as number) || (kr[a] as number) - (kr[b] as number) || (kid[a] as number) - (kid[b] as number));
    return order;
  }

  /** Delay the request imposes on v's waiting requests that arrived after it, when v's batch slots are full. */
  private imposed(v: InstanceView, r: RequestSnapshot, work: number, now: number): number {
    const l = this.s.ledger(v, now);
    if (!l || l.started < l.slots) return 0;
    const behind = l.waitingBehind(r.id, r.arrival);
    return (work * behind) / Math.max(1, v.maxNumSeqs);
  }

  private unloaded(prompt: number, tokens: number): number {
    return this.s.estimator.unloaded(prompt, tokens);
  }

  private tryMove(now: number, r: RequestSnapshot, src: InstanceView, views: InstanceView[], ctl: ClusterControl): boolean {
    const s = this.s;
    const upper = Math.max(1, s.calibrated(r.predictedOutputTokens) - r.generatedTokens);
    const remaining = Math.max(1, s.central(r.predictedOutputTokens) - r.generatedTokens);
    const prompt = r.phase === 'waiting' && r.kvTokens === 0 ? r.promptTokens + r.generatedTokens : 0;
    // Where it is now: the source without this request's own share.
    const waiting = r.phase === 'waiting';
    const running = Math.max(0, src.running - (waiting ? 0 : 1));
    const waitingHere = Math.max(0, src.waiting - (waiting ? 1 : 0));
    // It keeps its place in the first-come order where it is, and takes its arrival's place where it goes.
    const at = { self: r.id, arrival: r.arrival };
    // A request that waits delays everyone queued behind it by its own work (per slot): moving it
    // ahead of others on the target passes that delay on, so the move must pay for it too.
    const work = this.unloaded(prompt, remaining);
    const cSrc = s.completionTimeAt(src, running, waitingHere, prompt, remaining, upper, now, at) + this.imposed(src, r, work, now);
    const gainNeeded = Math.max(s.opts.minGainS, s.opts.minRelativeGain * cSrc);
    const best = s.perf.decodeMonotone === true ? this.bestBounded(now, r, src, views, ctl, prompt, remaining, upper, at, work, cSrc, gainNeeded) : this.bestExhaustive(now, r, src, views, prompt, remaining, upper, at, work);
    if (best < 0) return false;
    const target = views[best] as InstanceView;
    const cBest = this.cBest;
    const cost = ctl.migrationCost(r.id);
    if (cSrc - (cBest + cost) <= gainNeeded) return false;
    if (!ctl.migrate(r.id, target.id)) return false;
    s.moved(r.id, target.id, now);
    this.moves++;
    return true;
  }

  /** The best target's completion time, set by bestExhaustive and bestBounded. */
  private cBest = Number.POSITIVE_INFINITY;
  /** Lower bounds of the targets' completion times, by position in the round's views (reused). */
  private bounds = new Float64Array(16);

  /** The request's completion time on target v (its estimate plus the delay it imposes there). */
  private targetTime(now: number, r: RequestSnapshot, v: InstanceView, prompt: number, remaining: number, upper: number, at: QueuePosition, work: number): number {
    return this.s.completionTime(v, prompt, remaining, upper, now, at) + this.imposed(v, r, work, now);
  }

  /** Position in views of the first target with the smallest completion time (left in cBest); -1 when none is finite. */
  private bestExhaustive(now: number, r: RequestSnapshot, src: InstanceView, views: InstanceView[], prompt: number, remaining: number, upper: number, at: QueuePosition, work: number): number {
    let best = -1;
    let cBest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < views.length; i++) {
      const v = views[i] as InstanceView;
      if (v.id === src.id) continue;
      const c = this.targetTime(now, r, v, prompt, remaining, upper, at, work);
      if (c < cBest) {
        cBest = c;
        best = i;
      }
    }
    this.cBest = cBest;
    return best;
  }

  /**
   * bestExhaustive's answer when some target can pay for the move, else -1 or a target that cannot,
   * without estimating every target: each target's completion time is bounded from below
   * (CompletionEstimator.lowerBound, O(1) once the round has its work list), a target whose bound
   * already leaves no gain worth the move is skipped (a larger time cannot leave more), the target
   * with the smallest bound is estimated first, and another is estimated only if its bound does not
   * exceed the best time so far. Ties go to the earlier view, as in the exhaustive scan, so a move
   * goes where the exhaustive scan would send it.
   */
  private bestBounded(now: number, r: RequestSnapshot, src: InstanceView, views: InstanceView[], ctl: ClusterControl, prompt: number, remaining: number, upper: number, at: QueuePosition, work: number, cSrc: number, gainNeeded: number): number {
    const s = this.s;
    const n = views.length;
    if (this.bounds.length < n) this.bounds = new Float64Array(Math.max(n, 2 * this.bounds.length));
    const lb = this.bounds;
    // By our records the request is on `home` (its source); a ledger that holds it is not bounded.
    const home = s.where.get(r.id);
    const cost = ctl.migrationCost(r.id);
    let first = -1;
    let minLb = Number.POSITIVE_INFINITY;
    const e = s.estimator;
    e.boundCandidate(prompt, remaining, now);
    for (let i = 0; i < n; i++) {
      const v = views[i] as InstanceView;
      // Skipped targets are marked with an infinite bound (a target whose time is infinite is never chosen).
      lb[i] = Number.POSITIVE_INFINITY;
      if (v.id === src.id) continue;
      // A margin far above the rounding of either computation (the bound is not that tight anyway).
      // completionLowerBound, as CompletionEstimator.boundFor reads it for a round's candidates; the
      // number comes back through a field (a double returned from a call that is not inlined is boxed).
      e.boundFor(v, s.ledger(v, now));
      let b = e.bound * (1 - 1e-9);
      if (v.id === home) b = Number.NEGATIVE_INFINITY;
      // The move's gain is smaller the larger the target's time: a target that cannot pay at its bound cannot pay at all.
      if (cSrc - (b + cost) <= gainNeeded || b === Number.POSITIVE_INFINITY) continue;
      lb[i] = b;
      if (first < 0 || b < minLb) {
        minLb = b;
        first = i;
      }
    }
    this.cBest = Number.POSITIVE_INFINITY;
    if (first < 0) return -1;
    let best = -1;
    let cBest = Number.POSITIVE_INFINITY;
    const c0 = this.targetTime(now, r, views[first] as InstanceView, prompt, remaining, upper, at, work);
    if (c0 < cBest) {
      cBest = c0;
      best = first;
    }
    for (let i = 0; i < n; i++) {
      const b = lb[i] as number;
      if (i === first || b === Number.POSITIVE_INFINITY || b > cBest) continue;
      const c = this.targetTime(now, r, views[i] as InstanceView, prompt, remaining, upper, at, work);
      if (c < cBest || (c === cBest && i < best)) {
        cBest = c;
        best = i;
      }
    }
    this.cBest = cBest;
    return best;
  }
}
