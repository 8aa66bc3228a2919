import type { InstanceView } from '../clusterView.js';
import type { ClusterControl, Controller, RequestSnapshot } from '../controllers/controller.js';
import type { GapsState } from './state.js';

/**
 * GAPS selective rebalancing (Section 4.3): "triggered periodically or upon violation spikes";
 * "candidate requests are selected based on large predicted completion times, urgent deadlines, or
 * overloaded instances"; a request moves "only if expected latency reduction outweighs migration
 * overhead c(i, j->k)". Minimal corrective migration: a few moves per round, cheap moves first.
 *
 * Every `checkIntervalS` the rebalancer looks for a spike (an instance whose recent SLO-violation
 * rate exceeds the cluster mean by `spikeThreshold`); every `rebalanceIntervalS` it runs anyway. A
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
    this.round(now, ctl, views);
  }

  private spike(views: readonly InstanceView[]): boolean {
    let mean = 0;
    let max = 0;
    for (const v of views) {
      mean += v.recentSloViolationRate;
      max = Math.max(max, v.recentSloViolationRate);
    }
    mean /= views.length;
    return max - mean >= this.s.opts.spikeThreshold;
  }

  /** Each view's predicted completion time of a typical request this round, by position (reused). */
  private pressure = new Float64Array(16);
  /** Candidate ranking keys, by position in the source's request list (reused). */
  private keyUrgent = new Float64Array(16);
  private keyPhase = new Float64Array(16);
  private keyRemaining = new Float64Array(16);
  private keyId = new Float64Array(16);

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
    const overloaded: number[] = [];
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
    const order: number[] = [];
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
    let target: InstanceView | undefined;
    let cBest = Number.POSITIVE_INFINITY;
    for (const v of views) {
      if (v.id === src.id) continue;
      const c = s.completionTime(v, prompt, remaining, upper, now, at) + this.imposed(v, r, work, now);
      if (c < cBest) {
        cBest = c;
        target = v;
      }
    }
    if (!target) return false;
    const cost = ctl.migrationCost(r.id);
    if (cSrc - (cBest + cost) <= Math.max(s.opts.minGainS, s.opts.minRelativeGain * cSrc)) return false;
    if (!ctl.migrate(r.id, target.id)) return false;
    s.moved(r.id, target.id, now);
    this.moves++;
    return true;
  }
}
