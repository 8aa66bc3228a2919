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
  /** Time-between-tokens target, seconds: every gap between consecutive output tokens (SLAI). */
  readonly tbtS?: number;
}

/** One external call an API-augmented request makes mid-generation (the survey's Section 5.1). */
export interface ApiCall {
  /** Output tokens generated when the call starts: 1 <= afterTokens < outputTokens, strictly increasing. */
  readonly afterTokens: number;
  readonly durationS: number;
  /** Tokens the API result appends to the context, prefilled on return. */
  readonly returnTokens: number;
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
  /** API calls in generation order (API-augmented requests). */
  readonly apiCalls?: readonly ApiCall[];
}

/** A workload is a pull stream of requests in non-decreasing arrival order. */
export type Workload = Iterator<RequestSpec>;
