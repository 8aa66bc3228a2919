import type { InstanceState } from '../../model/batchPolicy.js';

/**
 * What an SLO-aware scheduler knows about iteration times: only what it measured. An exponentially
 * weighted least-squares fit of duration = a + b * tokens over the instance's past iterations
 * (prefill chunk tokens plus one per decode), fed at each batch formation with the iteration that
 * just ended. Until two different batch sizes have been seen it answers with the mean per token.
 */
export class IterationEstimator {
  private sw = 0;
  private sn = 0;
  private st = 0;
  private snn = 0;
  private snt = 0;
  private seen = -1;

  constructor(private readonly decay = 0.98) {}

  /** Feeds the last finished iteration, once. */
  observe(s: InstanceState): void {
    if (s.iterations === this.seen || s.iterations === 0) return;
    this.seen = s.iterations;
    const n = s.lastIterationTokens;
    const t = s.lastIterationS;
    if (!(n > 0) || !(t > 0)) return;
    const d = this.decay;
    this.sw = d * this.sw + 1;
    this.sn = d * this.sn + n;
    this.st = d * this.st + t;
    this.snn = d * this.snn + n * n;
    this.snt = d * this.snt + n * t;
  }

  get measured(): boolean {
    return this.sw > 0;
  }

  /** Intercept a (seconds) and slope b (seconds per token), both >= 0. */
  coefficients(): { a: number; b: number } {
    if (this.sw === 0) return { a: 0, b: 0 };
    const mn = this.sn / this.sw;
    const mt = this.st / this.sw;
    const varN = this.snn / this.sw - mn * mn;
    if (varN <= 1e-9 * Math.max(1, mn * mn)) return { a: 0, b: mn > 0 ? mt / mn : 0 };
    let b = (this.snt / this.sw - mn * mt) / varN;
    if (b < 0) b = 0;
    let a = mt - b * mn;
    if (a < 0) {
      a = 0;
      b = mn > 0 ? mt / mn : 0;
    }
    return { a, b };
  }

  /** Predicted seconds of an iteration of `tokens` tokens. */
  predict(tokens: number): number {
    const { a, b } = this.coefficients();
    return a + b * tokens;
  }

  /** The most tokens an iteration may hold to finish within `seconds` (Infinity when unmeasured). */
  tokensWithin(seconds: number): number {
    if (!this.measured) return Number.POSITIVE_INFINITY;
    const { a, b } = this.coefficients();
    if (seconds <= a) return 0;
    return b > 0 ? Math.floor((seconds - a) / b) : Number.POSITIVE_INFINITY;
  }
}
