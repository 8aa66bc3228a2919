import type { BatchPolicy } from '../../model/batchPolicy.js';
import { rankFunctions } from '../../queueing/ranks.js';
import { formerOf, type BatchStyle } from './forms.js';

/**
 * The queueing survey's rank policies ordering an LLM instance's waiting queue (the bridge between
 * the M/G/1 calculator and the simulator): the job size is the predicted output length in tokens and
 * the attained service is the tokens generated so far. Preemptive variants let a better-ranked
 * waiting request displace the worst-ranked running one when the batch or the KV cache is full, at
 * iteration boundaries (the LLM analogue of preemption; the displaced request is recomputed or
 * swapped like any preemption). Requests without a prediction rank last.
 */
export function rankScheduler(name: string, rank: string, preemptive: boolean, param: number | undefined, style: BatchStyle): BatchPolicy {
  const fn = rankFunctions.get(rank)(param);
  return {
    name,
    preemptive,
    usesPredictions: true,
    rank: (f) => fn(Number.isFinite(f.predictedOutputTokens) ? f.predictedOutputTokens : Number.MAX_VALUE, f.generatedTokens, f.arrival),
    formBatch: formerOf(style),
  };
}
