import { ConfigError } from '../core/errors.js';

export interface CalibrationOptions {
  /** EMA weight of the newest error (GAPS: exponential moving averages of MAE and MAPE). */
  readonly alpha: number;
  /** Target coverage P(actual <= calibrated estimate) that beta and gamma are steered towards. */
  readonly targetCoverage: number;
  /** Step size of the beta and gamma updates. */
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
  /** The same four over every observation so far (the EMAs above follow the most recent ones). */
  meanCoverage: number;
  meanMae: number;
  meanMape: number;
  meanPinball: number;
}

/**
 * GAPS bias-aware calibration (Eq. 1, 7, 10): s~ = s^ + beta * EMA-MAE + gamma * s^ * EMA-MAPE and
 * the adaptive deadline d = (1 + epsilon) * s~. The paper says beta and gamma are "updated
 * dynamically" without a rule; ours steers the coverage of s~ towards a target quantile by stochastic
 * approximation: after each observation, beta and gamma move by step * (target - 1[actual <= s~]),
 * floored at zero. This is the subgradient step of the pinball loss in the calibration offset, so in a
 * stationary regime the coverage converges to the target (Robbins-Monro), whatever the predictor's
 * bias. Units are whatever the caller predicts in (we calibrate output tokens).
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
  beta: number;
  gamma: number;

  constructor(readonly opts: CalibrationOptions = DEFAULT_CALIBRATION) {
    if (!(opts.alpha > 0 && opts.alpha <= 1)) throw new ConfigError(`calibration alpha must be in (0, 1], got ${opts.alpha}`);
    if (!(opts.targetCoverage > 0 && opts.targetCoverage < 1)) {
      throw new ConfigError(`calibration target coverage must be in (0, 1), got ${opts.targetCoverage}`);
    }
    if (!(opts.epsilon >= 0)) throw new ConfigError(`calibration epsilon must be >= 0, got ${opts.epsilon}`);
    this.beta = opts.beta0;
    this.gamma = opts.gamma0;
  }

  /** s~ for a raw prediction s^. Before any observation it is s^ itself. */
  calibrate(predicted: number): number {
    return predicted + this.beta * this.mae + this.gamma * predicted * this.mape;
  }

  /** The adaptive deadline d = (1 + epsilon) * s~. */
  deadline(predicted: number): number {
    return (1 + this.opts.epsilon) * this.calibrate(predicted);
  }

  /** Learns from one completed request: its raw prediction and the actual value. */
  observe(predicted: number, actual: number): void {
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
    this.beta = Math.max(0, this.beta + o.step * (tau - covered));
    this.gamma = Math.max(0, this.gamma + o.step * (tau - covered));
    this.n++;
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
      meanCoverage: this.n ? this.sumCovered / this.n : 0,
      meanMae: this.n ? this.sumErr / this.n : 0,
      meanMape: this.n ? this.sumApe / this.n : 0,
      meanPinball: this.n ? this.sumLoss / this.n : 0,
    };
  }
}
