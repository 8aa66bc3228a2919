import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RandomStreams, type Rng } from '../kernel/rng.js';
import {
  binnedOutput,
  guidedUpperBound,
  upperBound,
  empiricalBinnedOutput,
  empiricalLength,
  fixedLength,
  lognormalByMedian,
  lognormalLength,
  normalCdf,
  paretoLength,
  quantileTableLength,
  type LengthDist,
} from './lengths.js';
import { median } from './testSupport.js';

const rng = (name: string): Rng => new RandomStreams(11).stream(name);

function draw(d: LengthDist, n: number, name = d.spec): number[] {
  const r = rng(name);
  return Array.from({ length: n }, () => d.sample(r));
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const min = (xs: readonly number[]): number => xs.reduce((a, b) => Math.min(a, b), Infinity);
const max = (xs: readonly number[]): number => xs.reduce((a, b) => Math.max(a, b), -Infinity);

function assertTokens(xs: readonly number[]): void {
  assert.ok(xs.every((x) => Number.isInteger(x) && x >= 1), 'every sample is an integer >= 1');
}

/** The empirical P(sample < k) agrees with probBelow(k) within 4 standard errors. */
function assertProbBelow(d: LengthDist, xs: readonly number[], ks: readonly number[]): void {
  for (const k of ks) {
    const p = d.probBelow(k);
    const got = xs.filter((x) => x < k).length / xs.length;
    const se = Math.sqrt((p * (1 - p)) / xs.length) + 1e-9;
    assert.ok(Math.abs(got - p) <= 4 * se + 1e-3, `${d.spec}: P(x < ${k}) ${got} vs ${p}`);
  }
}

describe('length distributions', () => {
  it('fixed', () => {
    const d = fixedLength(512);
    assert.deepEqual(draw(d, 5), [512, 512, 512, 512, 512]);
    assert.equal(d.mean, 512);
    assert.deepEqual([d.probBelow(512), d.probBelow(513)], [0, 1]);
  });

  it('lognormal by median: median, log-sd and mean', () => {
    const d = lognormalByMedian(1000, 0.8);
    const xs = draw(d, 100_000);
    assertTokens(xs);
    assert.ok(Math.abs(median(xs) / 1000 - 1) < 0.02, `median ${median(xs)}`);
    const logs = xs.map(Math.log);
    const m = mean(logs);
    const sd = Math.sqrt(mean(logs.map((x) => (x - m) ** 2)));
    assert.ok(Math.abs(sd - 0.8) < 0.02, `log-sd ${sd}`);
    assert.ok(Math.abs(mean(xs) / d.mean - 1) < 0.02, `mean ${mean(xs)} vs ${d.mean}`);
    assertProbBelow(d, xs, [100, 500, 1000, 3000]);
  });

  it('lognormal by mu/sigma equals the median form with median e^mu', () => {
    const a = draw(lognormalLength(Math.log(50), 1), 100, 'same');
    const b = draw(lognormalByMedian(50, 1), 100, 'same');
    assert.deepEqual(a, b);
  });

  it('small lognormal values still give >= 1 token without clamping (ceiling)', () => {
    const xs = draw(lognormalByMedian(2, 1.5), 20_000);
    assertTokens(xs);
    assert.ok(xs.filter((x) => x === 1).length > 1000, 'mass below 1 lands on 1 via the ceiling');
  });

  it('Pareto: minimum, mean and tail', () => {
    const d = paretoLength(100, 2.5);
    const xs = draw(d, 200_000);
    assertTokens(xs);
    assert.ok(min(xs) >= 100);
    assert.ok(Math.abs(mean(xs) / d.mean - 1) < 0.03, `mean ${mean(xs)} vs ${d.mean}`);
    assertProbBelow(d, xs, [101, 150, 300, 1000]);
  });

  it('empirical: samples with replacement from the given values only', () => {
    const values = [3, 3, 3, 10, 50];
    const d = empiricalLength(values);
    const xs = draw(d, 50_000);
    assert.ok(xs.every((x) => values.includes(x)));
    assert.ok(Math.abs(xs.filter((x) => x === 3).length / xs.length - 0.6) < 0.01);
    assert.equal(d.mean, 13.8);
    assert.deepEqual([d.probBelow(3), d.probBelow(4), d.probBelow(51)], [0, 0.6, 1]);
    assert.throws(() => empiricalLength([0, 5]), /integers >= 1/);
    assert.throws(() => empiricalLength([]), /no values/);
  });

  it('quantile table: reproduces its knots, stays in range, probBelow matches sampling', () => {
    const probs = [0, 0.25, 0.5, 0.75, 1];
    const values = [1, 10, 100, 100, 1000];
    const d = quantileTableLength(probs, values);
    const xs = draw(d, 100_000);
    assertTokens(xs);
    assert.ok(min(xs) >= 1 && max(xs) <= 1000);
    assert.equal(median(xs), 100);
    assert.ok(Math.abs(xs.filter((x) => x === 100).length / xs.length - 0.25) < 0.01, 'a flat segment is an atom');
    assertProbBelow(d, xs, [5, 10, 50, 100, 101, 500]);
    assert.ok(Math.abs(mean(xs) / d.mean - 1) < 0.02, `mean ${mean(xs)} vs ${d.mean}`);
    assert.throws(() => quantileTableLength([0, 0.5], [1, 2]), /probs from 0 to 1/);
    assert.throws(() => quantileTableLength([0, 1], [5, 2]), /out of order/);
    assert.throws(() => quantileTableLength([0, 1], [0, 2]), />= 1/);
  });

  it('normalCdf', () => {
    assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
    assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6);
    assert.ok(Math.abs(normalCdf(-1) - 0.158655254) < 1e-6);
  });
});

describe('output given prompt-length bin', () => {
  const model = binnedOutput([1, 100, 1000], [fixedLength(5), fixedLength(50), fixedLength(500)], 'test');

  it('routes each prompt to its bin', () => {
    const r = rng('bins');
    assert.deepEqual([1, 99, 100, 999, 1000, 10 ** 6].map((p) => model.sample(r, p)), [5, 5, 50, 50, 500, 500]);
  });

  it('meanGiven weights bins by the prompt distribution', () => {
    const prompt = empiricalLength([10, 10, 200, 5000]);
    assert.equal(model.meanGiven(prompt), 0.5 * 5 + 0.25 * 50 + 0.25 * 500);
    const ln = lognormalByMedian(300, 1.2);
    const r = rng('mc');
    const r2 = rng('mc-out');
    let sum = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) sum += model.sample(r2, ln.sample(r));
    assert.ok(Math.abs(sum / n / model.meanGiven(ln) - 1) < 0.02);
  });

  it('empirical binned model samples within the bin and borrows for empty bins', () => {
    const prompts = [5, 6, 7, 500, 600];
    const outputs = [1, 2, 3, 70, 80];
    const m = empiricalBinnedOutput(prompts, outputs, [1, 100, 1000, 5000]);
    const r = rng('eb');
    for (let i = 0; i < 200; i++) {
      assert.ok([1, 2, 3].includes(m.sample(r, 50)));
      assert.ok([70, 80].includes(m.sample(r, 700)));
      assert.ok([70, 80].includes(m.sample(r, 3000)), 'empty bin [1000, 5000) borrows the bin below');
    }
  });

  it('rejects bins that miss small prompts or are out of order', () => {
    assert.throws(() => binnedOutput([10], [fixedLength(1)], 'x'), /first bin/);
    assert.throws(() => binnedOutput([1, 5, 5], [fixedLength(1), fixedLength(1), fixedLength(1)], 'x'), /increase/);
  });
});

describe('guidedUpperBound', () => {
  it('gives upperBound’s index for every u, including knots, bucket edges and values outside [0, 1)', () => {
    const rng = new RandomStreams(7).stream('guided');
    const tables = [
      [...Array.from({ length: 100 }, (_, i) => i / 100), 0.995, 0.999, 0.9995, 0.9999, 1],
      [0, 0.5, 0.5, 0.5, 1],
      [0, 1e-9, 0.00390625, 0.0039062500000000004, 0.25, 0.999999, 1],
      [0, 1],
    ];
    for (const probs of tables) {
      const search = guidedUpperBound(probs);
      const us = [...probs, ...Array.from({ length: 257 }, (_, k) => k / 256), -0.1, 1, 1.5, Number.NaN];
      for (let i = 0; i < 20_000; i++) us.push(rng.next());
      for (const u of us) assert.equal(search(u), upperBound(probs, u), `u=${u}`);
    }
  });
});

describe('quantileTableLength', () => {
  it('samples exactly what the plain inverse-CDF interpolation gives for the same draws', () => {
    // The straightforward definition: first knot with prob > u by binary search, then interpolation.
    const reference = (probs: readonly number[], values: readonly number[], u: number): number => {
      const j = Math.max(1, upperBound(probs, u));
      if (j >= values.length) return values[values.length - 1]!;
      const p0 = probs[j - 1]!;
      const v0 = values[j - 1]!;
      return Math.round(v0 + ((u - p0) / (probs[j]! - p0)) * (values[j]! - v0));
    };
    const tables: [number[], number[]][] = [
      [[...Array.from({ length: 100 }, (_, i) => i / 100), 0.995, 0.999, 0.9995, 0.9999, 1], Array.from({ length: 105 }, (_, i) => 1 + i * i * 1.37)],
      [[0, 1e-9, 0.00390625, 0.0039062500000001, 0.25, 0.999999, 1], [1, 2, 2, 7.5, 100, 100.5, 4000]],
      [[0, 1], [3, 3]],
    ];
    for (const [probs, values] of tables) {
      const dist = quantileTableLength(probs, values);
      const a = new RandomStreams(5).stream('qt');
      const b = new RandomStreams(5).stream('qt');
      for (let i = 0; i < 50_000; i++) assert.equal(dist.sample(a), reference(probs, values, b.next()), `draw ${i}`);
      for (const k of [0, 1, 2, 50, 4000, 5000]) assert.ok(dist.probBelow(k) >= 0 && dist.probBelow(k) <= 1);
    }
  });
});

describe('binnedOutput', () => {
  it('draws from the bin upperBound finds, for integer prompts (looked up) and any others (searched)', () => {
    const probs = [0, 0.5, 1];
    const dists = [1, 2, 3, 4, 5].map((k) => quantileTableLength(probs, [k, 10 * k, 100 * k]));
    for (const edges of [[1, 128, 256, 512, 1024], [0.5, 3, 3.5, 7, 1e6]]) {
      const model = binnedOutput(edges, dists, 'test');
      const a = new RandomStreams(3).stream('binned');
      const b = new RandomStreams(3).stream('binned');
      const pick = new RandomStreams(4).stream('prompts');
      const prompts = [1, 2, 3, 4, 7, 127, 128, 129, 255, 256, 1023, 1024, 1025, 5000, 2e6, 1.5, 3.25, 127.5, 1e6, 1e6 + 1];
      for (let i = 0; i < 20_000; i++) prompts.push(1 + pick.int(3000));
      for (const p of prompts) assert.equal(model.sample(a, p), dists[upperBound(edges, p) - 1]!.sample(b), `prompt ${p}`);
    }
  });
});
