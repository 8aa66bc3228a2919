import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../kernel/rng.js';
import { Simulation } from '../../sim/simulation.js';
import { vllmScheduler } from '../schedulers/vllm.js';
import { routers } from './registry.js';
import type { RequestSpec } from '../../model/request.js';
import { tbtBalance } from '../../../test/helpers.js';

function workload(n: number): Iterator<RequestSpec> {
  const r = new Rng('sw');
  let t = 0;
  const xs: RequestSpec[] = [];
  for (let i = 0; i < n; i++) {
    t += r.exponential(20);
    xs.push({ arrival: t, promptTokens: 100 + r.int(1000), outputTokens: 1 + r.int(200), type: 't' });
  }
  return xs[Symbol.iterator]();
}

test('splitwise prefills on the prompt pool, decodes on the token pool and pays the KV transfer', () => {
  const router = routers.get('splitwise')({ rng: new Rng('s'), arg: '1', numInstances: 3 });
  const sim = new Simulation({
    numInstances: 3,
    instance: { maxNumSeqs: 64, maxBatchedTokens: 4096, blockSize: 16, kvBlocks: 3000, watermark: 0.01, preemption: 'recompute', hostKvBlocks: 0, swapSecondsPerBlock: 0 },
    perf: { name: 'lin', iterationTime: (s) => 0.01 + 2e-5 * s.prefillTokens + 1e-4 * s.decodeSeqs },
    scheduler: () => vllmScheduler('mixed'),
    router,
    reportIntervalS: 0.05,
    slo: {},
    kvBytesPerToken: 524288,
    interconnectBandwidth: 25e9,
    migrationPauseS: 0,
    moveWaitingS: 0,
    check: true,
  });
  const res = sim.run(workload(1000));
  const t = res.table;
  let multi = 0;
  let bytes = 0;
  for (let id = 0; id < t.count; id++) {
    if ((t.output[id] as number) > 1) {
      multi++;
      bytes += (t.prompt[id] as number) * 524288;
      assert.notEqual(t.instance[id], 0, 'a multi-token request finishes on a token instance');
    } else assert.equal(t.instance[id], 0, 'a one-token request never leaves the prompt instance');
  }
  assert.equal(res.kvTransfers, multi);
  assert.ok(Math.abs(res.kvTransferSeconds - bytes / 25e9) < 1e-6, 'transfer time = KV bytes / bandwidth');
  assert.equal(res.instances[0]!.decode.iter, 0, 'the prompt instance never runs a decode step');
  assert.ok(res.instances[1]!.decode.iter > 0 && res.instances[2]!.decode.iter > 0, 'both token instances decode');
  const b = tbtBalance(res);
  assert.equal(b.gapCount, b.tokens);
  assert.ok(Math.abs(b.gapSum - b.spans) < 1e-6 * b.spans, 'the handoff gap is in the TBT log');
  assert.throws(() => routers.get('splitwise')({ rng: new Rng('s'), arg: '3', numInstances: 3 }), /\[1, 2\]/);
});
