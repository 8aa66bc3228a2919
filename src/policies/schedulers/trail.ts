import type { BatchPolicy } from '../../model/batchPolicy.js';
import { formMixed } from './forms.js';

/**
 * Trail (Shahout et al., ICLR 2025; the survey's Section 4): shortest predicted remaining output
 * first, where the prediction is refined while the request decodes (the run's predictor refines it
 * from the tokens generated so far), and preemption is limited: a request whose age (tokens
 * generated) has reached C times its predicted output can no longer be displaced, which bounds the
 * memory cost of preempting requests that hold much KV. C = 0: never preempted once running (SPJF
 * order, non-preemptive); C = 1: SPRPT until the prediction is reached.
 */
export function trailScheduler(c: number): BatchPolicy {
  const remaining = (predicted: number, generated: number): number =>
    Number.isFinite(predicted) ? predicted - generated : Number.MAX_VALUE;
  return {
    name: `trail:${c}`,
    preemptive: true,
    usesPredictions: true,
    refinesPredictions: true,
    rank: (f) => remaining(f.predictedOutputTokens, f.generatedTokens),
    victimRank: (f) => {
      const p = f.predictedOutputTokens;
      if (Number.isFinite(p) && f.generatedTokens >= c * p) return Number.NEGATIVE_INFINITY;
      return remaining(p, f.generatedTokens);
    },
    formBatch: (b) => formMixed(b, b.maxBatchedTokens),
  };
}
