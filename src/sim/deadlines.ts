import { BiasAwareCalibrator, DEFAULT_CALIBRATION } from '../predictors/calibration.js';
import type { SloJudge } from './slo.js';

/**
 * GAPS's adaptive deadlines as an SLO (Eq. 2/8): on arrival each request gets
 *
 *   d_i = arrival_i + (1 + epsilon) * slack * unloaded(prompt_i, s~_i)
 *
 * with s~_i the bias-aware calibrated prediction of its output length (Eq. 1/7) and unloaded() its
 * latency alone on an idle instance. The paper's d = (1 + epsilon) * s~ is a service time; `slack`
 * turns the unloaded service time into the service a loaded, batching instance can give, exactly as
 * the e2e-slack SLO does. The calibration belongs to the run, not to a policy, so every policy is
 * judged against the same rule (it learns online from the same predictor's errors).
 */
export class DeadlineStage {
  readonly calibrator = new BiasAwareCalibrator(DEFAULT_CALIBRATION);

  constructor(
    private readonly judge: SloJudge,
    private readonly slack: number,
  ) {}

  /** Sets the request's deadline from its raw prediction; returns it. */
  assign(id: number, arrival: number, prompt: number, predicted: number): number {
    const s = this.calibrator.calibrate(Math.max(1, predicted));
    const d = arrival + (1 + this.calibrator.opts.epsilon) * this.slack * this.judge.unloadedLatency(prompt, Math.max(1, Math.round(s)));
    this.judge.setDeadline(id, d);
    return d;
  }

  /** Learns from a completed request (after it has been judged against the deadline it was given). */
  observe(predicted: number, actual: number): void {
    this.calibrator.observe(predicted, actual);
  }
}
