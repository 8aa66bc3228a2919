import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomStreams } from '../kernel/rng.js';
import { routers } from '../policies/routers/registry.js';
import { NO_INSTANCE } from '../policies/routers/router.js';
import { buildPolicy } from '../run/simulate.js';
import type { BatchShape } from '../model/perfModel.js';
import { BackendState } from './backend.js';
import { LiveClusterView } from './liveView.js';

function backends(n: number): BackendState[] {
  return Array.from({ length: n }, (_, i) => new BackendState(i, `http://127.0.0.1:${9000 + i}`));
}

test('fresh gauges pass through; stale or absent ones fall back to the router\'s own counts', () => {
  const bs = backends(3);
  const [a, b, c] = bs as [BackendState, BackendState, BackendState];
  Object.assign(a.snapshot, { waiting: 4, running: 6, kvUsage: 0.5, kvTotalBlocks: 2000, kvBlockSize: 16 });
  a.reportTime = 9.9;
  Object.assign(b.snapshot, { waiting: 1, running: 1, kvUsage: 0.9 });
  b.reportTime = 5; // stale at now = 10 with staleAfter 1
  b.outstanding = 3;
  c.reportTime = 9.95; // fresh, but its engine exports no KV gauge
  Object.assign(c.snapshot, { waiting: 0, running: 2 });
  c.pendingPromptTokens = 700;
  const v = new LiveClusterView(bs, 1).refresh(10);
  const [va, vb, vc] = v.instances as [typeof v.instances[0], typeof v.instances[0], typeof v.instances[0]];
  assert.equal(v.now, 10);
  assert.deepEqual([va.waiting, va.running, va.kvUsage, va.kvUsedBlocks, va.kvTotalBlocks], [4, 6, 0.5, 1000, 2000]);
  assert.deepEqual([vb.waiting, vb.running, vb.outstanding], [0, 3, 3], 'stale queues: the router\'s in-flight count');
  assert.equal(vb.kvUsage, 0.5, 'stale KV: the mean of the fresh known ones (only a)');
  assert.equal(vc.kvUsage, 0.5, 'absent KV gauge: the same fallback, not 0');
  assert.equal(vc.waitingPromptTokens, 700);
});

test('draining, cooling-down and excluded backends are unavailable', () => {
  const bs = backends(3);
  (bs[0] as BackendState).draining = true;
  (bs[1] as BackendState).downUntil = 20;
  const view = new LiveClusterView(bs, 1);
  assert.deepEqual(view.refresh(10).instances.map((x) => x.available), [false, false, true]);
  assert.deepEqual(view.refresh(10, new Set([2])).instances.map((x) => x.available), [false, false, false]);
  assert.deepEqual(view.refresh(21).instances.map((x) => x.available), [false, true, true]);
});

test('every registered mixed-instance router runs unchanged on the live view: never an unavailable backend, NO_INSTANCE when none', () => {
  const perf = { name: 'flat', iterationTime: (s: BatchShape) => 0.01 + 1e-5 * (s.prefillTokens + s.decodeSeqs) };
  for (const name of routers.names()) {
    const policy = buildPolicy(name, new RandomStreams(1), 4, perf);
    if (policy.instanceRoles) continue; // phase split needs prefill/decode backends: refused by the gateway
    const bs = backends(4);
    const view = new LiveClusterView(bs, 1);
    const req = { id: 0, arrival: 0, promptTokens: 100, type: 'default', sessionId: undefined, predictedOutputTokens: 50 };
    (bs[1] as BackendState).draining = true;
    for (let i = 0; i < 40; i++) {
      req.id = i;
      req.arrival = i * 0.01;
      const k = policy.router.route(req, view.refresh(i * 0.01));
      assert.ok(k >= 0 && k < 4 && k !== 1, `${name} picked ${k}`);
      (bs[k] as BackendState).outstanding++;
    }
    for (const b of bs) b.draining = true;
    assert.equal(policy.router.route(req, view.refresh(1)), NO_INSTANCE, `${name} with nothing available`);
  }
});
