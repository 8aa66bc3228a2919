/**
 * The instance-level scheduling policy: the order of an instance's waiting queue and, for
 * preemptive policies, which running request yields to a better-ranked waiting one. Batch formation
 * mechanics (budgets, KV blocks, chunking) stay in the instance; a policy only ranks. Policies are in
 * src/policies/schedulers/, one per file, registered by name.
 */

/** What a policy may know about a request. The instance fills one reused object; do not keep it. */
export interface RankFacts {
  id: number;
  arrival: number;
  promptTokens: number;
  /** Predicted output tokens; NaN when no prediction was made. */
  predictedOutputTokens: number;
  /** Output tokens generated so far (attained service). */
  generatedTokens: number;
  preemptions: number;
  /** Workload type index (RequestTable.typeNames). */
  type: number;
}

export interface InstanceScheduler {
  readonly name: string;
  /**
   * When true, a waiting request with a lower rank than a running one may preempt it when the
   * batch is full or KV is short; victims are then the highest-ranked running requests. When false,
   * victims follow vLLM: the most recently admitted request is preempted first.
   */
  readonly preemptive: boolean;
  /** True when the rank reads `predictedOutputTokens`: the run then needs a predictor. */
  readonly usesPredictions?: boolean;
  /** Lower runs first. Called when a request enters the waiting queue and when choosing victims. */
  rank(facts: RankFacts, now: number): number;
}
