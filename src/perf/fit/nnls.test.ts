import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leastSquares, nnls, type Matrix } from './nnls.js';

const close = (a: number, b: number, tol = 1e-9): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

test('leastSquares: exact solution of a consistent overdetermined system; rank-deficient columns stay 0', () => {
  const a = [
    [1, 2, 0],
    [3, 1, 1],
    [0, 1, 4],
    [2, 2, 2],
  ];
  const x = [0.5, -1.25, 2];
  const b = a.map((r) => r.reduce((s, v, j) => s + v * (x[j] as number), 0));
  const got = leastSquares(a, b, [0, 1, 2]);
  got.forEach((v, j) => assert.ok(close(v, x[j] as number), `${v} vs ${x[j]}`));
  // Only column 0 and 2: the residual is orthogonal to both columns.
  const sub = leastSquares(a, b, [0, 2]);
  assert.equal(sub[1], 0);
  const r = a.map((row, i) => (b[i] as number) - (row[0] as number) * (sub[0] as number) - (row[2] as number) * (sub[2] as number));
  for (const j of [0, 2]) assert.ok(Math.abs(a.reduce((s, row, i) => s + (row[j] as number) * (r[i] as number), 0)) < 1e-9);
  // A duplicated column: a basic solution, finite.
  const dup = a.map((row) => [row[0] as number, row[0] as number]);
  const d = leastSquares(dup, b, [0, 1]);
  assert.ok(d.every(Number.isFinite));
});

/** Brute force: the best least-squares solution over every support whose solution is >= 0. */
function bruteNnls(a: Matrix, b: number[]): number {
  const n = a[0]!.length;
  let best = Infinity;
  for (let mask = 0; mask < 1 << n; mask++) {
    const cols = [...Array(n).keys()].filter((j) => mask & (1 << j));
    const x = leastSquares(a, b, cols);
    if (x.some((v) => v < -1e-12)) continue;
    const rss = a.reduce((s, row, i) => s + ((b[i] as number) - row.reduce((t, v, j) => t + v * (x[j] as number), 0)) ** 2, 0);
    best = Math.min(best, rss);
  }
  return best;
}

test('nnls: matches the brute-force optimum over supports on seeded random problems, and x >= 0', () => {
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  };
  for (let trial = 0; trial < 40; trial++) {
    const m = 8;
    const n = 4;
    const a = Array.from({ length: m }, () => Array.from({ length: n }, () => rnd() * (trial % 2 ? 1e-3 : 1)));
    const b = Array.from({ length: m }, () => rnd());
    const x = nnls(a, b);
    assert.ok(x.every((v) => v >= 0), `trial ${trial}: ${x}`);
    const rss = a.reduce((s, row, i) => s + ((b[i] as number) - row.reduce((t, v, j) => t + v * (x[j] as number), 0)) ** 2, 0);
    assert.ok(rss <= bruteNnls(a, b) * (1 + 1e-9) + 1e-18, `trial ${trial}: rss ${rss} vs ${bruteNnls(a, b)}`);
  }
});

test('nnls: a free column may go negative; a constrained one stops at 0', () => {
  const a = [
    [1, 1],
    [1, 2],
    [1, 3],
  ];
  const b = [-1, -2, -3]; // exactly x = (0, -1)
  assert.deepEqual(nnls(a, b).map((v) => Math.round(v * 1e9) / 1e9), [0, 0]);
  const free = nnls(a, b, [1]);
  assert.ok(close(free[0] as number, 0) && close(free[1] as number, -1));
});
