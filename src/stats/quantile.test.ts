import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../kernel/rng.js';
import { distribution, quantileSorted, weightedDistribution } from './quantile.js';

test('type-7 quantiles match hand-computed values', () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([1, 2, 3, 4], 1), 4);
  assert.equal(quantileSorted([5], 0.99), 5);
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
  const d = distribution([10, 0, 5]);
  assert.equal(d.mean, 5);
  assert.equal(d.p50, 5);
  assert.equal(d.p90, 9);
});

test('weighted quantiles equal the quantiles of the expanded sample', () => {
  const rng = new Rng('wq');
  for (let round = 0; round < 20; round++) {
    const n = 1 + rng.int(200);
    const vals: number[] = [];
    const ws: number[] = [];
    const expanded: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = rng.int(30) / 7; // many ties
      const w = rng.int(5); // zero weights too
      vals.push(v);
      ws.push(w);
      for (let k = 0; k < w; k++) expanded.push(v);
    }
    if (expanded.length === 0) continue;
    const a = weightedDistribution(vals, ws);
    const b = distribution(expanded);
    for (const key of ['p50', 'p90', 'p95', 'p99'] as const) assert.ok(Math.abs(a[key] - b[key]) < 1e-12, `${key}: ${a[key]} vs ${b[key]}`);
    assert.ok(Math.abs(a.mean - b.mean) < 1e-9);
  }
});

test('radix sort with weights orders negative, zero and positive values and keeps pairs', async () => {
  const { sortWithWeights } = await import('./quantile.js');
  const vals = [3.5, -1, 0, -0.25, 1e-12, 2, -1e9, 3.5];
  const ws = [1, 2, 3, 4, 5, 6, 7, 8];
  const { sorted, w } = sortWithWeights(vals, ws);
  assert.deepEqual(Array.from(sorted), [-1e9, -1, -0.25, 0, 1e-12, 2, 3.5, 3.5]);
  assert.deepEqual(Array.from(w), [7, 2, 4, 3, 5, 6, 1, 8]);
});
