import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { postJson } from '../testCluster.js';
import { Emulator, type RunningServer } from './server.js';

let e: Emulator;
let s: RunningServer;
before(async () => {
  e = new Emulator({ deployment: 'llama-2-7b/a100-80gb', timeScale: 4, engine: { kvBlocks: 64 }, adminKeys: ['adm'] });
  s = await e.listen(0);
});
after(() => s.close());

test('emulator: vLLM v1 metric names with their meanings', async () => {
  const r = await postJson(`${s.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'one two three' }], max_tokens: 7 });
  const body = JSON.parse(r.text);
  assert.equal(body.object, 'chat.completion');
  assert.deepEqual(body.usage, { prompt_tokens: 3, completion_tokens: 7, total_tokens: 10 });
  assert.equal(body.choices[0].message.content.trim().split(' ').length, 7);
  const after = await (await fetch(`${s.url}/metrics`)).text();
    for (const name of ['vllm:num_requests_running', 'vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc', 'vllm:time_to_first_token_seconds_bucket', 'vllm:e2e_request_latency_seconds_bucket', 'vllm:generation_tokens_total']) {
    assert.ok(after.includes(name), name);
  }
  assert.match(after, /vllm:cache_config_info\{block_size="16",num_gpu_blocks="64"/);
  assert.match(after, /vllm:generation_tokens_total\{model_name="[^"]+"\} 7/);
  assert.match(after, /vllm:request_success_total\{finished_reason="length",model_name="[^"]+"\} 1/);
});

test('emulator: KV usage rises while a request holds blocks; a prompt larger than the KV cache is refused', async () => {
  const pending = postJson(`${s.url}/v1/completions`, { prompt: new Array(600).fill(1), max_tokens: 40 });
  let peak = 0;
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 5));
    const m = await (await fetch(`${s.url}/metrics`)).text();
    peak = Math.max(peak, Number(/vllm:kv_cache_usage_perc\{[^}]*\} ([0-9.e-]+)/.exec(m)?.[1] ?? 0));
  }
  assert.equal((await pending).status, 200);
  assert.ok(peak >= 600 / 16 / 64 - 1e-9, `600-token prompt on 64 blocks of 16: usage peaked at ${peak}`);
  const big = await postJson(`${s.url}/v1/completions`, { prompt: new Array(2000).fill(1), max_tokens: 2 });
  assert.equal(big.status, 400);
  assert.match(JSON.parse(big.text).error.message, /does not fit/);
});

test('emulator: unknown model 404; admin needs its key; fault fields are validated', async () => {
  assert.equal((await postJson(`${s.url}/v1/completions`, { model: 'nope', prompt: 'x' })).status, 404);
  assert.equal((await postJson(`${s.url}/admin/faults`, { slowdown: 2 })).status, 401);
  const bad = await postJson(`${s.url}/admin/faults`, { errorRate: 3 }, { authorization: 'Bearer adm' });
  assert.equal(bad.status, 400);
  assert.equal(JSON.parse(bad.text).error.param, 'errorRate');
});
