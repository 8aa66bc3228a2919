import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Bucket edges of vLLM v1's latency histograms (seconds). */
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
const E2E_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

export interface EngineGauges {
  readonly waiting: number;
  readonly running: number;
  readonly kvUsage: number;
}

/**
 * The emulator's /metrics with vLLM v1's names and meanings: queue gauges, KV usage as a fraction in
 * [0, 1], cache_config_info carrying the block size and count as labels, TTFT and end-to-end
 * latency histograms, token and request counters. One registry per emulator (tests run several).
 */
export class VllmMetrics {
  readonly registry = new Registry();
  readonly ttft: Histogram;
  readonly e2e: Histogram;
  readonly promptTokens: Counter;
  readonly generationTokens: Counter;
  readonly success: Counter;
  readonly preemptions: Counter;

  constructor(modelName: string, gauges: () => EngineGauges, kvBlocks: number, blockSize: number) {
    const r = this.registry;
    const labelNames = ['model_name'] as const;
    r.setDefaultLabels({ model_name: modelName });
    new Gauge({ name: 'vllm:num_requests_running', help: 'Number of requests in model execution batches.', registers: [r], collect() { this.set(gauges().running); } });
    new Gauge({ name: 'vllm:num_requests_waiting', help: 'Number of requests waiting to be processed.', registers: [r], collect() { this.set(gauges().waiting); } });
    new Gauge({ name: 'vllm:kv_cache_usage_perc', help: 'KV-cache usage. 1 means 100 percent usage.', registers: [r], collect() { this.set(gauges().kvUsage); } });
    const info = new Gauge({ name: 'vllm:cache_config_info', help: 'Information of the KV cache config.', labelNames: ['block_size', 'num_gpu_blocks'], registers: [r] });
    info.set({ block_size: String(blockSize), num_gpu_blocks: String(kvBlocks) }, 1);
    this.ttft = new Histogram({ name: 'vllm:time_to_first_token_seconds', help: 'Histogram of time to first token in seconds.', buckets: TTFT_BUCKETS, registers: [r], labelNames });
    this.e2e = new Histogram({ name: 'vllm:e2e_request_latency_seconds', help: 'Histogram of end to end request latency in seconds.', buckets: E2E_BUCKETS, registers: [r], labelNames });
    this.promptTokens = new Counter({ name: 'vllm:prompt_tokens_total', help: 'Number of prefill tokens processed.', registers: [r] });
    this.generationTokens = new Counter({ name: 'vllm:generation_tokens_total', help: 'Number of generation tokens processed.', registers: [r] });
    this.success = new Counter({ name: 'vllm:request_success_total', help: 'Count of successfully processed requests.', labelNames: ['finished_reason'], registers: [r] });
    this.preemptions = new Counter({ name: 'vllm:num_preemptions_total', help: 'Cumulative number of preemptions from the engine.', registers: [r] });
  }
}
