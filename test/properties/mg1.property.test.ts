import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mg1, type Mg1Report } from '../../src/queueing/calculator.js';
import { mg1Policies } from '../../src/queueing/policies.js';
import { isCleanError, params } from './support.js';

/**
 * The M/G/1 calculator on random valid parameters: every answer is finite and at least E[S] = 1 (no
 * policy finishes a job before its service), or the calculator refuses cleanly; and where it answers
 * exactly, its own simulator agrees within the simulation's 95% interval widened by 2%.
 */
const EXACT = mg1Policies.names().filter((n) => mg1Policies.get(n).exact !== undefined);

const input = fc.record({
  policy: fc.constantFrom(...EXACT),
  load: fc.double({ min: 0.05, max: 0.9, noNaN: true }),
  service: fc.oneof(fc.constant('exp'), fc.constant('weibull'), fc.double({ min: 0.25, max: 60, noNaN: true }).map((k) => `weibull:${k.toPrecision(3)}`)),
  prediction: fc.constantFrom('exact', 'exp'),
});

function answer(i: { policy: string; load: number; service: string; prediction: string }, simulate: boolean): Mg1Report | 'refused' {
  try {
    return mg1({ policy: i.policy, lambda: i.load, service: i.service, prediction: i.prediction, ...(simulate ? { simulate: true, jobs: 200_000 } : {}) });
  } catch (e) {
    if (isCleanError(e)) return 'refused';
    throw e;
  }
}

test('M/G/1 answers are finite and at least E[S], or a clean refusal', () => {
  let answered = 0;
  fc.assert(
    fc.property(input, (i) => {
      const r = answer(i, false);
      if (r === 'refused') return;
      answered++;
      assert.ok(Number.isFinite(r.meanResponseTime), `${r.meanResponseTime}`);
      assert.ok(r.meanResponseTime >= 1 - 1e-9, `E[T] = ${r.meanResponseTime} < E[S] = 1`);
    }),
    params(25),
  );
  assert.ok(answered >= 10, `${answered} of 25 answered`);
});

test('where the calculator answers exactly, its simulator agrees', () => {
  let compared = 0;
  fc.assert(
    fc.property(input.filter((i) => i.load <= 0.7), (i) => {
      const r = answer(i, true);
      if (r === 'refused' || r.exact === undefined || r.simulated === undefined) return;
      compared++;
      const [lo, hi] = r.simulated.ci95;
      const slack = 0.02 * r.exact.meanResponseTime;
      assert.ok(r.exact.meanResponseTime >= lo - slack && r.exact.meanResponseTime <= hi + slack, `exact ${r.exact.meanResponseTime} outside [${lo}, ${hi}] +- 2%`);
    }),
    params(6),
  );
  assert.ok(compared >= 1, 'at least one exact answer was checked against simulation');
});
