import type { BatchPolicy, RequestFacts } from '../../model/batchPolicy.js';
import { formWholePrompts } from './forms.js';
import { IterationEstimator } from './iterationEstimator.js';

export interface FastServeOptions {
  /** Levels of the multi-level feedback queue. */
  readonly levels: number;
  /** Seconds of waiting after which a request is promoted to the top level (starvation prevention). */
  readonly promoteS: number;
}

/**
 * FastServe (Wu et al., 2023; the survey's Section 4): preemptive skip-join MLFQ at iteration
 * granularity. Quanta double from level to level, q_k = q_0 * 2^k, with q_0 the measured time of a
 * decode iteration. Skip-join: a new request enters the highest level whose quantum covers its
 * first iteration (its prefill, priced from measured iteration times), so long prompts do not block
 * the top queue. A request is demoted each time it uses up its level's quantum of service (prefill
 * plus one decode iteration per token); one that waited longer than `promoteS` returns to the top.
 * Higher levels displace lower ones when the batch or KV is full; displaced requests' KV is swapped
 * to host memory at PCIe cost (proactive swapping), so they resume without recompute when the host
 * has room. Within a level: arrival order. Batches are formed as in Orca, which FastServe builds on
 * (iteration-level scheduling, whole prompts beside the decodes, no chunked prefill).
 */
export function fastServeScheduler(opts: FastServeOptions): BatchPolicy {
  const est = new IterationEstimator();
  const level = (f: RequestFacts): number => {
    const q0 = Math.max(1e-6, est.measured ? est.predict(1) : 1);
    const prefill = est.measured ? est.predict(f.promptTokens, (f.promptTokens * (f.promptTokens + 1)) / 2) : f.promptTokens * 1e-4;
    let k = Math.max(0, Math.ceil(Math.log2(Math.max(1, prefill / q0))));
    // Service so far: the first iteration (prefill) and one decode iteration per later token.
    let service = f.generatedTokens > 0 ? prefill + (f.generatedTokens - 1) * q0 : 0;
    const top = opts.levels - 1;
    while (k < top && service >= q0 * 2 ** k) {
      service -= q0 * 2 ** k;
      k++;
    }
    return Math.min(k, top);
  };
  return {
    name: 'fastserve',
    preemptive: true,
    dynamicRank: true,
    rank: (f) => (f.waitedS >= opts.promoteS ? 0 : level(f)) * 1e9 + f.arrival,
    victimRank: (f) => level(f) * 1e9 + f.arrival,
    preemptMode: () => 'swap',
    formBatch: (b) => {
      est.observe(b);
      formWholePrompts(b, b.maxBatchedTokens);
    },
  };
}
