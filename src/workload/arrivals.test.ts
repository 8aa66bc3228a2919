import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RandomStreams } from '../kernel/rng.js';
import {
  fitOnOff,
  GammaArrivals,
  OnOffArrivals,
  onOffDispersion,
  onOffGapCv,
  onOffMeanRate,
  onOffWithRate,
  PoissonArrivals,
  replayTimeScale,
  type ArrivalProcess,
  type OnOffParams,
} from './arrivals.js';
import { countDispersion } from './traceStats.js';
import { gapMoments } from './testSupport.js';

const rng = (name: string) => new RandomStreams(7).stream(name);

function times(p: ArrivalProcess, n: number): number[] {
  const out = new Array<number>(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const t = p.next();
    assert.ok(t >= prev, 'arrival times never decrease');
    out[i] = prev = t;
  }
  return out;
}

function near(actual: number, expected: number, relTol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= relTol * Math.abs(expected), `${what}: ${actual} vs ${expected} (±${relTol * 100}%)`);
}

describe('Poisson and Gamma renewal arrivals', () => {
  it('Poisson: mean rate and gap CV 1', () => {
    const m = gapMoments(times(new PoissonArrivals(5, rng('p')), 200_000));
    near(1 / m.meanGap, 5, 0.02, 'rate');
    near(m.cv, 1, 0.03, 'CV');
  });

  for (const cv of [0.5, 1, 2, 3]) {
    it(`Gamma CV ${cv}: mean rate and gap CV`, () => {
      const n = 200_000;
      const m = gapMoments(times(new GammaArrivals(8, cv, rng(`g${cv}`)), n));
      near(1 / m.meanGap, 8, Math.max(0.01, (4 * cv) / Math.sqrt(n)), 'rate'); // 4 standard errors
      near(m.cv, cv, 0.05, 'CV');
    });
  }
});

describe('on/off (MMPP-2) arrivals', () => {
  const ipp: OnOffParams = { rateOn: 10, rateOff: 0, meanOnS: 2, meanOffS: 3 };

  it('interrupted Poisson: mean rate, gap CV and count dispersion match the closed forms', () => {
    const t = times(new OnOffArrivals(ipp, rng('ipp')), 300_000);
    const m = gapMoments(t);
    near(1 / m.meanGap, onOffMeanRate(ipp), 0.03, 'rate');
    near(m.cv, onOffGapCv(ipp), 0.06, 'gap CV');
    assert.ok(onOffGapCv(ipp) > 3.5, 'the test case is genuinely bursty');
    near(countDispersion(t, 5).indexOfDispersion, onOffDispersion(ipp, 5), 0.1, 'IDC(5 s)');
  });

  it('general MMPP-2 (OFF rate > 0): mean rate and dispersion', () => {
    const p: OnOffParams = { rateOn: 10, rateOff: 2, meanOnS: 3, meanOffS: 5 };
    const t = times(new OnOffArrivals(p, rng('mmpp')), 300_000);
    near(onOffMeanRate(p), 5, 1e-12, 'closed-form rate');
    near(1 / gapMoments(t).meanGap, 5, 0.03, 'rate');
    near(countDispersion(t, 10).indexOfDispersion, onOffDispersion(p, 10), 0.1, 'IDC(10 s)');
  });

  it('onOffWithRate keeps the shape and sets the mean rate', () => {
    const p = onOffWithRate({ meanOnS: 2, meanOffS: 6, offRatio: 0.25 }, 3);
    near(onOffMeanRate(p), 3, 1e-12, 'rate');
    assert.equal(p.rateOff, 0.25 * p.rateOn);
    assert.deepEqual([p.meanOnS, p.meanOffS], [2, 6]);
  });

  it('fitOnOff recovers the parameters from rate, gap CV and dispersion', () => {
    for (const p of [ipp, { rateOn: 30, rateOff: 0, meanOnS: 3.4, meanOffS: 36.6 }]) {
      const fit = fitOnOff(onOffMeanRate(p), onOffGapCv(p), onOffDispersion(p, 10), 10);
      near(fit.rateOn, p.rateOn, 1e-6, 'rateOn');
      near(fit.meanOnS, p.meanOnS, 1e-6, 'meanOnS');
      near(fit.meanOffS, p.meanOffS, 1e-6, 'meanOffS');
      assert.equal(fit.rateOff, 0);
    }
  });

  it('fitOnOff refuses statistics no interrupted Poisson process has', () => {
    assert.throws(() => fitOnOff(1, 0.9, 1.5, 10), /gap CV > 1/);
    assert.throws(() => fitOnOff(1, 3, 20, 10), /dispersion < CV\^2/);
  });
});

describe('trace replay scaling', () => {
  it('the time scale makes the replayed mean rate equal the target', () => {
    const trace = times(new PoissonArrivals(2, rng('trace')), 10_000);
    const rate = (trace.length - 1) / trace[trace.length - 1]!;
    const k = replayTimeScale(rate, 7);
    const scaled = trace.map((x) => x * k);
    near((scaled.length - 1) / scaled[scaled.length - 1]!, 7, 1e-12, 'scaled rate');
  });
});
