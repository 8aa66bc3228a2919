import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../core/errors.js';
import { splitSpec } from '../../core/registry.js';
import { Rng } from '../../kernel/rng.js';
import { summarize } from '../../metrics/summary.js';
import type { BatchShape } from '../../model/perfModel.js';
import type { ApiCall, RequestSpec } from '../../model/request.js';
import { ReqState } from '../../model/requestTable.js';
import { createPredictor } from '../../predictors/registry.js';
import { Simulation, type SimResult } from '../../sim/simulation.js';
import { routers } from '../routers/registry.js';
import { schedulers, withPrefillFirst } from './registry.js';
import { tbtBalance } from '../../../test/helpers.js';

/**
 * The suite every registered instance scheduler must pass (the routers' conformance habit): under
 * KV pressure, with recompute and swap preemption, prefix caching on and off, API-augmented
 * requests, and both batch styles where the scheduler has them, with every invariant checked after
 * every iteration: each request completes (or is rejected) exactly once, KV blocks are conserved,
 * the TBT log is exact, and the same seed gives the same bytes.
 */

/** Specs with an argument the registry requires; every other scheduler runs with its defaults. */
const SPEC_ARGS: Record<string, string> = { '1bit': '1bit:60', '1bit-preempt': '1bit-preempt:60' };

const perf = { name: 'conformance', iterationTime: (s: BatchShape) => 0.004 + 2e-5 * (s.prefillTokens + s.decodeSeqs) + 1e-8 * s.decodeContextTokens };

function workload(seed: string, n: number, hashes: boolean, api: boolean): RequestSpec[] {
  const r = new Rng(seed);
  const out: RequestSpec[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += r.exponential(60);
    const output = 1 + r.int(160);
    const blocks = 1 + r.int(20);
    const promptTokens = blocks * 16 + r.int(16);
    const shared = r.int(4);
    const prefixHashes = hashes ? Array.from({ length: blocks }, (_, k) => (k < shared ? 1000 * k + (i % 3) : 1e6 + i * 100 + k)) : undefined;
    let apiCalls: ApiCall[] | undefined;
    if (api && output > 4 && r.next() < 0.4) {
      const first = 1 + r.int(Math.floor(output / 2));
      apiCalls = [{ afterTokens: first, durationS: 0.01 + r.next() * 0.3, returnTokens: 1 + r.int(40), kind: r.next() < 0.5 ? 'math' : 'qa' }];
      if (output - first > 3 && r.next() < 0.5) {
        apiCalls.push({ afterTokens: first + 1 + r.int(output - first - 2), durationS: 0.05, returnTokens: 8, kind: 'qa' });
      }
    }
    const spec: RequestSpec = { arrival: t, promptTokens, outputTokens: output, type: i % 2 ? 'a' : 'b', ...(prefixHashes ? { prefixHashes } : {}), ...(apiCalls ? { apiCalls } : {}) };
    out.push(spec);
  }
  return out;
}

interface Case {
  readonly spec: string;
  readonly preemption: 'recompute' | 'swap';
  readonly caching: boolean;
  readonly api: boolean;
}

function simulate(c: Case, specs: readonly RequestSpec[]): SimResult {
  const { name, arg } = splitSpec(c.spec);
  const factory = schedulers.get(name);
  const router = routers.get('least-outstanding')({ rng: new Rng('r'), arg: undefined, numInstances: 2 });
  const sim = new Simulation({
    numInstances: 2,
    instance: {
      maxNumSeqs: 24,
      maxBatchedTokens: 1024,
      blockSize: 16,
      kvBlocks: 160,
      watermark: 0.01,
      preemption: c.preemption,
      hostKvBlocks: 120,
      swapSecondsPerBlock: 2e-5,
      prefixCaching: c.caching,
      tbtTargetS: 0.05,
    },
    perf,
    scheduler: () => factory(arg),
    policy: router,
    reportIntervalS: 0.05,
    slo: { e2eSlack: 5 },
    kvBytesPerToken: 1024,
    interconnectBandwidth: 1e10,
    migrationPauseS: 0,
    moveWaitingS: 0,
    predictor: createPredictor('noisy:0.3', new Rng('p')),
    check: true,
  });
  return sim.run(specs[Symbol.iterator]());
}

/** Each request has exactly output - 1 gaps, summing to its decode span less the time its API calls took. */
function assertTbtExact(res: SimResult, specs: readonly RequestSpec[], label: string): void {
  const b = tbtBalance(res, (id) => (specs[id]?.apiCalls ?? []).reduce((s, c) => s + c.durationS, 0));
  assert.equal(b.gapCount, b.tokens, `${label}: one gap per token after the first`);
  assert.ok(Math.abs(b.gapSum - b.spans) <= 1e-6 * Math.max(1, b.spans), `${label}: gaps ${b.gapSum} vs spans ${b.spans}`);
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const name of schedulers.names()) {
    const base = SPEC_ARGS[name] ?? name;
    const styles = [base];
    try {
      const pf = withPrefillFirst(base);
      const { name: n, arg } = splitSpec(pf);
      schedulers.get(n)(arg);
      styles.push(pf);
    } catch (e) {
      // No prefill-first style: the scheduler forms its own batches (orca, sarathi, slai, ...).
      if (!(e instanceof ConfigError)) throw e;
    }
    for (const spec of styles) {
      for (const preemption of ['recompute', 'swap'] as const) {
        for (const caching of [false, true]) out.push({ spec, preemption, caching, api: caching === (preemption === 'swap') });
      }
    }
  }
  return out;
}

for (const c of cases()) {
  const label = `${c.spec} / ${c.preemption} / caching ${c.caching ? 'on' : 'off'} / api ${c.api ? 'on' : 'off'}`;
  test(`scheduler conformance: ${label}`, () => {
    const specs = workload(`conf:${c.spec}`, 220, c.caching, c.api);
    const res = simulate(c, specs);
    const t = res.table;
    let done = 0;
    for (let id = 0; id < t.count; id++) {
      const s = t.state[id];
      assert.ok(s === ReqState.Done || s === ReqState.Rejected, `${label}: request ${id} ends in state ${s}`);
      if (s === ReqState.Done) {
        done++;
        assert.ok((t.arrival[id] as number) <= (t.firstToken[id] as number) && (t.firstToken[id] as number) <= (t.completion[id] as number));
      }
    }
    assert.equal(done + res.rejected, specs.length, `${label}: conservation of requests`);
    assert.equal(res.rejected, 0, `${label}: every request fits this KV`);
    for (const inst of res.instances) assert.equal(inst.freeBlocks + (inst.prefixCache?.size ?? 0), 160);
    assertTbtExact(res, specs, label);
    if (c.api) assert.ok(res.apiCalls.preserve + res.apiCalls.discard + res.apiCalls.swap > 0, `${label}: API calls happened`);
  });
}

test('scheduler conformance: the same seed gives the same bytes, for every scheduler', () => {
  for (const name of schedulers.names()) {
    const c: Case = { spec: SPEC_ARGS[name] ?? name, preemption: 'swap', caching: true, api: true };
    const specs = workload('det', 150, true, true);
    const a = JSON.stringify(summarize(simulate(c, specs)));
    const b = JSON.stringify(summarize(simulate(c, specs)));
    assert.equal(a, b, `${name} is deterministic`);
  }
});

test('scheduler conformance: KV pressure makes every scheduler preempt', () => {
  for (const name of schedulers.names()) {
    const c: Case = { spec: SPEC_ARGS[name] ?? name, preemption: 'recompute', caching: false, api: false };
    const res = simulate(c, workload('pressure', 220, false, false));
    assert.ok(summarize(res).preemptions > 0, `${name}: the suite's load must cause preemptions`);
  }
});

test('scheduler conformance: a scheduler that declares ranksByArrival ranks by arrival', () => {
  const r = new Rng('ranks-by-arrival');
  let declared = 0;
  for (const name of schedulers.names()) {
    const policy = schedulers.get(name)(SPEC_ARGS[name] ? splitSpec(SPEC_ARGS[name]).arg : undefined);
    if (!policy.ranksByArrival) continue;
    declared++;
    for (let k = 0; k < 200; k++) {
      const f = {
        id: r.int(1000),
        arrival: r.next() * 100,
        promptTokens: 1 + r.int(4000),
        predictedOutputTokens: r.next() < 0.3 ? Number.NaN : 1 + r.int(2000),
        generatedTokens: r.int(500),
        kvTokens: r.int(4000),
        prefillTarget: r.int(4000),
        preemptions: r.int(3),
        type: r.int(3),
        lastTokenTime: r.next() * 100,
        tbtTargetS: r.next() < 0.5 ? Number.POSITIVE_INFINITY : 0.05,
        apiCallsDone: r.int(2),
        waitedS: r.next() * 10,
        kvResident: r.next() < 0.2,
      };
      assert.equal(policy.rank(f, 100 + r.next() * 100), f.arrival, `${name} declares ranksByArrival`);
    }
    assert.ok(!policy.dynamicRank, `${name}: ranksByArrival and dynamicRank contradict`);
  }
  assert.ok(declared > 0, 'the default scheduler takes the fast path');
});
