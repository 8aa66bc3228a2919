import { besselK } from '../special.js';
import type { Mg1Model } from './model.js';

/**
 * 1-bit predictions (Mitzenmacher, "Queues with small advice", 2021): a job is "short" when its
 * predicted size is at most T; short jobs join the front of the queue and long jobs the back. That is a
 * two-class priority queue, so the classical M/G/1 priority formulas apply (Harchol-Balter 2013,
 * ch. 31) with p_S = P(Y <= T) and rho_S = lambda E[X 1{Y <= T}] read off the model's cumulative
 * functions: every threshold costs O(1) once the model is built.
 */

interface ClassSplit {
  pShort: number;
  rhoShort: number;
}

function split(m: Mg1Model, threshold: number): ClassSplit {
  return {
    pShort: m.below(0, threshold),
    rhoShort: m.loadBelow(threshold),
  };
}

/** Non-preemptive priority: every class waits for the residual work lambda E[X^2] / 2 in service. */
export function oneBitMean(m: Mg1Model, threshold: number): number {
  const c = split(m, threshold);
  const w0 = (m.lambda * m.service.secondMoment) / 2;
  const waitShort = w0 / (1 - c.rhoShort);
  const waitLong = w0 / ((1 - c.rhoShort) * (1 - m.rho));
  return m.service.mean + c.pShort * waitShort + (1 - c.pShort) * waitLong;
}

/**
 * The survey's preemptive variant: a short job goes to the front of the queue and preempts whatever
 * runs, short or long; long jobs join the back. Short jobs thus see a preemptive-LCFS M/G/1 of their
 * own, whose mean response time for size x is x / (1 - rho_S) whatever the size distribution; a
 * long job of size x takes x / (1 - rho_S) plus the classical low-priority wait
 * lambda E[X^2] / (2 (1 - rho_S)(1 - rho)) (Harchol-Balter 2013, ch. 31). Together:
 * E[T] = (E[X] + P(long) lambda E[X^2] / (2 (1 - rho))) / (1 - rho_S), which is the survey's t2 for
 * M/M/1 with exponential predictions. (Serving short jobs FIFO instead would give
 * E[X 1_S] + P(short) lambda E[X^2 1_S] / (2 (1 - rho_S)) for the short class: a different, worse
 * policy for heavy tails, which does not reproduce t2 nor Tables 2 and 3.)
 */
export function oneBitPreemptiveMean(m: Mg1Model, threshold: number): number {
  const c = split(m, threshold);
  const longWait = ((1 - c.pShort) * m.lambda * m.service.secondMoment) / (2 * (1 - m.rho));
  return (m.service.mean + longWait) / (1 - c.rhoShort);
}

export interface ThresholdOptimum {
  threshold: number;
  meanResponseTime: number;
}

/**
 * The threshold minimising `mean` over (0, inf): a scan of 96 points uniform in t = T / (T + E[S])
 * finds the basin, then golden-section search refines it to 1e-10 in t. The response time is flat
 * near the optimum, so the mean is accurate far beyond the threshold's digits.
 */
export function optimalThreshold(m: Mg1Model, mean: (m: Mg1Model, T: number) => number): ThresholdOptimum {
  const s = m.service.mean;
  const at = (t: number): number => mean(m, (s * t) / (1 - t));
  const n = 96;
  let best = 1;
  let bestV = Number.POSITIVE_INFINITY;
  for (let i = 1; i < n; i++) {
    const v = at(i / n);
    if (v < bestV) {
      bestV = v;
      best = i;
    }
  }
  let a = (best - 1) / n;
  let b = (best + 1) / n;
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = b - g * (b - a);
  let x2 = a + g * (b - a);
  let f1 = at(x1);
  let f2 = at(x2);
  while (b - a > 1e-10) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - g * (b - a);
      f1 = at(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + g * (b - a);
      f2 = at(x2);
    }
  }
  const t = f1 <= f2 ? x1 : x2;
  return { threshold: (s * t) / (1 - t), meanResponseTime: Math.min(f1, f2) };
}

/**
 * The survey's closed forms for M/M/1 (mean 1) with exponential predictions and threshold T:
 * t1 (non-preemptive) and t2 (preemptive), with K1, K2 from the `bessel` package. They satisfy
 * t1 = lambda t2 + 1; the tests check both against the generic formulas above.
 */
export function oneBitBesselClosedForms(lambda: number, threshold: number): { t1: number; t2: number } {
  const r = 2 * Math.sqrt(threshold);
  const pLong = r * besselK(1, r); // P(Y > T) = 2 sqrt(T) K1(2 sqrt(T))
  const longWork = 2 * threshold * besselK(2, r); // E[X 1{Y > T}] = 2 T K2(2 sqrt(T))
  const denom = (1 - lambda) * (1 - lambda * (1 - longWork));
  const t1 = (lambda * (1 - lambda * (1 - pLong))) / denom + 1;
  const t2 = (1 - lambda + lambda * pLong) / denom;
  return { t1, t2 };
}
