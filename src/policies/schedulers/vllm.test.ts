import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchShape } from '../../model/perfModel.js';
import { runScheduler } from '../../../test/schedulerHarness.js';

test('vllm (V1) chunks a long prompt beside running decodes; vllm-v0 runs it alone, prefill first', () => {
  const specs = [
    { arrival: 0, promptTokens: 100, outputTokens: 40, type: 't' },
    { arrival: 0.05, promptTokens: 3000, outputTokens: 2, type: 't' },
  ];
  const v1: BatchShape[] = [];
  runScheduler({ scheduler: 'vllm', instance: { maxBatchedTokens: 1024 }, shapes: v1 }, specs);
  const mixed = v1.filter((s) => s.prefillTokens > 0 && s.decodeSeqs > 0);
  assert.ok(mixed.length >= 3, `V1 mixes the long prompt's chunks with the decode: ${mixed.length} mixed iterations`);
  assert.ok(v1.every((s) => s.prefillTokens + s.decodeSeqs <= 1024), 'V1 respects the token budget');
  const v0: BatchShape[] = [];
  runScheduler({ scheduler: 'vllm-v0', instance: { maxBatchedTokens: 1024 }, shapes: v0 }, specs);
  assert.ok(v0.every((s) => s.prefillTokens === 0 || s.decodeSeqs === 0), 'V0 never mixes');
  assert.ok(v0.some((s) => s.prefillTokens === 3000), 'V0 prefills the over-long prompt whole, alone');
});

test('vllm preempts the most recently admitted request first when KV runs short', () => {
  // Two requests that cannot both grow to completion in 40 blocks: the later one yields.
  const specs = [
    { arrival: 0, promptTokens: 160, outputTokens: 300, type: 't' },
    { arrival: 0.001, promptTokens: 160, outputTokens: 300, type: 't' },
  ];
  const res = runScheduler({ scheduler: 'vllm', instance: { kvBlocks: 40 } }, specs);
  assert.equal(res.table.preemptions[0], 0, 'the first admitted keeps its place');
  assert.ok((res.table.preemptions[1] as number) > 0, 'the newest is preempted');
});
