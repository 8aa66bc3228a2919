import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { ConfigError } from '../core/errors.js';
import { Registry } from '../core/registry.js';

/**
 * What a backend's /metrics says about its load. NaN means unknown (the gauge is absent or
 * unparsable), never 0: an absent gauge is not an idle engine.
 */
export interface SignalSnapshot {
  waiting: number;
  running: number;
  /** KV-cache usage as a fraction in [0, 1]. */
  kvUsage: number;
  /** KV blocks of the engine, when it says (vLLM's cache_config_info). */
  kvTotalBlocks: number;
  kvBlockSize: number;
}

export function unknownSnapshot(): SignalSnapshot {
  return { waiting: Number.NaN, running: Number.NaN, kvUsage: Number.NaN, kvTotalBlocks: Number.NaN, kvBlockSize: Number.NaN };
}

/** Metric values by name: the sum over label sets (one engine may serve several model names). */
export type MetricValues = ReadonlyMap<string, number>;
/** Labels of info-style metrics (`..._info{...} 1`) by name: the first sample's labels. */
export type MetricLabels = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** Parses Prometheus text exposition format; gauges and counters only (histograms are skipped). */
export function parseMetrics(text: string): { values: MetricValues; labels: MetricLabels } {
  const values = new Map<string, number>();
  const labels = new Map<string, Readonly<Record<string, string>>>();
  // The parser drops a last line that has no newline after it.
  for (const fam of parsePrometheusTextFormat(text.endsWith('\n') ? text : `${text}\n`)) {
    let sum = 0;
    let any = false;
    for (const m of fam.metrics) {
      if (m.value === undefined) continue;
      const x = Number(m.value);
      if (!Number.isFinite(x)) continue;
      sum += x;
      any = true;
      if (m.labels && !labels.has(fam.name)) labels.set(fam.name, m.labels);
    }
    if (any) values.set(fam.name, sum);
  }
  return { values, labels };
}

/** Reads one engine family's metric names into a snapshot. */
export interface SignalAdapter {
  /** True when this text looks like the adapter's engine (for `auto`). */
  detect(values: MetricValues): boolean;
  read(values: MetricValues, labels: MetricLabels, out: SignalSnapshot): void;
}

const get = (v: MetricValues, ...names: string[]): number => {
  for (const n of names) {
    const x = v.get(n);
    if (x !== undefined) return x;
  }
  return Number.NaN;
};

const num = (s: string | undefined): number => (s === undefined ? Number.NaN : Number(s));

const vllm: SignalAdapter = {
  detect: (v) => v.has('vllm:num_requests_running') || v.has('vllm:num_requests_waiting'),
  read(v, l, out) {
    out.waiting = get(v, 'vllm:num_requests_waiting');
    out.running = get(v, 'vllm:num_requests_running');
    // v1 name first; vLLM V0 (and early V1) exported the same fraction as gpu_cache_usage_perc.
    out.kvUsage = get(v, 'vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc');
    const info = l.get('vllm:cache_config_info');
    out.kvTotalBlocks = num(info?.num_gpu_blocks);
    out.kvBlockSize = num(info?.block_size);
  },
};

const sglang: SignalAdapter = {
  detect: (v) => v.has('sglang:num_running_reqs'),
  read(v, _l, out) {
    out.waiting = get(v, 'sglang:num_queue_reqs');
    out.running = get(v, 'sglang:num_running_reqs');
    out.kvUsage = get(v, 'sglang:token_usage');
  },
};

/** Text Generation Inference: queue and batch sizes; it exports no KV usage (unknown). */
const tgi: SignalAdapter = {
  detect: (v) => v.has('tgi_queue_size') || v.has('tgi_batch_current_size'),
  read(v, _l, out) {
    out.waiting = get(v, 'tgi_queue_size');
    out.running = get(v, 'tgi_batch_current_size');
  },
};

/** llama.cpp server (--metrics): deferred = waiting, processing = running. */
const llamacpp: SignalAdapter = {
  detect: (v) => v.has('llamacpp:requests_processing'),
  read(v, _l, out) {
    out.waiting = get(v, 'llamacpp:requests_deferred');
    out.running = get(v, 'llamacpp:requests_processing');
    out.kvUsage = get(v, 'llamacpp:kv_cache_usage_ratio');
  },
};

const ORDER = [vllm, sglang, tgi, llamacpp];

const auto: SignalAdapter = {
  detect: (v) => ORDER.some((a) => a.detect(v)),
  read(v, l, out) {
    const a = ORDER.find((x) => x.detect(v));
    if (a) a.read(v, l, out);
  },
};

/** Engine metric adapters by `--engine` name. */
export const signalAdapters = new Registry<SignalAdapter>('engine metrics adapter')
  .register('auto', auto, 'detect from the metric names (default)')
  .register('vllm', vllm, 'vLLM v1: vllm:num_requests_waiting/running, vllm:kv_cache_usage_perc (falls back to gpu_cache_usage_perc)')
  .register('sglang', sglang, 'SGLang: sglang:num_queue_reqs, sglang:num_running_reqs, sglang:token_usage')
  .register('tgi', tgi, 'TGI: tgi_queue_size, tgi_batch_current_size (no KV gauge)')
  .register('llamacpp', llamacpp, 'llama.cpp: llamacpp:requests_deferred/processing, llamacpp:kv_cache_usage_ratio');

/** Parses a scrape into `out` (every field it cannot find becomes NaN). */
export function readSnapshot(text: string, adapter: SignalAdapter, out: SignalSnapshot): void {
  let parsed: ReturnType<typeof parseMetrics>;
  try {
    parsed = parseMetrics(text);
  } catch (e) {
    throw new ConfigError(`unparsable Prometheus text: ${(e as Error).message}`);
  }
  Object.assign(out, unknownSnapshot());
  adapter.read(parsed.values, parsed.labels, out);
}
