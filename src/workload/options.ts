export interface WorkloadOptions {
  /** A preset name (registry `presets`: azure-code, azure-conversation, azure-mixed, sharegpt, alpaca); default 'azure-conversation' when no trace. */
  preset?: string;
  /** Path: .csv => Azure, .jsonl => Mooncake. */
  trace?: string;
  /** Overrides the type label of a trace's requests. */
  traceType?: string;
  /** 'poisson' | 'gamma:CV' | 'onoff[:ON_S,OFF_S[,RATIO]]' | 'trace' (default: the preset's own / 'trace'). */
  arrival?: string;
  /** Target mean arrival rate, req/s (for traces: time-scaling of the replay). */
  rate?: number;
  /** For trace replays: start at this fraction of the trace's span and wrap around (0 = as recorded). */
  rotate?: number;
  /** Stop after N requests. */
  numRequests?: number;
  /** Stop at the first arrival after this time (that request is not emitted). */
  durationS?: number;
  /** Override the prompt length distribution: 'fixed:N' | 'lognormal:MEDIAN,SIGMA' | 'pareto:XM,ALPHA'. */
  prompt?: string;
  /** The same for the output length. */
  output?: string;
  /** API calls per request from a profile: 'infercept' or 'infercept:TYPE,TYPE' (registry apiCallProfiles). */
  apiCalls?: string;
}
