import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../kernel/rng.js';
import { exactSum } from './exactSum.js';
import { distribution, distributionInPlace, quantileSorted, streamDistribution, streamingDistribution, weightedDistribution, weightedDistributionOf } from './quantile.js';
import { referenceDistribution, referenceWeightedDistribution, sortWithWeights } from './quantileReference.js';

const KEYS = ['p50', 'p90', 'p95', 'p99'] as const;

test('type-7 quantiles match hand-computed values', () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([1, 2, 3, 4], 1), 4);
  assert.equal(quantileSorted([5], 0.99), 5);
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
  const d = distribution([10, 0, 5]);
  assert.equal(d.mean, 5);
  assert.equal(d.p50, 5);
  assert.equal(d.p90, 9);
});

/** Random samples of several shapes: continuous, heavy ties, a few distinct values, negatives, NaN. */
function sample(rng: Rng, n: number, shape: number): number[] {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    if (shape === 0) xs.push(rng.lognormal(-3, 1));
    else if (shape === 1) xs.push(rng.int(30) / 7);
    else if (shape === 2) xs.push(rng.int(3) === 0 ? 0.25 : 0.5);
    else if (shape === 3) xs.push(rng.uniform(-1e3, 1e3));
    else xs.push(rng.int(50) === 0 ? Number.NaN : rng.exponential(2));
  }
  return xs;
}

/** Means may differ from the naive sorted-order sum by its rounding error, bounded by n·eps·mean|x|. */
function closeMean(a: number, b: number, xs: readonly number[], ws?: readonly number[]): void {
  if (Number.isNaN(b)) return assert.ok(Number.isNaN(a));
  let abs = 0;
  let tot = 0;
  xs.forEach((x, i) => {
    abs += Math.abs(x) * (ws ? (ws[i] as number) : 1);
    tot += ws ? (ws[i] as number) : 1;
  });
  assert.ok(Math.abs(a - b) <= 1e-10 * (abs / tot), `mean ${a} vs ${b}`);
}

function sameBits(a: number, b: number, what: string): void {
  assert.ok(Object.is(a, b), `${what}: ${a} vs ${b}`);
}

test('selection gives the percentiles of the sort-based reference bit for bit', () => {
  const rng = new Rng('select');
  for (const n of [0, 1, 2, 3, 7, 100, 601, 5000, 40_000]) {
    for (let shape = 0; shape < 5; shape++) {
      const xs = sample(rng, n, shape);
      const a = distribution(xs);
      const b = referenceDistribution(xs);
      for (const k of KEYS) sameBits(a[k], b[k], `n=${n} shape=${shape} ${k}`);
      closeMean(a.mean, b.mean, xs);
    }
  }
});

test('streamed selection (radix select over a sample produced on demand) gives the reference percentiles bit for bit', () => {
  const rng = new Rng('stream');
  const check = (xs: readonly number[], what: string, maxVisits = 2): void => {
    let visits = 0;
    const a = streamDistribution((sink) => {
      visits++;
      for (const x of xs) sink.push(x);
    });
    const b = referenceDistribution(xs);
    for (const k of KEYS) sameBits(a[k], b[k], `${what} ${k}`);
    closeMean(a.mean, b.mean, xs);
    assert.ok(visits <= maxVisits, `${what}: ${visits} passes`);
  };
  for (const n of [0, 1, 2, 5, 1000, 70_000]) for (let shape = 0; shape < 5; shape++) check(sample(rng, n, shape), `n=${n} shape=${shape}`, 4);
  check(Array.from({ length: 100_000 }, (_, i) => i), 'ascending');
  check(Array.from({ length: 100_000 }, (_, i) => -i), 'descending');
  check(Array.from({ length: 100_000 }, (_, i) => (i % 6 === 0 ? 1e9 + i : i)), 'two clusters');
  // Signed zeros and infinities: the key order is the sort's (-0 before +0).
  check(Array.from({ length: 20_000 }, (_, i) => [-0, 0, -0, 1, -1, Infinity, -Infinity][i % 7] as number), 'signed zeros', 4);
  // Every value in one top-16-bit bucket: split by the next digit (three passes).
  check(Array.from({ length: 300_000 }, () => 1 + rng.next() / 32), 'one top bucket', 3);
  // Every value sharing its top 32 bits: split twice (four passes).
  check(Array.from({ length: 300_000 }, () => 1 + rng.int(1 << 20) * 2 ** -52), 'one 32-bit bucket', 4);
  // A single value repeated: all 64 bits fixed by the digits, no copy at all.
  check(Array.from({ length: 300_000 }, () => 0.1), 'constant', 4);
  check([...Array.from({ length: 300_000 }, () => 0.1), ...Array.from({ length: 1000 }, () => 0.2)], 'constant and a tail', 4);
});

test('samples sharing one loop finish independently, one of them needing deeper passes', () => {
  const n = 100_000;
  const plain = (i: number): number => (i * 7919) % 1000;
  const concentrated = (i: number): number => 1 + ((i * 7919) % 100_003) * 2 ** -30; // one 16-bit bucket
  const a = streamingDistribution();
  const b = streamingDistribution();
  let passes = 0;
  let more = true;
  let aDone = 0;
  while (more) {
    passes++;
    for (let i = 0; i < n; i++) {
      a.push(plain(i));
      b.push(concentrated(i));
    }
    const ma = a.endPass();
    if (!ma && aDone === 0) aDone = passes;
    more = [ma, b.endPass()].some((x) => x);
  }
  assert.equal(aDone, 2);
  assert.equal(passes, 3);
  const ra = referenceDistribution(Array.from({ length: n }, (_, i) => plain(i)));
  const rb = referenceDistribution(Array.from({ length: n }, (_, i) => concentrated(i)));
  for (const k of KEYS) {
    sameBits(a.distribution()[k], ra[k], `plain ${k}`);
    sameBits(b.distribution()[k], rb[k], `concentrated ${k}`);
  }
});

test('in-place selection over a prefix ignores the rest of the buffer', () => {
  const buf = new Float64Array([5, 1, 4, 2, 3, 100, -100]);
  const d = distributionInPlace(buf, 5);
  assert.equal(d.p50, 3);
  assert.equal(d.mean, 3);
  assert.deepEqual(Array.from(buf.subarray(5)), [100, -100]);
});

test('weighted selection gives the percentiles of the sort-based reference bit for bit', () => {
  const rng = new Rng('wselect');
  for (const n of [1, 2, 50, 700, 20_000, 120_000]) {
    for (let shape = 0; shape < 5; shape++) {
      const vals = sample(rng, n, shape);
      const ws = vals.map(() => (rng.int(4) === 0 ? 0 : 1 + rng.int(rng.int(2) ? 3 : 300)));
      const a = weightedDistribution(vals, ws);
      const b = referenceWeightedDistribution(vals, ws);
      for (const k of KEYS) sameBits(a[k], b[k], `n=${n} shape=${shape} ${k}`);
      closeMean(a.mean, b.mean, vals, ws);
    }
  }
});

test('weighted quantiles equal the quantiles of the expanded sample, across segments', () => {
  const rng = new Rng('wq');
  for (let round = 0; round < 20; round++) {
    const n = 1 + rng.int(200);
    const vals: number[] = [];
    const ws: number[] = [];
    const expanded: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = rng.int(30) / 7; // many ties
      const w = rng.int(5); // zero weights too
      vals.push(v);
      ws.push(w);
      for (let k = 0; k < w; k++) expanded.push(v);
    }
    if (expanded.length === 0) continue;
    const cut = rng.int(n + 1);
    const seg = (from: number, to: number) => ({ values: Float64Array.from(vals.slice(from, to)), weights: Uint8Array.from(ws.slice(from, to)), length: to - from });
    const a = weightedDistributionOf([seg(0, cut), seg(cut, n)]);
    const b = distribution(expanded);
    for (const key of KEYS) sameBits(a[key], b[key], key);
    assert.ok(Math.abs(a.mean - b.mean) < 1e-9);
  }
});

test('weights must be integer multiplicities; large ones are split without changing quantiles', () => {
  assert.throws(() => weightedDistribution([1, 2], [1, 0.5]), /weight 1 is 0.5/);
  const d = weightedDistribution([1, 2, 3], [100_000, 200_001, 1]);
  assert.equal(d.p50, 2);
  assert.equal(d.p90, 2);
  const r = referenceWeightedDistribution([1, 2, 3], [100_000, 200_001, 1]);
  for (const k of KEYS) sameBits(d[k], r[k], k);
});

test('exact sums do not depend on the order of the terms', () => {
  const rng = new Rng('fsum');
  const xs = Array.from({ length: 10_000 }, () => rng.lognormal(0, 3) * (rng.int(2) ? 1 : -1));
  const s = exactSum(xs);
  const shuffled = [...xs].reverse();
  assert.equal(exactSum(shuffled), s);
  assert.equal(exactSum([1e16, 1, -1e16]), 1);
  assert.equal(exactSum([0.1, 0.2, 0.3]), 0.6);
});

test('reference radix sort with weights orders negative, zero and positive values and keeps pairs', () => {
  const vals = [3.5, -1, 0, -0.25, 1e-12, 2, -1e9, 3.5];
  const ws = [1, 2, 3, 4, 5, 6, 7, 8];
  const { sorted, w } = sortWithWeights(vals, ws);
  assert.deepEqual(Array.from(sorted), [-1e9, -1, -0.25, 0, 1e-12, 2, 3.5, 3.5]);
  assert.deepEqual(Array.from(w), [7, 2, 4, 3, 5, 6, 1, 8]);
});

test('weighted selection agrees with the reference on clustered (TBT-like), periodic, signed-zero and tied data', () => {
  const rng = new Rng('wwindows');
  const cases: { name: string; value: (i: number) => number; n: number }[] = [
    // TBT-like: gaps clustered in a few binades, with a tail.
    { name: 'clustered', n: 150_000, value: () => (rng.next() < 0.98 ? 0.02 + 0.01 * rng.next() : 0.03 + rng.next() * rng.next()) },
    { name: 'periodic', n: 100_000, value: (i) => (i % 19 === 18 ? 0.001 * rng.next() : 1 + rng.next()) },
    { name: 'zeros', n: 30_000, value: () => (rng.next() < 0.5 ? (rng.next() < 0.5 ? -0 : 0) : rng.next() - 0.5) },
    { name: 'ties', n: 80_000, value: () => rng.int(5) / 4 },
  ];
  for (const c of cases) {
    const vals = Array.from({ length: c.n }, (_, i) => c.value(i));
    const ws = vals.map(() => (rng.int(10) === 0 ? 0 : 1 + rng.int(rng.int(2) ? 3 : 255)));
    const a = weightedDistribution(vals, ws);
    const b = referenceWeightedDistribution(vals, ws);
    for (const k of KEYS) sameBits(a[k], b[k], `${c.name} ${k}`);
    closeMean(a.mean, b.mean, vals, ws);
  }
});

test('weighted selection: fine first digits, deep refinement, and the 16-bit fallback for wide ranges all agree with the reference', () => {
  const rng = new Rng('wdeep');
  const cases: { name: string; value: () => number; n: number }[] = [
    // More than 16k entries in one 24-bit bucket: split by 16 more bits (40), then 56, then the last 8.
    { name: 'one 24-bit bucket', n: 60_000, value: () => 1 + rng.int(1 << 20) * 2 ** -32 },
    { name: 'one 24-bit bucket, low bits', n: 60_000, value: () => 1 + rng.int(1 << 16) * 2 ** -40 },
    { name: 'one 40-bit bucket', n: 60_000, value: () => 1 + rng.int(1 << 12) * 2 ** -52 },
    { name: 'constant', n: 60_000, value: () => 0.03125 },
    { name: 'constant and a tail', n: 60_000, value: () => (rng.next() < 0.999 ? 0.03125 : 0.5) },
    // Values spanning more than 128 binary exponents (and both signs): 16-bit first digits.
    { name: 'wide range', n: 60_000, value: () => (rng.int(2) ? -1 : 1) * 2 ** (rng.int(400) - 200) * (1 + rng.next()) },
    { name: 'wide range, ties', n: 60_000, value: () => 2 ** (rng.int(300) - 150) },
    { name: 'wide range, one 16-bit bucket', n: 60_000, value: () => (rng.int(20) === 0 ? 2 ** (rng.int(300) - 150) : 1 + rng.int(1 << 20) * 2 ** -36) },
    { name: 'negative and positive', n: 60_000, value: () => rng.uniform(-2, 2) },
    { name: 'with NaN', n: 20_000, value: () => (rng.int(30) === 0 ? Number.NaN : rng.exponential(1)) },
  ];
  for (const c of cases) {
    const vals = Array.from({ length: c.n }, () => c.value());
    const ws = vals.map(() => (rng.int(10) === 0 ? 0 : 1 + rng.int(rng.int(2) ? 3 : 255)));
    const a = weightedDistribution(vals, ws);
    const b = referenceWeightedDistribution(vals, ws);
    for (const k of KEYS) sameBits(a[k], b[k], `${c.name} ${k}`);
    closeMean(a.mean, b.mean, vals, ws);
  }
});
