import { ConfigError } from '../core/errors.js';

export interface CalibrationOptions {
  /** EMA weight of the newest error (GAPS: exponential moving averages of MAE and MAPE). */
  readonly alpha: number;
  /** Target coverage P(actual <= calibrated estimate) that beta and gamma are steered towards. */
  readonly targetCoverage: number;
  /** Step size of the beta and gamma updates (each moves by at most this per observation). */
  readonly step: number;
  /** Safety margin of the adaptive deadline d = (1 + epsilon) * s~ (GAPS Eq. 2 and 8). */
  readonly epsilon: number;
  readonly beta0: number;
  readonly gamma0: number;
}

export const DEFAULT_CALIBRATION: CalibrationOptions = {
  alpha: 0.05,
  targetCoverage: 0.9,
  step: 0.02,
  epsilon: 0.2,
  beta0: 0,
  gamma0: 0,
};

export interface CalibrationHealth {
  observations: number;
  /** EMA of |actual - predicted|. */
  mae: number;
  /** EMA of |actual - predicted| / actual. */
  mape: number;
  /** EMA of 1[actual <= calibrated]. */
  coverage: number;
  /** EMA of the pinball loss of the calibrated estimate at the target quantile. */
  pinball: number;
  beta: number;
  gamma: number;
  /** Mean-bias correction of the central estimate: EMA(actual) / EMA(predicted). */
  centralScale: number;
  /** The same four over every observation so far (the EMAs above follow the most recent ones). */
  meanCoverage: number;
  meanMae: number;
  meanMape: number;
  meanPinball: number;
}

/**
 * GAPS bias-aware calibration (Eq. 1, 7, 10): s~ = s^ + beta * EMA-MAE + gamma * s^ * EMA-MAPE and
 * the adaptive deadline d = (1 + epsilon) * s~. The paper says beta and gamma are "updated
 * dynamically" without a rule. Ours treats s~ as a quantile regression of the actual value on two
 * features, the additive error scale a = EMA-MAE and the proportional one m = s^ * EMA-MAPE, and takes
 * one normalised subgradient step of the pinball loss at quantile tau per observation:
 *
 *   g = tau - 1[actual <= s~]
 *   beta  += step * g * a / (a + m)      gamma += step * g * m / (a + m)      (both floored at 0)
 *
 * Each parameter moves by its own feature's share of s~'s error margin, so short requests (m small)
 * mostly move beta and long ones mostly move gamma: a predictor whose error is a constant number of
 * tokens ends with beta carrying the margin, one whose error grows with the size ends with gamma
 * carrying it (tested). The coverage of s~ still converges to tau (g averages to zero only there).
 * Units are whatever the caller predicts in (we calibrate output tokens).
 *
 * Routing uses a central estimate instead, `central(s^) = s^ * EMA(actual) / EMA(s^)`: the prediction
 * with its mean multiplicative bias removed. An upper quantile flattens size differences (it adds a
 * margin of the order of the MAE to every request), which is what a deadline needs and what ranking
 * by size does not.
 */
export class BiasAwareCalibrator {
  private n = 0;
  private mae = 0;
  private mape = 0;
  private coverage = 0;
  private pinball = 0;
  private sumCovered = 0;
  private sumErr = 0;
  private sumApe = 0;
  private sumLoss = 0;
  private emaActual = 0;
  private emaPredicted = 0;
  // Set in the constructor; declared with a double so that the fields hold doubles in place from
  // the start (a field first left undefined is boxed anew on every store: a heap number per update).
  beta = Number.NaN;
  gamma = Number.NaN;

  constructor(readonly opts: CalibrationOptions = DEFAULT_CALIBRATION) {
    if (!(opts.alpha > 0 && opts.alpha <= 1)) throw new ConfigError(`calibration alpha must be in (0, 1], got ${opts.alpha}`);
    if (!(opts.targetCoverage > 0 && opts.targetCoverage < 1)) {
      throw new ConfigError(`calibration target coverage must be in (0, 1), got ${opts.targetCoverage}`);
    }
    if (!(opts.epsilon >= 0)) throw new ConfigError(`calibration epsilon must be >= 0, got ${opts.epsilon}`);
    this.beta = opts.beta0;
    this.gamma = opts.gamma0;
    this.scale = this.centralScale();
  }

  /** s~ for a raw prediction s^. Before any observation it is s^ itself. */
  calibrate(predicted: number): number {
    return predicted + this.beta * this.mae + this.gamma * predicted * this.mape;
  }

  /** The central estimate: the raw prediction with its mean multiplicative bias removed. */
  central(predicted: number): number {
    return predicted * this.scale;
  }

  /** `centralScale()`, kept from the last observation (every use of it between two is the same division). */
  private scale = Number.NaN;

  private centralScale(): number {
    return this.n > 0 && this.emaPredicted > 0 ? this.emaActual / this.emaPredicted : 1;
  }

  /** The adaptive deadline d = (1 + epsilon) * s~. */
  deadline(predicted: number): number {
    return (1 + this.opts.epsilon) * this.calibrate(predicted);
  }

  /** Learns from one completed request: its raw prediction and the actual value. */
  observe(predicted: number, actual: number): void {
    // A wrapper small enough to be inlined by its callers: the numbers go through double fields,
    // since a double passed to a call that is not inlined is boxed (a heap number per completion).
    this.argPredicted = predicted;
    this.argActual = actual;
    this.observeFields();
  }

  /** `observe`'s arguments (double fields: see `observe`). */
  private argPredicted = Number.NaN;
  private argActual = Number.NaN;

  /** `observe`'s body, with its arguments from the fields. */
  private observeFields(): void {
    const predicted = this.argPredicted;
    const actual = this.argActual;
    const o = this.opts;
    const cal = this.calibrate(predicted);
    const covered = actual <= cal ? 1 : 0;
    const err = Math.abs(actual - predicted);
    const a = this.n === 0 ? 1 : o.alpha;
    this.mae += a * (err - this.mae);
    this.mape += a * (err / Math.max(actual, 1e-12) - this.mape);
    this.coverage += a * (covered - this.coverage);
    const tau = o.targetCoverage;
    const loss = actual >= cal ? tau * (actual - cal) : (1 - tau) * (cal - actual);
    this.pinball += a * (loss - this.pinball);
    this.sumCovered += covered;
    this.sumErr += err;
    this.sumApe += err / Math.max(actual, 1e-12);
    this.sumLoss += loss;
    this.emaActual += a * (actual - this.emaActual);
    this.emaPredicted += a * (predicted - this.emaPredicted);
    const g = tau - covered;
    const fa = this.mae;
    const fm = predicted * this.mape;
    const scale = fa + fm;
    if (scale > 0) {
      this.beta = Math.max(0, this.beta + (o.step * g * fa) / scale);
      this.gamma = Math.max(0, this.gamma + (o.step * g * fm) / scale);
    }
    this.n++;
    this.scale = this.centralScale();
  }

  health(): CalibrationHealth {
    return {
      observations: this.n,
      mae: this.mae,
      mape: this.mape,
      coverage: this.coverage,
      pinball: this.pinball,
      beta: this.beta,
      gamma: this.gamma,
      centralScale: this.centralScale(),
      meanCoverage: this.n ? this.sumCovered / this.n : 0,
      meanMae: this.n ? this.sumErr / this.n : 0,
      meanMape: this.n ? this.sumApe / this.n : 0,
      meanPinball: this.n ? this.sumLoss / this.n : 0,
    };
  }
}
