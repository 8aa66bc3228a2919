import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { mg1 } from './calculator.js';
import { mg1Policies } from './policies.js';

const isConfig = (pattern: RegExp) => (e: unknown) => e instanceof ConfigError && pattern.test(e.message);

test('the report echoes every input and answers exactly where a formula exists', () => {
  const r = mg1({ policy: 'spjf', lambda: 0.8, service: 'exp', prediction: 'exp' });
  assert.equal(r.policy, 'spjf');
  assert.equal(r.lambda, 0.8);
  assert.equal(r.service, 'exp');
  assert.equal(r.prediction, 'exp');
  assert.equal(r.source, 'exact');
  assert.equal(r.meanResponseTime.toFixed(4), '3.3758'); // the survey's Table 1, SPJF at 0.8
  assert.equal(r.simulated, undefined);
  assert.equal(r.threshold, undefined);
});

test('1-bit policies report the searched optimum, or the given threshold', () => {
  const opt = mg1({ policy: '1bit', lambda: 0.7 });
  assert.equal(opt.thresholdSource, 'optimal');
  assert.ok((opt.threshold as number) > 0);
  const given = mg1({ policy: '1bit', lambda: 0.7, threshold: 0.2 });
  assert.equal(given.threshold, 0.2);
  assert.equal(given.thresholdSource, 'given');
  assert.ok(given.meanResponseTime > opt.meanResponseTime);
});

test('--simulate adds an estimate whose interval covers the exact value', () => {
  const r = mg1({ policy: 'sprpt', lambda: 0.5, simulate: true, jobs: 300_000, seed: 2 });
  const s = r.simulated;
  assert.ok(s);
  assert.ok(Math.abs(s.meanResponseTime - r.meanResponseTime) <= 2 * s.halfWidth);
  assert.equal(r.source, 'exact');
});

test('policies without a formula, and several servers, answer from simulation and say so', () => {
  for (const policy of mg1Policies.names().filter((n) => mg1Policies.get(n).exact === undefined)) {
    const r = mg1({ policy, lambda: 0.5, jobs: 20_000 });
    assert.equal(r.source, 'simulation', policy);
    assert.match(r.note ?? '', /simulated/);
    assert.equal(r.exact, undefined);
  }
  const multi = mg1({ policy: 'srpt', lambda: 4, servers: 8, dispatch: 'pod-work:2', jobs: 20_000 });
  assert.equal(multi.source, 'simulation');
  assert.equal(multi.dispatch, 'pod-work:2');
  assert.ok(Math.abs(multi.load - 0.5) < 1e-12);
});

test('impossible inputs are ConfigErrors that name the option', () => {
  assert.throws(() => mg1({ policy: 'fifo', lambda: 1 }), isConfig(/--lambda/));
  assert.throws(() => mg1({ policy: 'fifo', lambda: 0.6, service: 'exp:2' }), isConfig(/--lambda.*>= 1/));
  assert.throws(() => mg1({ policy: 'fifo', lambda: -1 }), isConfig(/--lambda/));
  assert.throws(() => mg1({ policy: 'nope', lambda: 0.5 }), isConfig(/--policy.*valid: fifo/));
  assert.throws(() => mg1({ policy: 'fifo', lambda: 0.5, service: 'gamma' }), isConfig(/--service.*valid: exp, weibull/));
  assert.throws(() => mg1({ policy: 'fifo', lambda: 0.5, service: 'weibull:-2' }), isConfig(/--service/));
  assert.throws(() => mg1({ policy: 'fifo', lambda: 0.5, prediction: 'uniform:1' }), isConfig(/--prediction.*\(0, 1\)/));
  assert.throws(() => mg1({ policy: 'fifo', lambda: 0.5, prediction: 'uniform:0' }), isConfig(/--prediction/));
  assert.throws(() => mg1({ policy: 'fifo', lambda: 0.5, prediction: 'psychic' }), isConfig(/--prediction.*valid/));
  assert.throws(() => mg1({ policy: '1bit', lambda: 0.5, threshold: -1 }), isConfig(/--threshold/));
  assert.throws(() => mg1({ policy: 'fifo', lambda: 0.5, threshold: 1 }), isConfig(/--threshold does not apply.*1bit/));
  assert.throws(() => mg1({ policy: 'sprpt', lambda: 0.5, limit: 1 }), isConfig(/--limit.*delaypredict/));
  assert.throws(() => mg1({ policy: 'sprpt', lambda: 0.5, cheapCost: 1 }), isConfig(/skippredict/));
  assert.throws(() => mg1({ policy: 'skippredict', lambda: 0.5, predictionCost: -1 }), isConfig(/--prediction-cost/));
  assert.throws(() => mg1({ policy: 'fifo', lambda: 0.5, servers: 0 }), isConfig(/--servers/));
  assert.throws(() => mg1({ policy: 'fifo', lambda: 1.5, servers: 2, dispatch: 'teleport' }), isConfig(/--dispatch/));
});

test('prediction work on the server counts towards stability', () => {
  // Load 0.9 of jobs plus 0.9 * 0.2 of cheap predictions exceeds 1.
  assert.throws(
    () => mg1({ policy: 'skippredict', lambda: 0.9, costModel: 'server', cheapCost: 0.2, jobs: 1000 }),
    isConfig(/prediction work/),
  );
  const ok = mg1({ policy: 'skippredict', lambda: 0.9, costModel: 'external', cheapCost: 0.2, jobs: 20_000 });
  assert.equal(ok.costModel, 'external');
  assert.ok((ok.simulated?.meanCost as number) > (ok.simulated?.meanResponseTime as number));
});
