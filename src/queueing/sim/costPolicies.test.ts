import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { exponentialPrediction } from '../prediction.js';
import { exponentialService } from '../service.js';
import { delayPredictPolicy, skipPredictPolicy, type CostParams } from './costPolicies.js';
import { fifoPolicy, sprptPolicy } from './rankPolicy.js';
import { simulate } from './simulator.js';

const exp = exponentialService();
const base = { lambda: 0.6, service: exp, prediction: exponentialPrediction, jobs: 30_000, seed: 21 };
const free: CostParams = { costModel: 'external', cheapCost: 0, predictionCost: 0 };
const run = (policy: ReturnType<typeof fifoPolicy>, jobs = base.jobs) => simulate({ ...base, jobs, policy });

test('SkipPredict: all short is FIFO and all long is SPRPT, on the same sample path', () => {
  assert.deepEqual(run(skipPredictPolicy(Number.POSITIVE_INFINITY, free)).responseTime, run(fifoPolicy()).responseTime);
  // The cheap bit thresholds a second, independent prediction, which never falls below -1.
  assert.deepEqual(run(skipPredictPolicy(-1, free)).responseTime, run(sprptPolicy()).responseTime);
});

test('external costs add c1 + c2 P(long) to every job and leave the schedule alone', () => {
  const c: CostParams = { costModel: 'external', cheapCost: 0.1, predictionCost: 0.4 };
  const r = run(skipPredictPolicy(-1, c)); // every job is long
  assert.deepEqual(r.responseTime, run(skipPredictPolicy(-1, free)).responseTime);
  assert.ok(Math.abs(r.cost.mean - r.responseTime.mean - 0.5) < 1e-9);
  const d = run(delayPredictPolicy(1, { ...c, cheapCost: 0 }), 200_000);
  // DelayPredict pays c2 for jobs longer than L: P(X > 1) = e^-1.
  assert.ok(Math.abs(d.cost.mean - d.responseTime.mean - 0.4 * Math.exp(-1)) < 0.01);
});

test('server-time costs: a cheap prediction before every job is FIFO with sizes X + c1 (Pollaczek-Khinchine)', () => {
  const c1 = 0.2;
  const r = simulate({ ...base, lambda: 0.5, jobs: 400_000, policy: skipPredictPolicy(Number.POSITIVE_INFINITY, { costModel: 'server', cheapCost: c1, predictionCost: 5 }) });
  const es = 1 + c1;
  const es2 = 2 + 2 * c1 + c1 * c1;
  const exact = es + (0.5 * es2) / (2 * (1 - 0.5 * es));
  const e = r.responseTime;
  assert.ok(Math.abs(e.mean - exact) <= 2 * e.halfWidth, `${e.mean} +- ${e.halfWidth} vs ${exact}`);
  assert.equal(r.cost.mean, r.responseTime.mean);
});

test('server-time costs slow jobs down; zero costs make the two models identical', () => {
  const zeroServer: CostParams = { costModel: 'server', cheapCost: 0, predictionCost: 0 };
  assert.deepEqual(run(skipPredictPolicy(1, zeroServer)).responseTime, run(skipPredictPolicy(1, free)).responseTime);
  assert.deepEqual(run(delayPredictPolicy(1, zeroServer)).responseTime, run(delayPredictPolicy(1, free)).responseTime);
  const paid = run(delayPredictPolicy(1, { costModel: 'server', cheapCost: 0, predictionCost: 0.3 })).responseTime.mean;
  assert.ok(paid > run(delayPredictPolicy(1, free)).responseTime.mean);
});

test('DelayPredict with a limit no job reaches is FIFO', () => {
  assert.deepEqual(run(delayPredictPolicy(1e9, { ...free, predictionCost: 1 })).responseTime, run(fifoPolicy()).responseTime);
});

test('bad cost parameters are ConfigErrors naming the option', () => {
  assert.throws(() => skipPredictPolicy(1, { ...free, cheapCost: -1 }), (e: unknown) => e instanceof ConfigError && /--cheap-cost/.test(e.message));
  assert.throws(() => delayPredictPolicy(0, free), /--limit/);
  assert.throws(() => delayPredictPolicy(1, { ...free, costModel: 'both' as 'server' }), /--cost-model/);
});
