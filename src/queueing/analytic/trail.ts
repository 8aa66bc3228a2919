import { ConfigError } from '../../core/errors.js';
import type { Mg1Model } from './model.js';

/** A preemption limit C: a number >= 0 (Trail's c lies in [0, 1]; C >= 1 is SPRPT, see below). */
export function checkPreemptionLimit(c: number): number {
  if (!(Number.isFinite(c) && c >= 0)) throw new ConfigError(`--preemption-limit must be a number >= 0, got '${c}'`);
  return c;
}

/**
 * Trail's policy in M/G/1 (Shahout et al., "Don't Stop Me Now", 2024; the survey's §4): SPRPT,
 * rank y - a, while a job's attained service a is at most C y; past C y it is never preempted
 * (rank -inf). The exact mean follows from SOAP (Scully, Harchol-Balter, Scheller-Wolf 2018,
 * Theorem 5.5); the derivation is in docs/QUEUEING.md. For a tagged job (x, y), with
 * rho'(y) = load predicted below y, M2(y) = E[X^2 1{Y <= y}], R(u) = int_0^u ds / (1 - rho'(s)):
 *
 *   E[T(x, y)] = lambda (M2(y) + Q_C(y)) / (2 (1 - rho'(y))^2)
 *              + R(y) - R((y - min(x, C y))^+) + (min(x, C y) - y)^+ + (x - C y)^+
 *   Q_C(y)     = E[((X - min(Y - y, C Y))^+)^2 1{Y > y}]
 *
 * An old job (x', y') predicted above y is served ahead of the tagged job from the age at which its
 * rank first falls to y or below: y' - y while still preemptible, or C y' when it turns
 * non-preemptive first. C = 0 is non-preemptive SPJF, C = 1 is SPRPT (and so is any C >= 1: past
 * age y the rank y - a is negative and no arrival could preempt anyway).
 *
 * As in sprptMean, averaging Q_C over the tagged Y is rewritten (Fubini) as an expectation over the
 * old job of an integral of w = f_Y / (1 - rho')^2 over the tagged y < y', split where
 * min(y' - y, C y') changes branch at y = (1 - C) y':
 *   y in [0, (1 - C) y']:        ((x' - C y')^+)^2 w(y)
 *   y in [max((1 - C) y', y' - x'), y']: (y - y' + x')^2 w(y)
 * so it needs only the cumulative moments W_k(y) = int_0^y s^k w(s) ds. The fits are built under
 * this module's own names, so they never depend on another formula's definitions.
 */
export function trailMean(m: Mg1Model, preemptionLimit: number): number {
  const c = checkPreemptionLimit(preemptionLimit);
  const w = (s: number): number => {
    const u = 1 - m.loadBelow(s);
    return m.marginal(0, s) / (u * u);
  };
  const W0 = m.cumulative('trail/W0', w);
  const W1 = m.cumulative('trail/W1', (s) => s * w(s));
  const W2 = m.cumulative('trail/W2', (s) => s * s * w(s));
  const rhoFit = m.loadBelow(Number.POSITIVE_INFINITY);
  // R(u) = u / (1 - rho) - D(u), D bounded; see sprptMean for the cut of D's integral.
  const cut = m.tailCut(1e-12);
  const D = m.cumulative('trail/D', (s) => (rhoFit - m.loadBelow(s)) / ((1 - rhoFit) * (1 - m.loadBelow(s))), cut);
  const rDiff = (hi: number, lo: number): number => (hi - lo) / (1 - rhoFit) - D.at(hi) + D.at(lo);
  const half = m.lambda / 2;
  return m.joint((x, y) => {
    // The tagged job's waiting: old jobs predicted at most y, plus (as the old job) its own share
    // of the other tagged jobs' Q_C term.
    const u = 1 - m.loadBelow(y);
    const split = (1 - c) * y;
    const frozen = Math.max(0, x - c * y);
    const early = split > 0 ? frozen * frozen * W0.at(split) : 0;
    const lo = Math.max(0, split, y - x);
    const c0 = y - x;
    const late = lo < y ? W2.at(y) - W2.at(lo) - 2 * c0 * (W1.at(y) - W1.at(lo)) + c0 * c0 * (W0.at(y) - W0.at(lo)) : 0;
    const waiting = (half * m.below(2, y)) / (u * u) + half * (early + late);
    // Residence: preemptible service at rank y - a (new jobs predicted below it come first), then
    // service at a negative rank or past the limit, which no arrival interrupts.
    const served = Math.min(x, c * y);
    const residence = rDiff(y, Math.max(0, y - served)) + Math.max(0, served - y) + Math.max(0, x - c * y);
    return waiting + residence;
  });
}
