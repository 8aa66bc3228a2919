import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSnapshot, signalAdapters, unknownSnapshot } from './signals.js';

const read = (text: string, engine = 'auto') => {
  const s = unknownSnapshot();
  readSnapshot(text, signalAdapters.get(engine), s);
  return s;
};

test('vLLM v1 gauges are read, summed over model names, with KV capacity from cache_config_info', () => {
  const s = read(
    [
      '# TYPE vllm:num_requests_waiting gauge',
      'vllm:num_requests_waiting{model_name="a"} 3',
      'vllm:num_requests_waiting{model_name="b"} 2',
      'vllm:num_requests_running{model_name="a"} 7',
      'vllm:kv_cache_usage_perc{model_name="a"} 0.25',
      'vllm:cache_config_info{block_size="16",num_gpu_blocks="4096"} 1',
    ].join('\n'),
  );
  assert.deepEqual(s, { waiting: 5, running: 7, kvUsage: 0.25, kvTotalBlocks: 4096, kvBlockSize: 16 });
});

test('vLLM falls back to the deprecated gpu_cache_usage_perc; an absent gauge is unknown, not 0', () => {
  const s = read('vllm:num_requests_running 1\nvllm:gpu_cache_usage_perc 0.5\n', 'vllm');
  assert.equal(s.kvUsage, 0.5);
  assert.equal(s.running, 1);
  assert.ok(Number.isNaN(s.waiting));
  assert.ok(Number.isNaN(s.kvTotalBlocks));
});

test('SGLang, TGI and llama.cpp are detected by their metric names', () => {
  assert.deepEqual(
    { ...read('sglang:num_queue_reqs 4\nsglang:num_running_reqs 9\nsglang:token_usage 0.7\n') },
    { waiting: 4, running: 9, kvUsage: 0.7, kvTotalBlocks: Number.NaN, kvBlockSize: Number.NaN },
  );
  const t = read('tgi_queue_size 2\ntgi_batch_current_size 6\n');
  assert.equal(t.waiting, 2);
  assert.equal(t.running, 6);
  assert.ok(Number.isNaN(t.kvUsage), 'TGI exports no KV gauge: unknown');
  const l = read('llamacpp:requests_processing 1\nllamacpp:requests_deferred 3\nllamacpp:kv_cache_usage_ratio 0.1\n');
  assert.deepEqual([l.waiting, l.running, l.kvUsage], [3, 1, 0.1]);
  const none = read('process_cpu_seconds_total 12\n');
  assert.ok(Number.isNaN(none.waiting) && Number.isNaN(none.running) && Number.isNaN(none.kvUsage));
});
