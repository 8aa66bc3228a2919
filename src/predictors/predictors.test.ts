import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../kernel/rng.js';
import { BiasAwareCalibrator, DEFAULT_CALIBRATION } from './calibration.js';
import { createPredictor, predictors } from './registry.js';
import type { PredictionFeatures } from './predictor.js';

const feat = (prompt: number, type: number, y: number): PredictionFeatures => ({
  promptTokens: prompt,
  type,
  sessionId: undefined,
  oracleOutputTokens: y,
});

test('noisy:E has measured MAPE equal to E and no bias', () => {
  for (const e of [0.1, 0.2, 0.4]) {
    const p = createPredictor(`noisy:${e}`, new Rng(`n${e}`));
    const r = new Rng('y');
    let ape = 0;
    let ratio = 0;
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      const y = 1 + r.int(1000);
      const yh = p.predict(feat(100, 0, y));
      assert.ok(yh > 0);
      ape += Math.abs(yh - y) / y;
      ratio += yh / y;
    }
    assert.ok(Math.abs(ape / n - e) < 0.01 * e + 0.002, `MAPE ${ape / n} vs ${e}`);
    assert.ok(Math.abs(ratio / n - 1) < 0.01);
  }
  assert.equal(createPredictor('noisy:0', new Rng('z')).predict(feat(1, 0, 42)), 42);
});

test('noisy:E,bias=B scales the mean ratio to 1 + B; the calibrated central estimate removes it', () => {
  for (const b of [-0.3, 0.25]) {
    const p = createPredictor(`noisy:0.2,bias=${b}`, new Rng(`b${b}`));
    const c = new BiasAwareCalibrator(DEFAULT_CALIBRATION);
    const r = new Rng('y');
    let ratio = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const y = 1 + r.int(1000);
      const yh = p.predict(feat(100, 0, y));
      ratio += yh / y;
      c.observe(yh, y);
    }
    assert.ok(Math.abs(ratio / n - (1 + b)) < 0.01, `mean ratio ${ratio / n} vs ${1 + b}`);
    assert.ok(Math.abs(c.central(1 + b) - 1) < 0.08, `central scale ${c.central(1 + b)}`);
  }
  assert.throws(() => createPredictor('noisy:0.2,bias=x', new Rng('a')), /bias=B/);
  assert.throws(() => createPredictor('noisy:0.2,skew=1', new Rng('a')), /unknown or bad option 'skew=1'/);
  assert.throws(() => createPredictor('noisy:0.2,bias=-1', new Rng('a')), /\(-1, 10\]/);
});

test('predictor specs are validated with clear messages', () => {
  assert.throws(() => createPredictor('noisy', new Rng('a')), /noisy:E/);
  assert.throws(() => createPredictor('noisy:0.7', new Rng('a')), /\[0, 0.5\)/);
  assert.throws(() => createPredictor('mean:3', new Rng('a')), /takes no argument/);
  assert.throws(() => createPredictor('psychic', new Rng('a')), /unknown predictor 'psychic'; valid: oracle, noisy, mean, linear, mlp/);
  assert.throws(() => createPredictor('oracle', new Rng('a')).predict(feat(1, 0, Number.NaN)), /only the simulator/);
});

test('linear recovers a per-type line; mean tracks per-type means', () => {
  const lin = createPredictor('linear', new Rng('l'));
  const mean = createPredictor('mean', new Rng('m'));
  const r = new Rng('data');
  for (let i = 0; i < 2000; i++) {
    const x = 10 + r.int(2000);
    lin.observe(feat(x, 0, 5 + 0.1 * x), 5 + 0.1 * x);
    lin.observe(feat(x, 1, 300), 300);
    mean.observe(feat(x, 0, 10), 10);
    mean.observe(feat(x, 1, 30), 30);
  }
  assert.ok(Math.abs(lin.predict(feat(1000, 0, Number.NaN)) - 105) < 1e-6);
  assert.ok(Math.abs(lin.predict(feat(50, 1, Number.NaN)) - 300) < 1e-6);
  assert.equal(mean.predict(feat(5, 1, Number.NaN)), 30);
  assert.equal(mean.predict(feat(5, 3, Number.NaN)), 20, 'unseen type: global mean');
});

test('the MLP learns a prompt-dependent length better than a constant', () => {
  const mlp = createPredictor('mlp', new Rng('mlp'));
  const r = new Rng('d');
  const target = (x: number): number => 20 + 0.2 * x;
  for (let i = 0; i < 30_000; i++) {
    const x = 50 + r.int(3000);
    mlp.observe(feat(x, 0, target(x)), target(x));
  }
  let errMlp = 0;
  let errConst = 0;
  const avg = 20 + 0.2 * 1575;
  for (let x = 50; x < 3050; x += 100) {
    errMlp += Math.abs(mlp.predict(feat(x, 0, Number.NaN)) - target(x)) / target(x);
    errConst += Math.abs(avg - target(x)) / target(x);
  }
  assert.ok(errMlp < 0.5 * errConst, `MLP relative error ${errMlp} vs constant ${errConst}`);
});

test('calibration coverage converges to the target under biased predictions', () => {
  const cal = new BiasAwareCalibrator(DEFAULT_CALIBRATION);
  const r = new Rng('cal');
  let covered = 0;
  let counted = 0;
  for (let i = 0; i < 40_000; i++) {
    const y = r.lognormal(Math.log(100), 0.6);
    const pred = 0.6 * y * (1 + 0.3 * (2 * r.next() - 1)); // 40% underestimate plus noise
    if (i >= 20_000) {
      covered += y <= cal.calibrate(pred) ? 1 : 0;
      counted++;
    }
    cal.observe(pred, y);
  }
  const h = cal.health();
  assert.ok(Math.abs(covered / counted - 0.9) < 0.02, `coverage ${covered / counted}`);
  assert.ok(h.beta > 0 || h.gamma > 0);
  assert.ok(h.mape > 0.3 && h.mape < 0.5, `EMA MAPE ${h.mape}`);
  assert.ok(cal.deadline(100) > cal.calibrate(100));
  assert.ok(predictors.names().length === 5);
});
