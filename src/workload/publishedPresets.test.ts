import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildWorkload } from './build.js';
import { ALPACA_STATS, lognormalFromMean, lognormalFromMedianP90, SHAREGPT_STATS } from './publishedPresets.js';
import { median, take } from './testSupport.js';

function within(actual: number, expected: number, relTol: number, what: string): void {
  assert.ok(Math.abs(actual / expected - 1) <= relTol, `${what}: ${actual} vs ${expected} (±${relTol * 100}%)`);
}

const quantile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(p * (s.length - 1))]!;
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('presets built from published statistics', () => {
  const n = 100_000;

  it('sharegpt reproduces the published medians and 90th percentiles', () => {
    const rs = take(buildWorkload({ preset: 'sharegpt', numRequests: n }, 3).make());
    assert.equal(rs.length, n);
    const p = rs.map((r) => r.promptTokens);
    const o = rs.map((r) => r.outputTokens);
    within(median(p), SHAREGPT_STATS.prompt.median, 0.02, 'prompt median');
    within(quantile(p, 0.9), SHAREGPT_STATS.prompt.p90, 0.03, 'prompt P90');
    within(median(o), SHAREGPT_STATS.output.median, 0.02, 'output median');
    within(quantile(o, 0.9), SHAREGPT_STATS.output.p90, 0.03, 'output P90');
    assert.ok(rs.every((r) => r.type === 'conversation' && r.promptTokens >= 1 && r.outputTokens >= 1));
  });

  it('alpaca reproduces the published means, in the stats and in samples', () => {
    const h = buildWorkload({ preset: 'alpaca', numRequests: n }, 4);
    within(h.stats.meanPromptTokens, ALPACA_STATS.prompt.mean, 1e-12, 'stats prompt mean');
    within(h.stats.meanOutputTokens, ALPACA_STATS.output.mean, 1e-12, 'stats output mean');
    const rs = take(h.make());
    within(mean(rs.map((r) => r.promptTokens)), ALPACA_STATS.prompt.mean, 0.02, 'sampled prompt mean');
    within(mean(rs.map((r) => r.outputTokens)), ALPACA_STATS.output.mean, 0.02, 'sampled output mean');
    assert.ok(rs.every((r) => r.type === 'instruction'));
  });

  it('arrivals are Poisson at the requested rate; same seed, same stream', () => {
    const a = take(buildWorkload({ preset: 'alpaca', rate: 20, numRequests: 20_000 }, 5).make());
    const rate = (a.length - 1) / (a[a.length - 1]!.arrival - a[0]!.arrival);
    within(rate, 20, 0.03, 'rate');
    const gaps = a.slice(1).map((r, i) => r.arrival - a[i]!.arrival);
    const m = mean(gaps);
    const cv = Math.sqrt(mean(gaps.map((g) => (g - m) ** 2))) / m;
    within(cv, 1, 0.05, 'gap CV (Poisson: 1)');
    const b = take(buildWorkload({ preset: 'alpaca', rate: 20, numRequests: 20_000 }, 5).make());
    assert.deepEqual(a, b);
  });

  it('the descriptions say these are generators, not the datasets', () => {
    for (const preset of ['sharegpt', 'alpaca']) {
      assert.match(buildWorkload({ preset }, 1).description, /generator from published statistics.*not the dataset/);
    }
  });

  it('fits refuse impossible statistics', () => {
    assert.throws(() => lognormalFromMedianP90(100, 50), RangeError);
    assert.throws(() => lognormalFromMean(0.5, 1), RangeError);
  });
});
