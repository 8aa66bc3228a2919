import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addPrefillChunk, emptyShape } from '../model/perfModel.js';
import { LinearPerfModel } from './linear.js';

test('linear model: each coefficient multiplies its feature', () => {
  const s = emptyShape();
  addPrefillChunk(s, 10, 4); // 4 tokens, pairs 4*10 + 10 = 50
  s.decodeSeqs = 3;
  s.decodeContextTokens = 300;
  const m = new LinearPerfModel(0.01, 1e-3, 1e-4, 1e-6, 1e-7);
  assert.equal(m.iterationTime(s), 0.01 + 1e-3 * 4 + 1e-4 * 3 + 1e-6 * 300 + 1e-7 * 50);
  assert.equal(new LinearPerfModel(0.05).iterationTime(s), 0.05, 'constant time per iteration');
});
