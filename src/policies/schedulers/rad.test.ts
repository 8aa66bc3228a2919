import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchShape } from '../../model/perfModel.js';
import { runScheduler } from '../../../test/schedulerHarness.js';

test('rad prefills in whole tiles; only a prompt\'s last chunk may be shorter', () => {
  for (const tile of [128, 256]) {
    const specs = [
      { arrival: 0, promptTokens: 40, outputTokens: 100, type: 't' },
      { arrival: 0, promptTokens: 40, outputTokens: 100, type: 't' },
      { arrival: 0.02, promptTokens: 5000, outputTokens: 2, type: 't' },
    ];
    const shapes: BatchShape[] = [];
    runScheduler({ scheduler: `rad:${tile},budget=1000`, shapes }, specs);
    const big = shapes.filter((s) => s.prefillTokens > 40 && s.prefillSeqs === 1);
    const full = big.filter((s) => s.prefillTokens % tile !== 0);
    assert.ok(big.length >= 4, `the long prompt is chunked (${big.length} chunks)`);
    assert.ok(full.length <= 1, `at most the last chunk is not a multiple of ${tile}: ${big.map((s) => s.prefillTokens).join(',')}`);
    assert.ok(shapes.every((s) => s.prefillTokens + s.decodeSeqs <= 1000));
  }
});

test('rad gives decodes their share of the budget by backlog: a huge prefill backlog takes most of it', () => {
  const specs = [];
  for (let i = 0; i < 40; i++) specs.push({ arrival: 0, promptTokens: 16, outputTokens: 3, type: 'short' });
  for (let i = 0; i < 10; i++) specs.push({ arrival: 0.1, promptTokens: 8000, outputTokens: 2, type: 'long' });
  const shapes: BatchShape[] = [];
  runScheduler({ scheduler: 'rad:128,budget=512', shapes }, specs);
  assert.ok(shapes.some((s) => s.prefillTokens > 0 && s.decodeSeqs > 0 && s.decodeSeqs < 40), 'decodes yield to the prefill backlog');
});
