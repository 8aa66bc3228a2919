import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../kernel/rng.js';
import type { BatchShape } from '../../model/perfModel.js';
import { BiasAwareCalibrator, DEFAULT_CALIBRATION } from '../../predictors/calibration.js';
import { blankInstanceView, type ClusterView, type RoutedRequest } from '../clusterView.js';
import { routers } from '../routers/registry.js';
import type { GapsState } from './state.js';

const perf = {
  name: 'lin',
  iterationTime: (s: BatchShape) => 0.01 + 5e-5 * s.prefillTokens + 2e-4 * s.decodeSeqs + 1e-7 * s.decodeContextTokens,
};
type WithState = ReturnType<ReturnType<typeof routers.get>> & { state: GapsState };
const make = (name: string, n: number, arg?: string): WithState =>
  routers.get(name)({ rng: new Rng('eq9'), arg, numInstances: n, perf, e2eSlack: 5 }) as WithState;
const req = (id: number, predicted: number, prompt: number, arrival: number): RoutedRequest => ({
  id,
  arrival,
  promptTokens: prompt,
  type: 't',
  sessionId: undefined,
  predictedOutputTokens: predicted,
});

test('Eq. 9 at one sequence per instance picks exactly what least-work-left picks', () => {
  // The same random arrivals, sizes and completions drive both routers; at every decision the two
  // must choose the same instance. Completions are fed from a FCFS single-slot model of each instance.
  const n = 4;
  const rng = new Rng('stream');
  const gaps = make('gaps', n, 'uThreshold=0,maxMovesPerRound=0');
  const lwl = make('least-work-left', n);
  const views = Array.from({ length: n }, (_, i) => ({ ...blankInstanceView(i, { maxNumSeqs: 1, kvTotalBlocks: 1e6 }) }));
  const view: ClusterView = { now: 0, instances: views };
  const queues: { id: number; done: number }[][] = Array.from({ length: n }, () => []);
  const busyUntil = new Float64Array(n);
  let agree = 0;
  let now = 0;
  for (let id = 0; id < 400; id++) {
    now += rng.next() * 0.4;
    (view as { now: number }).now = now;
    for (let i = 0; i < n; i++) {
      const q = queues[i] as { id: number; done: number }[];
      while (q.length && (q[0] as { done: number }).done <= now) {
        const d = q.shift() as { id: number; done: number };
        for (const r of [gaps, lwl]) r.router.onComplete?.({ id: d.id, instance: i, now: d.done, arrival: 0, promptTokens: 1, outputTokens: 100, predictedOutputTokens: 100, firstTokenTime: 0, sloViolated: false, rejected: false });
      }
    }
    const out = Math.round(20 + 400 * rng.next() ** 3);
    const prompt = Math.round(50 + 900 * rng.next());
    const a = gaps.router.route(req(id, out, prompt, now), view);
    const b = lwl.router.route(req(id, out, prompt, now), view);
    assert.equal(a, b, `decision ${id}: Eq. 9 chose ${a}, least-work-left ${b}`);
    agree++;
    const service = perf.iterationTime({ prefillSeqs: 1, prefillTokens: prompt, prefillAttnPairs: 0, prefillPastTokens: 0, decodeSeqs: 0, decodeContextTokens: 0 }) + out * 0.0102;
    const start = Math.max(now, busyUntil[a] as number);
    busyUntil[a] = start + service;
    (queues[a] as { id: number; done: number }[]).push({ id, done: start + service });
  }
  assert.equal(agree, 400);
  assert.equal(gaps.state.assignedByPrediction, 400, 'forced predictive: every decision used Eq. 9');
});

test('at one sequence per instance Eq. 9 waits behind the running request instead of joining its batch', () => {
  const r = make('gaps', 2, 'uThreshold=0');
  // Instance 0 holds one long request (2000 tokens); instance 1 two short ones (20 tokens each).
  r.state.record(1, 0, 100, 2000, 2000, 0);
  r.state.record(2, 1, 100, 20, 20, 0);
  r.state.record(3, 1, 100, 20, 20, 0);
  const one = (running: number) => blankInstanceView(0, { maxNumSeqs: 1, running });
  const view: ClusterView = { now: 0, instances: [one(1), { ...one(1), id: 1 }] };
  assert.equal(r.router.route(req(10, 50, 100, 0), view), 1, 'two short requests ahead finish before one long one');
  // With room in the batch (256 slots) nobody waits: the request decodes beside the others and the
  // long co-runner only slows each step a little, so the fewer co-runners win.
  const wide = make('gaps', 2, 'uThreshold=0');
  wide.state.record(1, 0, 100, 2000, 2000, 0);
  wide.state.record(2, 1, 100, 20, 20, 0);
  wide.state.record(3, 1, 100, 20, 20, 0);
  const w = (id: number, running: number) => blankInstanceView(id, { maxNumSeqs: 256, running });
  const c0 = wide.state.completionTime(w(0, 1), 100, 50, 50, 0);
  const c1 = wide.state.completionTime(w(1, 2), 100, 50, 50, 0);
  assert.ok(Math.abs(c0 - c1) < 0.05 * c0, `no waiting with free slots: ${c0.toFixed(3)} vs ${c1.toFixed(3)}`);
});

test('the utilisation switch turns predictive when its signal crosses u_th, at any batch size', () => {
  const mk = (arg: string) => make('gaps', 2, arg);
  const views = (running: number, maxNumSeqs: number, kv: number): ClusterView => ({
    now: 0,
    instances: [0, 1].map((i) => blankInstanceView(i, { running, maxNumSeqs, kvUsage: kv, kvUsedBlocks: kv * 1000 })),
  });
  // One sequence per instance, KV nearly empty: occupancy reads 1, KV usage reads 0.01.
  const occ = mk('signal=occupancy');
  occ.router.route(req(1, 100, 100, 0), views(1, 1, 0.01));
  assert.equal(occ.state.assignedByPrediction, 1);
  const kv = mk('signal=kv');
  kv.router.route(req(1, 100, 100, 0), views(1, 1, 0.01));
  assert.equal(kv.state.assignedByPrediction, 0, 'the KV signal stays below u_th at one sequence per instance');
  // 'waiting': predictive only when some instance has a queue.
  const wt = mk('signal=waiting');
  wt.router.route(req(1, 100, 100, 0), views(1, 256, 0.01));
  assert.equal(wt.state.assignedByPrediction, 0);
  wt.router.route(req(2, 100, 100, 0), { now: 0, instances: [blankInstanceView(0, { waiting: 3 }), blankInstanceView(1, { waiting: 2 })] });
  assert.equal(wt.state.assignedByPrediction, 1);
  assert.ok(((wt.stats?.() ?? {}).predictiveShare as number) === 0.5);
  assert.throws(() => mk('signal=busy'), /option 'signal' must be one of occupancy, waiting, kv/);
});

test('beta and gamma move independently: an additive error grows beta, a proportional one gamma', () => {
  const rng = new Rng('bg');
  const additive = new BiasAwareCalibrator(DEFAULT_CALIBRATION);
  const proportional = new BiasAwareCalibrator(DEFAULT_CALIBRATION);
  for (let k = 0; k < 20_000; k++) {
    const y = 20 + 2000 * rng.next() ** 2;
    additive.observe(y, y + 150 * rng.next()); // under-predicts by up to 150 tokens whatever the size
    proportional.observe(y, y * (1 + 0.6 * rng.next())); // under-predicts by up to 60% of the size
  }
  const a = additive.health();
  const p = proportional.health();
  assert.ok(a.beta > 2 * a.gamma, `additive error: beta ${a.beta.toFixed(3)} gamma ${a.gamma.toFixed(3)}`);
  assert.ok(p.gamma > 2 * p.beta, `proportional error: beta ${p.beta.toFixed(3)} gamma ${p.gamma.toFixed(3)}`);
  for (const h of [a, p]) assert.ok(Math.abs(h.meanCoverage - 0.9) < 0.03, `coverage ${h.meanCoverage.toFixed(3)}`);
  // One observation of a short request moves beta more than gamma; of a long one, gamma more.
  const c = new BiasAwareCalibrator(DEFAULT_CALIBRATION);
  for (let k = 0; k < 50; k++) c.observe(100, 200);
  const b0 = c.beta;
  const g0 = c.gamma;
  c.observe(5, 50);
  assert.ok(Math.abs(c.beta - b0) > Math.abs(c.gamma - g0), 'short request: beta moves more');
  const b1 = c.beta;
  const g1 = c.gamma;
  c.observe(5000, 9000);
  assert.ok(Math.abs(c.gamma - g1) > Math.abs(c.beta - b1), 'long request: gamma moves more');
});

test('the central estimate removes the mean bias; s~ stays an upper estimate', () => {
  const c = new BiasAwareCalibrator(DEFAULT_CALIBRATION);
  const rng = new Rng('c');
  for (let k = 0; k < 5000; k++) {
    const y = 50 + 500 * rng.next();
    c.observe(0.6 * y, y); // predicts 60% of the truth
  }
  assert.ok(Math.abs(c.central(300) - 500) < 25, `central ${c.central(300)}`);
  assert.ok(c.calibrate(300) > c.central(300));
});

test('size-interval routing sends predicted-long requests to the designated instances only', () => {
  const r = make('size-interval', 4);
  const view: ClusterView = { now: 0, instances: [0, 1, 2, 3].map((i) => blankInstanceView(i)) };
  const rng = new Rng('si');
  const longOn: number[] = [];
  const shortOn: number[] = [];
  for (let id = 0; id < 1000; id++) {
    const big = rng.next() < 0.05;
    const out = big ? 3000 + rng.int(1000) : 20 + rng.int(80);
    const i = r.router.route(req(id, out, 100, id), view);
    if (id > 200 && (!big || out >= 3900)) (big ? longOn : shortOn).push(i);
    r.router.onComplete?.({ id, instance: i, now: id + 0.5, arrival: id, promptTokens: 100, outputTokens: out, predictedOutputTokens: out, firstTokenTime: id, sloViolated: false, rejected: false });
  }
  // The cutoff gives the long instance a quarter of the work: the largest requests, never short ones.
  assert.ok(longOn.length > 3 && longOn.every((i) => i === 3), 'the largest requests on the long instance');
  assert.ok(shortOn.every((i) => i < 3), 'short requests never on it');
});
