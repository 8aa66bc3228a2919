import { ConfigError } from '../../core/errors.js';
import type { JobTable } from './jobs.js';
import { nextUp, type RankPolicy } from './rankPolicy.js';

/**
 * Policies that pay for predictions (Shahout and Mitzenmacher, "SkipPredict: when to invest in
 * predictions for scheduling", NeurIPS 2024), under both of the survey's cost models:
 *  - external: predictions come from elsewhere and take no server time; a job's cost is its
 *    response time plus the prediction costs it incurred (c1 per cheap 1-bit prediction, c2 per full
 *    prediction), recorded in t.extra;
 *  - server: predictions are work on the same server, c1 and c2 units of it, scheduled by rank like
 *    everything else; the cost is the response time.
 * Phases are read off the attained service a, so the SOAP rank stays a function of (type, a).
 */
export type CostModel = 'external' | 'server';

export interface CostParams {
  costModel: CostModel;
  /** c1: cost of the cheap 1-bit prediction (SkipPredict). */
  cheapCost: number;
  /** c2: cost of a full size prediction. */
  predictionCost: number;
}

function checkCosts(p: CostParams): void {
  if (p.costModel !== 'external' && p.costModel !== 'server') {
    throw new ConfigError(`--cost-model must be 'external' or 'server', got '${String(p.costModel)}'`);
  }
  if (!(p.cheapCost >= 0)) throw new ConfigError(`--cheap-cost must be >= 0, got '${p.cheapCost}'`);
  if (!(p.predictionCost >= 0)) throw new ConfigError(`--prediction-cost must be >= 0, got '${p.predictionCost}'`);
}

/**
 * SkipPredict: every job gets the cheap bit (short iff its cheap prediction, the independent second
 * draw pred2, is at most T). Short jobs are served FIFO; long jobs then get the full prediction and
 * are served by SPRPT after all short ones. Server-cost ranks, best first: short jobs (0), jobs
 * awaiting their cheap prediction (1), long jobs awaiting the full prediction (2), long jobs (3).
 */
export function skipPredictPolicy(threshold: number, p: CostParams): RankPolicy {
  checkCosts(p);
  const { cheapCost: c1, predictionCost: c2 } = p;
  const server = p.costModel === 'server';
  const isLong = (t: JobTable, s: number): boolean => (t.pred2[s] as number) > threshold;
  return {
    name: 'skippredict',
    preemptive: true,
    usesSecondPrediction: true,
    params: { threshold, costModel: p.costModel, cheapCost: c1, predictionCost: c2 },
    admit: (t, s) => {
      const long = isLong(t, s);
      const x = t.size[s] as number;
      t.work[s] = server ? x + c1 + (long ? c2 : 0) : x;
      t.extra[s] = server ? 0 : c1 + (long ? c2 : 0);
    },
    rank: (t, s, a) => {
      if (!server) {
        if (isLong(t, s)) {
          t.r1[s] = 1;
          t.r2[s] = (t.pred[s] as number) - a;
        } else {
          t.r1[s] = 0;
          t.r2[s] = 0;
        }
        return;
      }
      t.r2[s] = 0;
      if (a < c1) t.r1[s] = 1;
      else if (!isLong(t, s)) t.r1[s] = 0;
      else if (a < c1 + c2) t.r1[s] = 2;
      else {
        t.r1[s] = 3;
        t.r2[s] = (t.pred[s] as number) - (a - c1 - c2);
      }
    },
    // In the server model the rank rises when a prediction finishes (class 1 -> 2, 2 -> 3).
    nextCheck: (t, s, a) => {
      if (!server) return Number.POSITIVE_INFINITY;
      if (a < c1) return Math.max(c1, nextUp(a));
      if (isLong(t, s) && a < c1 + c2) return Math.max(c1 + c2, nextUp(a));
      return Number.POSITIVE_INFINITY;
    },
  };
}

/**
 * DelayPredict: no cheap predictions; every job is served FIFO for up to L units. A job still running
 * at L is preempted, treated as long, given a full prediction (c2) and then served by SPRPT on its
 * predicted remaining size y - (service received), after every job still in its first L units.
 * Server-cost ranks: first-L jobs (0), awaiting prediction (1), long jobs (2).
 */
export function delayPredictPolicy(limit: number, p: CostParams): RankPolicy {
  checkCosts(p);
  if (!(limit > 0 && Number.isFinite(limit))) throw new ConfigError(`--limit must be a positive number, got '${limit}'`);
  const c2 = p.predictionCost;
  const server = p.costModel === 'server';
  return {
    name: 'delaypredict',
    preemptive: true,
    usesSecondPrediction: false,
    params: { limit, costModel: p.costModel, predictionCost: c2 },
    admit: (t, s) => {
      const x = t.size[s] as number;
      const long = x > limit;
      t.work[s] = server && long ? x + c2 : x;
      t.extra[s] = !server && long ? c2 : 0;
    },
    rank: (t, s, a) => {
      t.r2[s] = 0;
      if (a < limit) t.r1[s] = 0;
      else if (server && a < limit + c2) t.r1[s] = 1;
      else {
        t.r1[s] = 2;
        t.r2[s] = (t.pred[s] as number) - (server ? a - c2 : a);
      }
    },
    nextCheck: (_t, _s, a) => {
      if (a < limit) return Math.max(limit, nextUp(a));
      if (server && a < limit + c2) return Math.max(limit + c2, nextUp(a));
      return Number.POSITIVE_INFINITY;
    },
  };
}
