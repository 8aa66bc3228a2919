import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { groupedGrid, median, PiecewiseLinear } from './interp.js';

test('piecewise linear: exact at grid points, linear between', () => {
  const xs = [1, 2, 4, 8, 16];
  const ys = [10, 11, 15, 16, 30];
  const f = new PiecewiseLinear(xs, ys);
  xs.forEach((x, i) => assert.equal(f.at(x), ys[i]));
  assert.equal(f.at(3), 13);
  assert.equal(f.at(6), 15.5);
  assert.equal(f.at(12), 23);
});

test('piecewise linear: flat below the first point, extrapolates with the upper-half slope above', () => {
  const f = new PiecewiseLinear([1, 2, 4, 8, 16], [10, 11, 15, 16, 30]);
  assert.equal(f.at(0), 10);
  assert.equal(f.at(-5), 10);
  // upper half: from x=8 (the largest x <= 16/2) to 16: slope 14/8
  assert.equal(f.at(24), 30 + (14 / 8) * 8);
  const falling = new PiecewiseLinear([1, 2], [5, 3]);
  assert.equal(falling.at(100), 3, 'a falling tail is clamped flat');
  assert.equal(new PiecewiseLinear([7], [2]).at(1000), 2);
});

test('piecewise linear: rejects unsorted or non-finite grids', () => {
  assert.throws(() => new PiecewiseLinear([1, 1], [1, 2]), ConfigError);
  assert.throws(() => new PiecewiseLinear([2, 1], [1, 2]), ConfigError);
  assert.throws(() => new PiecewiseLinear([1, Number.NaN], [1, 2]), ConfigError);
  assert.throws(() => new PiecewiseLinear([], []), ConfigError);
});

test('groupedGrid reduces repeated x values', () => {
  const g = groupedGrid([4, 1, 4, 4], [7, 1, 5, 100], median);
  assert.deepEqual(g, { xs: [1, 4], ys: [1, 7] });
});
