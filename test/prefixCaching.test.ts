import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/kernel/rng.js';
import type { RequestSpec } from '../src/model/request.js';
import { summarize } from '../src/metrics/summary.js';
import { routers } from '../src/policies/routers/registry.js';
import { clusterConfig, instanceConfig, linearPerf, run, tbtBalance } from './helpers.js';

/**
 * Multi-turn conversations: every request shares a 4-block system prompt, and turn k of a
 * conversation repeats the conversation so far (its hash chain) plus new blocks.
 */
function conversations(n: number, seed: string): RequestSpec[] {
  const r = new Rng(seed);
  const out: RequestSpec[] = [];
  let t = 0;
  let nextHash = 100;
  const open: number[][] = [];
  for (let i = 0; i < n; i++) {
    t += r.exponential(8);
    let chain: number[];
    if (open.length > 0 && r.next() < 0.7) {
      const k = r.int(open.length);
      chain = open[k] as number[];
      if (chain.length > 40) open.splice(k, 1); // the conversation ends
    } else {
      chain = [0, 1, 2, 3];
      open.push(chain);
    }
    const added = 1 + r.int(6);
    for (let j = 0; j < added; j++) chain.push(nextHash++);
    out.push({ arrival: t, promptTokens: chain.length * 16 + r.int(16), outputTokens: 1 + r.int(120), type: 'chat', prefixHashes: chain.slice() });
  }
  return out;
}

const rr = () => routers.get('round-robin')({ rng: new Rng('r'), arg: undefined, numInstances: 2 });

function simulate(prefixCaching: boolean, kvBlocks: number, preemption: 'recompute' | 'swap' = 'recompute') {
  const cfg = clusterConfig(rr(), {
    numInstances: 2,
    perf: linearPerf(0.005, 4e-5, 1e-7),
    check: true,
    instance: instanceConfig({ kvBlocks, prefixCaching, preemption, hostKvBlocks: 2000, swapSecondsPerBlock: 1e-4, maxBatchedTokens: 1024 }),
  });
  return run(cfg, conversations(1500, 'conv')[Symbol.iterator]());
}

test('prefix caching reuses conversation history: less prefill, lower TTFT, same outputs', () => {
  const off = simulate(false, 4000);
  const on = simulate(true, 4000);
  const a = summarize(off);
  const b = summarize(on);
  assert.equal(b.completed, 1500);
  assert.ok(b.ttft.mean < 0.8 * a.ttft.mean, `TTFT with caching ${b.ttft.mean} vs without ${a.ttft.mean}`);
  const cache = on.instances.map((i) => i.prefixCache);
  const hits = cache.reduce((s, c) => s + (c?.hits ?? 0), 0);
  assert.ok(hits > 1000, `cached blocks reused: ${hits}`);
  for (const c of cache) assert.equal(c?.pinned, 0, 'nothing pinned at the end');
});

for (const preemption of ['recompute', 'swap'] as const) {
  test(`prefix caching keeps KV conserved under pressure, with eviction and ${preemption}`, () => {
    const res = simulate(true, 110, preemption); // --check after every iteration
    const s = summarize(res);
    assert.equal(s.completed, 1500);
    assert.ok(s.preemptions > 0, 'pressure must preempt');
    const b = tbtBalance(res);
    assert.equal(b.gapCount, b.tokens);
    assert.ok(Math.abs(b.gapSum - b.spans) < 1e-6 * b.spans);
  });
}

test('prefix caching stays consistent across migrations (GAPS rebalancing) and phase-split handoffs (Splitwise)', () => {
  const perf = linearPerf(0.005, 4e-5, 1e-7);
  for (const name of ['gaps', 'splitwise', 'llumnix']) {
    const router = routers.get(name)({ rng: new Rng('p'), arg: undefined, numInstances: 4, perf, e2eSlack: 5 });
    const cfg = clusterConfig(router, {
      numInstances: 4,
      perf,
      check: true,
      instance: instanceConfig({ kvBlocks: 150, prefixCaching: true, maxBatchedTokens: 1024 }),
    });
    const res = run(cfg, conversations(1200, `mig-${name}`)[Symbol.iterator]());
    assert.equal(summarize(res).completed, 1200, name);
    const b = tbtBalance(res);
    assert.ok(Math.abs(b.gapSum - b.spans) < 1e-6 * b.spans, name);
  }
});
