import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../kernel/rng.js';
import { Simulation } from '../../sim/simulation.js';
import { vllmScheduler } from '../schedulers/vllm.js';
import { routers } from './registry.js';
import { blankInstanceView } from '../clusterView.js';
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
    policy: router,
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

test('splitwise sizes its pools from the workload and overflows to the mixed pool', () => {
  const perf = { name: 'lin', iterationTime: (s: import('../../model/perfModel.js').BatchShape) => 0.01 + 1e-4 * s.prefillTokens + 2e-4 * s.decodeSeqs + 1e-7 * s.decodeContextTokens };
  const mk = (meanPromptTokens: number, meanOutputTokens: number, arg?: string) =>
    routers.get('splitwise')({ rng: new Rng('s'), arg, numInstances: 16, perf, hints: { meanPromptTokens, meanOutputTokens, maxNumSeqs: 256, maxBatchedTokens: 8192, kvTokens: 200_000 } }) as ReturnType<ReturnType<typeof routers.get>> & { pools: { prompt: number; mixed: number } };
  const code = mk(2000, 30);
  const conv = mk(1000, 300);
  assert.equal(code.pools.mixed, 1);
  assert.ok(code.pools.prompt > conv.pools.prompt, `code ${code.pools.prompt} prompt instances vs conversation ${conv.pools.prompt}`);
  assert.deepEqual(mk(1000, 300, 'prompt=5,mixed=2').pools, { prompt: 5, mixed: 2 });
  assert.throws(() => mk(1000, 300, 'prompts=5'), /unknown option 'prompts'; valid: prompt, mixed/);

  const r = mk(1000, 300, 'prompt=1,mixed=1');
  const roles = r.instanceRoles?.(3) ?? [];
  assert.deepEqual(roles, ['prefill', 'mixed', 'decode']);
  const view = (o: Partial<import('../clusterView.js').InstanceView>[]) => ({ now: 0, instances: o.map((x, i) => ({ ...blankInstanceView(i, { role: roles[i] }), ...x })) });
  const req = { id: 1, arrival: 0, promptTokens: 500, type: 't', sessionId: undefined, predictedOutputTokens: Number.NaN };
  assert.equal(r.router.route(req, view([{ waitingPromptTokens: 100 }, {}, {}])), 0, 'a short prompt queue keeps the request on the prompt pool');
  assert.equal(r.router.route(req, view([{ waitingPromptTokens: 50_000, reportTime: 1 }, { reportTime: 1 }, { reportTime: 1 }])), 1, 'a long one overflows to the mixed pool');
  assert.equal(r.routeDecode?.(req, 0, view([{}, {}, { kvUsedBlocks: 10 }])), 2, 'decodes go to the token pool');
  assert.equal(r.routeDecode?.(req, 0, view([{}, {}, { kvUsedBlocks: 950 }])), 1, 'a full token pool overflows to the mixed pool');
  assert.equal((r.stats?.() ?? {}).sentToMixed, 1);
});
