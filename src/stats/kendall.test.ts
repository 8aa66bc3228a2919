import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../kernel/rng.js';
import { kendallTau, kendallTauByComparator } from './kendall.js';

/** O(n^2) tau-b by definition. */
function naiveTau(x: number[], y: number[]): number {
  let c = 0;
  let tx = 0;
  let ty = 0;
  let n0 = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      n0++;
      const dx = Math.sign((x[i] as number) - (x[j] as number));
      const dy = Math.sign((y[i] as number) - (y[j] as number));
      if (dx === 0) tx++;
      if (dy === 0) ty++;
      c += dx * dy;
    }
  }
  return c / Math.sqrt((n0 - tx) * (n0 - ty));
}

test('kendallTau agrees with the definition on random data with ties', () => {
  const r = new Rng('tau');
  for (let rep = 0; rep < 30; rep++) {
    const n = 2 + r.int(200);
    const x = Array.from({ length: n }, () => r.int(20));
    const y = x.map((v) => (r.next() < 0.7 ? v + r.int(5) : r.int(30)));
    assert.ok(Math.abs(kendallTau(x, y) - naiveTau(x, y)) < 1e-12, `rep ${rep}`);
  }
  assert.equal(kendallTau([1, 2, 3], [3, 2, 1]), -1);
  assert.equal(kendallTau([1, 2, 3], [10, 20, 30]), 1);
  assert.ok(Number.isNaN(kendallTau([1], [1])));
});

test('kendallTau by radix sort gives the same bits as the comparator sort (floats, ties, signed zeros, wide ranges)', () => {
  const r = new Rng('tau-ranks');
  for (let rep = 0; rep < 40; rep++) {
    const n = 2 + r.int(3000);
    const pool = Array.from({ length: 1 + r.int(50) }, () => (r.next() - 0.5) * 10 ** (r.int(30) - 10));
    pool.push(0, -0);
    const pick = (): number => (r.next() < 0.5 ? (pool[r.int(pool.length)] as number) : r.next() * 1e6);
    const x = Array.from({ length: n }, pick);
    const y = x.map((v) => (r.next() < 0.5 ? v * 2 : pick()));
    assert.equal(Object.is(kendallTau(x, y), kendallTauByComparator(x, y)), true, `rep ${rep}: ${kendallTau(x, y)} vs ${kendallTauByComparator(x, y)}`);
  }
});

test('kendallTau agrees with the definition on a few thousand pairs (insertion runs and many merge levels)', () => {
  const r = new Rng('tau-long');
  for (const n of [31, 32, 33, 1000, 4099]) {
    const x = Array.from({ length: n }, () => r.int(n));
    const y = x.map((v) => (r.next() < 0.6 ? v + r.int(50) : r.int(n)) * 0.5);
    assert.ok(Math.abs(kendallTau(x, y) - naiveTau(x, y)) < 1e-12, `n ${n}`);
    assert.ok(Math.abs(kendallTauByComparator(x, y) - naiveTau(x, y)) < 1e-12, `n ${n} (comparator)`);
  }
});

test('kendallTau with integer y (one counting sort) gives the same bits as the comparator sort, at and past the 65,536-value span', () => {
  const r = new Rng('tau-int');
  const bases = [0, -40000, 2 ** 60];
  for (let rep = 0; rep < 24; rep++) {
    const n = 2 + r.int(4000);
    const base = bases[rep % 3] as number;
    const span = [10, 65535, 65536, 1000000][rep % 4] as number;
    const x = Array.from({ length: n }, () => (r.next() < 0.3 ? r.int(40) : r.next() * 100));
    // Signed zeros in x tie with each other (-0 === 0): the keyed path must read them as one key.
    for (let i = 0; i < n; i += 7) if (x[i] === 0) x[i] = -0;
    const y = x.map((v) => {
      const k = r.next() < 0.6 ? Math.floor(v) : r.int(span);
      return base === 2 ** 60 ? base + 256 * (k % 4096) : base + k;
    });
    if (rep % 3 === 0) y[0] = -0;
    if (rep % 4 === 1) y[1] = base + 65535;
    assert.equal(Object.is(kendallTau(x, y), kendallTauByComparator(x, y)), true, `rep ${rep}: ${kendallTau(x, y)} vs ${kendallTauByComparator(x, y)}`);
  }
});

test('kendallTau: x values crowded into one high word (long runs for the low-word fix-up) give the comparator bits', () => {
  const r = new Rng('tau-crowded');
  for (const [n, spread] of [
    [500, 1e-9],
    [3000, 1e-12],
    [3000, 1e-6],
    [2000, 1],
  ] as const) {
    const x = Array.from({ length: n }, () => 100 + Math.floor(r.next() * 50) * spread * (r.next() < 0.5 ? 1 : 1.5));
    const y = x.map(() => r.int(30));
    assert.equal(Object.is(kendallTau(x, y), kendallTauByComparator(x, y)), true, `n ${n} spread ${spread}`);
  }
});

test('kendallTau with integer y by value buckets: crowded, skewed and tied x give the comparator bits, and so do the x ranges the buckets refuse', () => {
  const r = new Rng('tau-buckets');
  const same = (x: number[], y: number[], what: string): void => {
    assert.equal(Object.is(kendallTau(x, y), kendallTauByComparator(x, y)), true, `${what}: ${kendallTau(x, y)} vs ${kendallTauByComparator(x, y)}`);
  };
  for (let rep = 0; rep < 12; rep++) {
    const n = 2 + r.int(6000);
    // Predicted lengths pile up near a typical value (slices split many times over), with exact ties,
    // signed zeros, values a few ulps apart and the range's two ends repeated.
    const x = Array.from({ length: n }, () => {
      const u = r.next();
      if (u < 0.6) return 210 + r.next() * 10 * r.next() ** 4;
      if (u < 0.7) return r.int(8) === 0 ? -0 : 0;
      if (u < 0.8) return 215 * (1 + r.int(4) * Number.EPSILON);
      if (u < 0.9) return r.int(30);
      return r.next() * 224;
    });
    x[r.int(n)] = 224;
    const y = x.map((v) => (r.next() < 0.5 ? Math.round(v) : r.int(1000)) + (rep % 2 === 0 ? 0 : -500));
    same(x, y, `rep ${rep}`);
  }
  // Refused by the buckets (the radix path answers): constant x, a range too wide to subtract, a
  // range too narrow to scale, values crowded into one slice by exponent.
  const n = 3000;
  const y = Array.from({ length: n }, () => r.int(50));
  same(Array.from({ length: n }, () => 7), y, 'constant x');
  same(Array.from({ length: n }, () => (r.next() < 0.5 ? -1 : 1) * 1e308 * r.next()), y, 'x across the whole double range');
  same(Array.from({ length: n }, () => 5e-324 * r.int(3)), y, 'x a few subnormals apart');
  same(Array.from({ length: n }, () => 2 ** (r.int(200) - 100)), y, 'x crowded by exponent');
});

/** Asserts that kendallTau gives the comparator path's bits (NaN included). */
function sameBits(x: ArrayLike<number>, y: ArrayLike<number>, what: string): void {
  const got = kendallTau(x, y);
  const want = kendallTauByComparator(x, y);
  assert.equal(Object.is(got, want), true, `${what}: ${got} vs ${want}`);
}

test('kendallTau by buckets over a sampled x range: values outside the sample, parts of many slices, crowded and empty parts, give the comparator bits', () => {
  const r = new Rng('tau-sampled');
  for (const n of [20_000, 40_001, 70_000]) {
    // Predicted lengths pile up near a typical value; y token counts in [0, 1000].
    const x = Array.from({ length: n }, () => (r.next() < 0.6 ? 210 + r.next() * 10 * r.next() ** 4 : 1 + r.next() * 223));
    // Extremes where the sample (every floor(n / 16384)-th pair and the last) does not look.
    const step = Math.floor(n / 16_384);
    for (let k = 0; k < 40; k++) {
      const i = 1 + step * r.int(Math.floor((n - 2) / step) - 1);
      x[i] = r.next() < 0.5 ? -5 - r.int(3) : 500 + r.int(3);
    }
    const y = x.map((v) => (r.next() < 0.5 ? Math.min(1000, Math.max(0, Math.round(v))) : r.int(1001)));
    sameBits(x, y, `n ${n}`);
    sameBits(Float64Array.from(x), Float64Array.from(y), `n ${n}, typed`);
  }
  // A slice holding more than a part (about 16,384 pairs): one part, the others empty.
  const n = 50_000;
  const x = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? r.next() * 100 : 50 + r.int(200) * 1e-9));
  const y = x.map(() => r.int(64));
  sameBits(x, y, 'one crowded slice');
});

test('kendallTau by buckets: ties in x, in y and in both, signed zeros, and y at the ends of [0, 65536)', () => {
  const r = new Rng('tau-bucket-ties');
  for (let rep = 0; rep < 16; rep++) {
    const n = 2 + r.int(rep < 8 ? 300 : 30_000);
    const x = Array.from({ length: n }, () => (r.next() < 0.5 ? r.int(20) - 10 : (r.next() - 0.5) * 20));
    for (let i = 0; i < n; i += 3) if (x[i] === 0) x[i] = -0;
    const y = x.map((v) => (r.next() < 0.5 ? Math.abs(Math.round(v)) : r.int(rep % 2 === 0 ? 8 : 65_536)));
    if (rep % 4 === 0) y[0] = -0;
    if (rep % 4 === 1) y[n - 1] = 65_535;
    sameBits(x, y, `rep ${rep}`);
    assert.ok(Math.abs(kendallTau(x, y) - (n <= 302 ? naiveTau(x, y) : kendallTauByComparator(x, y))) < 1e-12, `rep ${rep}: definition`);
  }
});

test('kendallTau: y outside the bucket path (65536, negative, fractional, NaN), x not finite, constant samples and n < 2', () => {
  const r = new Rng('tau-refused');
  const n = 5000;
  const x = Array.from({ length: n }, () => r.next() * 100);
  const y = x.map((v) => Math.round(v) + r.int(10));
  sameBits(x, y, 'plain');
  for (const [what, value] of [
    ['y 65536', 65_536],
    ['y -1', -1],
    ['y 0.5', 0.5],
    ['y NaN', Number.NaN],
    ['y Infinity', Number.POSITIVE_INFINITY],
  ] as const) {
    const y2 = y.slice();
    y2[r.int(n)] = value;
    sameBits(x, y2, what);
  }
  for (const [what, value] of [
    ['x NaN', Number.NaN],
    ['x Infinity', Number.POSITIVE_INFINITY],
    ['x -Infinity', Number.NEGATIVE_INFINITY],
  ] as const) {
    const x2 = x.slice();
    x2[1 + r.int(n - 2)] = value;
    sameBits(x2, y, what);
  }
  sameBits(Array.from({ length: n }, () => 3), y, 'constant x');
  sameBits(x, Array.from({ length: n }, () => 3), 'constant y');
  const x3 = Array.from({ length: n }, () => 3);
  x3[1] = 4; // outside every sample: the sampled range is empty
  sameBits(x3, y, 'x constant but for one pair');
  assert.ok(Number.isNaN(kendallTau([], [])));
  assert.ok(Number.isNaN(kendallTau([5], [7])));
  assert.equal(kendallTau([1, 2], [3, 4]), 1);
  assert.equal(kendallTau([1, 2], [4, 3]), -1);
  assert.throws(() => kendallTau([1, 2], [1]), RangeError);
});
