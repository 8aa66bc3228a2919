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
  considered = 0;
  moves = 0;

  constructor(private readonly s: GapsState) {
    this.intervalS = s.opts.checkIntervalS;
  }

  stats(): Record<string, number> {
    return { rebalanceRounds: this.rounds, rebalanceCandidates: this.considered, rebalanceMoves: this.moves };
  }

  tick(now: number, ctl: ClusterControl): void {
    const views = this.s.candidates(ctl.view);
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

  private round(now: number, ctl: ClusterControl, views: InstanceView[]): void {
    const s = this.s;
    const typical = s.central(Number.NaN);
    const pressure = new Map<number, number>();
    let best = Number.POSITIVE_INFINITY;
    for (const v of views) {
      const c = s.completionTime(v, s.meanPrompt, typical, typical, now);
      pressure.set(v.id, c);
      best = Math.min(best, c);
    }
    const overloaded = views
      .filter((v) => (pressure.get(v.id) as number) > s.opts.overloadFactor * best + s.opts.minGainS && v.waiting + v.running > 0)
      .sort((a, b) => (pressure.get(b.id) as number) - (pressure.get(a.id) as number));
    let budget = s.opts.maxMovesPerRound;
    for (const src of overloaded) {
      if (budget <= 0) return;
      for (const r of this.rankCandidates(now, ctl.requestsOn(src.id))) {
        if (budget <= 0) return;
        this.considered++;
        if (this.tryMove(now, r, src, views, ctl)) budget--;
      }
    }
  }

  /**
   * Urgent first, then large predicted remaining work; waiting before running at equal urgency. A
   * request is urgent when finishing its calibrated upper estimate s~ alone from now would pass its
   * adaptive deadline d = arrival + (1 + epsilon) * slack * unloaded(s~) (Eq. 2/8).
   */
  private rankCandidates(now: number, reqs: RequestSnapshot[]): RequestSnapshot[] {
    const s = this.s;
    const key = (r: RequestSnapshot): [number, number, number] => {
      const cal = s.calibrated(r.predictedOutputTokens);
      const upperLeft = Math.max(1, cal - r.generatedTokens);
      const deadline = Number.isFinite(r.deadline ?? Number.NaN) ? (r.deadline as number) : r.arrival + (1 + s.calibrator.opts.epsilon) * s.e2eSlack * this.unloaded(r.promptTokens, cal);
      const urgent = now + this.unloaded(r.phase === 'waiting' ? r.promptTokens : 0, upperLeft) > deadline ? 0 : 1;
      const remaining = Math.max(1, s.central(r.predictedOutputTokens) - r.generatedTokens);
      return [urgent, r.phase === 'waiting' ? 0 : 1, -remaining];
    };
    const keyed = reqs.filter((r) => r.phase !== 'prefilling').map((r) => ({ r, k: key(r) }));
    keyed.sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.k[2] - b.k[2] || a.r.id - b.r.id);
    return keyed.map((x) => x.r);
  }

  /** Delay the request imposes on v's waiting requests that arrived after it, when v's batch slots are full. */
  private imposed(v: InstanceView, r: RequestSnapshot, work: number, now: number): number {
    const l = this.s.ledger(v, now);
    if (!l || l.started < l.slots) return 0;
    const behind = this.s.estimator.waitingBehind(l, r.id, r.arrival);
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
    const here = {
      ...src,
      waiting: Math.max(0, src.waiting - (waiting ? 1 : 0)),
      running: Math.max(0, src.running - (waiting ? 0 : 1)),
    };
    // It keeps its place in the first-come order where it is, and takes its arrival's place where it goes.
    const at = { self: r.id, arrival: r.arrival };
    // A request that waits delays everyone queued behind it by its own work (per slot): moving it
    // ahead of others on the target passes that delay on, so the move must pay for it too.
    const work = this.unloaded(prompt, remaining);
    const cSrc = s.completionTime(here, prompt, remaining, upper, now, at) + this.imposed(src, r, work, now);
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
