import type { BatchPolicy } from '../../model/batchPolicy.js';
import { formWholePrompts } from './forms.js';

/**
 * Orca (Yu et al., OSDI 2022): iteration-level FCFS scheduling with selective batching. Requests
 * join and leave the batch at every iteration, but a prompt is prefilled whole in the iteration
 * that admits it, beside the running decodes (no chunking), under the token budget.
 */
export function orcaScheduler(): BatchPolicy {
  return {
    name: 'orca',
    preemptive: false,
    rank: (f) => f.arrival,
    ranksByArrival: true,
    formBatch: (b) => formWholePrompts(b, b.maxBatchedTokens),
  };
}
