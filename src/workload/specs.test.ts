import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { RandomStreams } from '../kernel/rng.js';
import { onOffMeanRate, onOffWithRate } from './arrivals.js';
import { parseArrivalSpec, parseLengthSpec } from './specs.js';

const SHAPE = { meanOnS: 4, meanOffS: 12, offRatio: 0 };

function configError(f: () => unknown, message: string): void {
  assert.throws(f, (e: unknown) => e instanceof ConfigError && e.message === message);
}

describe('length specs', () => {
  it('parses each distribution with its parameters', () => {
    assert.equal(parseLengthSpec('fixed:128', 'k').mean, 128);
    assert.equal(parseLengthSpec(' lognormal:1469,1.2 ', 'k').spec, 'lognormal:1469,1.2');
    assert.equal(parseLengthSpec('lognormal-mu:7,1', 'k').spec, 'lognormal-mu:7,1');
    assert.equal(parseLengthSpec('pareto:100,2', 'k').mean, 200.5);
  });

  it('errors name the key, the expectation and what was received', () => {
    configError(() => parseLengthSpec('normal:5', 'workload.prompt'), "workload.prompt: unknown length distribution 'normal'; valid: fixed, lognormal, lognormal-mu, pareto");
    configError(() => parseLengthSpec('fixed:0', 'workload.output'), "workload.output: 'fixed:0': N must be an integer >= 1, got '0'");
    configError(() => parseLengthSpec('fixed:1.5', 'workload.output'), "workload.output: 'fixed:1.5': N must be an integer >= 1, got '1.5'");
    configError(() => parseLengthSpec('lognormal:100', 'workload.prompt'), "workload.prompt: 'lognormal:100': expected MEDIAN,SIGMA, got 1 value(s)");
    configError(() => parseLengthSpec('lognormal:100,-1', 'workload.prompt'), "workload.prompt: 'lognormal:100,-1': SIGMA must be > 0, got '-1'");
    configError(() => parseLengthSpec('pareto:10,1', 'workload.prompt'), "workload.prompt: 'pareto:10,1': ALPHA must be > 1 (a finite mean), got '1'");
    configError(() => parseLengthSpec('fixed:abc', 'workload.prompt'), "workload.prompt: 'fixed:abc': N must be an integer >= 1, got 'abc'");
  });
});

describe('arrival specs', () => {
  const streams = new RandomStreams(3);

  it('poisson, gamma:CV and onoff produce processes at the requested rate', () => {
    for (const spec of ['poisson', 'gamma:2.5', 'onoff', 'onoff:1,3', 'onoff:1,3,0.2']) {
      const p = parseArrivalSpec(spec, 'workload.arrival', SHAPE).create(4, streams.stream(spec));
      let t = 0;
      const n = 100_000;
      for (let i = 0; i < n; i++) t = p.next();
      assert.ok(Math.abs(n / t / 4 - 1) < 0.05, `${spec}: rate ${n / t}`);
    }
  });

  it("a bare 'onoff' uses the given default shape", () => {
    assert.equal(parseArrivalSpec('onoff', 'k', SHAPE).spec, 'onoff:4,12,0');
    assert.equal(onOffMeanRate(onOffWithRate(SHAPE, 2)), 2);
  });

  it('errors list the valid names or name the bad parameter', () => {
    configError(() => parseArrivalSpec('weibull', 'workload.arrival', SHAPE), "workload.arrival: unknown arrival process 'weibull'; valid: poisson, gamma, onoff, trace");
    configError(() => parseArrivalSpec('gamma:0', 'workload.arrival', SHAPE), "workload.arrival: 'gamma:0': CV must be > 0, got '0'");
    configError(() => parseArrivalSpec('gamma:-1', 'workload.arrival', SHAPE), "workload.arrival: 'gamma:-1': CV must be > 0, got '-1'");
    configError(() => parseArrivalSpec('gamma', 'workload.arrival', SHAPE), "workload.arrival: 'gamma': expected CV, got 0 value(s)");
    configError(() => parseArrivalSpec('poisson:3', 'workload.arrival', SHAPE), "workload.arrival: 'poisson:3': expected no parameters, got 1 value(s)");
    configError(() => parseArrivalSpec('onoff:5', 'workload.arrival', SHAPE), "workload.arrival: 'onoff:5': onoff needs both MEAN_ON_S and MEAN_OFF_S, or neither");
    configError(() => parseArrivalSpec('onoff:1,2,1', 'workload.arrival', SHAPE), "workload.arrival: 'onoff:1,2,1': OFF_RATIO must be in [0, 1), got '1'");
  });
});
