import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchShape } from '../../model/perfModel.js';
import { runScheduler } from '../../../test/schedulerHarness.js';

test('sarathi keeps every iteration within its token budget and never pauses a decode for a prefill', () => {
  const specs = [
    { arrival: 0, promptTokens: 64, outputTokens: 80, type: 't' },
    { arrival: 0.02, promptTokens: 4000, outputTokens: 2, type: 't' },
  ];
  for (const budget of [512, 2048]) {
    const shapes: BatchShape[] = [];
    runScheduler({ scheduler: `sarathi:${budget}`, shapes }, specs);
    assert.ok(shapes.every((s) => s.prefillTokens + s.decodeSeqs <= budget), `budget ${budget} holds`);
    const chunks = shapes.filter((s) => s.prefillTokens > 0 && s.decodeSeqs > 0).length;
    assert.ok(chunks >= Math.floor(4000 / budget) - 1, `the long prompt is chunked beside the decode (${chunks} mixed iterations at ${budget})`);
  }
});
