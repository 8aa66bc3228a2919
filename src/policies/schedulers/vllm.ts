import type { BatchPolicy } from '../../model/batchPolicy.js';
import { formerOf, type BatchStyle } from './forms.js';

/**
 * vLLM's scheduler: first come, first served by arrival (a preempted request keeps its place), the
 * most recently admitted request preempted first when KV runs short. `mixed` is V1 (decodes, then
 * chunked prefills, under max_num_batched_tokens); `prefill-first` is V0's default.
 */
export function vllmScheduler(style: BatchStyle, name = style === 'mixed' ? 'vllm' : 'vllm-v0'): BatchPolicy {
  return {
    name,
    preemptive: false,
    rank: (f) => f.arrival,
    ranksByArrival: true,
    formBatch: formerOf(style),
  };
}
