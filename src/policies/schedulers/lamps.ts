import type { BatchPolicy, RequestFacts } from '../../model/batchPolicy.js';
import { strategyFor, type StateRef } from './apiAware.js';
import { formMixed } from './forms.js';
import { IterationEstimator } from './iterationEstimator.js';

/**
 * LAMPS (Shahout et al., 2024; the survey's Section 5.1): API-aware scheduling from predictions.
 *  - KV strategy per call as INFERCEPT's least-waste rule, but from the predicted call duration;
 *  - order: smallest predicted memory-over-time footprint first, the integral of the request's KV
 *    over its remaining life: decoding r more tokens from context C holds about (C + r/2) * r
 *    token-iterations, priced in seconds with the measured decode iteration time;
 *  - a request whose KV was preserved on the GPU through its call resumes before anything else
 *    (waiting, it holds memory idle: the largest memory-time cost);
 *  - starvation prevention: a request that waited longer than `starveS` goes next (oldest first).
 */
export function lampsScheduler(starveS: number): BatchPolicy {
  const est = new IterationEstimator();
  const ref: StateRef = { state: undefined };
  const footprint = (f: RequestFacts): number => {
    const predicted = Number.isFinite(f.predictedOutputTokens) ? f.predictedOutputTokens : f.generatedTokens + 256;
    const r = Math.max(1, predicted - f.generatedTokens);
    const c = f.promptTokens + f.generatedTokens;
    const tau = est.measured ? est.predict(1) : 0.02;
    return (c + r / 2) * r * tau;
  };
  return {
    name: 'lamps',
    preemptive: false,
    usesPredictions: true,
    dynamicRank: true,
    // A request whose KV stayed on the GPU through its API call holds that memory while it waits:
    // resuming it first is what minimises memory over time. Then the starved, then the smallest footprint.
    rank: (f) => (f.kvResident ? -2e15 + f.arrival : f.waitedS >= starveS ? -1e15 + f.arrival : footprint(f)),
    apiStrategy: (f, call) => strategyFor(ref, est, f, call, call.predictedDurationS),
    formBatch: (b) => {
      ref.state = b;
      est.observe(b);
      formMixed(b, b.maxBatchedTokens);
    },
  };
}
