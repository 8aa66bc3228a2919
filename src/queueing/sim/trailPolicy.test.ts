import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mg1Model } from '../analytic/model.js';
import { trailMean } from '../analytic/trail.js';
import { exponentialPrediction, uniformPrediction } from '../prediction.js';
import { exponentialService, weibullService } from '../service.js';
import { spjfPolicy, sprptPolicy } from './rankPolicy.js';
import { simulate } from './simulator.js';
import { tInterval } from './stats.js';
import { trailPolicy } from './trailPolicy.js';

const exp = exponentialService();

test('C = 0 and C = 1 give the same sample paths as SPJF and SPRPT', () => {
  const run = (policy: ReturnType<typeof trailPolicy>) =>
    simulate({ lambda: 0.85, service: exp, prediction: exponentialPrediction, policy, jobs: 50_000, seed: 9 }).responseBatches;
  assert.deepEqual(run(trailPolicy(0)), run(spjfPolicy()));
  assert.deepEqual(run(trailPolicy(1)), run(sprptPolicy()));
});

test('the rank simulator agrees with the exact Trail formula within its interval', () => {
  const cases = [
    { lambda: 0.8, service: exp, prediction: exponentialPrediction, c: 0.5 },
    { lambda: 0.7, service: weibullService(2, 1 / 0.886226925452758), prediction: uniformPrediction(0.5), c: 0.7 },
  ];
  for (const { lambda, service, prediction, c } of cases) {
    const exact = trailMean(new Mg1Model(lambda, service, prediction), c);
    const e = simulate({ lambda, service, prediction, policy: trailPolicy(c), jobs: 400_000, seed: 11 }).responseTime;
    assert.ok(Math.abs(e.mean - exact) <= 2 * e.halfWidth, `C ${c} at ${lambda}: sim ${e.mean} +- ${e.halfWidth}, exact ${exact}`);
  }
});

test('paired with SPRPT on common random numbers, the simulated cost of the limit matches the exact one', () => {
  // The difference Trail - SPRPT has a far narrower interval than either mean, so this checks the
  // formula's C-dependent terms more sharply than the unpaired comparison.
  const lambda = 0.8;
  const c = 0.4;
  const m = new Mg1Model(lambda, exp, exponentialPrediction);
  const exactDiff = trailMean(m, c) - trailMean(m, 1);
  const opts = { lambda, service: exp, prediction: exponentialPrediction, jobs: 400_000, seed: 12 };
  const a = simulate({ ...opts, policy: trailPolicy(c) }).responseBatches;
  const b = simulate({ ...opts, policy: sprptPolicy() }).responseBatches;
  const d = tInterval(a.map((v, i) => v - (b[i] as number)));
  assert.ok(exactDiff > 0 && d.halfWidth < exactDiff / 2, `informative: diff ${exactDiff}, half-width ${d.halfWidth}`);
  assert.ok(Math.abs(d.mean - exactDiff) <= 2 * d.halfWidth, `paired sim ${d.mean} +- ${d.halfWidth}, exact ${exactDiff}`);
});
