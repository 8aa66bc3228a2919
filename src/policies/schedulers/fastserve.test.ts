import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastServeScheduler } from './fastserve.js';
import { lognormalWorkload, meanE2e, runScheduler } from '../../../test/schedulerHarness.js';

test('fastserve (skip-join MLFQ) beats FCFS in mean latency under heavy-tailed outputs', () => {
  // Lognormal outputs (median 12, sigma 1.5: mean about 37): least attained service first wins when
  // the hazard decreases; with memoryless (geometric) outputs MLFQ could not beat FCFS.
  const specs = lognormalWorkload('mlfq', 4, 5000, 12, 1.5);
  const perf = { name: 'c', iterationTime: () => 0.01 };
  const fcfs = meanE2e(runScheduler({ scheduler: 'vllm', instance: { maxNumSeqs: 2 }, perf }, specs));
  const mlfq = meanE2e(runScheduler({ scheduler: 'fastserve', instance: { maxNumSeqs: 2 }, perf }, specs));
  assert.ok(mlfq < 0.8 * fcfs, `fastserve ${mlfq} vs fcfs ${fcfs}`);
});

test('fastserve demotes by attained service, promotes the starved, and swaps its victims', () => {
  const p = fastServeScheduler({ levels: 8, promoteS: 5 });
  const f = (id: number, generated: number, waited: number) => ({ id, promptTokens: 10, generatedTokens: generated, waitedS: waited, arrival: 0 }) as Parameters<typeof p.rank>[0];
  assert.ok(p.rank(f(1, 0, 0), 0) < p.rank(f(2, 200, 0), 0), 'a request that used its quanta sinks');
  const sunk = p.rank(f(3, 200, 0), 10);
  const promoted = p.rank(f(3, 200, 6), 16);
  assert.ok(promoted < sunk, 'waiting past the bound promotes it');
  assert.ok(p.rank(f(3, 260, 0), 30) > promoted, 'and it is demoted again from the top as it runs');
  assert.equal(p.victimRank?.(f(4, 0, 0), 0), 0, 'victims are compared by level only');
  assert.equal(p.preemptMode?.(f(0, 0, 0)), 'swap');
  assert.equal(p.preemptive, true);
});
