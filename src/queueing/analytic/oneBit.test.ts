import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactPrediction, exponentialPrediction } from '../prediction.js';
import { exponentialService, weibullService } from '../service.js';
import { paperTable3 } from '../survey/paperTables.js';
import { Mg1Model } from './model.js';
import { oneBitBesselClosedForms, oneBitMean, oneBitPreemptiveMean, optimalThreshold } from './oneBit.js';
import { fifoMean } from './sizeBased.js';

const mm1 = (l: number): Mg1Model => new Mg1Model(l, exponentialService(), exponentialPrediction);

test("the generic 1-bit formulas reproduce the survey's Bessel closed forms t1 and t2", () => {
  for (const l of [0.3, 0.7, 0.95]) {
    const m = mm1(l);
    for (const T of [0.05, 0.5, 1.3, 4]) {
      const { t1, t2 } = oneBitBesselClosedForms(l, T);
      const np = oneBitMean(m, T);
      const p = oneBitPreemptiveMean(m, T);
      // Limited by the bessel package's ~1e-7 accuracy.
      assert.ok(Math.abs(np / t1 - 1) < 1e-6, `t1 at lambda ${l}, T ${T}: ${np} vs ${t1}`);
      assert.ok(Math.abs(p / t2 - 1) < 1e-6, `t2 at lambda ${l}, T ${T}: ${p} vs ${t2}`);
    }
  }
});

test('t1 = lambda t2 + 1 holds for the generic formulas, so both share their optimal threshold', () => {
  for (const l of [0.5, 0.9]) {
    const m = mm1(l);
    for (const T of [0.2, 1, 3]) {
      assert.ok(Math.abs(oneBitMean(m, T) - (l * oneBitPreemptiveMean(m, T) + 1)) < 1e-9, `lambda ${l}, T ${T}`);
    }
    const a = optimalThreshold(m, oneBitMean).threshold;
    const b = optimalThreshold(m, oneBitPreemptiveMean).threshold;
    assert.ok(Math.abs(a / b - 1) < 1e-4, `${a} vs ${b}`);
  }
});

test('limits: all long is FIFO; all short is FIFO without preemption and preemptive LCFS with it', () => {
  const m = new Mg1Model(0.8, weibullService(0.5, 0.5), exponentialPrediction);
  const fifo = fifoMean(m);
  const lcfsPr = m.service.mean / (1 - m.rho); // insensitive: E[S] / (1 - rho) = 5 here, FIFO is 13
  for (const f of [oneBitMean, oneBitPreemptiveMean]) {
    // P(Y <= T) ~ sqrt(T) for Weibull(1/2) sizes, so "all long" needs a very small T.
    assert.ok(Math.abs(f(m, 1e-20) - fifo) < 1e-6 * fifo);
    const o = optimalThreshold(m, f);
    assert.ok(o.meanResponseTime < fifo);
    for (const k of [0.9, 1.1]) assert.ok(f(m, o.threshold * k) >= o.meanResponseTime - 1e-12);
  }
  assert.ok(Math.abs(oneBitMean(m, 1e12) - fifo) < 1e-9 * fifo);
  assert.ok(Math.abs(oneBitPreemptiveMean(m, 1e12) - lcfsPr) < 1e-9 * lcfsPr);
});

test("Table 3's simulated threshold columns agree with the exact optimum within 1% at loads up to 0.8", () => {
  const svc = weibullService(0.5, 0.5);
  for (const col of paperTable3.columns.filter((c) => c.policy === '1bit' || c.policy === '1bit-preempt')) {
    paperTable3.lambdas.forEach((l, i) => {
      if (l > 0.8) return;
      const m = new Mg1Model(l, svc, col.prediction === 'exact' ? exactPrediction : exponentialPrediction);
      const v = optimalThreshold(m, col.policy === '1bit' ? oneBitMean : oneBitPreemptiveMean).meanResponseTime;
      const printed = col.values[i] as number;
      assert.ok(Math.abs(v / printed - 1) < 0.01, `${col.label} at ${l}: ${v} vs ${printed}`);
    });
  }
});
