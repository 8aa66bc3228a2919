import type { BatchPolicy } from '../../model/batchPolicy.js';
import { strategyFor, type StateRef } from './apiAware.js';
import { formMixed } from './forms.js';
import { IterationEstimator } from './iterationEstimator.js';

/**
 * INFERCEPT (Abhyankar et al., ICML 2024): FIFO order, and for every API call the KV strategy
 * (preserve, discard and recompute, or swap) that wastes the least GPU memory over time, judged from
 * the call's duration and measured iteration times (`apiAware.ts`). Its duration estimate is the
 * known duration of the call's kind so far (the instance's running mean), as INFERCEPT profiles them.
 */
export function inferceptScheduler(): BatchPolicy {
  const est = new IterationEstimator();
  const ref: StateRef = { state: undefined };
  return {
    name: 'infercept',
    preemptive: false,
    rank: (f) => f.arrival,
    ranksByArrival: true,
    apiStrategy: (f, call) => strategyFor(ref, est, f, call, call.predictedDurationS),
    formBatch: (b) => {
      ref.state = b;
      est.observe(b);
      formMixed(b, b.maxBatchedTokens);
    },
  };
}
