import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/kernel/rng.js';
import { ReqState } from '../src/model/requestTable.js';
import { summarize } from '../src/metrics/summary.js';
import { routers } from '../src/policies/routers/registry.js';
import type { Controller } from '../src/policies/controllers/controller.js';
import { clusterConfig, instanceConfig, linearPerf, poissonWorkload, run, tbtBalance, vllmStyle } from './helpers.js';

const rr = () => routers.get('round-robin')({ rng: new Rng('r'), arg: undefined, numInstances: 2 });

for (const chunkedPrefill of [true, false]) {
  for (const preemption of ['recompute', 'swap'] as const) {
    test(`KV stays conserved under pressure with preemption (chunked=${chunkedPrefill}, ${preemption})`, () => {
      const cfg = clusterConfig(rr(), {
        numInstances: 2,
        check: true, // KV conservation checked after every iteration
        scheduler: vllmStyle(chunkedPrefill),
        instance: instanceConfig({
          kvBlocks: 300,
          preemption,
          hostKvBlocks: 1000,
          swapSecondsPerBlock: 1e-4,
          maxBatchedTokens: 2048,
        }),
      });
      const res = run(cfg, poissonWorkload('kv', 30, 1500, (r) => 100 + r.int(1500), (r) => 1 + r.int(600)));
      const s = summarize(res);
      assert.equal(s.completed, 1500, 'every request completes exactly once');
      assert.ok(s.preemptions > 50, `pressure must cause preemptions, got ${s.preemptions}`);
      for (const inst of res.instances) assert.equal(inst.freeBlocks, 300);
      // Every request got all its tokens: TPOT is defined and the first token precedes completion.
      for (let id = 0; id < res.table.count; id++) {
        assert.equal(res.table.state[id], ReqState.Done);
        assert.ok((res.table.firstToken[id] as number) <= (res.table.completion[id] as number));
        assert.ok((res.table.arrival[id] as number) <= (res.table.firstScheduled[id] as number));
      }
    });
  }
}

test('a prompt larger than the whole KV cache is rejected, not lost', () => {
  const cfg = clusterConfig(rr(), { numInstances: 1, instance: instanceConfig({ kvBlocks: 50 }) });
  const w = [
    { arrival: 0, promptTokens: 100, outputTokens: 5, type: 't' },
    { arrival: 0.001, promptTokens: 5000, outputTokens: 5, type: 't' },
    { arrival: 0.002, promptTokens: 100, outputTokens: 5, type: 't' },
  ][Symbol.iterator]();
  const res = run(cfg, w);
  assert.equal(res.rejected, 1);
  assert.equal(res.table.state[1], ReqState.Rejected);
  assert.equal(summarize(res).completed, 2);
});

test('chunked prefill splits a long prompt across iterations and decodes keep running', () => {
  const cfg = clusterConfig(rr(), {
    numInstances: 1,
    perf: linearPerf(0.01, 1e-4),
    instance: instanceConfig({ maxBatchedTokens: 512 }),
  });
  const w = [
    { arrival: 0, promptTokens: 10, outputTokens: 50, type: 't' },
    { arrival: 0.05, promptTokens: 2000, outputTokens: 2, type: 't' },
  ][Symbol.iterator]();
  const res = run(cfg, w);
  // The long prompt needs ceil(2000 / ~511) = 4 iterations of prefill.
  const ttft = (res.table.firstToken[1] as number) - 0.05;
  assert.ok(ttft > 3 * 0.01 && ttft < 6 * 0.07, `ttft ${ttft}`);
  // The short request's decode was never stalled for a whole prefill: its largest gap stays small.
  const log = res.instances[0]!.tbt;
  let maxGap = 0;
  for (let i = 0; i < log.size; i++) maxGap = Math.max(maxGap, log.gaps[i] as number);
  assert.ok(maxGap < 0.01 + 1e-4 * 512 + 1e-9, `max TBT ${maxGap}`);
});

test('prefill-first batching (chunking off) stalls decodes while a prompt is prefilled', () => {
  const cfg = clusterConfig(rr(), {
    numInstances: 1,
    perf: linearPerf(0.01, 1e-4),
    instance: instanceConfig({ maxBatchedTokens: 4096 }),
    scheduler: vllmStyle(false),
  });
  const w = [
    { arrival: 0, promptTokens: 10, outputTokens: 50, type: 't' },
    { arrival: 0.05, promptTokens: 2000, outputTokens: 2, type: 't' },
  ][Symbol.iterator]();
  const res = run(cfg, w);
  const log = res.instances[0]!.tbt;
  let maxGap = 0;
  for (let i = 0; i < log.size; i++) maxGap = Math.max(maxGap, log.gaps[i] as number);
  assert.ok(maxGap > 0.01 + 1e-4 * 2000, `the decode waited for the 2000-token prefill: ${maxGap}`);
});

test('migration moves requests with their KV and charges the transfer', () => {
  let moved = 0;
  const mover: Controller = {
    name: 'test-mover',
    intervalS: 0.5,
    tick(_now, ctl) {
      for (const r of ctl.requestsOn(0)) {
        if (r.phase === 'decoding' && ctl.migrate(r.id, 1)) moved++;
      }
    },
  };
  const always0 = { router: { name: 'zero', route: () => 0 } };
  const cfg = clusterConfig(always0, { numInstances: 2, controllers: [mover] });
  const res = run(cfg, poissonWorkload('mig', 10, 400, (r) => 200 + r.int(300), (r) => 50 + r.int(300)));
  const s = summarize(res);
  assert.equal(s.completed, 400);
  // Moves of requests that finished in the iteration they were waiting for are dropped.
  assert.ok(s.migrations > 10 && s.migrations <= moved, `accepted ${moved}, carried out ${s.migrations}`);
  assert.ok(res.migratedBytes > 0 && res.migrationSeconds > s.migrations * 0.002);
  let finishedOn1 = 0;
  let preempted = 0;
  for (let id = 0; id < res.table.count; id++) {
    if (res.table.instance[id] === 1) finishedOn1++;
    preempted += res.table.preemptions[id] as number;
  }
  assert.equal(finishedOn1, s.migrations);
  assert.equal(preempted, 0, 'KV travelled with the requests: nothing was recomputed');
  const b = tbtBalance(res);
  assert.equal(b.gapCount, b.tokens);
  assert.ok(Math.abs(b.gapSum - b.spans) < 1e-6 * b.spans, 'migration gaps are in the TBT log');
  assert.ok(res.instances[1]!.iterations > 0);
});

test('the TBT log is exact: its gaps add up to every request decode span, under preemption and swap', () => {
  for (const preemption of ['recompute', 'swap'] as const) {
    for (const chunkedPrefill of [true, false]) {
      const cfg = clusterConfig(rr(), {
        numInstances: 2,
        instance: instanceConfig({ kvBlocks: 300, preemption, hostKvBlocks: 1000, swapSecondsPerBlock: 1e-4, maxBatchedTokens: 2048 }),
        scheduler: vllmStyle(chunkedPrefill),
      });
      const res = run(cfg, poissonWorkload('tbt', 30, 800, (r) => 100 + r.int(1500), (r) => 1 + r.int(400)));
      const { gapSum, gapCount, spans, tokens } = tbtBalance(res);
      let preempted = 0;
      for (let id = 0; id < res.table.count; id++) preempted += res.table.preemptions[id] as number;
      assert.ok(preempted > 0, 'the run must exercise preemption');
      assert.equal(gapCount, tokens, `${preemption}/${chunkedPrefill}: one gap per token after the first`);
      assert.ok(Math.abs(gapSum - spans) < 1e-6 * spans, `${preemption}/${chunkedPrefill}: gaps ${gapSum} vs spans ${spans}`);
    }
  }
});
