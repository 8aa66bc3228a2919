import type { BatchPolicy } from '../../model/batchPolicy.js';
import { formMixed } from './forms.js';

/**
 * Sarathi-Serve (Agrawal et al., OSDI 2024): decode-first, stall-free batching. Every iteration
 * runs all ongoing decodes, then fills the rest of a fixed token budget with prefill chunks (ongoing
 * ones first, then new admissions, FCFS). A small budget (512) bounds the time between tokens; a
 * large one (2048) favours prefill throughput.
 */
export function sarathiScheduler(budget: number): BatchPolicy {
  return {
    name: `sarathi:${budget}`,
    preemptive: false,
    rank: (f) => f.arrival,
    ranksByArrival: true,
    formBatch: (b) => formMixed(b, Math.min(budget, b.maxBatchedTokens)),
  };
}
