import type { Mg1Model } from './model.js';

/**
 * Mean response times of the size-based policies, written for predicted sizes (Mitzenmacher,
 * "Scheduling with predictions and the price of misprediction", ITCS 2020); with exact predictions
 * they are the classical SJF, PSJF and SRPT formulas (Harchol-Balter 2013, ch. 30-33). Each follows
 * from the SOAP framework (Scully et al. 2018) with the job type (x, y); the derivations are in
 * docs/QUEUEING.md. Notation: rho'(y) = load of jobs predicted below y, M2(y) = E[X^2 1{Y <= y}].
 */

/** Pollaczek-Khinchine: E[T] = E[S] + lambda E[S^2] / (2 (1 - rho)). */
export function fifoMean(m: Mg1Model): number {
  return m.service.mean + (m.lambda * m.service.secondMoment) / (2 * (1 - m.rho));
}

/** SPJF (non-preemptive): E[T] = E[X] + (lambda E[X^2] / 2) E[(1 - rho'(Y))^-2]. */
export function spjfMean(m: Mg1Model): number {
  const w0 = (m.lambda * m.service.secondMoment) / 2;
  const e = m.joint((_x, y) => {
    const u = 1 - m.loadBelow(y);
    return 1 / (u * u);
  });
  return m.service.mean + w0 * e;
}

/**
 * PSPJF (preemptive, rank = predicted size): a job (x, y) waits
 * lambda M2(y) / (2 (1 - rho'(y))^2) and then takes x / (1 - rho'(y)).
 */
export function pspjfMean(m: Mg1Model): number {
  return m.joint((x, y) => {
    const u = 1 - m.loadBelow(y);
    return x / u + (m.lambda * m.below(2, y)) / (2 * u * u);
  });
}

/**
 * SPRPT (rank = y - attained). For a job (x, y):
 *   E[T(x, y)] = lambda (M2(y) + Q(y)) / (2 (1 - rho'(y))^2) + R(y) - R((y - x)^+) + (x - y)^+,
 * with Q(y) = E[((X - Y + y)^+)^2 1{Y > y}] (old jobs predicted above y that come back under y) and
 * R(u) = integral_0^u ds / (1 - rho'(s)). Averaging Q over Y is rewritten as an expectation over the
 * old job (x', y') of V = integral over y in [(y' - x')^+, y'] of (y - y' + x')^2 w(y),
 * w = f_Y / (1 - rho')^2, so it needs only the cumulative moments W_k(y) = int_0^y s^k w(s) ds; and
 * R(u) = u / (1 - rho) - D(u) with D bounded, so every stored function stays finite at infinity.
 * D's integrand is the tail load over (1 - rho)(1 - rho'), which a fit of rho' only resolves down
 * to its absolute error; D is therefore integrated up to the point where the tail load falls below
 * 1e-12 rho and held constant beyond (the neglected part is at most
 * lambda E[X (Y - cut)^+] / (1 - rho)^2 with a tail load under 1e-12).
 */
export function sprptMean(m: Mg1Model): number {
  const w = (s: number): number => {
    const u = 1 - m.loadBelow(s);
    return m.marginal(0, s) / (u * u);
  };
  const W0 = m.cumulative('W0', w);
  const W1 = m.cumulative('W1', (s) => s * w(s));
  const W2 = m.cumulative('W2', (s) => s * s * w(s));
  const rhoFit = m.loadBelow(Number.POSITIVE_INFINITY);
  const cut = m.tailCut(1e-12);
  const D = m.cumulative('D', (s) => (rhoFit - m.loadBelow(s)) / ((1 - rhoFit) * (1 - m.loadBelow(s))), cut);
  const half = m.lambda / 2;
  return m.joint((x, y) => {
    const u = 1 - m.loadBelow(y);
    const c = y - x;
    const lo = Math.max(0, c);
    const v = W2.at(y) - W2.at(lo) - 2 * c * (W1.at(y) - W1.at(lo)) + c * c * (W0.at(y) - W0.at(lo));
    const waiting = (half * m.below(2, y)) / (u * u) + half * v;
    const residence = Math.min(x, y) / (1 - rhoFit) - D.at(y) + D.at(lo) + Math.max(0, x - y);
    return waiting + residence;
  });
}
