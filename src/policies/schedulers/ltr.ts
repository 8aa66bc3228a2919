import type { BatchPolicy } from '../../model/batchPolicy.js';
import { formMixed } from './forms.js';

/**
 * Learning to rank (Fu et al., NeurIPS 2024; the survey's Section 4): requests are ordered by a
 * learned ranking score, which only has to order output lengths correctly, not predict them; the
 * run's predictor provides the score (it learns online from completions), and the run reports
 * Kendall's tau between scores and true output lengths. Starvation prevention: a request that has
 * waited longer than `starveS` seconds is promoted ahead of every scored request (oldest first),
 * the bounded-wait rule of LTR's scheduler. Non-preemptive, as in its vLLM implementation.
 */
export function ltrScheduler(starveS: number): BatchPolicy {
  return {
    name: 'ltr',
    preemptive: false,
    usesPredictions: true,
    dynamicRank: Number.isFinite(starveS),
    rank: (f) => {
      if (f.waitedS >= starveS) return -1e15 + f.arrival;
      return Number.isFinite(f.predictedOutputTokens) ? f.predictedOutputTokens : Number.MAX_VALUE;
    },
    formBatch: (b) => formMixed(b, b.maxBatchedTokens),
  };
}
