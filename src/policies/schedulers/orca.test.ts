import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchShape } from '../../model/perfModel.js';
import { runScheduler } from '../../../test/schedulerHarness.js';

test('orca prefills each prompt whole beside the running decodes (no chunking)', () => {
  const specs = [
    { arrival: 0, promptTokens: 50, outputTokens: 60, type: 't' },
    { arrival: 0.05, promptTokens: 1500, outputTokens: 3, type: 't' },
    { arrival: 0.06, promptTokens: 300, outputTokens: 3, type: 't' },
  ];
  const shapes: BatchShape[] = [];
  runScheduler({ scheduler: 'orca', instance: { maxBatchedTokens: 1024 }, shapes }, specs);
  const prefills = shapes.filter((s) => s.prefillTokens > 0).map((s) => s.prefillTokens);
  assert.ok(prefills.includes(1500), `the over-long prompt runs whole: ${prefills.join(',')}`);
  assert.ok(shapes.some((s) => s.prefillTokens === 1500 && s.decodeSeqs === 1), 'beside the running decode');
  assert.ok(prefills.every((p) => p === 50 || p === 1500 || p === 300 || p === 1800), `no partial chunks: ${prefills.join(',')}`);
});
