import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../kernel/rng.js';
import { emptyShape, type BatchShape, type PerfModel } from '../../model/perfModel.js';
import { makeDeployment } from '../../perf/presets.js';
import { LinearPerfModel } from '../../perf/linear.js';
import { createPerfModel } from '../../perf/registry.js';
import { blankInstanceView, type InstanceView } from '../clusterView.js';
import type { ClusterControl, RequestSnapshot } from '../controllers/controller.js';
import { routers } from '../routers/registry.js';
import type { GapsRebalancer } from './rebalancer.js';
import { CompletionEstimator, InstanceLedger } from './estimator.js';
import type { GapsState } from './state.js';

function decode(seqs: number, context: number): BatchShape {
  const s = emptyShape();
  s.decodeSeqs = seqs;
  s.decodeContextTokens = context;
  return s;
}

test('perf models that declare decodeMonotone never decode faster with more sequences or context', () => {
  const d7 = makeDeployment('llama-2-7b', 'a100-80gb', 1);
  const d70 = makeDeployment('llama-2-70b', 'h100-80gb', 4);
  const models: PerfModel[] = [
    createPerfModel('roofline', d7),
    createPerfModel('roofline:throttleTokens=64,throttledComputeEfficiency=0.3', d70),
    createPerfModel('calibrated', d70),
    createPerfModel('linear:0.01,1e-5,1e-4,1e-7', d7),
  ];
  const rng = new Rng('monotone');
  for (const m of models) {
    assert.equal(m.decodeMonotone, true, m.name);
    for (let k = 0; k < 3000; k++) {
      const seqs = 1 + rng.int(600);
      const ctx = rng.next() * 4000 * seqs;
      const t = m.iterationTime(decode(seqs, ctx));
      const moreSeqs = m.iterationTime(decode(seqs + 1 + rng.int(3), ctx));
      const moreCtx = m.iterationTime(decode(seqs, ctx + rng.next() * 1000));
      assert.ok(moreSeqs >= t && moreCtx >= t, `${m.name}: ${seqs} seqs, context ${ctx}: ${t} -> ${moreSeqs}, ${moreCtx}`);
    }
  }
  assert.equal(new LinearPerfModel(0.01, 0, -1e-6, 1e-7).decodeMonotone, false, 'a negative per-sequence term is not monotone');
});

// A curved, monotone decode, so that batch sizes matter and ties are rare.
const curved = (s: BatchShape): number =>
  0.008 + 3e-5 * s.prefillTokens + 1e-9 * s.prefillAttnPairs + 2.1e-4 * Math.sqrt(s.decodeSeqs) + 8e-8 * s.decodeContextTokens;

type WithState = ReturnType<ReturnType<typeof routers.get>> & { state: GapsState };

/**
 * Drives a GAPS router with the perf model given through random arrivals, completions, reports and
 * rebalancing rounds on 12 instances, and returns every move its rebalancer made.
 */
function drive(perf: PerfModel, seed: string, slots: number): [number, number][] {
  const n = 12;
  const rng = new Rng(seed);
  const r = routers.get('gaps')({ rng: new Rng('r'), arg: 'uThreshold=0', numInstances: n, perf, e2eSlack: 5 }) as WithState;
  const reb = r.controllers?.[0] as GapsRebalancer;
  const views = Array.from({ length: n }, (_, i) => ({ ...blankInstanceView(i, { maxNumSeqs: slots, kvTotalBlocks: 4000 }) }));
  const live = new Map<number, { on: number; arrival: number; prompt: number; predicted: number; start: number }>();
  const moves: [number, number][] = [];
  const ctl: ClusterControl = {
    view: { now: 0, instances: views },
    requestsOn: (i) => {
      const out: RequestSnapshot[] = [];
      for (const [id, x] of live) {
        if (x.on !== i) continue;
        const running = x.start <= (ctl.view.now as number);
        const generated = running ? Math.floor(((ctl.view.now as number) - x.start) * 20) : 0;
        out.push({ id, instance: i, phase: running ? 'decoding' : 'waiting', arrival: x.arrival, promptTokens: x.prompt, generatedTokens: generated, kvTokens: running ? x.prompt + generated : 0, predictedOutputTokens: x.predicted });
      }
      return out;
    },
    migrationCost: (id) => ((live.get(id)?.start ?? 0) <= (ctl.view.now as number) ? 0.05 : 0.002),
    migrate: (id, to) => {
      const x = live.get(id);
      if (!x || x.on === to) return false;
      moves.push([id, to]);
      x.on = to;
      return true;
    },
  };
  let now = 0;
  let next = 0;
  for (let step = 0; step < 600; step++) {
    now += rng.next() * 0.2;
    (ctl.view as { now: number }).now = now;
    // Reports: the instances' counts as our records have them, a little stale.
    for (const v of views) {
      let waiting = 0;
      let running = 0;
      for (const x of live.values()) if (x.on === v.id) (x.start <= now ? running++ : waiting++);
      Object.assign(v, { waiting, running, kvUsedBlocks: running * 30, kvUsage: (running * 30) / 4000, reportTime: now, sinceReport: 0, recentSloViolationRate: rng.next() < 0.3 ? 0.5 : 0 });
    }
    for (let k = rng.int(6); k > 0; k--) {
      const id = next++;
      const predicted = 20 + rng.int(900);
      const prompt = 50 + rng.int(1500);
      const on = r.router.route({ id, arrival: now, promptTokens: prompt, type: 't', sessionId: undefined, predictedOutputTokens: predicted }, ctl.view);
      live.set(id, { on, arrival: now, prompt, predicted, start: now + rng.next() * 2 });
    }
    // Now and then a burst lands on one instance behind the router's back (another front end's).
    if (rng.next() < 0.3) {
      const on = rng.int(n);
      for (let k = 0; k < 25; k++) {
        const id = next++;
        const predicted = 20 + rng.int(900);
        const prompt = 50 + rng.int(1500);
        r.state.record(id, on, prompt, r.state.central(predicted), r.state.calibrated(predicted), now, now);
        live.set(id, { on, arrival: now, prompt, predicted, start: now + rng.next() * 6 });
      }
    }
    for (const [id, x] of live) {
      if (rng.next() < 0.05) {
        live.delete(id);
        r.router.onComplete?.({ id, instance: x.on, now, arrival: x.arrival, promptTokens: x.prompt, outputTokens: 10 + rng.int(900), predictedOutputTokens: x.predicted, firstTokenTime: x.start, sloViolated: false, rejected: false });
      }
    }
    reb.tick(now, ctl);
  }
  return moves;
}

test('the rebalancer bounded by decodeMonotone makes exactly the moves of the exhaustive search', () => {
  for (const [seed, slots] of [
    ['a', 256],
    ['b', 8],
    ['c', 3],
  ] as const) {
    const exhaustive = drive({ name: 'curved', iterationTime: curved }, seed, slots);
    const bounded = drive({ name: 'curved', iterationTime: curved, decodeMonotone: true }, seed, slots);
    assert.ok(exhaustive.length > 50, `seed ${seed}: the rebalancer moved ${exhaustive.length} requests`);
    assert.deepEqual(bounded, exhaustive, `seed ${seed}, ${slots} slots`);
  }
});

test('the bucketed overlap bound never exceeds the overlap the estimate sums, and stays close to it', () => {
  const rng = new Rng('overlap-bound');
  const prefill = (): number => 0.01;
  // Counts at and around the buckets' edges, small ones, huge ones, and spread ones.
  const pick = (): number => {
    const u = rng.next();
    if (u < 0.2) return 1 + rng.int(8);
    if (u < 0.4) return 2 ** (2 + rng.int(20)) * (1 + rng.int(4) / 4) - (rng.next() < 0.5 ? 0 : rng.next() < 0.5 ? 1e-9 : 1);
    if (u < 0.45) return 2 ** 29 * (1 + rng.next() * 4);
    return 1 + rng.next() * rng.next() * 5000;
  };
  let ratio = 0;
  let cases = 0;
  for (let round = 0; round < 300; round++) {
    const l = new InstanceLedger();
    // Without slots every request waits, and its tokens left are its central size; with slots they
    // start at once and have produced some by now.
    l.slots = rng.next() < 0.5 ? 0 : Number.POSITIVE_INFINITY;
    // Filled and emptied in turns, so that each fill of the buckets follows one with other counts.
    let next = 0;
    for (let go = 0; go < 4; go++) {
      for (const id of [...l.entries.keys()]) if (rng.next() < 0.5) l.remove(id, go);
      const n = rng.int(80);
      for (let k = 0; k < n; k++, next++) l.insert(next, 100, pick(), 900, 0, next, go + rng.next(), true);
      const now = 2 + go + rng.next() * 3;
      const tpot = 0.001 + rng.next() * 0.05;
      l.workAt(now, tpot, prefill, Number.NaN, false);
      const bound0 = l.overlapAtLeast(5);
      const w = l.workOrder();
      assert.equal(l.overlapAtLeast(5), bound0, 'the bound does not depend on when the columns are filled');
      for (let q = 0; q < 40; q++) {
        const own = rng.next() < 0.3 ? Math.max(1, w.tokens[rng.int(Math.max(1, w.length))] ?? 1) : pick();
        let exact = 0;
        for (let j = 0; j < w.length; j++) {
          const t = w.tokens[j] as number;
          exact += t >= own ? 1 : t / own;
        }
        const bound = l.overlapAtLeast(own);
        assert.ok(bound <= exact * (1 + 1e-12), `round ${round}, own ${own}: bound ${bound} > ${exact}`);
        // (Counts from 2^29 up share one bucket, unbounded above: there the bound is loose.)
        if (exact > 0 && own < 2 ** 29) {
          assert.ok(bound >= 0.5 * exact, `round ${round}, own ${own}: bound ${bound} for ${exact}`);
          ratio += bound / exact;
          cases++;
        }
      }
    }
  }
  assert.ok(ratio / cases > 0.97, `mean bound/overlap ${ratio / cases}`);
});

// boundFor keeps what no candidate changes with the ledger for the rest of a round; whatever happens to
// the ledger between candidates (a move in or out, a derivation at another step time, a new round),
// each bound must be lowerBound's.
test('the bounds a round keeps per instance equal lowerBound, across changes to the ledgers', () => {
  const rng = new Rng('bound-for');
  const perf: PerfModel = { name: 'curved', iterationTime: curved, decodeMonotone: true };
  const kept = new CompletionEstimator(perf);
  const fresh = new CompletionEstimator(perf);
  const views = Array.from({ length: 6 }, (_, i) => ({ ...blankInstanceView(i, { maxNumSeqs: 1 + rng.int(40), kvTotalBlocks: 4000 }) }));
  const ledgers = views.map(() => new InstanceLedger());
  let next = 0;
  let now = 1;
  let checked = 0;
  for (let round = 0; round < 60; round++) {
    now += rng.next() * 2;
    for (const v of views) Object.assign(v, { running: rng.int(20), kvUsedBlocks: 50 + rng.int(500) });
    for (const l of ledgers) {
      l.slots = rng.int(30);
      for (let k = rng.int(12); k > 0; k--, next++) l.insert(next, 20 + rng.int(1500), 1 + rng.next() * 700, 900, now, now - rng.next() * 10, now - rng.next() * 5, true);
    }
    for (let c = 0; c < 15; c++) {
      const prompt = rng.next() < 0.5 ? 0 : 20 + rng.int(1500);
      const own = rng.next() < 0.1 ? 0.5 : 1 + rng.next() * 800;
      kept.boundCandidate(prompt, own, now);
      for (let i = 0; i < views.length; i++) {
        const v = views[i] as InstanceView;
        const l = ledgers[i] as InstanceLedger;
        const u = rng.next();
        // Between candidates: a request moves in or out, or an estimate derives the work at another step.
        if (u < 0.1 && l.length > 0) l.remove(l.entries.keys().next().value as number, now);
        else if (u < 0.2) l.insert(next++, 100, 1 + rng.next() * 700, 900, now, now - rng.next(), now, true);
        else if (u < 0.3) fresh.estimateAt(v, Math.max(0, v.running - 1), v.waiting, l, 100, 50, 60, now);
        kept.boundFor(v, l);
        const want = fresh.lowerBound(v, l, prompt, own, now);
        assert.equal(kept.bound, want, `round ${round}, candidate ${c}, instance ${i}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 5000);
});
