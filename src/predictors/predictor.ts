/**
 * Output-length predictors. A predictor sees what a router knows when a request arrives (prompt
 * length, workload type, session) and learns online from the true lengths of completed requests.
 */
export interface PredictionFeatures {
  readonly promptTokens: number;
  /** Workload type index (stable within a run). */
  readonly type: number;
  readonly sessionId: number | undefined;
  /**
   * The true output length, available only inside the simulator and only to oracle predictors
   * (which exist to measure what perfect or controlled-error predictions are worth). NaN elsewhere.
   */
  readonly oracleOutputTokens: number;
}

export interface OutputPredictor {
  readonly name: string;
  /** Predicted output tokens, > 0. */
  predict(f: PredictionFeatures): number;
  /** Learns from a completed request's true output length. */
  observe(f: PredictionFeatures, actualOutputTokens: number): void;
  /**
   * Refines a prediction while the request decodes (Trail), given its first prediction and the
   * tokens generated so far; the result is a predicted total > generated. Optional: without it the
   * refinement is the conditional floor max(initial, generated + 1).
   */
  refine?(f: PredictionFeatures, initial: number, generatedTokens: number): number;
}

/** The refinement a predictor gives, or the conditional floor when it has none. */
export function refinePrediction(p: OutputPredictor, f: PredictionFeatures, initial: number, generated: number): number {
  if (p.refine) return p.refine(f, initial, generated);
  return Math.max(initial, generated + 1);
}
