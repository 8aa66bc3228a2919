import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestFacts } from '../../model/batchPolicy.js';
import { ltrScheduler } from './ltr.js';

test('ltr orders by score and lets a request that waited past the bound go first', () => {
  const p = ltrScheduler(5);
  const f = (score: number, waited: number, arrival = 0) => ({ predictedOutputTokens: score, waitedS: waited, arrival }) as RequestFacts;
  assert.ok(p.rank(f(10, 0), 0) < p.rank(f(500, 0), 0), 'smaller score first');
  assert.ok(p.rank(f(5000, 6, 1), 0) < p.rank(f(1, 0), 0), 'a starved request overtakes every scored one');
  assert.ok(p.rank(f(5000, 6, 1), 0) < p.rank(f(1, 7, 2), 0), 'starved requests go oldest first');
  assert.equal(p.dynamicRank, true, 'waiting time changes ranks, so the queue is re-ranked every iteration');
});
