import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { integrate } from './quadrature.js';
import { besselK, gamma, tQuantile975 } from './special.js';

test('besselK agrees with its integral representation K_n(x) = int_0^inf exp(-x cosh t) cosh(n t) dt', () => {
  for (const n of [0, 1, 2, 3]) {
    for (const x of [0.05, 0.7, 2, 9]) {
      const k = (t: number): number => {
        const e = Math.exp(-x * Math.cosh(t));
        return e === 0 ? 0 : e * Math.cosh(n * t); // avoid 0 * Infinity far out
      };
      const ref = integrate(k, 0, Number.POSITIVE_INFINITY, {
        relTol: 1e-13,
        absTol: 0,
      }).value;
      // The bessel package uses polynomial approximations good to about 1e-7 relative.
      assert.ok(Math.abs(besselK(n, x) / ref - 1) < 2e-7, `K_${n}(${x}) = ${besselK(n, x)} vs ${ref}`);
    }
  }
  assert.throws(() => besselK(1, 0), ConfigError);
  assert.throws(() => besselK(1.5, 1), ConfigError);
});

test('t quantiles match published tables and approach the normal quantile', () => {
  const table: [number, number][] = [
    [1, 12.7062],
    [2, 4.3027],
    [5, 2.5706],
    [10, 2.2281],
    [11, 2.201],
    [12, 2.1788],
    [20, 2.086],
    [31, 2.0395],
    [120, 1.9799],
  ];
  for (const [df, t] of table) assert.ok(Math.abs(tQuantile975(df) - t) < 1e-4, `df ${df}: ${tQuantile975(df)}`);
  assert.ok(Math.abs(tQuantile975(1e9) - 1.959964) < 1e-6);
});

test('gamma function: integers, half-integers', () => {
  assert.ok(Math.abs(gamma(5) - 24) < 1e-12);
  assert.ok(Math.abs(gamma(0.5) - Math.sqrt(Math.PI)) < 1e-13);
  assert.ok(Math.abs(gamma(3) - 2) < 1e-13);
});
