import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { MAX_TOKENS, MIN_PERIOD_S } from '../core/limits.js';

/**
 * The one configuration tree of a simulation run, parsed once at the edge (CLI flags or a JSON
 * file), validated with every problem reported at once, then frozen. Defaults follow vLLM where vLLM
 * has one (max_num_seqs 256, block size 16, gpu_memory_utilization 0.9, chunked prefill on as in V1).
 */
const positive = z.number().positive();

/** The end-to-end SLO slack every run judges unless told otherwise (5x the unloaded latency). */
export const DEFAULT_E2E_SLACK = 5;

/** A positive count that fits the engine's 32-bit arrays with room for sums (at most MAX_TOKENS). */
const count = z.number().int().positive().max(MAX_TOKENS);

/** A period in seconds: at least MIN_PERIOD_S, so periodic events can never spin the clock. */
const period = z.number().min(MIN_PERIOD_S, `expected a period of at least ${MIN_PERIOD_S} s`);

export const WorkloadSchema = z
  .object({
    preset: z.string().optional(),
    trace: z.string().optional(),
    traceType: z.string().optional(),
    arrival: z.string().optional(),
    rate: positive.optional(),
    /** Trace replays: start at this fraction of the trace and wrap around (experiments vary it by seed). */
    rotate: z.number().min(0).lt(1).optional(),
    /** Target utilisation of the cluster's nominal capacity; sets the rate. */
    load: positive.optional(),
    numRequests: z.number().int().positive().optional(),
    durationS: positive.optional(),
    prompt: z.string().optional(),
    output: z.string().optional(),
    /** API calls per request: 'infercept' or 'infercept:TYPE,TYPE' (src/workload/apiCalls.ts). */
    apiCalls: z.string().optional(),
  })
  .strict();

export const EngineSchema = z
  .object({
    maxNumSeqs: count.default(256),
    maxBatchedTokens: count.default(8192),
    /** false: shorthand for the scheduler's prefill-first batch style (vLLM V0), e.g. `vllm:batch=prefill-first`. */
    chunkedPrefill: z.boolean().default(true),
    blockSize: count.default(16),
    gpuMemoryUtilization: z.number().gt(0).lte(1).default(0.9),
    watermark: z.number().min(0).lt(1).default(0.01),
    preemption: z.enum(['recompute', 'swap']).default('recompute'),
    /** Host memory for swapped KV per instance, GiB (vLLM swap_space, default 4). */
    swapSpaceGiB: z.number().min(0).default(4),
    /** Reuse cached prompt blocks by their hashes (vLLM automatic prefix caching; needs hashed traces). */
    prefixCaching: z.boolean().default(false),
    /** vLLM max_model_len: requests whose prompt plus output exceed it are refused (default: no limit). */
    maxModelLen: z.number().int().positive().optional(),
    /** Override the KV capacity derived from memory (blocks per instance). */
    kvBlocks: count.optional(),
  })
  .strict();

export const SimulateSchema = z
  .object({
    seed: z.number().int().min(0).default(1),
    workload: WorkloadSchema.default({}),
    instances: z.number().int().min(1).max(100_000).default(8),
    router: z.string().default('least-outstanding'),
    scheduler: z.string().default('vllm'),
    /** Output-length predictor run before routing; policies that use predictions default to 'linear'. */
    predictor: z.string().optional(),
    deployment: z.string().default('llama-2-7b/a100-80gb'),
    perfModel: z.string().default('auto'),
    engine: EngineSchema.default(EngineSchema.parse({})),
    /** Seconds between monitor reports; 0 = queue fields live at every routing decision. */
    reportIntervalS: z.union([z.literal(0), period]).default(0.05),
    /**
     * Each target keeps its default unless given: setting a TTFT target keeps the e2e slack of 5.
     * A per-request deadline (`deadline`) is an end-to-end target itself and replaces that default.
     */
    slo: z
      .object({
        ttftS: positive.optional(),
        tpotS: positive.optional(),
        e2eSlack: positive.optional(),
        /** 'gaps': each request is judged against its calibrated deadline (GAPS Eq. 2/8; docs/GAPS.md). */
        deadline: z.enum(['gaps']).optional(),
        /** Multiple of the unloaded latency of s~ in that deadline (default 5). */
        deadlineSlack: positive.optional(),
        /** Time-between-tokens target for every request without its own, seconds. */
        tbtS: positive.optional(),
        /** TBT targets by workload type, seconds (before `tbtS`). */
        tbtByType: z.record(z.string(), positive).optional(),
      })
      .strict()
      .default({ e2eSlack: DEFAULT_E2E_SLACK }),
    migration: z
      .object({ pauseS: z.number().min(0).default(0.005), moveWaitingS: z.number().min(0).default(0.0005) })
      .strict()
      .default({ pauseS: 0.005, moveWaitingS: 0.0005 }),
    check: z.boolean().default(false),
    /** Seconds between per-instance time-series samples; absent: no time series is kept. */
    timeSeriesIntervalS: period.optional(),
  })
  .strict();

export type SimulateInput = z.input<typeof SimulateSchema>;
export type SimulateConfig = Readonly<z.output<typeof SimulateSchema>>;

/** The embedded default workload: conversation-shaped, 5000 requests at 80% of nominal capacity. */
export const DEFAULT_PRESET = 'azure-conversation';
export const DEFAULT_REQUESTS = 5000;
export const DEFAULT_LOAD = 0.8;

/** Parses and validates; throws one ConfigError naming every bad key, what it expected and got. */
export function parseSimulateConfig(input: unknown, source = 'config'): SimulateConfig {
  const r = SimulateSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid ${source}:\n${lines.join('\n')}`);
  }
  const w = r.data.workload;
  if (w.rate !== undefined && w.load !== undefined) {
    throw new ConfigError(`invalid ${source}: workload.rate and workload.load are exclusive; give one`);
  }
  if (w.preset !== undefined && w.trace !== undefined) {
    throw new ConfigError(`invalid ${source}: workload.preset and workload.trace are exclusive; give one`);
  }
  // A synthetic preset has no natural end or rate: give it the embedded defaults.
  const workload = { ...w };
  if (workload.trace === undefined && workload.preset === undefined) workload.preset = DEFAULT_PRESET;
  if (workload.preset !== undefined) {
    if (workload.numRequests === undefined && workload.durationS === undefined) workload.numRequests = DEFAULT_REQUESTS;
    if (workload.rate === undefined && workload.load === undefined) workload.load = DEFAULT_LOAD;
  }
  const slo = { ...r.data.slo };
  if (slo.e2eSlack === undefined && slo.deadline === undefined) slo.e2eSlack = DEFAULT_E2E_SLACK;
  return deepFreeze({ ...r.data, workload, slo });
}

/** Freezes an object and everything reachable from it, so a parsed config cannot be edited past its checks. */
export function deepFreeze<T>(value: T): Readonly<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
