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
  assert.equal(p.preemptMode?.(f(0, 0, 0)), 'swap', 'offload defaults to eager in the constructor (the registry defaults to lazy)');
  assert.equal(p.preemptive, true);
});

test('fastserve keeps a displaced request\'s KV on the GPU and offloads it only when memory runs short', () => {
  // Costly PCIe (2 ms a block): eager offload pays two copies per displacement, lazy pays none while KV has room.
  const specs = lognormalWorkload('offload', 4, 3000, 12, 1.5);
  const perf = { name: 'c', iterationTime: () => 0.01 };
  const instance = { maxNumSeqs: 2, hostKvBlocks: 100_000, swapSecondsPerBlock: 0.002 };
  const lazy = runScheduler({ scheduler: 'fastserve', instance, perf }, specs);
  const eager = runScheduler({ scheduler: 'fastserve:offload=eager', instance, perf }, specs);
  assert.ok(meanE2e(lazy) < 0.9 * meanE2e(eager), `lazy ${meanE2e(lazy)} vs eager ${meanE2e(eager)}`);
  // Scarce KV: kept KV must be evicted; with host room it goes there (the run checks KV conservation, host included).
  const scarce = runScheduler({ scheduler: 'fastserve', instance: { ...instance, kvBlocks: 40 }, perf }, specs.slice(0, 600));
  assert.equal(scarce.table.count, 600);
  assert.equal(fastServeScheduler({ levels: 8, promoteS: 5, offload: 'lazy' }).swapsKeptKv, true);
});

test('fastserve repromote=1 promotes a request each time it starves, not once', () => {
  const once = fastServeScheduler({ levels: 8, promoteS: 5 });
  const again = fastServeScheduler({ levels: 8, promoteS: 5, repromote: true });
  const f = (generated: number, waited: number) => ({ id: 7, promptTokens: 10, generatedTokens: generated, waitedS: waited, arrival: 0 }) as Parameters<typeof once.rank>[0];
  for (const p of [once, again]) {
    p.rank(f(200, 0), 0);
    assert.ok(p.rank(f(200, 6), 6) < 1e9, 'first starvation: promoted to the top level');
    assert.ok(p.rank(f(460, 0), 20) >= 1e9, 'demoted again as it runs');
  }
  assert.ok(once.rank(f(460, 6), 30) >= 1e9, 'once: a second starvation is not promoted');
  assert.ok(again.rank(f(460, 6), 30) < 1e9, 'repromote: promoted again');
});
