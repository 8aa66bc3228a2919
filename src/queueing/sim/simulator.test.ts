import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RandomStreams } from '../../kernel/rng.js';
import { Mg1Model } from '../analytic/model.js';
import { oneBitMean, oneBitPreemptiveMean } from '../analytic/oneBit.js';
import { fifoMean, pspjfMean, spjfMean, sprptMean } from '../analytic/sizeBased.js';
import { exactPrediction, exponentialPrediction, uniformPrediction, type PredictionModel } from '../prediction.js';
import { exponentialService, weibullService, type ServiceDist } from '../service.js';
import {
  fifoPolicy,
  oneBitPolicy,
  psjfPolicy,
  pspjfPolicy,
  sjfPolicy,
  spjfPolicy,
  sprptBouncePolicy,
  sprptPolicy,
  srptPolicy,
  type RankPolicy,
} from './rankPolicy.js';
import { simulate } from './simulator.js';

const exp = exponentialService();
const weib = weibullService(0.5, 0.5);

/**
 * The exact value must lie within two half-widths of the simulated 95% interval. One half-width
 * would fail 5% of honest comparisons; two (about 3.9 standard errors) keeps the check sharp while
 * letting a fixed seed stay valid as the code evolves.
 */
function agrees(policy: RankPolicy, service: ServiceDist, prediction: PredictionModel, lambda: number, exact: number, jobs = 400_000): void {
  const r = simulate({ lambda, service, prediction, policy, jobs, seed: 11 });
  const e = r.responseTime;
  assert.ok(Math.abs(e.mean - exact) <= 2 * e.halfWidth, `${policy.name} ${service.spec}/${prediction.spec} at ${lambda}: sim ${e.mean} +- ${e.halfWidth}, exact ${exact}`);
  assert.ok(e.halfWidth < 0.05 * exact, 'the interval is informative');
}

test('FIFO in the simulator is the Lindley recursion on the same random numbers, job by job', () => {
  const jobs = 5000;
  const r = simulate({ lambda: 0.8, service: exp, prediction: exactPrediction, policy: fifoPolicy(), jobs, seed: 5, warmupFraction: 0, batches: 1 });
  const streams = new RandomStreams(5);
  const arr = streams.stream('mg1/arrivals');
  const size = streams.stream('mg1/sizes');
  let t = 0;
  let wait = 0;
  let prevSize = 0;
  let prevT = 0;
  let sum = 0;
  for (let i = 0; i < jobs; i++) {
    t += arr.exponential(0.8);
    const x = exp.sample(size);
    wait = i === 0 ? 0 : Math.max(0, wait + prevSize - (t - prevT));
    sum += wait + x;
    prevSize = x;
    prevT = t;
  }
  assert.ok(Math.abs(r.responseTime.mean - sum / jobs) < 1e-9 * (sum / jobs));
});

test('simulated means agree with the exact formulas: M/M/1, uniform predictions, heavy-tailed sizes', () => {
  const l = 0.6;
  const mExp = new Mg1Model(l, exp, exponentialPrediction);
  const mExact = new Mg1Model(l, exp, exactPrediction);
  agrees(fifoPolicy(), exp, exponentialPrediction, l, fifoMean(mExp));
  agrees(sjfPolicy(), exp, exponentialPrediction, l, spjfMean(mExact));
  agrees(spjfPolicy(), exp, exponentialPrediction, l, spjfMean(mExp));
  agrees(psjfPolicy(), exp, exponentialPrediction, l, pspjfMean(mExact));
  agrees(pspjfPolicy(), exp, exponentialPrediction, l, pspjfMean(mExp));
  agrees(srptPolicy(), exp, exponentialPrediction, l, sprptMean(mExact));
  agrees(sprptPolicy(), exp, exponentialPrediction, l, sprptMean(mExp));
  agrees(oneBitPolicy(1, false), exp, exponentialPrediction, l, oneBitMean(mExp, 1));
  agrees(oneBitPolicy(1, true), exp, exponentialPrediction, l, oneBitPreemptiveMean(mExp, 1));
  const uni = uniformPrediction(0.5);
  const mUni = new Mg1Model(l, exp, uni);
  agrees(sprptPolicy(), exp, uni, l, sprptMean(mUni));
  agrees(pspjfPolicy(), exp, uni, l, pspjfMean(mUni));
  const mW = new Mg1Model(0.5, weib, exponentialPrediction);
  agrees(sprptPolicy(), weib, exponentialPrediction, 0.5, sprptMean(mW), 1_000_000);
  agrees(oneBitPolicy(3.8, true), weib, exponentialPrediction, 0.5, oneBitPreemptiveMean(mW, 3.8), 1_000_000);
});

test('same seed, same result; another seed, another sample path', () => {
  const o = { lambda: 0.7, service: exp, prediction: exponentialPrediction, policy: sprptPolicy(), jobs: 20_000, seed: 3 };
  assert.deepEqual(simulate(o), simulate(o));
  assert.notEqual(simulate({ ...o, seed: 4 }).responseTime.mean, simulate(o).responseTime.mean);
});

test('limits that make policies coincide give identical sample paths', () => {
  const base = { lambda: 0.7, service: exp, prediction: exactPrediction, jobs: 20_000, seed: 9 };
  // With exact predictions the bounce never happens (a job ends when its age reaches its size).
  assert.deepEqual(simulate({ ...base, policy: sprptBouncePolicy() }).responseTime, simulate({ ...base, policy: srptPolicy() }).responseTime);
  const np = { ...base, prediction: exponentialPrediction };
  // Preemption by rank never happens under FIFO ranks, so FIFO's preemption count is zero.
  assert.equal(simulate({ ...np, policy: fifoPolicy() }).preemptions, 0);
  assert.ok(simulate({ ...np, policy: sprptPolicy() }).preemptions > 0);
});

test('bounce: jobs that outlive their predictions time-share, and the quantum barely matters', () => {
  const o = { lambda: 0.7, service: exp, prediction: exponentialPrediction, jobs: 100_000, seed: 2 };
  const fine = simulate({ ...o, policy: sprptBouncePolicy(0.003) }).responseTime.mean;
  const coarse = simulate({ ...o, policy: sprptBouncePolicy(0.03) }).responseTime.mean;
  assert.ok(Math.abs(fine - coarse) < 0.005 * fine, `${fine} vs ${coarse}`);
});

test('invalid runs are refused with the option named', () => {
  const o = { lambda: 0.5, service: exp, prediction: exactPrediction, policy: fifoPolicy(), jobs: 1000, seed: 1 };
  assert.throws(() => simulate({ ...o, jobs: 10 }), /--jobs/);
  assert.throws(() => simulate({ ...o, servers: 2 }), /--dispatch/);
  assert.throws(() => simulate({ ...o, lambda: 0 }), /--lambda/);
});
