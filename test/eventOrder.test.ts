import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/kernel/rng.js';
import type { RequestSpec } from '../src/model/request.js';
import { routers } from '../src/policies/routers/registry.js';
import { clusterConfig, linearPerf, run } from './helpers.js';

// The order of simultaneous events (src/sim/simulation.ts, "Event kinds, and their phases"), seen
// from outside: every iteration takes exactly 0.5 s, so event times coincide exactly.
const lo = (n: number) => routers.get('least-outstanding')({ rng: new Rng('order'), arg: undefined, numInstances: n });
const req = (arrival: number, promptTokens = 10, outputTokens = 3): RequestSpec => ({ arrival, promptTokens, outputTokens, type: 'test' });

test('simultaneous arrivals at an idle instance share its first batch (arrivals before the start)', () => {
  const res = run(clusterConfig(lo(1), { perf: linearPerf(0.5) }), [req(1), req(1), req(1)][Symbol.iterator]());
  for (let id = 0; id < 3; id++) {
    assert.equal(res.table.firstScheduled[id], 1, `request ${id} scheduled at once`);
    assert.equal(res.table.firstToken[id], 1.5, `request ${id} prefilled in the first batch`);
  }
});

test('an iteration that ends when a request arrives starts the next batch before the arrival is seen', () => {
  // Request 0 runs 0-0.5 (prefill), 0.5-1 and 1-1.5 (decodes). Request 1 arrives at 0.5 exactly: the
  // iteration end runs first and starts the next iteration at once, so request 1 waits for 1.0.
  const res = run(clusterConfig(lo(1), { perf: linearPerf(0.5) }), [req(0), req(0.5)][Symbol.iterator]());
  assert.equal(res.table.firstToken[0], 0.5);
  assert.equal(res.table.firstScheduled[1], 1);
  assert.equal(res.table.firstToken[1], 1.5);
  assert.equal(res.table.completion[0], 1.5);
});

test('lockstep instances (iteration ends coinciding every 0.5 s): repeatable, on the grid, placed by outstanding count', () => {
  // Four instances whose iteration ends coincide at every 0.5 s, with arrivals at the same instants.
  const work = () => [0, 0, 0, 0, 0.5, 0.5, 1, 1, 1, 1].map((a) => req(a, 10, 4))[Symbol.iterator]();
  const a = run(clusterConfig(lo(4), { numInstances: 4, perf: linearPerf(0.5) }), work());
  const b = run(clusterConfig(lo(4), { numInstances: 4, perf: linearPerf(0.5) }), work());
  for (let id = 0; id < a.table.count; id++) {
    assert.equal(a.table.instance[id], b.table.instance[id]);
    assert.equal(a.table.completion[id], b.table.completion[id]);
    assert.equal(((a.table.completion[id] as number) * 2) % 1, 0, `request ${id} completes on the grid`);
  }
  // Least outstanding, ties to the lowest id: 0-3 spread; at 0.5 two join instances 0 and 1; at 1.0
  // (nothing completed yet) instances 2 and 3 first, then 0 and 1.
  assert.deepEqual(Array.from(a.table.instance.subarray(0, 10)), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
});
