import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CumulativeFit } from './cumulative.js';
import { gk21, integrate } from './quadrature.js';

test('the 21-point Kronrod rule is exact for polynomials up to degree 31 and its Gauss part to 19', () => {
  const [k30] = gk21((x) => x ** 30, -1, 1);
  assert.ok(Math.abs(k30 - 2 / 31) < 1e-15);
  const [k20, err20] = gk21((x) => x ** 20, 0, 1);
  assert.ok(Math.abs(k20 - 1 / 21) < 1e-15);
  // The error estimate compares Kronrod with Gauss; degree 20 is beyond Gauss, so it is nonzero.
  assert.ok(err20 > 0);
});

test('adaptive quadrature meets its tolerance on infinite ranges and at an x^(-1/2) singularity', () => {
  const e = integrate((x) => Math.exp(-x), 0, Number.POSITIVE_INFINITY);
  assert.ok(Math.abs(e.value - 1) < 1e-12);
  // Weibull(1/2) with F(x) = 1 - exp(-sqrt(2x)): density singular at 0, mean 1, E[X^2] = 6.
  const f = (x: number): number => Math.exp(-Math.sqrt(2 * x)) / Math.sqrt(2 * x);
  for (const map of ['rational', 'square'] as const) {
    const m0 = integrate(f, 0, Number.POSITIVE_INFINITY, { map, relTol: 1e-11, absTol: 0 });
    const m2 = integrate((x) => x * x * f(x), 0, Number.POSITIVE_INFINITY, { map, relTol: 1e-11, absTol: 0 });
    assert.ok(Math.abs(m0.value - 1) < 1e-9, `${map}: mass ${m0.value}`);
    assert.ok(Math.abs(m2.value - 6) < 1e-8, `${map}: second moment ${m2.value}`);
    assert.ok(m0.error < 1e-8);
  }
  // The square map removes the singularity, so it needs far fewer evaluations.
  const r = integrate(f, 0, Number.POSITIVE_INFINITY, { map: 'rational', relTol: 1e-11, absTol: 0 });
  const s = integrate(f, 0, Number.POSITIVE_INFINITY, { map: 'square', relTol: 1e-11, absTol: 0 });
  assert.ok(s.evals < r.evals);
});

test('breakpoints let kinks be integrated exactly; reversed limits change the sign', () => {
  const kink = integrate((x) => Math.abs(x - 0.3), 0, 1, { breakpoints: [0.3] });
  assert.ok(Math.abs(kink.value - (0.3 ** 2 + 0.7 ** 2) / 2) < 1e-15);
  assert.ok(kink.evals <= 42);
  const rev = integrate((x) => x, 1, 0);
  assert.ok(Math.abs(rev.value + 0.5) < 1e-15);
});

test('CumulativeFit reproduces running integrals, including a log singularity at 0 and a cut-off', () => {
  const c = CumulativeFit.build((y) => Math.exp(-y));
  for (const y of [1e-9, 0.01, 0.5, 2, 10, 60]) assert.ok(Math.abs(c.at(y) - (1 - Math.exp(-y))) < 1e-12, `y = ${y}`);
  assert.equal(c.at(0), 0);
  assert.ok(Math.abs(c.at(Number.POSITIVE_INFINITY) - 1) < 1e-12);
  // h(y) = -log(y) e^(-y) is unbounded at 0; its running integral is still resolved to 1e-10.
  const h = (y: number): number => -Math.log(y) * Math.exp(-y);
  const lg = CumulativeFit.build(h);
  for (const y of [1e-6, 0.1, 1, 5]) {
    const ref = integrate(h, 0, y, { relTol: 1e-13, absTol: 0 }).value;
    assert.ok(Math.abs(lg.at(y) - ref) < 1e-10, `log: y = ${y}: ${lg.at(y)} vs ${ref}`);
  }
  const cut = CumulativeFit.build((y) => Math.exp(-y), { upper: 3 });
  assert.ok(Math.abs(cut.at(100) - (1 - Math.exp(-3))) < 1e-12);
  assert.ok(Math.abs(cut.at(2) - (1 - Math.exp(-2))) < 1e-12);
});
