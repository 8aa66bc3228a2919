/**
 * The performance model: how long one forward iteration of a batch takes on one instance.
 * The batch is described by sufficient statistics of its real shape (every request's prefill chunk
 * and KV length), kept by the instance incrementally so the hot loop allocates nothing.
 */
export interface BatchShape {
  /** Sequences that process a prefill chunk this iteration. */
  prefillSeqs: number;
  /** Sum of prefill chunk lengths (new tokens). */
  prefillTokens: number;
  /**
   * Attention work of the prefill chunks in query-key pairs: for a chunk of c new tokens after p
   * cached tokens, c * p + c * (c + 1) / 2 (causal attention).
   */
  prefillAttnPairs: number;
  /** Sum over prefill chunks of p (tokens already in the KV cache that the chunk reads). */
  prefillPastTokens: number;
  /** Sequences that decode one token this iteration. */
  decodeSeqs: number;
  /** Sum of KV lengths read by the decoding sequences (their context before this token). */
  decodeContextTokens: number;
}

export function emptyShape(): BatchShape {
  return {
    prefillSeqs: 0,
    prefillTokens: 0,
    prefillAttnPairs: 0,
    prefillPastTokens: 0,
    decodeSeqs: 0,
    decodeContextTokens: 0,
  };
}

/** Adds one prefill chunk of `chunk` new tokens after `past` cached ones. */
export function addPrefillChunk(s: BatchShape, past: number, chunk: number): void {
  s.prefillSeqs += 1;
  s.prefillTokens += chunk;
  s.prefillPastTokens += past;
  s.prefillAttnPairs += chunk * past + (chunk * (chunk + 1)) / 2;
}

/**
 * How far a perf model's iteration times are from measurements, for run outputs. `heldOut` holds
 * fractions (0.05 = 5%) on points the model was not fitted to, where such a check exists.
 */
export interface PerfAccuracy {
  /** The model in words, e.g. "calibrated roofline (built-in, SplitwiseSim llama-2-70b/a100-80gb/tp4)". */
  readonly model: string;
  readonly calibrated: boolean;
  readonly heldOut?: { readonly prefill: { readonly mape: number; readonly bias: number }; readonly decode: { readonly mape: number; readonly bias: number } };
  /** One line for humans: the model and its error, or the warning that nothing was measured. */
  readonly note: string;
}

export interface PerfModel {
  readonly name: string;
  /** What is known of this model's error against measurements (absent: unknown). */
  readonly accuracy?: PerfAccuracy;
  /**
   * Seconds for one iteration of a batch with this shape; must be > 0 for a non-empty batch. A pure
   * function of the shape (the same shape always gives the same double): callers may memoise it.
   */
  iterationTime(shape: BatchShape): number;
  /**
   * True when a decode-only iteration never gets faster with more decoding sequences or more context
   * tokens (up to rounding). Policies may then bound completion times from below and skip work
   * (GAPS's rebalancer does); absent or false (e.g. measured tables): they evaluate everything.
   */
  readonly decodeMonotone?: boolean;
}
