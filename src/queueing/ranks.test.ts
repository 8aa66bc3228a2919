import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { rankFunctions, type RankFn } from './ranks.js';

/** Sorts requests the way the instance scheduler is meant to: by (rank, arrival). */
function order(fn: RankFn, reqs: { id: string; y: number; a: number; t: number }[]): string[] {
  return [...reqs]
    .sort((p, q) => fn(p.y, p.a, p.t) - fn(q.y, q.a, q.t) || p.t - q.t)
    .map((r) => r.id);
}

const reqs = [
  { id: 'old-long', y: 10, a: 6, t: 0 },
  { id: 'mid-short', y: 2, a: 0, t: 1 },
  { id: 'new-tiny', y: 1, a: 0, t: 2 },
  { id: 'overdue', y: 3, a: 7, t: 0.5 },
];

test('each registered rank orders a queue as its policy says', () => {
  assert.deepEqual(order(rankFunctions.get('fifo')(), reqs), ['old-long', 'overdue', 'mid-short', 'new-tiny']);
  assert.deepEqual(order(rankFunctions.get('spjf')(), reqs), ['new-tiny', 'mid-short', 'overdue', 'old-long']);
  // Predicted remaining: 4, 2, 1, -4: the overdue request can no longer be displaced.
  assert.deepEqual(order(rankFunctions.get('sprpt')(), reqs), ['overdue', 'new-tiny', 'mid-short', 'old-long']);
  // Bounce: |3 - 7| = 4 sends the overdue request back behind the short ones.
  assert.deepEqual(order(rankFunctions.get('sprpt-bounce')(), reqs), ['new-tiny', 'mid-short', 'old-long', 'overdue']);
  // 1-bit at T = 2.5: short ones (2, 1) first in arrival order, then long ones in arrival order.
  assert.deepEqual(order(rankFunctions.get('1bit')(2.5), reqs), ['mid-short', 'new-tiny', 'old-long', 'overdue']);
});

test('the bounce rank falls to 0 at the prediction and rises after it', () => {
  const r = rankFunctions.get('sprpt-bounce')();
  assert.deepEqual([0, 2, 4, 6, 8].map((a) => r(4, a, 0)), [4, 2, 0, 2, 4]);
});

test('parameters are validated and unknown names list the valid ones', () => {
  assert.throws(() => rankFunctions.get('1bit')(), ConfigError);
  assert.throws(() => rankFunctions.get('1bit')(-1), ConfigError);
  assert.throws(() => rankFunctions.get('fifo')(3), ConfigError);
  assert.throws(() => rankFunctions.get('srpt'), /valid: fifo, spjf, sprpt, sprpt-bounce, 1bit/);
});
