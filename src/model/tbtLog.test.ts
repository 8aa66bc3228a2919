import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TbtLog } from './tbtLog.js';

test('records (gap, multiplicity) pairs across chunks, skipping empty ones', () => {
  const log = new TbtLog();
  const n = 200_000; // several chunks
  for (let i = 0; i < n; i++) log.add(i / 1000, i % 5);
  const kept = n - n / 5;
  assert.equal(log.size, kept);
  let total = 0;
  let entries = 0;
  for (const s of log.segments()) {
    entries += s.length;
    for (let i = 0; i < s.length; i++) total += s.weights[i] as number;
  }
  assert.equal(entries, kept);
  assert.equal(total, (n / 5) * (1 + 2 + 3 + 4));
  assert.equal(log.gaps.length, kept);
  assert.equal(log.gaps[0], 0.001);
  assert.equal(log.counts[0], 1);
});

test('a multiplicity above 8 bits is split into several entries of the same gap', () => {
  const log = new TbtLog();
  log.add(0.5, 600);
  assert.deepEqual(Array.from(log.counts), [255, 255, 90]);
  assert.deepEqual(Array.from(log.gaps), [0.5, 0.5, 0.5]);
});
