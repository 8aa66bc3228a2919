import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactPrediction, exponentialPrediction, uniformPrediction } from '../prediction.js';
import { integrate } from '../quadrature.js';
import { customService, exponentialService, weibullService } from '../service.js';
import { besselK } from '../special.js';
import { paperTable1 } from '../survey/paperTables.js';
import { Mg1Model } from './model.js';
import { fifoMean, pspjfMean, spjfMean, sprptMean } from './sizeBased.js';

const mm1 = (lambda: number, p = exactPrediction): Mg1Model => new Mg1Model(lambda, exponentialService(), p);
const close = (a: number, b: number, rel: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b} (rel ${Math.abs(a / b - 1)})`);

// Uniform sizes on [0, 2] (mean 1) through the user-supplied density path; closed forms derived in
// docs/QUEUEING.md with rho(x) = lambda x^2 / 4.
const uniform02 = customService({ pdf: (x) => (x >= 0 && x <= 2 ? 0.5 : 0), sample: (r) => r.uniform(0, 2), upper: 2, name: 'uniform02' });
const closedUniform = {
  fifo: (l: number) => 1 + (2 * l) / (3 * (1 - l)),
  sjf: (l: number) => 1 + (l / 3) * (1 / (1 - l) + Math.atanh(Math.sqrt(l)) / Math.sqrt(l)),
  psjf: (l: number) => (-2 * Math.log(1 - l)) / (3 * l) + 1 / (3 * (1 - l)),
  srpt: (l: number) => Math.atanh(Math.sqrt(l)) / Math.sqrt(l) + Math.log(1 - l) / (3 * l) + 1 / (3 * (1 - l)),
};

test('FIFO is Pollaczek-Khinchine for exponential, Weibull and user-supplied sizes', () => {
  close(fifoMean(mm1(0.7)), 1 / 0.3, 1e-15, 'M/M/1');
  // Weibull(1/2) with mean 1: E[S^2] = 6, so E[T] = 1 + 3 lambda / (1 - lambda).
  close(fifoMean(new Mg1Model(0.9, weibullService(0.5, 0.5), exactPrediction)), 28, 1e-12, 'Weibull');
  close(fifoMean(new Mg1Model(0.6, uniform02, exactPrediction)), closedUniform.fifo(0.6), 1e-10, 'uniform');
});

test('SJF, PSJF and SRPT match closed forms for uniform sizes on [0, 2] (user-supplied density)', () => {
  for (const l of [0.3, 0.7, 0.95]) {
    const m = new Mg1Model(l, uniform02, exactPrediction);
    close(spjfMean(m), closedUniform.sjf(l), 1e-9, `SJF ${l}`);
    close(pspjfMean(m), closedUniform.psjf(l), 1e-9, `PSJF ${l}`);
    close(sprptMean(m), closedUniform.srpt(l), 1e-9, `SRPT ${l}`);
  }
});

test('M/M/1 SRPT matches the textbook formula evaluated independently with closed-form ingredients', () => {
  for (const l of [0.5, 0.9]) {
    // rho(x) = l (1 - (1 + x) e^-x), int_0^x t^2 e^-t dt = 2 - (x^2 + 2x + 2) e^-x.
    const rho = (x: number): number => l * (1 - (1 + x) * Math.exp(-x));
    const m2 = (x: number): number => 2 - (x * x + 2 * x + 2) * Math.exp(-x);
    const T = (x: number): number => {
      const u = 1 - rho(x);
      const resid = integrate((t) => 1 / (1 - rho(t)), 0, x, { relTol: 1e-12, absTol: 0 }).value;
      return resid + (l * (m2(x) + x * x * Math.exp(-x))) / (2 * u * u);
    };
    const ref = integrate((x) => Math.exp(-x) * T(x), 0, Number.POSITIVE_INFINITY, { relTol: 1e-11, absTol: 0 }).value;
    close(sprptMean(mm1(l)), ref, 1e-9, `SRPT ${l}`);
  }
});

test('SPJF and PSPJF with exponential predictions match their Bessel-function forms', () => {
  // For M/M/1 with Y ~ Exp(mean x): f_Y = 2 K0(2 sqrt y), E[X 1{Y=y}] = 2 sqrt(y) K1(2 sqrt y),
  // E[X 1{Y>y}] = 2 y K2(2 sqrt y), E[X^2 1{Y>y}] = 2 y^(3/2) K3(2 sqrt y).
  const l = 0.8;
  const r = (y: number): number => 2 * Math.sqrt(y);
  const load = (y: number): number => (y <= 0 ? 0 : l * (1 - 2 * y * besselK(2, r(y))));
  const M2 = (y: number): number => (y <= 0 ? 0 : 2 - 2 * y ** 1.5 * besselK(3, r(y)));
  const inf = Number.POSITIVE_INFINITY;
  const opts = { relTol: 1e-10, absTol: 0 };
  const spjf = 1 + l * integrate((y) => (2 * besselK(0, r(y))) / (1 - load(y)) ** 2, 0, inf, opts).value;
  const pspjf =
    integrate((y) => (r(y) * besselK(1, r(y))) / (1 - load(y)), 0, inf, opts).value +
    (l / 2) * integrate((y) => (2 * besselK(0, r(y)) * M2(y)) / (1 - load(y)) ** 2, 0, inf, opts).value;
  const m = mm1(l, exponentialPrediction);
  // The bessel package is good to about 1e-7, which bounds this comparison.
  close(spjfMean(m), spjf, 1e-6, 'SPJF');
  close(pspjfMean(m), pspjf, 1e-6, 'PSPJF');
});

test('Table 1: the FIFO, SJF, SPJF, PSJF and SRPT columns (40 printed cells) to 4 decimals', () => {
  const exactColumns = new Set(['FIFO', 'SJF', 'SPJF', 'PSJF', 'SRPT']);
  let cells = 0;
  paperTable1.lambdas.forEach((l, i) => {
    const models = { exact: mm1(l), exp: mm1(l, exponentialPrediction) };
    for (const col of paperTable1.columns) {
      if (!exactColumns.has(col.label)) continue;
      const m = col.prediction === 'exact' ? models.exact : models.exp;
      const f = { fifo: fifoMean, sjf: spjfMean, spjf: spjfMean, psjf: pspjfMean, srpt: sprptMean }[col.policy];
      assert.ok(f, col.policy);
      const printed = col.values[i] as number;
      assert.equal(f(m).toFixed(4), printed.toFixed(4), `${col.label} at lambda ${l}`);
      cells++;
    }
  });
  assert.equal(cells, 40);
});

test('Table 1: the printed PSPJF and SPRPT columns are below the exact values in every row (documented discrepancy)', () => {
  paperTable1.lambdas.forEach((l, i) => {
    const m = mm1(l, exponentialPrediction);
    const pspjf = paperTable1.columns.find((c) => c.label === 'PSPJF')?.values[i] as number;
    const sprpt = paperTable1.columns.find((c) => c.label === 'SPRPT')?.values[i] as number;
    assert.ok(pspjfMean(m) > pspjf + 0.5e-4, `PSPJF ${l}`);
    assert.ok(sprptMean(m) > sprpt + 0.5e-4, `SPRPT ${l}`);
  });
});

test('predictions that become exact give the size-based values; uniform predictions sit in between', () => {
  for (const l of [0.5, 0.9]) {
    const exact = mm1(l);
    const tight = mm1(l, uniformPrediction(1e-3));
    close(spjfMean(tight), spjfMean(exact), 1e-3, `SPJF ${l}`);
    close(pspjfMean(tight), pspjfMean(exact), 1e-3, `PSPJF ${l}`);
    close(sprptMean(tight), sprptMean(exact), 1e-3, `SPRPT ${l}`);
    const loose = mm1(l, uniformPrediction(0.5));
    assert.ok(sprptMean(loose) > sprptMean(exact) && sprptMean(loose) < sprptMean(mm1(l, exponentialPrediction)));
  }
});

test('an unstable or invalid load is refused', () => {
  assert.throws(() => mm1(1), /--lambda/);
  assert.throws(() => mm1(-0.1), /--lambda/);
  assert.throws(() => new Mg1Model(0.6, exponentialService(2), exactPrediction), /load/);
});
