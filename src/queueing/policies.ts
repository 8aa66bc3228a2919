import { Registry } from '../core/registry.js';
import type { Mg1Model } from './analytic/model.js';
import { oneBitMean, oneBitPreemptiveMean } from './analytic/oneBit.js';
import { fifoMean, pspjfMean, spjfMean, sprptMean } from './analytic/sizeBased.js';
import { trailMean } from './analytic/trail.js';
import { delayPredictPolicy, skipPredictPolicy, type CostParams } from './sim/costPolicies.js';
import {
  fifoPolicy,
  oneBitPolicy,
  psjfPolicy,
  pspjfPolicy,
  sjfPolicy,
  spjfPolicy,
  sprptBouncePolicy,
  sprptPolicy,
  srptPolicy,
  type RankPolicy,
} from './sim/rankPolicy.js';
import { trailPolicy } from './sim/trailPolicy.js';

/** Parameters after defaults are resolved (threshold searched, limit defaulted). */
export interface ResolvedParams extends CostParams {
  threshold: number | undefined;
  limit: number | undefined;
  /** Service time of the round-robin quantum that approximates processor sharing (sprpt-bounce). */
  quantum: number;
  /** Trail's C: preemptible until attained service reaches C x the prediction (trail only). */
  preemptionLimit?: number;
}

/** The two models a formula may need: with the chosen predictions, and with exact ones. */
export interface ModelPair {
  predicted: Mg1Model;
  exact: Mg1Model;
}

/**
 * One M/G/1 policy: its exact mean response time where a formula exists, and its rank policy for
 * the simulator. Shared code asks a policy what it needs (`threshold`, `limit`) instead of branching
 * on its name.
 */
export interface Mg1Policy {
  /** Exact mean response time (undefined: no formula, the answer comes from simulation). */
  exact?: (m: ModelPair, p: ResolvedParams) => number;
  rank: (p: ResolvedParams) => RankPolicy;
  /** The policy splits jobs at a threshold on predicted size; `optimize` is the mean it minimises. */
  threshold?: { optimize: (m: Mg1Model, T: number) => number };
  /** The policy preempts jobs after a service limit L (DelayPredict). */
  usesLimit?: boolean;
  /** The policy stops preempting a job once its attained service reaches C x its prediction (Trail). */
  usesPreemptionLimit?: boolean;
  /** The policy has prediction costs (--cost-model, --cheap-cost, --prediction-cost). */
  usesCosts?: boolean;
  /** Mean server time per job spent on predictions in the server-cost model (for the load check). */
  predictionWork?: (m: ModelPair, p: ResolvedParams) => number;
}

function need(v: number | undefined, what: string): number {
  if (v === undefined) throw new Error(`internal: ${what} not resolved`);
  return v;
}

export const mg1Policies = new Registry<Mg1Policy>('policy')
  .register('fifo', { exact: (m) => fifoMean(m.predicted), rank: () => fifoPolicy() }, 'first in, first out')
  .register('sjf', { exact: (m) => spjfMean(m.exact), rank: () => sjfPolicy() }, 'shortest job first (true sizes, non-preemptive)')
  .register('spjf', { exact: (m) => spjfMean(m.predicted), rank: () => spjfPolicy() }, 'shortest predicted job first (non-preemptive)')
  .register('psjf', { exact: (m) => pspjfMean(m.exact), rank: () => psjfPolicy() }, 'preemptive shortest job first (true sizes)')
  .register('pspjf', { exact: (m) => pspjfMean(m.predicted), rank: () => pspjfPolicy() }, 'preemptive shortest predicted job first')
  .register('srpt', { exact: (m) => sprptMean(m.exact), rank: () => srptPolicy() }, 'shortest remaining processing time (true sizes)')
  .register('sprpt', { exact: (m) => sprptMean(m.predicted), rank: () => sprptPolicy() }, 'shortest predicted remaining processing time')
  .register(
    'sprpt-bounce',
    { rank: (p) => sprptBouncePolicy(p.quantum) },
    'SPRPT whose rank bounces back up, |prediction - age| (simulation only)',
  )
  .register(
    '1bit',
    {
      exact: (m, p) => oneBitMean(m.predicted, need(p.threshold, 'threshold')),
      rank: (p) => oneBitPolicy(need(p.threshold, 'threshold'), false),
      threshold: { optimize: oneBitMean },
    },
    'short (prediction <= T) jobs first, non-preemptive',
  )
  .register(
    '1bit-preempt',
    {
      exact: (m, p) => oneBitPreemptiveMean(m.predicted, need(p.threshold, 'threshold')),
      rank: (p) => oneBitPolicy(need(p.threshold, 'threshold'), true),
      threshold: { optimize: oneBitPreemptiveMean },
    },
    'short jobs first, a new short job preempts whatever runs',
  )
  .register(
    'skippredict',
    {
      rank: (p) => skipPredictPolicy(need(p.threshold, 'threshold'), p),
      threshold: { optimize: oneBitPreemptiveMean },
      usesCosts: true,
      // Every job pays c1; those whose cheap prediction is long also pay c2.
      predictionWork: (m, p) => p.cheapCost + p.predictionCost * (1 - m.predicted.below(0, need(p.threshold, 'threshold'))),
    },
    'cheap 1-bit prediction for all, full prediction only for long jobs (simulation only)',
  )
  .register(
    'delaypredict',
    {
      rank: (p) => delayPredictPolicy(need(p.limit, 'limit'), p),
      usesLimit: true,
      usesCosts: true,
      // Jobs that outlive the limit L pay c2.
      predictionWork: (m, p) => p.predictionCost * (1 - m.exact.below(0, need(p.limit, 'limit'))),
    },
    'FIFO for the first L of service, then predict and SPRPT (simulation only)',
  )
  .register(
    'trail',
    {
      exact: (m, p) => trailMean(m.predicted, need(p.preemptionLimit, 'preemption limit')),
      rank: (p) => trailPolicy(need(p.preemptionLimit, 'preemption limit')),
      usesPreemptionLimit: true,
    },
    'Trail: SPRPT until attained service reaches C x prediction, then non-preemptive (--preemption-limit C)',
  );
