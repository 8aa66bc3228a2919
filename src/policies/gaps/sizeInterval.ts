import { ConfigError } from '../../core/errors.js';
import type { InstanceView } from '../clusterView.js';
import type { ClusterPolicy, ClusterPolicyFactory } from '../clusterPolicy.js';
import type { Router } from '../routers/router.js';
import { DEFAULT_GAPS, GapsState } from './state.js';

/**
 * Size-interval routing (SITA, Harchol-Balter et al.): predicted-long requests go to designated
 * instances, so short ones never queue behind them. The last `share` of the instances (at least one,
 * `size-interval:share=0.25`) take the requests whose central predicted output is above a cutoff;
 * the cutoff adapts so that the long class brings its instances the same work per instance as the
 * short class brings the rest: over a window of recent predictions, the work (each request's time
 * alone: its prefill plus its predicted decode at a batch of one) above the cutoff is `share` of the
 * total. (Counting tokens instead put a fifth of the conversation trace's requests on a quarter of
 * the instances: prompt tokens are cheap, decode tokens are not.) Within a class, least-work-left.
 */
export const sizeIntervalRouter: ClusterPolicyFactory = (ctx) => {
  let share = 0.25;
  if (ctx.arg !== undefined) {
    const [k, v] = ctx.arg.split('=');
    const x = Number(v);
    if (k !== 'share' || !(x > 0 && x < 1)) throw new ConfigError(`router 'size-interval': expected share=F with 0 < F < 1, got '${ctx.arg}'`);
    share = x;
  }
  if (!ctx.perf) throw new ConfigError(`router 'size-interval' needs the performance model to time work`);
  const n = ctx.numInstances;
  const longCount = n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * share)));
  const state = new GapsState(n, ctx.perf, { prediction: true, rebalancing: false, global: true }, DEFAULT_GAPS, ctx.rng, ctx.e2eSlack ?? 5);
  const WINDOW = 2000;
  const recent: { size: number; work: number }[] = [];
  let cutoff = Number.POSITIVE_INFINITY;
  let sinceUpdate = 0;
  let toLong = 0;
  const updateCutoff = (): void => {
    const xs = [...recent].sort((a, b) => b.size - a.size);
    const total = xs.reduce((s, x) => s + x.work, 0);
    const target = (total * longCount) / n;
    let acc = 0;
    cutoff = Number.POSITIVE_INFINITY;
    for (const x of xs) {
      if (acc + x.work > target) break;
      acc += x.work;
      cutoff = x.size;
    }
  };
  const router: Router = {
    name: 'size-interval',
    route(req, view) {
      const central = state.central(req.predictedOutputTokens);
      recent.push({ size: central, work: state.estimator.unloaded(req.promptTokens, central) });
      if (recent.length > WINDOW) recent.shift();
      // No long class until 50 predictions have been seen; then the cutoff follows every 20.
      if (recent.length >= 50 && ++sinceUpdate >= 20) {
        sinceUpdate = 0;
        updateCutoff();
      }
      const long = longCount > 0 && central >= cutoff;
      const avail = view.instances.filter((v) => v.available && v.role !== 'decode');
      const firstLong = avail.length - longCount;
      const pool = longCount === 0 || avail.length < 2 ? avail : long ? avail.slice(firstLong) : avail.slice(0, firstLong);
      let best: InstanceView | undefined;
      let bestWork = Number.POSITIVE_INFINITY;
      for (const v of pool) {
        const w = state.estimator.workLeft(v, state.ledger(v, view.now), req.promptTokens, central, state.meanOutput, state.meanPrompt, view.now);
        if (w < bestWork) {
          bestWork = w;
          best = v;
        }
      }
      if (!best) return -1;
      if (long) toLong++;
      state.record(req.id, best.id, req.promptTokens, central, state.calibrated(req.predictedOutputTokens), view.now, req.arrival);
      return best.id;
    },
    onComplete: (info) => state.completed(info),
  };
  const policy: ClusterPolicy & { state: GapsState } = {
    router,
    state,
    usesPredictions: true,
    stats: () => ({ longInstances: longCount, sentLong: toLong, cutoffTokens: Number.isFinite(cutoff) ? cutoff : -1 }),
  };
  return policy;
};
