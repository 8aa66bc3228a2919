import { gammaConstants, type GammaConstants, type Rng } from '../kernel/rng.js';

/**
 * Arrival processes. Each is a lazy, allocation-free sequence of absolute arrival times (seconds
 * from 0, non-decreasing) drawing from its own Rng stream.
 */
export interface ArrivalProcess {
  /** The next arrival time. */
  next(): number;
}

/** Poisson process: exponential gaps with the given rate (req/s). */
export class PoissonArrivals implements ArrivalProcess {
  private t = 0;

  constructor(
    private readonly rate: number,
    private readonly rng: Rng,
  ) {}

  next(): number {
    this.t += this.rng.exponential(this.rate);
    return this.t;
  }
}

/**
 * Gamma renewal process: i.i.d. Gamma gaps with mean 1/rate and coefficient of variation `cv`
 * (shape 1/cv^2). cv = 1 is a Poisson process; cv < 1 is smoother, cv > 1 burstier.
 */
export class GammaArrivals implements ArrivalProcess {
  private t = 0;
  private readonly shape: number;
  private readonly scale: number;
  /** The sampler's constants, derived once (the same draws as `rng.gamma(shape, scale)`). */
  private readonly g: GammaConstants | undefined;

  constructor(
    rate: number,
    cv: number,
    private readonly rng: Rng,
  ) {
    this.shape = 1 / (cv * cv);
    this.scale = 1 / (rate * this.shape);
    this.g = gammaConstants(this.shape, this.scale);
  }

  next(): number {
    this.t += this.g ? this.rng.gammaWith(this.g) : this.rng.gamma(this.shape, this.scale);
    return this.t;
  }
}

/**
 * Two-state Markov-modulated Poisson process (MMPP-2). In the ON state requests arrive as a Poisson
 * process of rate `rateOn`, in the OFF state of rate `rateOff` (0 gives an interrupted Poisson
 * process: silence between bursts). State durations are exponential with means `meanOnS` and
 * `meanOffS`.
 */
export interface OnOffParams {
  readonly rateOn: number;
  readonly rateOff: number;
  readonly meanOnS: number;
  readonly meanOffS: number;
}

/** The on/off process; the initial state is drawn from the stationary distribution, so counts are stationary. */
export class OnOffArrivals implements ArrivalProcess {
  private t = 0;
  private on: boolean;
  private remaining: number;

  constructor(
    private readonly p: OnOffParams,
    private readonly rng: Rng,
  ) {
    this.on = rng.next() < p.meanOnS / (p.meanOnS + p.meanOffS);
    this.remaining = rng.exponential(1 / (this.on ? p.meanOnS : p.meanOffS));
  }

  next(): number {
    for (;;) {
      const rate = this.on ? this.p.rateOn : this.p.rateOff;
      if (rate > 0) {
        const gap = this.rng.exponential(rate);
        if (gap < this.remaining) {
          this.remaining -= gap;
          this.t += gap;
          return this.t;
        }
      }
      // No arrival before the state ends; by memorylessness, restart the clock in the new state.
      this.t += this.remaining;
      this.on = !this.on;
      this.remaining = this.rng.exponential(1 / (this.on ? this.p.meanOnS : this.p.meanOffS));
    }
  }
}

/** Long-run mean arrival rate of an on/off process, req/s. */
export function onOffMeanRate(p: OnOffParams): number {
  return (p.rateOn * p.meanOnS + p.rateOff * p.meanOffS) / (p.meanOnS + p.meanOffS);
}

/**
 * Index of dispersion of counts Var N(t) / E N(t) of the stationary MMPP-2 in windows of `windowS`
 * seconds (Heffes & Lucantoni 1986): 1 + K (1 - (1 - e^{-st}) / (st)) with s the total switching
 * rate and K = 2 (rateOn - rateOff)^2 r1 r2 / (s^2 (rateOn r2 + rateOff r1)).
 */
export function onOffDispersion(p: OnOffParams, windowS: number): number {
  const r1 = 1 / p.meanOnS;
  const r2 = 1 / p.meanOffS;
  const s = r1 + r2;
  const d = p.rateOn - p.rateOff;
  const k = (2 * d * d * r1 * r2) / (s * s * (p.rateOn * r2 + p.rateOff * r1));
  const x = s * windowS;
  return 1 + k * (1 - (1 - Math.exp(-x)) / x);
}

/**
 * Coefficient of variation of the gaps of an interrupted Poisson process (rateOff = 0), which is a
 * renewal process with hyperexponential gaps: CV^2 = 1 + 2 rateOn r1 / (r1 + r2)^2 (Kuczura 1973).
 */
export function onOffGapCv(p: OnOffParams): number {
  if (p.rateOff !== 0) throw new RangeError('onOffGapCv: closed form only for rateOff = 0');
  const r1 = 1 / p.meanOnS;
  const s = r1 + 1 / p.meanOffS;
  return Math.sqrt(1 + (2 * p.rateOn * r1) / (s * s));
}

/** The rate-free shape of an on/off process: state durations and the OFF/ON intensity ratio. */
export interface OnOffShape {
  readonly meanOnS: number;
  readonly meanOffS: number;
  /** rateOff / rateOn, in [0, 1). */
  readonly offRatio: number;
}

/** The on/off process of this shape whose long-run mean rate is `rate`. */
export function onOffWithRate(shape: OnOffShape, rate: number): OnOffParams {
  const onShare = shape.meanOnS / (shape.meanOnS + shape.meanOffS);
  const rateOn = rate / (onShare + shape.offRatio * (1 - onShare));
  return { rateOn, rateOff: shape.offRatio * rateOn, meanOnS: shape.meanOnS, meanOffS: shape.meanOffS };
}

/**
 * Fits an interrupted Poisson process (rateOff = 0) to a trace by matching three statistics: the
 * mean rate, the CV of the gaps and the index of dispersion of counts in windows of `windowS`.
 * The CV fixes K = CV^2 - 1 (the dispersion at infinite windows); the ratio (IDC - 1) / K fixes
 * the switching rate s; rate and K then give rateOn, r1 and r2 in closed form.
 */
export function fitOnOff(meanRate: number, gapCv: number, dispersion: number, windowS: number): OnOffParams {
  const k = gapCv * gapCv - 1;
  const ratio = (dispersion - 1) / k;
  if (!(k > 0) || !(ratio > 0 && ratio < 1)) {
    throw new RangeError(
      `fitOnOff: needs gap CV > 1 and 1 < dispersion < CV^2; got CV ${gapCv}, dispersion ${dispersion}`,
    );
  }
  const x = solveDispersionShape(ratio);
  const s = x / windowS;
  const rateOn = (k * s) / 2 + meanRate;
  const r1 = (k * s * s) / (2 * rateOn);
  const r2 = (meanRate * s) / rateOn;
  return { rateOn, rateOff: 0, meanOnS: 1 / r1, meanOffS: 1 / r2 };
}

/** Solves 1 - (1 - e^{-x}) / x = ratio for x > 0 by bisection on log x (the left side increases). */
function solveDispersionShape(ratio: number): number {
  let lo = Math.log(1e-9);
  let hi = Math.log(1e9);
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    const x = Math.exp(mid);
    if (1 - -Math.expm1(-x) / x < ratio) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

/**
 * Trace replay with rate scaling: the factor that multiplies every trace timestamp so that the mean
 * rate (requests - 1) / span becomes `targetRate`.
 */
export function replayTimeScale(traceRate: number, targetRate: number): number {
  return traceRate / targetRate;
}
