import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../kernel/rng.js';
import { exponentialPrediction } from '../prediction.js';
import { exponentialService } from '../service.js';
import { dispatchers } from './dispatch.js';
import { fifoPolicy, sprptPolicy } from './rankPolicy.js';
import { simulate } from './simulator.js';

const exp = exponentialService();
const K = 10;
const dispatch = (spec: string, threshold = 1) => {
  const [name, arg] = spec.split(':') as [string, string | undefined];
  return dispatchers.get(name)({ rng: new Rng(`test-${spec}`), arg: arg === undefined ? undefined : Number(arg), threshold });
};
const run = (spec: string, jobs = 200_000, policy = fifoPolicy()) =>
  simulate({ lambda: 0.8 * K, service: exp, prediction: exponentialPrediction, policy, jobs, seed: 4, servers: K, dispatcher: dispatch(spec), typeThreshold: 1 }).responseTime;

test('random dispatch splits Poisson arrivals: each server is an M/M/1 at load 0.8', () => {
  const e = run('random', 600_000);
  assert.ok(Math.abs(e.mean - 5) <= 2 * e.halfWidth, `${e.mean} +- ${e.halfWidth}`);
});

test('more information dispatches better: JSQ < power of two < random', () => {
  const jsq = run('jsq').mean;
  const pod = run('pod:2').mean;
  const rnd = run('random').mean;
  assert.ok(jsq < pod && pod < rnd, `${jsq} ${pod} ${rnd}`);
});

test('prediction-aware power of d beats random under SPRPT servers', () => {
  const rnd = run('random', 200_000, sprptPolicy()).mean;
  for (const spec of ['pod-1bit:2', 'pod-work:2']) {
    const v = run(spec, 200_000, sprptPolicy()).mean;
    assert.ok(v < rnd, `${spec}: ${v} vs random ${rnd}`);
  }
});

test('one server behind any dispatcher is the single-server queue', () => {
  const o = { lambda: 0.7, service: exp, prediction: exponentialPrediction, policy: fifoPolicy(), jobs: 20_000, seed: 8 };
  assert.deepEqual(simulate({ ...o, servers: 1, dispatcher: dispatch('jsq') }).responseTime, simulate(o).responseTime);
});

test('dispatchers validate d and unknown names list the valid ones', () => {
  assert.throws(() => dispatch('pod:0'), /pod:D/);
  assert.throws(() => dispatch('pod:1.5'), /integer/);
  assert.throws(() => dispatchers.get('nope'), /valid: random, jsq/);
});
