import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../kernel/rng.js';
import { ExactSum, exactSum } from './exactSum.js';

/** Shewchuk's algorithm on its own (the implementation before the exponent buckets): the reference. */
function reference(xs: readonly number[]): number {
  const p: number[] = [];
  let special = 0;
  let hasSpecial = false;
  for (let x of xs) {
    if (!Number.isFinite(x)) {
      special += x;
      hasSpecial = true;
      continue;
    }
    let i = 0;
    for (let j = 0; j < p.length; j++) {
      let y = p[j] as number;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    p.push(x);
  }
  if (hasSpecial) return special;
  let n = p.length;
  if (n === 0) return 0;
  let hi = p[--n] as number;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = p[--n] as number;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  if (n > 0 && ((lo < 0 && (p[n - 1] as number) < 0) || (lo > 0 && (p[n - 1] as number) > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

test('exact sums equal the Shewchuk reference bit for bit: magnitudes from subnormal to huge, cancellation, zeros of both signs, specials', () => {
  const rng = new Rng('exact-sum');
  const draw = (kind: number): number => {
    const sign = rng.next() < 0.5 ? -1 : 1;
    switch (kind) {
      case 0:
        return sign * rng.next() * 2 ** (rng.int(120) - 60);
      case 1:
        return sign * rng.next() * 2 ** (rng.int(2000) - 1000);
      case 2:
        return sign * rng.int(4) * 5e-324; // subnormals and zeros
      case 3:
        return rng.next() < 0.5 ? -0 : 0;
      case 4:
        return sign * (1 + rng.next()) * 2 ** (1000 + rng.int(23)); // near the fast path's limit
      default:
        return 0.02 + 0.01 * rng.next(); // latency-like
    }
  };
  for (let round = 0; round < 400; round++) {
    const n = rng.int(round < 50 ? 6 : 3000);
    const kinds = [rng.int(6), rng.int(6)];
    const xs: number[] = [];
    for (let i = 0; i < n; i++) xs.push(draw(kinds[rng.int(2)] as number));
    if (round % 7 === 0) for (const x of [...xs]) xs.push(-x); // exact cancellation
    if (round % 11 === 0 && n > 0) xs.push(rng.next() < 0.5 ? Number.POSITIVE_INFINITY : Number.NaN);
    const a = exactSum(xs);
    const b = reference(xs);
    assert.ok(Object.is(a, b), `round ${round}: ${a} != ${b}`);
  }
  for (const xs of [[-0], [-0, -0], [0, -0], [1, -1, -0], [-0, 1, -1], [], [Number.MAX_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE], [1e308, 1e308, -1e308, 1e-300]]) {
    assert.ok(Object.is(exactSum(xs), reference(xs)), JSON.stringify(xs));
  }
});

test('an exact sum can be read, then added to and read again', () => {
  const s = new ExactSum();
  s.add(0.1);
  s.add(0.2);
  assert.equal(s.value(), 0.30000000000000004);
  s.add(-0.3);
  assert.equal(s.value(), reference([0.1, 0.2, -0.3]));
});
