/**
 * A request as a workload produces it: what arrives, not what happens to it. The simulator keeps
 * per-request state in its own typed arrays, indexed by the request's id (its arrival order).
 */

/** Service-level objectives of one request. Absent fields fall back to the run's defaults. */
export interface SloTargets {
  /** Time-to-first-token target, seconds. */
  readonly ttftS?: number;
  /** Time-per-output-token target, seconds (vLLM's definition: (e2e - ttft) / (output - 1)). */
  readonly tpotS?: number;
  /** End-to-end deadline as a multiple of the request's unloaded latency. */
  readonly e2eSlack?: number;
}

/**
 * One external call (tool, API, environment step, user turn) made while a request generates its
 * output (API-augmented requests, the survey's §5.1; INFERCEPT, LAMPS). During the call the request
 * leaves the batch; when it returns, its result is appended to the context and prefilled.
 */
export interface ApiCall {
  /** Output tokens generated when the call starts: 1 <= afterTokens < outputTokens, strictly increasing. */
  readonly afterTokens: number;
  /** How long the call takes, seconds. */
  readonly durationS: number;
  /** Tokens the API result appends to the context, prefilled on return. */
  readonly returnTokens: number;
  /** Augmentation type, e.g. 'math', 'qa', 'tts'. */
  readonly kind: string;
}

export interface RequestSpec {
  /** Arrival time, seconds from the start of the run. */
  readonly arrival: number;
  /** Prompt (context) tokens, at least 1. */
  readonly promptTokens: number;
  /** Output (generated) tokens, at least 1. */
  readonly outputTokens: number;
  /** Workload type, e.g. 'code' or 'conversation'. */
  readonly type: string;
  /** Conversation or session this request belongs to (multi-turn workloads). */
  readonly sessionId?: number;
  /** Hashes of the prompt's KV blocks, for prefix-cache modelling (Mooncake traces). */
  readonly prefixHashes?: readonly number[];
  readonly slo?: SloTargets;
  /** External calls during generation, in output order (absent: a plain request). */
  readonly apiCalls?: readonly ApiCall[];
}

/** A workload is a pull stream of requests in non-decreasing arrival order. */
export type Workload = Iterator<RequestSpec>;
