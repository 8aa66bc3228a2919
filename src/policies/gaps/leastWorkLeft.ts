import { ConfigError } from '../../core/errors.js';
import type { InstanceView } from '../clusterView.js';
import type { ClusterPolicy, ClusterPolicyFactory } from '../clusterPolicy.js';
import type { Router } from '../routers/router.js';
import { DEFAULT_GAPS, GapsState } from './state.js';

/**
 * Least predicted work left: each request goes to the instance with the fewest seconds of predicted
 * work outstanding, every request this router sent there timed alone (its remaining prefill plus its
 * remaining central predicted decode at a batch of one). The classical size-based dispatch rule
 * (least-work-left is optimal-ish for one-at-a-time servers); with one sequence per instance it is
 * what GAPS's Eq. 9 reduces to. It shares GAPS's ledger and calibration, without its switch or
 * rebalancer, so the two differ only in the assignment rule.
 */
export const leastWorkLeftRouter: ClusterPolicyFactory = (ctx) => {
  if (ctx.arg !== undefined) throw new ConfigError(`router 'least-work-left' takes no argument, got '${ctx.arg}'`);
  if (!ctx.perf) throw new ConfigError(`router 'least-work-left' needs the performance model to time work`);
  const state = new GapsState(ctx.numInstances, ctx.perf, { prediction: true, rebalancing: false, global: true }, DEFAULT_GAPS, ctx.rng, ctx.e2eSlack ?? 5);
  const router: Router = {
    name: 'least-work-left',
    route(req, view) {
      const central = state.central(req.predictedOutputTokens);
      let best: InstanceView | undefined;
      let bestWork = Number.POSITIVE_INFINITY;
      for (const v of view.instances) {
        if (!v.available || v.role === 'decode') continue;
        const w = state.estimator.workLeft(v, state.ledger(v, view.now), req.promptTokens, central, state.meanOutput, state.meanPrompt, view.now);
        if (w < bestWork) {
          bestWork = w;
          best = v;
        }
      }
      if (!best) return -1;
      state.record(req.id, best.id, req.promptTokens, central, state.calibrated(req.predictedOutputTokens), view.now, req.arrival);
      return best.id;
    },
    onComplete: (info) => state.completed(info),
  };
  const policy: ClusterPolicy & { state: GapsState } = { router, state, usesPredictions: true };
  return policy;
};
