import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { mg1 } from '../calculator.js';
import { exactPrediction, exponentialPrediction, uniformPrediction } from '../prediction.js';
import { integrate } from '../quadrature.js';
import { exponentialService, weibullService } from '../service.js';
import { Mg1Model } from './model.js';
import { spjfMean, sprptMean } from './sizeBased.js';
import { trailMean } from './trail.js';

const close = (a: number, b: number, rel: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b} (rel ${Math.abs(a / b - 1)})`);

const models = (lambda: number): [string, Mg1Model][] => [
  ['M/M/1 exp predictions', new Mg1Model(lambda, exponentialService(), exponentialPrediction)],
  ['Weibull(1/2) uniform:0.5 predictions', new Mg1Model(lambda, weibullService(0.5, 0.5), uniformPrediction(0.5))],
  ['M/M/1 exact sizes', new Mg1Model(lambda, exponentialService(), exactPrediction)],
];

test('C = 0 is non-preemptive SPJF and C >= 1 is SPRPT, to quadrature accuracy', () => {
  for (const lambda of [0.5, 0.9]) {
    for (const [what, m] of models(lambda)) {
      // C = 0 reaches SPJF by a different route (the old-job term through the W fits), so this
      // checks the Fubini rewrite; C = 1 shares SPRPT's algebra term by term.
      close(trailMean(m, 0), spjfMean(m), 1e-9, `${what} at ${lambda}, C = 0`);
      close(trailMean(m, 1), sprptMean(m), 1e-9, `${what} at ${lambda}, C = 1`);
      close(trailMean(m, 2.5), sprptMean(m), 1e-9, `${what} at ${lambda}, C = 2.5`);
    }
  }
});

/**
 * M/M/1 with known sizes, straight from SOAP without the Fubini rewrite: for the tagged job x,
 * waiting lambda (M2(x) + Q_C(x)) / (2 (1 - rho(x))^2) with Q_C(x) an integral over the old job's
 * size, residence int_{(1-C)x}^x ds / (1 - rho(s)) + (1 - C) x; then averaged over x.
 */
function mm1KnownSizesDirect(lambda: number, c: number): number {
  const rho = (s: number): number => lambda * (1 - Math.exp(-s) * (1 + s));
  const m2 = (s: number): number => 2 - Math.exp(-s) * (s * s + 2 * s + 2);
  const q = { relTol: 1e-12, absTol: 0 };
  const qc = (x: number): number =>
    integrate(
      (xo) => {
        const served = Math.max(0, xo - Math.min(xo - x, c * xo));
        return Math.exp(-xo) * served * served;
      },
      x,
      Number.POSITIVE_INFINITY,
      { ...q, scale: 1 + x, breakpoints: c < 1 ? [x / (1 - c)] : [] },
    ).value;
  const perJob = (x: number): number => {
    const u = 1 - rho(x);
    const residence = integrate((s) => 1 / (1 - rho(s)), (1 - c) * x, x, q).value + (1 - c) * x;
    return (lambda * (m2(x) + qc(x))) / (2 * u * u) + residence;
  };
  return integrate((x) => Math.exp(-x) * perJob(x), 0, Number.POSITIVE_INFINITY, { ...q, scale: 1 }).value;
}

test('intermediate C: the formula equals a direct evaluation of the SOAP terms (M/M/1, known sizes)', () => {
  for (const [lambda, c] of [
    [0.5, 0.3],
    [0.8, 0.5],
    [0.9, 0.8],
  ] as const) {
    const m = new Mg1Model(lambda, exponentialService(), exactPrediction);
    close(trailMean(m, c), mm1KnownSizesDirect(lambda, c), 1e-8, `lambda ${lambda}, C ${c}`);
  }
});

test('the limit moves the mean strictly between its SPJF and SPRPT ends', () => {
  // Not a monotonicity claim in general; at these settings both ends differ and C = 0.5 lies between.
  const m = new Mg1Model(0.8, exponentialService(), exponentialPrediction);
  const half = trailMean(m, 0.5);
  assert.ok(half < spjfMean(m) && half > sprptMean(m), `${sprptMean(m)} < ${half} < ${spjfMean(m)}`);
});

test('gaps mg1 --policy trail needs --preemption-limit >= 0, and only trail takes it', () => {
  const r = mg1({ policy: 'trail', lambda: 0.8, preemptionLimit: 0.5 });
  assert.equal(r.preemptionLimit, 0.5);
  assert.equal(r.source, 'exact');
  const isConfig = (re: RegExp) => (e: unknown) => e instanceof ConfigError && re.test(e.message);
  assert.throws(() => mg1({ policy: 'trail', lambda: 0.8 }), isConfig(/needs --preemption-limit/));
  assert.throws(() => mg1({ policy: 'trail', lambda: 0.8, preemptionLimit: -0.1 }), isConfig(/--preemption-limit must be a number >= 0/));
  assert.throws(() => mg1({ policy: 'trail', lambda: 0.8, preemptionLimit: Number.NaN }), isConfig(/--preemption-limit/));
  assert.throws(() => mg1({ policy: 'sprpt', lambda: 0.8, preemptionLimit: 0.5 }), isConfig(/--preemption-limit does not apply.*trail/));
});
