import { ConfigError } from '../../core/errors.js';
import { CumulativeFit } from '../cumulative.js';
import type { PredictionModel } from '../prediction.js';
import type { ServiceDist } from '../service.js';

/** Largest load the calculator accepts: beyond it every size-based mean is numerically meaningless. */
export const MAX_LOAD = 0.9999;

/**
 * An M/G/1 queue with predictions: Poisson arrivals at rate lambda, sizes from `service`, predicted
 * sizes from `prediction`. It owns the cumulative functions every formula needs, built once on first
 * use (CumulativeFit) and shared by all the policies asked of the same model:
 *   C_k(y) = E[X^k 1{Y <= y}]   (k = 0, 1, 2)  so rho'(y) = lambda C_1(y) is the load of jobs
 *                                               predicted smaller than y (Mitzenmacher 2020's rho_y).
 */
export class Mg1Model {
  readonly rho: number;
  private readonly fits = new Map<string, CumulativeFit>();
  private readonly density = new Map<number, number>();

  constructor(
    readonly lambda: number,
    readonly service: ServiceDist,
    readonly prediction: PredictionModel,
  ) {
    if (!(Number.isFinite(lambda) && lambda > 0)) throw new ConfigError(`--lambda must be a positive number, got '${lambda}'`);
    this.rho = lambda * service.mean;
    if (!(this.rho < 1)) {
      throw new ConfigError(
        `--lambda ${lambda} makes the load lambda * E[S] = ${this.rho.toPrecision(4)} >= 1 for service '${service.spec}' (mean ${service.mean}); the queue is unstable`,
      );
    }
    if (this.rho > MAX_LOAD) throw new ConfigError(`--lambda: load ${this.rho} exceeds ${MAX_LOAD}, too close to 1 to compute reliably`);
  }

  /** Memoised by name: the fits cost a few hundred evaluations each. */
  cumulative(name: string, h: (y: number) => number, upper?: number): CumulativeFit {
    let f = this.fits.get(name);
    if (!f) {
      f = CumulativeFit.build(h, upper === undefined ? { scale: this.service.mean } : { scale: this.service.mean, upper });
      this.fits.set(name, f);
    }
    return f;
  }

  /** E[X^k 1{Y <= y}]. */
  below(k: 0 | 1 | 2, y: number): number {
    return this.cumulative(`C${k}`, (s) => this.marginal(k, s)).at(y);
  }

  /** Load of jobs predicted to be at most y. */
  loadBelow(y: number): number {
    return this.lambda * this.below(1, y);
  }

  /** Integral over x of x^k g(x, y); the density of Y is memoised because several fits revisit it. */
  marginal(k: number, y: number): number {
    if (k !== 0) return this.prediction.marginal(this.service, k, y);
    let v = this.density.get(y);
    if (v === undefined) {
      v = this.prediction.marginal(this.service, 0, y);
      this.density.set(y, v);
    }
    return v;
  }

  /**
   * The smallest predicted size beyond which the load lambda E[X 1{Y > y}] is below relTol times
   * the total load (bisection in the fit's variable; the tail is monotone up to the fit's noise).
   */
  tailCut(relTol: number): number {
    const total = this.below(1, Number.POSITIVE_INFINITY);
    const s = this.service.mean;
    const yOf = (t: number): number => s * (t / (1 - t)) ** 2;
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 60; i++) {
      const mid = 0.5 * (lo + hi);
      if (total - this.below(1, yOf(mid)) > relTol * total) lo = mid;
      else hi = mid;
    }
    return yOf(hi);
  }

  /** E[h(X, Y)]. */
  joint(h: (x: number, y: number) => number): number {
    return this.prediction.joint(this.service, h);
  }

  /** Largest estimated error of a fit relative to its total, among the fits built so far. */
  relativeFitError(): number {
    let e = 0;
    for (const f of this.fits.values()) {
      const r = f.total === 0 ? (f.error === 0 ? 0 : Number.POSITIVE_INFINITY) : Math.abs(f.error / f.total);
      e = Math.max(e, Number.isNaN(r) ? Number.POSITIVE_INFINITY : r);
    }
    return e;
  }

  /** Largest estimated error among the fits built so far (for the reported error bound). */
  fitError(): number {
    let e = 0;
    for (const f of this.fits.values()) e = Math.max(e, f.error);
    return e;
  }
}
