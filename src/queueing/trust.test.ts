import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mg1 } from './calculator.js';
import { EvalBudgetExceeded, integrate, withEvalBudget } from './quadrature.js';

/** Issue 17 item 6: the calculator never prints a value below E[S], NaN or Infinity, and ends quickly. */

test('an evaluation budget stops a quadrature deterministically and is restored afterwards', () => {
  const f = (x: number): number => Math.sin(1 / (x + 1e-9));
  assert.throws(() => withEvalBudget(500, () => integrate(f, 0, 1, { relTol: 1e-14, maxIntervals: 100_000 })), EvalBudgetExceeded);
  const r = withEvalBudget(1e6, () => integrate((x) => x * x, 0, 1));
  assert.ok(Math.abs(r.value.value - 1 / 3) < 1e-12);
  assert.ok(r.evals > 0 && r.evals < 1000);
});

test('untrustworthy quadrature on a near-deterministic size falls back to simulation and says so', () => {
  for (const policy of ['sjf', 'psjf', 'srpt']) {
    const r = mg1({ policy, lambda: 0.5, service: 'weibull:50', prediction: 'exact', jobs: 100_000 });
    assert.equal(r.source, 'simulation', policy);
    assert.equal(r.exact, undefined, policy);
    assert.match(r.note ?? '', /exact quadrature cannot be trusted here/);
    assert.ok(Number.isFinite(r.meanResponseTime) && r.meanResponseTime >= 1, `${policy}: ${r.meanResponseTime}`);
  }
});

test('a service too heavy for quadrature and for simulation is refused with the reason', () => {
  for (const [policy, k] of [['srpt', '0.02'], ['psjf', '0.01'], ['pspjf', '0.01']] as const) {
    assert.throws(
      () => mg1({ policy, lambda: 0.5, service: `weibull:${k}`, prediction: 'exact' }),
      (e: Error) => e.name === 'ConfigError' && /cannot be trusted here .*squared coefficient of variation/.test(e.message),
      policy,
    );
  }
});

test('a quadrature that does not converge is stopped by its evaluation budget within seconds', () => {
  const t0 = performance.now();
  assert.throws(
    () => mg1({ policy: 'sprpt', lambda: 0.5, service: 'weibull:0.02' }),
    (e: Error) => e.name === 'ConfigError' && /did not converge within \d+ evaluations/.test(e.message),
  );
  assert.ok(performance.now() - t0 < 30_000);
});

test('a simulation-only policy on a service too variable to simulate is refused, not printed', () => {
  assert.throws(
    () => mg1({ policy: 'sprpt-bounce', lambda: 0.5, service: 'weibull:0.01' }),
    (e: Error) => e.name === 'ConfigError' && /no exact formula for 'sprpt-bounce', and a simulation cannot resolve/.test(e.message),
  );
});

test('trusted exact answers keep their source and are at least E[S]', () => {
  for (const policy of ['fifo', 'sjf', 'psjf', 'srpt', 'sprpt']) {
    const r = mg1({ policy, lambda: 0.7, service: 'weibull:0.5', prediction: 'exp' });
    assert.equal(r.source, 'exact', policy);
    assert.ok(r.meanResponseTime >= 1 && Number.isFinite(r.meanResponseTime));
    assert.ok(r.exact !== undefined && r.exact.relTol <= 1e-6);
  }
});
